"""Callback visits (回访) scheduled by the complaints app: the supervisor's list and recording the outcome.

Writes go through `complaints.services.callback_visit_complete` when the complaints app provides it; until then a
small local service updates the same fields.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from aftersales import permissions as roles
from aftersales.audit import audit_log
from staff import selectors
from staff.kpis import model_or_none


def _visits(user):
    CallbackVisit = model_or_none("complaints.CallbackVisit")
    if CallbackVisit is None:
        return None
    qs = CallbackVisit.objects.select_related("complaint", "assigned_to", "complaint__customer")
    if not roles.has_role(user, roles.MANAGER):
        ids = selectors.visible_staff_ids(user) or []
        from django.db.models import Q

        qs = qs.filter(Q(assigned_to__in=ids) | Q(assigned_to__isnull=True) | Q(complaint__assigned_to__in=ids))
    return qs


def callback_visits_for(user):
    """(open visits by date, the 20 most recently completed, whether the complaints app provides visits)."""
    qs = _visits(user)
    if qs is None:
        return [], [], False
    open_visits = list(qs.filter(completed_at__isnull=True).order_by("scheduled_for", "id")[:200])
    done = list(qs.filter(completed_at__isnull=False).order_by("-completed_at")[:20])
    for visit in open_visits + done:
        visit.complaint_url = selectors._url("complaints:detail", visit.complaint_id)
    return open_visits, done, True


def callback_visit_get(pk: int):
    CallbackVisit = model_or_none("complaints.CallbackVisit")
    if CallbackVisit is None:
        return None
    return CallbackVisit.objects.filter(pk=pk).select_related("complaint").first()


def callback_visit_record(*, visit, outcome: str, customer_satisfied: bool, actor, request=None):
    """Record the outcome of a callback visit once."""
    try:
        from complaints.services import callback_visit_complete
    except ImportError:
        callback_visit_complete = None
    if callback_visit_complete is not None:
        with transaction.atomic():
            return callback_visit_complete(
                visit=visit,
                actor=actor,
                outcome=outcome.strip(),
                customer_satisfied=customer_satisfied,
                request=request,
            )
    with transaction.atomic():
        visit = type(visit).objects.select_for_update().get(pk=visit.pk)
        if visit.completed_at is not None:
            raise ValidationError(_("This callback visit was already recorded."))
        visit.completed_at = timezone.now()
        visit.outcome = outcome.strip()
        visit.customer_satisfied = customer_satisfied
        visit.full_clean()
        visit.save(update_fields=["completed_at", "outcome", "customer_satisfied"])
        audit_log(
            actor=actor,
            action="callback_visit_complete",
            obj=visit,
            changes={"customer_satisfied": [None, customer_satisfied]},
            request=request,
        )
        return visit
