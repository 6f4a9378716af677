"""Sending: one reminder (or a batch) exactly once.

Exactly once, in three steps:
1. In a transaction (reminder row and customer row locked): check paid, opt-outs, quiet hours, caps; record the
   attempt (an OutboundMessage `pending`, the reminder's `attempt_started_at`). Committed before calling out.
2. Call the provider, outside any transaction.
3. Store the provider's id on the message, then the reminder's status (one transaction).
A row whose message has a provider id is never sent again. An attempt whose outcome is unknown (worker killed
between 2 and 3, or a time-out) is first looked up at the provider (`find_sent`) and only sent when not found.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from customers.api import pii_hash
from loans.models import Loan
from messaging import api as messaging
from messaging.api import MessagingBackend, SendError, SendResult, TransientSendError, get_backend
from messaging.models import OutboundMessage
from reminders import rules, templating
from reminders.models import Reminder
from reminders.planning import stale_seconds
from reminders.services.caps import _BatchCaps, _cap_reached
from reminders.services.outcomes import (
    OPEN_STATUSES,
    _fail_permanently,
    _record_accepted,
    _retry_later,
    _skip,
    _write_statuses,
)
from reminders.services.texts import _body_hash, _template_for

logger = logging.getLogger(__name__)


@dataclass
class Attempt:
    """A reminder ready to go out: its message row (saved or not yet), the text and where it goes."""

    reminder: Reminder
    message: OutboundMessage
    to: str
    body: str
    context: dict
    template_code: str
    language: str


def _check_and_prepare(reminder: Reminder, *, backend, now: datetime, cap_reached) -> Attempt | str:
    """Run the send-time rules on a locked reminder; an Attempt to send, or the outcome when nothing is sent.

    `cap_reached(customer, to_hash, body_hash, channel, exclude_pk)` answers the frequency caps.
    """
    if reminder.status not in OPEN_STATUSES:
        return "done"
    message = reminder.outbound_message
    outcome = _earlier_attempt_outcome(reminder, message, now)
    if outcome is None:
        outcome = _send_time_rules_outcome(reminder, now)
    if outcome is None and _unknown_outcome(message):
        outcome = _adopt_if_sent(reminder, message, backend=backend, now=now)
    if outcome is not None:
        return outcome
    return _prepare_attempt(reminder, message, backend=backend, now=now, cap_reached=cap_reached)


def _unknown_outcome(message: OutboundMessage | None) -> bool:
    """An earlier attempt whose answer was never stored (worker killed, time-out)."""
    return message is not None and message.status == OutboundMessage.Status.PENDING


def _earlier_attempt_outcome(reminder: Reminder, message: OutboundMessage | None, now: datetime) -> str | None:
    """What an earlier attempt decides: accepted already (never send again) or still in flight; None to go on."""
    if message is not None and message.provider_id:
        # The provider accepted it already: record that, never send again.
        _record_accepted(reminder, message, message.status, now)
        return "already_sent"
    if (
        _unknown_outcome(message)
        and not message.error_code
        and reminder.attempt_started_at
        and reminder.attempt_started_at > now - timedelta(seconds=stale_seconds())
    ):
        return "in_flight"  # another worker is on it; the sweeper comes back after the stale time
    return None


def _send_time_rules_outcome(reminder: Reminder, now: datetime) -> str | None:
    """Paid, loan closed, opted out (skipped) or quiet hours (held); None when the reminder may go out now."""
    installment = reminder.installment
    customer = reminder.customer
    if installment.status == "paid" or installment.outstanding <= 0 or not installment.is_current:
        return _skip(reminder, Reminder.SkipReason.PAID, now)
    if installment.loan.status not in Loan.Status.open_statuses():
        return _skip(reminder, Reminder.SkipReason.LOAN_CLOSED, now)
    channel = reminder.channel
    if (channel == OutboundMessage.Channel.SMS and customer.sms_opt_out) or (
        channel == OutboundMessage.Channel.VOICE and customer.voice_opt_out
    ):
        return _skip(reminder, Reminder.SkipReason.OPTED_OUT, now)
    if rules.is_quiet(now):
        reminder.status = Reminder.Status.PLANNED
        reminder.planned_for = rules.next_window_open(now)
        reminder.hold_reason = Reminder.HoldReason.QUIET_HOURS
        reminder.status_changed_at = now
        reminder.save()
        return "held:quiet_hours"
    return None


def _adopt_if_sent(reminder: Reminder, message: OutboundMessage, *, backend, now: datetime) -> str | None:
    """Look an attempt of unknown outcome up at the provider: adopt it when found, retry later when the provider
    cannot answer; None when it was not sent (send it now)."""
    try:
        found = messaging.message_find_sent(message=message, to=reminder.customer.mobile, backend=backend)
    except TransientSendError as exc:
        _retry_later(reminder, message, exc, now)
        return "retry"
    if not found:
        return None
    _record_accepted(reminder, message, message.status, now)
    return "adopted"


def _prepare_attempt(
    reminder: Reminder, message: OutboundMessage | None, *, backend, now: datetime, cap_reached
) -> Attempt | str:
    """Render the text, check the caps, and fill in the attempt (message `pending`, reminder `sending`)."""
    installment = reminder.installment
    customer = reminder.customer
    channel = reminder.channel
    to = customer.mobile
    to_hash = pii_hash(to)
    language = customer.preferred_language or "zh-hans"
    offset = reminder.step.offset_days if reminder.step_id else 0
    installment.loan.customer = customer
    context = templating.context_for_installment(installment, offset)
    body_template, template_code = _template_for(reminder, language)
    body = templating.render_body(body_template, context)
    body_hash = _body_hash(body)
    if cap_reached(customer, to_hash, body_hash, channel, message.pk if message else None):
        return _skip(reminder, Reminder.SkipReason.CAP, now)
    message = messaging.message_attempt_fill(
        message=message,
        channel=channel,
        purpose=OutboundMessage.Purpose.REMINDER,
        customer=customer,
        to=to,
        body=body,
        language=language,
        template_code=template_code,
        provider=backend.name,
        now=now,
    )
    reminder.attempts += 1
    reminder.attempt_started_at = now
    reminder.status = Reminder.Status.SENDING
    reminder.status_changed_at = now
    return Attempt(reminder, message, to, body, context, template_code, language)


def _locked_reminders(ids):
    """The reminders and their customers (caps are per customer), locked, in one query."""
    return (
        Reminder.objects.select_for_update(of=("self", "customer"))
        .select_related("outbound_message", "step", "installment__loan", "customer")
        .filter(pk__in=ids)
        .order_by("id")
    )


def reminder_send(*, reminder_id: int, backend: MessagingBackend | None = None) -> str:
    """Send one reminder if it still needs sending; returns what happened (for logs and tests). Safe to run twice."""
    backend = backend or get_backend()
    now = timezone.now()

    def cap_reached(customer, to_hash, body_hash, channel, exclude_pk):
        return _cap_reached(
            customer=customer, to_hash=to_hash, body_hash=body_hash, channel=channel, exclude_pk=exclude_pk, now=now
        )

    with transaction.atomic():
        reminder = _locked_reminders([reminder_id]).first()
        if reminder is None:
            return "done"
        attempt = _check_and_prepare(reminder, backend=backend, now=now, cap_reached=cap_reached)
        if isinstance(attempt, str):
            return attempt
        attempt.message.save()
        reminder.outbound_message = attempt.message
        reminder.save()
    # The attempt is committed: whatever happens now, the next try looks before it sends.
    return _deliver(attempt, backend)


def reminders_send_many(*, reminder_ids: list[int], backend: MessagingBackend | None = None) -> list[str]:
    """Send a batch: the same rules and order as `reminder_send`, with the checks and attempts of the whole batch
    in one transaction (a handful of queries instead of a dozen per reminder); then each message goes out and its
    provider id is stored at once."""
    backend = backend or get_backend()
    now = timezone.now()
    outcomes: dict[int, str] = {}
    attempts: list[Attempt] = []
    with transaction.atomic():
        reminders = list(_locked_reminders(reminder_ids))
        caps = _BatchCaps(reminders, now)
        for reminder in reminders:
            result = _check_and_prepare(reminder, backend=backend, now=now, cap_reached=caps)
            if isinstance(result, str):
                outcomes[reminder.pk] = result
            else:
                attempts.append(result)
        new = [a.message for a in attempts if a.message.pk is None]
        OutboundMessage.objects.bulk_create(new)
        for attempt in attempts:
            if attempt.message not in new:
                attempt.message.save()
            attempt.reminder.outbound_message = attempt.message
        Reminder.objects.bulk_update(
            [a.reminder for a in attempts],
            ["outbound_message", "attempts", "attempt_started_at", "status", "status_changed_at"],
        )
    pending_status: dict[str, list[int]] = {}
    try:
        for attempt in attempts:
            try:
                outcomes[attempt.reminder.pk] = _deliver(attempt, backend, pending_status=pending_status)
            except Exception:  # noqa: BLE001 — one failed send must not lose the batch's statuses; the sweeper retries it
                logger.exception("reminder %s: send failed; the sweeper takes it up again", attempt.reminder.pk)
                outcomes[attempt.reminder.pk] = "error"
    finally:
        # Statuses of the batch in one statement per status; their provider ids are stored already, so a crash
        # before this line only leaves rows in `sending` that the sweeper marks sent without sending again.
        _write_statuses(pending_status, timezone.now())
    return [outcomes.get(i, "done") for i in reminder_ids]


def _deliver(attempt: Attempt, backend, *, pending_status: dict | None = None) -> str:
    """Call the provider for a committed attempt, then store its id, then the reminder's status.

    With `pending_status` (a batch), the status of plain successes is collected there and written for the whole
    batch at the end (`_write_statuses`); the provider id is always stored at once.
    """
    reminder_id = attempt.reminder.pk
    message = attempt.message
    try:
        result = messaging.provider_send(
            message=message,
            to=attempt.to,
            body=attempt.body,
            say_language=templating.say_language(attempt.language),
            template_code=attempt.template_code,
            params=attempt.context,
            backend=backend,
        )
    except SendError as exc:
        if exc.provider_id:  # refused after creating it: the id is what matters
            result = SendResult(provider_id=exc.provider_id, status="failed" if not exc.transient else "queued")
        elif exc.transient:
            with transaction.atomic():
                reminder = Reminder.objects.select_for_update().get(pk=reminder_id)
                _retry_later(reminder, message, exc, timezone.now())
            return "retry"
        else:
            _fail_permanently(reminder_id=reminder_id, message=message, error=exc)
            return "failed"
    # Step 3: the provider's id is stored first (its own statement); from then on the row is never sent again.
    now = timezone.now()
    messaging.message_accepted(message=message, result=result, now=now)
    target = rules.REMINDER_STATUS_FOR.get(message.status, Reminder.Status.SENT)
    if target in rules.UNANSWERED_CALL_STATUSES:
        with transaction.atomic():
            reminder = Reminder.objects.select_for_update().get(pk=reminder_id)
            _record_accepted(reminder, message, message.status, now)
        return "sent"
    if pending_status is not None:
        pending_status.setdefault(target, []).append(reminder_id)
        return "sent"
    _write_statuses({target: [reminder_id]}, now)
    return "sent"
