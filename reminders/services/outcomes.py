"""What becomes of a reminder after a check or an attempt: skipped, accepted, retried later, failed (with a
contact-data task), and the SMS that follows an unanswered call."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from messaging.api import SendError, message_failed
from messaging.models import OutboundMessage
from reminders import rules
from reminders.models import ContactDataTask, Reminder
from reminders.services.contact_tasks import contact_task_open
from reminders.services.opt_out import _sms_opt_out

logger = logging.getLogger(__name__)


OPEN_STATUSES = (Reminder.Status.PLANNED, Reminder.Status.SENDING)


PERMANENT_REASONS = {
    "21211": ContactDataTask.Reason.INVALID_NUMBER,
    "21214": ContactDataTask.Reason.INVALID_NUMBER,
    "21217": ContactDataTask.Reason.INVALID_NUMBER,
    "21614": ContactDataTask.Reason.NOT_MOBILE,
    "21610": ContactDataTask.Reason.UNSUBSCRIBED,
}


def _set_status(reminder: Reminder, status: str, now: datetime) -> None:
    reminder.status = status
    reminder.status_changed_at = now
    if status in (Reminder.Status.SENT,) or (status in rules.FINAL_REMINDER_STATUSES and status != "skipped"):
        reminder.sent_at = reminder.sent_at or now
    if status in rules.FINAL_REMINDER_STATUSES:
        reminder.finished_at = now


def _skip(reminder: Reminder, reason: str, now: datetime) -> str:
    _set_status(reminder, Reminder.Status.SKIPPED, now)
    reminder.skip_reason = reason
    reminder.hold_reason = ""
    reminder.save()
    return f"skipped:{reason}"


def _write_statuses(by_status: dict[str, list[int]], now: datetime) -> None:
    """Then the status, only where nothing (a fast status callback) has moved the row on already."""
    for target, ids in by_status.items():
        final = target in rules.FINAL_REMINDER_STATUSES
        Reminder.objects.filter(pk__in=ids, status__in=OPEN_STATUSES).update(
            status=target,
            sent_at=now,
            finished_at=now if final else None,
            status_changed_at=now,
            hold_reason="",
            last_error="",
        )


def _record_accepted(reminder: Reminder, message: OutboundMessage, provider_status: str, now: datetime) -> None:
    """The provider has the message: move the reminder to the matching status (never backwards)."""
    status = rules.REMINDER_STATUS_FOR.get(provider_status, Reminder.Status.SENT)
    if not rules.moves_forward(rules.REMINDER_RANK, reminder.status, status):
        status = Reminder.Status.SENT if reminder.status in OPEN_STATUSES else reminder.status
    if status != reminder.status:
        _set_status(reminder, status, now)
    reminder.hold_reason = ""
    reminder.last_error = ""
    reminder.save()
    if reminder.channel == OutboundMessage.Channel.VOICE and status in rules.UNANSWERED_CALL_STATUSES:
        _plan_sms_fallback(reminder, now)


def _retry_later(reminder: Reminder, message: OutboundMessage, error: SendError, now: datetime) -> None:
    """A transient error: back to planned with a short backoff, or failed after the last attempt."""
    timed_out = error.code == "timeout"
    message_failed(message=message, error=error, now=now, outcome_unknown=timed_out)
    reminder.last_error = str(error)[:300]
    if reminder.attempts >= settings.REMINDER_MAX_ATTEMPTS and not timed_out:
        _set_status(reminder, Reminder.Status.FAILED, now)
        reminder.hold_reason = ""
    else:
        reminder.status = Reminder.Status.PLANNED
        reminder.status_changed_at = now
        reminder.planned_for = rules.next_window_open(
            now + timedelta(seconds=rules.retry_delay_seconds(reminder.attempts))
        )
        reminder.hold_reason = Reminder.HoldReason.RETRY
    reminder.save()


def _fail_permanently(*, reminder_id: int, message: OutboundMessage, error: SendError) -> None:
    """A permanent refusal: the reminder fails and an agent gets a task to fix the contact data."""
    now = timezone.now()
    with transaction.atomic():
        reminder = Reminder.objects.select_for_update(of=("self",)).select_related("customer").get(pk=reminder_id)
        message_failed(message=message, error=error, now=now)
        _set_status(reminder, Reminder.Status.FAILED, now)
        reminder.last_error = str(error)[:300]
        reminder.hold_reason = ""
        reminder.save()
        reason = PERMANENT_REASONS.get(error.code, ContactDataTask.Reason.UNREACHABLE)
        contact_task_open(
            customer=reminder.customer,
            reason=reason,
            reminder=reminder,
            error_code=error.code,
            number_masked=message.to_masked,
        )
        if reason == ContactDataTask.Reason.UNSUBSCRIBED and reminder.channel == OutboundMessage.Channel.SMS:
            _sms_opt_out(reminder.customer)


def _plan_sms_fallback(call_reminder: Reminder, now: datetime) -> None:
    """An unanswered call is followed by an SMS for the same step (at most one: the unique constraint)."""
    if Reminder.objects.filter(fallback_for=call_reminder).exists():
        return
    planned_for = rules.next_window_open(now)
    try:
        with transaction.atomic():
            Reminder.objects.create(
                installment_id=call_reminder.installment_id,
                loan_id=call_reminder.loan_id,
                customer_id=call_reminder.customer_id,
                step_id=call_reminder.step_id,
                channel=OutboundMessage.Channel.SMS,
                planned_for=planned_for,
                hold_reason=Reminder.HoldReason.QUIET_HOURS if planned_for != now else "",
                fallback_for=call_reminder,
                created_at=now,
                status_changed_at=now,
            )
    except IntegrityError:
        pass  # planned already (a duplicate callback)
