"""Writes of the messaging app: send one message now, or run a sender's attempt step by step; apply status callbacks.

Senders that need nothing more call `sms_send` / `call_place` (inquiry replies, complaint notices, surveys). A sender
that keeps its own exactly-once bookkeeping (reminders) records an attempt (`message_attempt_fill`, saved by the
caller inside its transaction), calls the provider outside any transaction (`provider_send`), then stores the answer
(`message_accepted` / `message_failed`); an attempt whose outcome is unknown is looked up first (`message_find_sent`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from customers.api import mask_mobile, pii_hash
from customers.models import Customer
from messaging import contact, policy, rules, selectors
from messaging.backends import MessagingBackend, SendError, SendResult, StatusUpdate, get_backend
from messaging.models import OutboundMessage

logger = logging.getLogger(__name__)

# Apps above messaging that follow a message's status (reminders: a reminder's outcome, the SMS after an unanswered
# call) register here from their AppConfig.ready(); each is called inside the callback's transaction.
StatusListener = Callable[[OutboundMessage, datetime], None]
_status_listeners: list[StatusListener] = []
_callback_urls: dict[str, tuple[str, str]] = {}


def register_status_listener(listener: StatusListener) -> None:
    """Call `listener(message, now)` after every status callback applied to a message (once per listener)."""
    if listener not in _status_listeners:
        _status_listeners.append(listener)


def status_callback_url(channel: str) -> str:
    """The public URL the provider posts status callbacks to."""
    name = "messaging:webhook_sms_status" if channel == OutboundMessage.Channel.SMS else "messaging:webhook_call_status"
    try:
        path = reverse(name)
    except NoReverseMatch:
        return ""
    return settings.PUBLIC_BASE_URL.rstrip("/") + path


def _callback_url(channel: str) -> str:
    """status_callback_url, computed once per process for the current PUBLIC_BASE_URL."""
    base = settings.PUBLIC_BASE_URL
    cached = _callback_urls.get(channel)
    if cached is None or cached[0] != base:
        cached = (base, status_callback_url(channel))
        _callback_urls[channel] = cached
    return cached[1]


def message_attempt_fill(
    *,
    message: OutboundMessage | None,
    channel: str,
    purpose: str,
    customer: Customer | None,
    to: str,
    body: str,
    language: str,
    template_code: str,
    provider: str,
    now: datetime,
) -> OutboundMessage:
    """A message row ready for an attempt (status pending), new or the earlier attempt's; the caller saves it."""
    if message is None:
        message = OutboundMessage(channel=channel, purpose=purpose, customer=customer, provider=provider)
    message.to_number = to
    message.to_hash = pii_hash(to)
    message.to_masked = mask_mobile(to)
    message.body = body
    message.body_hash = rules.body_hash(body)
    message.language = language
    message.template_code = template_code
    message.status = OutboundMessage.Status.PENDING
    message.error_code = ""
    message.error_message = ""
    message.status_changed_at = now
    return message


def provider_send(
    *,
    message: OutboundMessage,
    to: str,
    body: str,
    say_language: str = "",
    template_code: str = "",
    params: dict | None = None,
    backend: MessagingBackend | None = None,
) -> SendResult:
    """Hand a recorded attempt to the provider (SMS or call, by the message's channel); raises SendError."""
    backend = backend or get_backend()
    if message.channel == OutboundMessage.Channel.SMS:
        return backend.send_sms(
            to=to, body=body, status_callback=_callback_url("sms"), template_code=template_code, params=params
        )
    return backend.place_call(to=to, say_text=body, language=say_language, status_callback=_callback_url("voice"))


def message_accepted(*, message: OutboundMessage, result: SendResult, now: datetime) -> OutboundMessage:
    """Store the provider's id, status and price (its own statement: from then on the attempt is never repeated)."""
    message.provider_id = result.provider_id
    message.status = rules.message_status(result.status)
    message.price = abs(result.price) if result.price is not None else None
    message.price_unit = result.price_unit
    message.status_changed_at = now
    message.template_params = {}  # kept only while it waited; the text itself is the record
    message.save(update_fields=["provider_id", "status", "price", "price_unit", "status_changed_at", "template_params"])
    return message


def message_failed(*, message: OutboundMessage, error: SendError, now: datetime, outcome_unknown: bool = False) -> None:
    """Record a refused or failed attempt; `outcome_unknown` (a time-out) keeps it pending, to be looked up."""
    message.provider_id = error.provider_id or message.provider_id or None
    message.status = OutboundMessage.Status.PENDING if outcome_unknown else OutboundMessage.Status.FAILED
    message.error_code = error.code[:16]
    message.error_message = str(error)[:300]
    message.status_changed_at = now
    message.save(update_fields=["provider_id", "status", "error_code", "error_message", "status_changed_at"])


def message_find_sent(*, message: OutboundMessage, to: str, backend: MessagingBackend | None = None) -> str | None:
    """After an attempt of unknown outcome: the provider id of the message it did create (now stored), or None.

    Raises TransientSendError when the provider cannot answer; the caller tries again later.
    """
    backend = backend or get_backend()
    found = backend.find_sent(
        channel=message.channel,
        to=to,
        body=message.body,
        since=message.created_at,
        exclude=selectors.provider_ids_to(to_hash=pii_hash(to), since=message.created_at - timedelta(days=1)),
    )
    if not found:
        return None
    message.provider_id = found
    message.status = OutboundMessage.Status.QUEUED
    message.status_changed_at = timezone.now()
    message.save(update_fields=["provider_id", "status", "status_changed_at"])
    return found


