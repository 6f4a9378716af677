"""Writes for reminders: send one reminder exactly once, apply provider status callbacks, contact-data tasks,
STOP replies, and the agent's "send reminder now".

Exactly once, in three steps:
1. In a transaction (reminder row and customer row locked): check paid, opt-outs, quiet hours, caps; record the
   attempt (an OutboundMessage `pending`, the reminder's `attempt_started_at`). Committed before calling out.
2. Call the provider, outside any transaction.
3. Store the provider's id on the message, then the reminder's status (one transaction).
A row whose message has a provider id is never sent again. An attempt whose outcome is unknown (worker killed
between 2 and 3, or a time-out) is first looked up at the provider (`find_sent`) and only sent when not found.
"""

from __future__ import annotations

import hashlib
import logging
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from aftersales.audit import audit_log
from customers import crypto
from customers.selectors import customer_match
from customers.validators import mask_mobile
from loans.models import Loan
from reminders import rules, templating
from reminders.backends import SendError, SendResult, StatusUpdate, TransientSendError, get_backend
from reminders.messaging import status_callback_url
from reminders.models import ContactDataTask, OutboundMessage, Reminder
from reminders.planning import stale_seconds

logger = logging.getLogger(__name__)

MAX_ATTEMPTS_DEFAULT = 8
STOP_WORDS = {"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "TD", "退订", "取消", "T"}
PERMANENT_REASONS = {
    "21211": ContactDataTask.Reason.INVALID_NUMBER,
    "21214": ContactDataTask.Reason.INVALID_NUMBER,
    "21217": ContactDataTask.Reason.INVALID_NUMBER,
    "21614": ContactDataTask.Reason.NOT_MOBILE,
    "21610": ContactDataTask.Reason.UNSUBSCRIBED,
}
OPEN_STATUSES = (Reminder.Status.PLANNED, Reminder.Status.SENDING)


def _body_hash(body: str) -> str:
    return hashlib.sha256(body.encode()).hexdigest()


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


# Step templates change rarely (admin); a worker keeps them this long instead of reading them per message.
TEMPLATE_CACHE_SECONDS = 30
_template_cache: dict[int, tuple[float, dict]] = {}


def _step_templates(step_id: int) -> dict:
    now = time.monotonic()
    cached = _template_cache.get(step_id)
    if cached is None or now - cached[0] > TEMPLATE_CACHE_SECONDS:
        from reminders.models import MessageTemplate

        cached = (now, {t.language: t for t in MessageTemplate.objects.filter(step_id=step_id)})
        _template_cache[step_id] = cached
    return cached[1]


def _template_for(reminder: Reminder, language: str):
    """(body, provider template code) for the step in the customer's language, else the other, else the default."""
    templates = _step_templates(reminder.step_id) if reminder.step_id else {}
    template = templates.get(language) or next(iter(templates.values()), None)
    if template is not None:
        return template.body, template.provider_template_code
    return templating.DEFAULT_BODIES.get(language, templating.DEFAULT_BODIES["zh-hans"]), ""


def _cap_reached(*, customer, to_hash: str, body_hash: str, channel: str, exclude_pk, now: datetime) -> bool:
    """The frequency caps of SPEC §6 (settings), counted over attempts the provider accepted or may have.

    One query: contacts with the customer today (local day, across loans), calls to the number today, and the
    same text to the same number in the last 24 hours.
    """
    day_start = rules.local_day_start(now)
    last_24h = now - timedelta(hours=24)
    counted = OutboundMessage.objects.filter(Q(customer=customer) | Q(to_hash=to_hash)).filter(
        created_at__gte=min(day_start, last_24h)
    )
    counted = counted.exclude(status=OutboundMessage.Status.FAILED, provider_id__isnull=True)
    if exclude_pk:
        counted = counted.exclude(pk=exclude_pk)
    figures = counted.aggregate(
        per_customer=Count(
            "id",
            filter=Q(customer=customer, purpose=OutboundMessage.Purpose.REMINDER, created_at__gte=day_start),
        ),
        calls=Count("id", filter=Q(to_hash=to_hash, channel=OutboundMessage.Channel.VOICE, created_at__gte=day_start)),
        same_text=Count("id", filter=Q(to_hash=to_hash, body_hash=body_hash, created_at__gte=last_24h)),
    )
    if figures["per_customer"] >= settings.REMINDER_MAX_CONTACTS_PER_CUSTOMER_PER_DAY:
        return True
    if channel == OutboundMessage.Channel.VOICE and figures["calls"] >= settings.REMINDER_MAX_CALLS_PER_NUMBER_PER_DAY:
        return True
    return figures["same_text"] >= settings.REMINDER_MAX_SAME_TEXT_PER_24H


def _known_ids(to_hash: str, since: datetime) -> set[str]:
    return set(
        OutboundMessage.objects.filter(to_hash=to_hash, created_at__gte=since - timedelta(days=1))
        .exclude(provider_id__isnull=True)
        .values_list("provider_id", flat=True)
    )


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
    if message is not None and message.provider_id:
        # The provider accepted it already: record that, never send again.
        _record_accepted(reminder, message, message.status, now)
        return "already_sent"
    unknown_outcome = message is not None and message.status == OutboundMessage.Status.PENDING
    if (
        unknown_outcome
        and not message.error_code
        and reminder.attempt_started_at
        and reminder.attempt_started_at > now - timedelta(seconds=stale_seconds())
    ):
        return "in_flight"  # another worker is on it; the sweeper comes back after the stale time
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
    to = customer.mobile
    to_hash = crypto.pii_hash(to)
    if unknown_outcome:
        try:
            found = backend.find_sent(
                channel=channel,
                to=to,
                body=message.body,
                since=message.created_at,
                exclude=_known_ids(to_hash, message.created_at),
            )
        except TransientSendError as exc:
            _retry_later(reminder, message, exc, now)
            return "retry"
        if found:
            message.provider_id = found
            message.status = OutboundMessage.Status.QUEUED
            message.status_changed_at = now
            message.save(update_fields=["provider_id", "status", "status_changed_at"])
            _record_accepted(reminder, message, message.status, now)
            return "adopted"
    language = customer.preferred_language or "zh-hans"
    offset = reminder.step.offset_days if reminder.step_id else 0
    installment.loan.customer = customer
    context = templating.context_for_installment(installment, offset)
    body_template, template_code = _template_for(reminder, language)
    body = templating.render_body(body_template, context)
    body_hash = _body_hash(body)
    if cap_reached(customer, to_hash, body_hash, channel, message.pk if message else None):
        return _skip(reminder, Reminder.SkipReason.CAP, now)
    if message is None:
        message = OutboundMessage(
            channel=channel, purpose=OutboundMessage.Purpose.REMINDER, customer=customer, provider=backend.name
        )
    message.to_number = to
    message.to_hash = to_hash
    message.to_masked = mask_mobile(to)
    message.body = body
    message.body_hash = body_hash
    message.language = language
    message.template_code = template_code
    message.status = OutboundMessage.Status.PENDING
    message.error_code = ""
    message.error_message = ""
    message.status_changed_at = now
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


def reminder_send(*, reminder_id: int, backend=None) -> str:
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


class _BatchCaps:
    """The frequency caps for a whole batch from one query, counting the batch's own attempts as they are made."""

    def __init__(self, reminders: list[Reminder], now: datetime):
        self.now = now
        self.day_start = rules.local_day_start(now)
        self.last_24h = now - timedelta(hours=24)
        customers = {r.customer_id for r in reminders}
        hashes = {crypto.pii_hash(r.customer.mobile) for r in reminders}
        self.rows = list(
            OutboundMessage.objects.filter(Q(customer_id__in=customers) | Q(to_hash__in=hashes))
            .filter(created_at__gte=min(self.day_start, self.last_24h))
            .exclude(status=OutboundMessage.Status.FAILED, provider_id__isnull=True)
            .values_list("id", "customer_id", "to_hash", "body_hash", "channel", "purpose", "created_at")
        )

    def __call__(self, customer, to_hash, body_hash, channel, exclude_pk) -> bool:
        per_customer = calls = same_text = 0
        for pk, customer_id, row_hash, row_body, row_channel, purpose, created in self.rows:
            if pk is not None and pk == exclude_pk:
                continue
            today = created >= self.day_start
            if customer_id == customer.pk and purpose == OutboundMessage.Purpose.REMINDER and today:
                per_customer += 1
            if row_hash == to_hash and row_channel == OutboundMessage.Channel.VOICE and today:
                calls += 1
            if row_hash == to_hash and row_body == body_hash and created >= self.last_24h:
                same_text += 1
        reached = (
            per_customer >= settings.REMINDER_MAX_CONTACTS_PER_CUSTOMER_PER_DAY
            or (channel == OutboundMessage.Channel.VOICE and calls >= settings.REMINDER_MAX_CALLS_PER_NUMBER_PER_DAY)
            or same_text >= settings.REMINDER_MAX_SAME_TEXT_PER_24H
        )
        if not reached:  # this attempt counts for the rest of the batch
            self.rows.append(
                (None, customer.pk, to_hash, body_hash, channel, OutboundMessage.Purpose.REMINDER, self.now)
            )
        return reached


def reminders_send_many(*, reminder_ids: list[int], backend=None) -> list[str]:
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
            except Exception:
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
        if message.channel == OutboundMessage.Channel.SMS:
            result = backend.send_sms(
                to=attempt.to,
                body=attempt.body,
                status_callback=_callback_url("sms"),
                template_code=attempt.template_code,
                params=attempt.context,
            )
        else:
            result = backend.place_call(
                to=attempt.to,
                say_text=attempt.body,
                language=templating.say_language(attempt.language),
                status_callback=_callback_url("voice"),
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
    message.provider_id = result.provider_id
    message.status = rules.message_status(result.status)
    message.price = result.price
    message.price_unit = result.price_unit
    message.status_changed_at = now
    message.save(update_fields=["provider_id", "status", "price", "price_unit", "status_changed_at"])
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


_callback_urls: dict[str, tuple[str, str]] = {}


def _callback_url(channel: str) -> str:
    """status_callback_url, computed once per process for the current PUBLIC_BASE_URL."""
    base = settings.PUBLIC_BASE_URL
    cached = _callback_urls.get(channel)
    if cached is None or cached[0] != base:
        cached = (base, status_callback_url(channel))
        _callback_urls[channel] = cached
    return cached[1]


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
    message.status = OutboundMessage.Status.PENDING if timed_out else OutboundMessage.Status.FAILED
    message.error_code = error.code[:16]
    message.error_message = str(error)[:300]
    message.status_changed_at = now
    message.save(update_fields=["status", "error_code", "error_message", "status_changed_at"])
    reminder.last_error = str(error)[:300]
    if reminder.attempts >= getattr(settings, "REMINDER_MAX_ATTEMPTS", MAX_ATTEMPTS_DEFAULT) and not timed_out:
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
        message.status = OutboundMessage.Status.FAILED
        message.error_code = error.code[:16]
        message.error_message = str(error)[:300]
        message.status_changed_at = now
        message.save(update_fields=["status", "error_code", "error_message", "status_changed_at"])
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


def contact_task_open(*, customer, reason: str, reminder=None, error_code: str = "", number_masked: str = ""):
    """Open a contact-data task for the customer, or return the open one for the same reason."""
    task = ContactDataTask.objects.filter(customer=customer, reason=reason, status=ContactDataTask.Status.OPEN).first()
    if task is not None:
        return task
    try:
        with transaction.atomic():
            return ContactDataTask.objects.create(
                customer=customer,
                reason=reason,
                reminder=reminder,
                error_code=error_code[:16],
                number_masked=number_masked,
            )
    except IntegrityError:
        return ContactDataTask.objects.get(customer=customer, reason=reason, status=ContactDataTask.Status.OPEN)


@transaction.atomic
def contact_task_resolve(*, task: ContactDataTask, actor, note: str, request=None) -> ContactDataTask:
    """Close a contact-data task with what was done (audit-logged)."""
    task = ContactDataTask.objects.select_for_update().get(pk=task.pk)
    if task.status == ContactDataTask.Status.DONE:
        return task
    task.status = ContactDataTask.Status.DONE
    task.note = note[:300]
    task.resolved_by = actor
    task.resolved_at = timezone.now()
    task.full_clean()
    task.save()
    audit_log(actor=actor, action="contact_task_resolve", obj=task, changes={"note": note[:300]}, request=request)
    return task


# ---- status callbacks ---------------------------------------------------------------------------------------


def message_status_apply(*, update: StatusUpdate) -> OutboundMessage | None:
    """Apply a provider status callback: statuses only move forward, the price is stored, calls fall back to SMS."""
    now = timezone.now()
    with transaction.atomic():
        message = OutboundMessage.objects.select_for_update().filter(provider_id=update.provider_id).first()
        if message is None:
            logger.info("status callback for an unknown message %s", update.provider_id[:40])
            return None
        new_status = rules.message_status(update.status)
        fields = []
        if rules.moves_forward(rules.MESSAGE_RANK, message.status, new_status):
            message.status = new_status
            message.status_changed_at = now
            fields += ["status", "status_changed_at"]
            if update.error_code:
                message.error_code = update.error_code[:16]
                fields.append("error_code")
        if update.price is not None and message.price != update.price:
            message.price = update.price
            message.price_unit = update.price_unit or message.price_unit
            fields += ["price", "price_unit"]
        if fields:
            message.save(update_fields=fields)
        for reminder in Reminder.objects.select_for_update().filter(outbound_message=message):
            target = rules.REMINDER_STATUS_FOR.get(message.status)
            if target and rules.moves_forward(rules.REMINDER_RANK, reminder.status, target):
                _record_accepted(reminder, message, message.status, now)
    return message


# ---- STOP replies --------------------------------------------------------------------------------------------


def _sms_opt_out(customer) -> None:
    """Record an SMS opt-out through the customers service; an opt-out is never lost to unrelated bad data."""
    from customers.models import Customer
    from customers.services import customer_contact_preferences_set

    if customer.sms_opt_out:
        return
    try:
        customer_contact_preferences_set(customer=customer, actor=None, sms_opt_out=True)
    except ValidationError:
        logger.warning("customer %s has invalid data; recording the SMS opt-out directly", customer.pk)
        Customer.objects.filter(pk=customer.pk).update(sms_opt_out=True)
        audit_log(action="customer_update", obj=customer, changes={"sms_opt_out": [False, True]})


def handle_inbound_stop(from_number: str, body: str) -> bool:
    """An inbound SMS "STOP" / "退订" opts the sender out of SMS; True when the message was such a request."""
    from customers.models import Customer

    word = (body or "").strip().strip(".!。！").upper()
    if word not in STOP_WORDS:
        return False
    # The one matcher finds who is reachable at the number; a STOP acts on the number, so every candidate opts out.
    match = customer_match(mobile=from_number)
    with transaction.atomic():
        for customer in Customer.objects.select_for_update().filter(pk__in=match.candidate_ids):
            _sms_opt_out(customer)
            audit_log(action="sms_opt_out_stop_reply", obj=customer, changes={"sms_opt_out": [False, True]})
    return True


# ---- by hand --------------------------------------------------------------------------------------------------


def reminder_send_now(*, installment, channel: str, actor, request=None) -> Reminder:
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
