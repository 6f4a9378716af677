"""Four eyes (maker/checker): whoever requested a waiver, a restructuring step or a deadline extension never
decides it, superusers included (SPEC §10).

Services call `four_eyes_check` before they change anything. It raises `FourEyesRefused` (a
`PermissionDenied`, so a forged POST answers 403). `FourEyesRefusalMiddleware` writes the refusal to the audit
log after the service's transaction has rolled back (an entry written inside it would be rolled back too)
and renders the 403 page with the reason. Pages call `four_eyes_conflict` to hide the button and say why.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

REFUSAL_ACTION = "four_eyes_refused"

# Why the person may not decide; the page shows this text instead of the button.
REASON_REQUESTED = _("You requested this, so someone else must decide it.")
REASON_EARLIER_STEP = _("You took an earlier step of this approval, so someone else must take this one.")
REASON_HANDLER = _("You handle this case, so someone else must approve its extension.")


def _pk(user: Any) -> Any:
    return getattr(user, "pk", user)


def four_eyes_conflict(*, actor: Any, involved: Iterable[Any]) -> bool:
    """True when the actor is one of the people already involved (requester, earlier approvers, handler)."""
    actor_pk = _pk(actor)
    if actor_pk is None:
        return False
    return any(_pk(person) == actor_pk for person in involved if person is not None and _pk(person) is not None)


class FourEyesRefused(PermissionDenied):
    """The actor may not take this step because they are already involved in it."""

    def __init__(self, *, action: str, obj: Any, actor: Any, message: Any = REASON_REQUESTED):
        super().__init__(str(message))
        self.action = action
        self.obj = obj
        self.actor = actor
        self.message = message


def four_eyes_check(
    *, actor: Any, involved: Iterable[Any], action: str, obj: Any, message: Any = REASON_REQUESTED
) -> None:
    """Raise FourEyesRefused when the actor is among the people already involved."""
    if four_eyes_conflict(actor=actor, involved=involved):
        raise FourEyesRefused(action=action, obj=obj, actor=actor, message=message)


def four_eyes_refusal_record(*, refusal: FourEyesRefused, request=None):
    """Append the refusal to the audit log (outside the refused service's transaction)."""
    from aftersales.audit import audit_log

    obj = refusal.obj if hasattr(refusal.obj, "_meta") else None
    return audit_log(
        actor=refusal.actor,
        action=REFUSAL_ACTION,
        obj=obj,
        changes={"step": refusal.action},
        reason=str(refusal.message),
        request=request,
    )


class FourEyesRefusalMiddleware:
    """Turns a FourEyesRefused raised by a view into an audit entry and a 403 page that says why."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, FourEyesRefused):
            return None
        four_eyes_refusal_record(refusal=exception, request=request)
        return render(request, "403.html", {"reason": exception.message}, status=403)
