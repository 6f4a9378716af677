"""An agent's "send reminder now" from the loan's reminders page, and the sentence that says what it did."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from aftersales.audit import audit_log
from loans.models import Installment
from reminders.models import Reminder
from reminders.services.sending import reminder_send


def reminder_send_now(
    *, installment: Installment, channel: str, actor: AbstractBaseUser, request: HttpRequest | None = None
) -> Reminder:
    """An agent's "send reminder now": the same checks as the worker (paid, quiet hours, opt-outs, caps), audited."""
    now = timezone.now()
    reminder = Reminder.objects.create(
        installment=installment,
        loan_id=installment.loan_id,
        customer_id=installment.loan.customer_id,
        step=None,
        channel=channel,
        status=Reminder.Status.SENDING,
        planned_for=now,
        dispatched_at=now,
        requested_by=actor,
        created_at=now,
        status_changed_at=now,
    )
    outcome = reminder_send(reminder_id=reminder.pk)
    reminder.refresh_from_db()
    audit_log(
        actor=actor,
        action="reminder_send_now",
        obj=reminder,
        changes={"channel": channel, "installment": installment.pk, "outcome": outcome, "status": reminder.status},
        request=request,
    )
    return reminder


def outcome_text(reminder: Reminder) -> str:
    """A sentence for the agent about what "send now" did."""
    if reminder.status == Reminder.Status.SKIPPED:
        return _("Not sent: %(reason)s.") % {"reason": reminder.get_skip_reason_display()}
    if reminder.status == Reminder.Status.PLANNED and reminder.hold_reason == Reminder.HoldReason.QUIET_HOURS:
        return _("Quiet hours: the reminder will be sent at %(time)s.") % {
            "time": timezone.localtime(reminder.planned_for).strftime("%Y-%m-%d %H:%M")
        }
    if reminder.status == Reminder.Status.PLANNED:
        return _("The provider is busy: the reminder will be retried shortly.")
    if reminder.status == Reminder.Status.FAILED:
        return _("The provider refused the reminder; a contact-data task was opened.")
    return _("Reminder sent (%(status)s).") % {"status": reminder.get_status_display()}
