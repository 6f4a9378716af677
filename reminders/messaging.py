"""Send SMS and calls through the configured backend, recording each as an OutboundMessage.

Inquiries, complaints and surveys call `sms_send`; reminders build on the same functions.
"""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from customers.api import mask_mobile, pii_hash
from messaging.backends import SendError, get_backend
from reminders.models import OutboundMessage


def status_callback_url(channel: str) -> str:
    """The public URL the provider posts status callbacks to."""
    name = "reminders:webhook_sms_status" if channel == OutboundMessage.Channel.SMS else "reminders:webhook_call_status"
    try:
        path = reverse(name)
    except NoReverseMatch:
        return ""
    return settings.PUBLIC_BASE_URL.rstrip("/") + path


def sms_send(
    *,
    to: str,
    body: str,
    purpose: str,
    customer=None,
    language: str = "",
    template_code: str = "",
    params: dict | None = None,
    raise_errors: bool = False,
) -> OutboundMessage:
    """Send one SMS now and return its record (status failed, with the error, when the provider refused it)."""
    backend = get_backend()
    message = OutboundMessage.objects.create(
        channel=OutboundMessage.Channel.SMS,
        purpose=purpose,
        customer=customer,
        to_number=to,
        to_hash=pii_hash(to),
        to_masked=mask_mobile(to),
        body=body,
        body_hash=hashlib.sha256(body.encode()).hexdigest(),
        language=language,
        template_code=template_code,
        provider=backend.name,
    )
    try:
        result = backend.send_sms(
            to=to, body=body, status_callback=status_callback_url("sms"), template_code=template_code, params=params
        )
    except SendError as exc:
        message.provider_id = exc.provider_id or None
        message.status = OutboundMessage.Status.FAILED
        message.error_code = exc.code
        message.error_message = str(exc)[:300]
        message.status_changed_at = timezone.now()
        message.save(update_fields=["provider_id", "status", "error_code", "error_message", "status_changed_at"])
        if raise_errors:
            raise
        return message
    message.provider_id = result.provider_id
    message.status = result.status if result.status in OutboundMessage.Status.values else OutboundMessage.Status.QUEUED
    message.price = abs(result.price) if result.price is not None else None
    message.price_unit = result.price_unit
    message.status_changed_at = timezone.now()
    message.save(update_fields=["provider_id", "status", "price", "price_unit", "status_changed_at"])
    return message
