"""Assignment: an agent's claim (race-safe), automatic assignment to the least-loaded agent on duty, reassignment."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction
from django.db.models import Case, F, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from aftersales.audit import audit_log
from aftersales.models import Notification
from aftersales.notifications import notification_send
from inquiries import selectors
from inquiries.models import Inquiry
from inquiries.services.common import ClaimLost, event_add, user_display, username_of

if TYPE_CHECKING:
    from django.contrib.auth.models import User
    from django.http import HttpRequest


def inquiry_claim(*, inquiry: Inquiry, user: User, request: HttpRequest | None = None) -> Inquiry:
    """Take an unassigned inquiry. Race-safe: one conditional UPDATE; the loser gets ClaimLost with the owner."""
    now = timezone.now()
    with transaction.atomic():
        won = (
            Inquiry.objects.filter(pk=inquiry.pk, assigned_to__isnull=True)
            .exclude(status=Inquiry.Status.RESOLVED)
            .update(
                assigned_to=user,
                assigned_at=now,
                status=Case(When(status=Inquiry.Status.NEW, then=Value(Inquiry.Status.OPEN)), default=F("status")),
            )
        )
        if won == 1:
            audit_log(actor=user, action="inquiry_claim", obj=inquiry, request=request)
            event_add(inquiry, _("Claimed by %(user)s.") % {"user": user_display(user)}, author=user, at=now)
    inquiry.refresh_from_db()
    if won != 1:
        raise ClaimLost(inquiry.assigned_to)
    return inquiry


def inquiry_auto_assign(*, inquiry: Inquiry, exclude_user_ids: tuple[int, ...] = ()) -> User | None:
    """Give an unassigned inquiry to the on-duty agent with the fewest open inquiries; returns the agent or None."""
    agent = selectors.agent_least_loaded(exclude_user_ids=exclude_user_ids)
    if agent is None:
        return None
    now = timezone.now()
    with transaction.atomic():
        won = (
            Inquiry.objects.filter(pk=inquiry.pk, assigned_to__isnull=True)
            .exclude(status=Inquiry.Status.RESOLVED)
            .update(
                assigned_to=agent,
                assigned_at=now,
                status=Case(When(status=Inquiry.Status.NEW, then=Value(Inquiry.Status.OPEN)), default=F("status")),
            )
        )
        if won:
            audit_log(action="inquiry_auto_assign", obj=inquiry, changes={"assigned_to": agent.get_username()})
            event_add(inquiry, _("Assigned automatically to %(user)s.") % {"user": user_display(agent)}, at=now)
    return agent if won else None


@transaction.atomic
def inquiry_assign(
    *, inquiry: Inquiry, to_user: User | None, actor: User, reason: str = "", request: HttpRequest | None = None
) -> Inquiry:
    """Reassign an inquiry (supervisor); to_user None puts it back in the unassigned queue."""
    inquiry = Inquiry.objects.select_for_update().get(pk=inquiry.pk)
    before = inquiry.assigned_to
    inquiry.assigned_to = to_user
    inquiry.assigned_at = timezone.now() if to_user else None
    if to_user and inquiry.status == Inquiry.Status.NEW:
        inquiry.status = Inquiry.Status.OPEN
    inquiry.save(update_fields=["assigned_to", "assigned_at", "status"])
    audit_log(
        actor=actor,
        action="inquiry_reassign",
        obj=inquiry,
        changes={"assigned_to": [username_of(before), username_of(to_user)]},
        reason=reason,
        request=request,
    )
    if to_user:
        text = _("Reassigned to %(user)s.") % {"user": user_display(to_user)}
    else:
        text = _("Returned to the unassigned queue.")
    event_add(inquiry, text + (" " + reason if reason else ""), author=actor)
    if to_user and to_user != actor:
        notification_send(
            recipients=[to_user],
            message=_("Inquiry %(ref)s was assigned to you.") % {"ref": inquiry.reference},
            link=inquiry.get_absolute_url(),
            level=Notification.Level.INFO,
        )
    return inquiry
