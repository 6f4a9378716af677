"""Callback visits (回访): scheduled when a complaint closes, and the one place their outcome is recorded.

Every page that records a visit (the complaint page and the staff app's callback list) posts to
`complaints:callback_complete`, which calls `callback_visit_complete`: one write path, one audit action.
"""

from __future__ import annotations

from datetime import date

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from aftersales.audit import audit_log
from complaints.models import CallbackVisit, Complaint
from complaints.selectors import calendar_load
from complaints.services.common import CALLBACK_AFTER_BUSINESS_DAYS
from org.models import StaffProfile

__all__ = ["CALLBACK_VISIT_COMPLETE", "callback_visit_schedule", "callback_visit_complete"]

# The audit action of a recorded callback visit (the only one: logged on the complaint).
CALLBACK_VISIT_COMPLETE = "complaint_callback_complete"


def _callback_assignee(complaint: Complaint) -> AbstractBaseUser | None:
    """Whoever calls back should not be who handled it: the handler's team supervisor when there is one."""
    if complaint.assigned_to_id:
        profile = StaffProfile.objects.select_related("team").filter(user_id=complaint.assigned_to_id).first()
        if profile and profile.team_id and profile.team.supervisor_id:
            return profile.team.supervisor
    return None


def callback_visit_schedule(*, complaint: Complaint, closed_on: date) -> CallbackVisit:
    """Schedule the callback visit of a complaint closed that day, three business days later."""
    visit = CallbackVisit(
        complaint=complaint,
        scheduled_for=calendar_load(closed_on).add_business_days(closed_on, CALLBACK_AFTER_BUSINESS_DAYS),
        assigned_to=_callback_assignee(complaint),
    )
    visit.full_clean()
    visit.save()
    return visit


@transaction.atomic
def callback_visit_complete(
    *,
    visit: CallbackVisit,
    actor: AbstractBaseUser,
    outcome: str,
    customer_satisfied: bool | None,
    request: HttpRequest | None = None,
) -> CallbackVisit:
    """Record the callback visit's outcome once; a second record is refused with a ValidationError."""
    visit = CallbackVisit.objects.select_for_update().get(pk=visit.pk)
    if visit.completed_at is not None:
        raise ValidationError(_("This callback visit was already recorded."))
    visit.completed_at = timezone.now()
    visit.outcome = outcome.strip()
    visit.customer_satisfied = customer_satisfied
    visit.full_clean()
    visit.save()
    audit_log(
        actor=actor,
        action=CALLBACK_VISIT_COMPLETE,
        obj=visit.complaint,
        changes={"customer_satisfied": [None, customer_satisfied]},
        request=request,
    )
    return visit