# Purposes that answer the customer's own message inside a conversation: not proactive, exempt from the policy.
REPLY_PURPOSES = {OutboundMessage.Purpose.INQUIRY_REPLY, OutboundMessage.Purpose.OPT_OUT_CONFIRMATION}


def is_proactive(purpose: str) -> bool:
    """A message of this purpose is proactive (the contact policy applies) unless it answers the customer."""
    return purpose not in REPLY_PURPOSES


def _param_strings(params: dict | None) -> dict:
    """Template parameters as strings (JSON), as a template-based provider receives them."""
    return {str(k): v.isoformat() if hasattr(v, "isoformat") else str(v) for k, v in (params or {}).items()}


def message_hold(*, message: OutboundMessage, decision: policy.Decision, now: datetime) -> OutboundMessage:
    """Record what the contact policy decided against: held until `not_before`, or refused (opted out); saved."""
    message.hold_reason = decision.reason
    message.status_changed_at = now
    if decision.held:
        message.status = OutboundMessage.Status.HELD
        message.not_before = decision.not_before
    else:
        message.status = OutboundMessage.Status.FAILED
        message.not_before = None
        message.template_params = {}
        message.error_code = policy.OPTED_OUT
        message.error_message = "not sent: the customer opted out of this channel"
    message.save()
    return message


def message_attempt(
    *, message: OutboundMessage, backend: MessagingBackend | None = None, raise_errors: bool = False
) -> OutboundMessage:
    """Hand a recorded message (pending, saved) to the provider and store the answer; outside any transaction."""
    backend = backend or get_backend()
    try:
        result = provider_send(
            message=message,
            to=message.to_number,
            body=message.body,
            say_language=message.say_language,
            template_code=message.template_code,
            params=message.template_params or None,
            backend=backend,
        )
    except SendError as exc:
        message_failed(message=message, error=exc, now=timezone.now())
        if raise_errors:
            raise
        return message
    return message_accepted(message=message, result=result, now=timezone.now())


def _send_now(
    *,
    channel: str,
    to: str,
    body: str,
    purpose: str,
    customer: Customer | None,
    language: str,
    say_language: str = "",
    template_code: str = "",
    params: dict | None = None,
    raise_errors: bool = False,
    proactive: bool | None = None,
) -> OutboundMessage:
    backend = get_backend()
    now = timezone.now()
    proactive = is_proactive(purpose) if proactive is None else proactive
    message = message_attempt_fill(
        message=None,
        channel=channel,
        purpose=purpose,
        customer=customer,
        to=to,
        body=body,
        language=language,
        template_code=template_code,
        provider=backend.name,
        now=now,
    )
    message.proactive = proactive
    message.say_language = say_language
    message.template_params = _param_strings(params)
    decision = contact.contact_allowed(
        to=to, channel=channel, body=body, customer=customer, proactive=proactive, now=now
    )
    if not decision.allowed:
        # Held messages go out later (messages_send_held); an opt-out is recorded as not sent. Never dropped.
        return message_hold(message=message, decision=decision, now=now)
    message.save()
    return message_attempt(message=message, backend=backend, raise_errors=raise_errors)


def sms_send(
    *,
    to: str,
    body: str,
    purpose: str,
    customer: Customer | None = None,
    language: str = "",
    template_code: str = "",
    template_params: dict | None = None,
    params: dict | None = None,
    raise_errors: bool = False,
    proactive: bool | None = None,
) -> OutboundMessage:
    """Send one SMS under the contact policy and return its record: sent, held (status held, `not_before`), or
    failed (the provider refused it, or the customer opted out).

    `proactive` defaults by purpose: inquiry replies and opt-out confirmations answer the customer and are exempt.
    A template-based provider sends `template_code` with `template_params` (`params` is the older name); the
    outbox records the code; Twilio sends `body`.
    """
    return _send_now(
        channel=OutboundMessage.Channel.SMS,
        to=to,
        body=body,
        purpose=purpose,
        customer=customer,
        language=language,
        template_code=template_code,
        params=template_params if template_params is not None else params,
        raise_errors=raise_errors,
        proactive=proactive,
    )


def call_place(
    *,
    to: str,
    say_text: str,
    say_language: str,
    purpose: str,
    customer: Customer | None = None,
    language: str = "",
    raise_errors: bool = False,
    proactive: bool | None = None,
) -> OutboundMessage:
    """Place one voice call under the contact policy that speaks `say_text` in `say_language` (zh-CN, en-US)."""
    return _send_now(
        channel=OutboundMessage.Channel.VOICE,
        to=to,
        body=say_text,
        purpose=purpose,
        customer=customer,
        language=language,
        say_language=say_language,
        raise_errors=raise_errors,
        proactive=proactive,
    )


def _message_for_update(update: StatusUpdate) -> OutboundMessage | None:
    """The message a report is about, locked: by the provider's id, else by our OutId (a message found by the
    look-up after a time-out is known as "out:<OutId>", its report carries the BizId: see backends/aliyun.py)."""
    locked = OutboundMessage.objects.select_for_update()
    message = locked.filter(provider_id=update.provider_id).first()
    out_id = str(update.extra.get("out_id") or "")
    if message is None and out_id:
        message = locked.filter(provider_id=f"out:{out_id}").first()
    return message


def message_status_apply(*, update: StatusUpdate) -> OutboundMessage | None:
    """Apply a provider status callback: statuses only move forward, the price is stored, listeners follow."""
    now = timezone.now()
    with transaction.atomic():
        message = _message_for_update(update)
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
        for listener in _status_listeners:
            listener(message, now)
    return message
