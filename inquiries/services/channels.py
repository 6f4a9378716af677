"""The channels' intake: inbound email and SMS (threaded or new), hotline calls, attachments of customer messages."""

from __future__ import annotations

import os
import re
import secrets
from datetime import datetime
from typing import TYPE_CHECKING

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from customers.api import pii_hash
from inquiries import selectors
from inquiries.models import Inquiry, InquiryAttachment, InquiryMessage
from inquiries.services import intake
from inquiries.services.common import Received, first_response_record, message_create, phone_normalise
from messaging.api import register_inbound_sms_handler

if TYPE_CHECKING:
    from django.contrib.auth.models import User
    from django.http import HttpRequest

    from customers.models import Customer


def inquiry_receive_email(
    *,
    subject: str,
    body: str,
    from_email: str,
    from_name: str = "",
    message_id: str = "",
    in_reply_to: list[str] | None = None,
    received_at: datetime | None = None,
    flagged: bool = False,
    flag_reason: str = "",
) -> Received:
    """An inbound email: thread it by reference or In-Reply-To, otherwise open a new inquiry."""
    if message_id:
        existing = InquiryMessage.objects.filter(email_message_id=message_id, kind=InquiryMessage.Kind.CUSTOMER)
        found = existing.select_related("inquiry").first()
        if found:  # the same mail fetched again (e.g. after a crash before it was marked): stored once
            return Received(found.inquiry, found, False, duplicate=True)
    inquiry = None if flagged else selectors.thread_for_email(subject=subject, in_reply_to=in_reply_to or [])
    if inquiry is not None:
        message = intake.inquiry_customer_message_add(
            inquiry=inquiry,
            channel=Inquiry.Channel.EMAIL,
            body=body,
            received_at=received_at,
            email_message_id=message_id,
        )
        return Received(inquiry, message, False)
    inquiry, message = intake.inquiry_create(
        channel=Inquiry.Channel.EMAIL,
        subject=subject,
        body=body,
        email=from_email,
        name=from_name,
        received_at=received_at,
        email_message_id=message_id,
        flagged=flagged,
        flag_reason=flag_reason,
    )
    return Received(inquiry, message, True)


def inquiry_receive_sms(
    *, from_number: str, body: str, message_sid: str, received_at: datetime | None = None
) -> Received:
    """An inbound SMS: thread it to the number's open inquiry, otherwise open a new one. A repeated SID is ignored."""
    if message_sid:
        found = InquiryMessage.objects.filter(external_id=message_sid).select_related("inquiry").first()
        if found:
            return Received(found.inquiry, found, False, duplicate=True)
    phone = phone_normalise(from_number)
    inquiry = selectors.thread_for_phone(phone_hash=pii_hash(phone))
    if inquiry is not None:
        message = intake.inquiry_customer_message_add(
            inquiry=inquiry, channel=Inquiry.Channel.SMS, body=body, received_at=received_at, external_id=message_sid
        )
        return Received(inquiry, message, False)
    inquiry, message = intake.inquiry_create(
        channel=Inquiry.Channel.SMS, body=body, phone=phone, received_at=received_at, external_id=message_sid
    )
    return Received(inquiry, message, True)


def inquiry_receive_pushed_sms(
    *, from_number: str, body: str, provider: str, provider_ref: str = "", received_at: datetime | None = None
) -> None:
    """An inbound SMS a provider pushed to messaging (Alibaba Cloud's SmsUp): filed like a Twilio SMS, once per
    provider reference."""
    inquiry_receive_sms(
        from_number=from_number,
        body=body,
        message_sid=f"{provider}:{provider_ref}"[:64] if provider_ref else "",
        received_at=received_at,
    )


def follow_inbound_sms() -> None:
    """Register with messaging: every inbound SMS that is not an opt-out opens or continues an inquiry."""
    register_inbound_sms_handler(inquiry_receive_pushed_sms)


@transaction.atomic
def inquiry_hotline_log(
    *,
    agent: User,
    phone: str,
    summary: str,
    details: str = "",
    category: str = "",
    customer: Customer | None = None,
    name: str = "",
    answered_live: bool = False,
    request: HttpRequest | None = None,
) -> Inquiry:
    """Log a hotline call; a call answered live is owned by the agent and is the first response (recorded now)."""
    now = timezone.now()
    inquiry, _message = intake.inquiry_create(
        channel=Inquiry.Channel.HOTLINE,
        subject=summary,
        body=details or summary,
        phone=phone,
        name=name,
        category=category,
        customer=customer,
        received_at=now,
        # The call-taker owns a call answered live (never routed to someone else); a logged call-back request is
        # routed like any other inquiry.
        owner=agent if answered_live else None,
        actor=agent,
        request=request,
    )
    if answered_live:
        message_create(
            inquiry=inquiry,
            kind=InquiryMessage.Kind.CALL,
            channel=Inquiry.Channel.HOTLINE,
            body=_("Answered live on the hotline."),
            author=agent,
            created_at=now,
            reached_customer=True,
        )
        first_response_record(inquiry_id=inquiry.pk, at=now, by=agent)
    inquiry.refresh_from_db()
    return inquiry


def attachment_store(*, message: InquiryMessage, filename: str, content_type: str, data: bytes) -> InquiryAttachment:
    """Store one checked attachment of a customer message under MEDIA_ROOT."""
    attachment = InquiryAttachment(
        message=message, original_name=filename[:200], content_type=content_type[:100], size=len(data)
    )
    attachment.file.save(_safe_name(filename), ContentFile(data), save=False)
    attachment.save()
    return attachment


def _safe_name(filename: str) -> str:
    """A unique storage name keeping a cleaned stem and extension of the sender's file name."""
    base = os.path.basename(filename or "attachment")
    stem, ext = os.path.splitext(base)
    stem = re.sub(r"[^A-Za-z0-9_.-]", "_", stem)[:60] or "attachment"
    ext = re.sub(r"[^A-Za-z0-9.]", "", ext)[:10]
    return f"{secrets.token_hex(8)}-{stem}{ext}"
