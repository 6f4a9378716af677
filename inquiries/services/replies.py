"""Answers: written replies by SMS or email, logged calls, internal notes; a reply that reaches the customer may be
the first response (the SLA)."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.mail import EmailMessage
from django.core.mail.message import make_msgid
from django.db import transaction
from django.db.models import Case, F, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from aftersales.audit import audit_log
from inquiries.models import Inquiry, InquiryMessage
from inquiries.services.common import ReplyNotPossible, first_response_record, message_create
from inquiries.services.intake import follow_up_answered
from messaging.api import sms_send
from messaging.models import OutboundMessage

if TYPE_CHECKING:
    from django.contrib.auth.models import User
    from django.http import HttpRequest

logger = logging.getLogger(__name__)


def reply_channels(inquiry: Inquiry) -> list[str]:
    """Channels a written reply can go out on, the inquiry's own first."""
    available = []
    if inquiry.contact_phone or (inquiry.customer_id and inquiry.customer.mobile):
        available.append(Inquiry.Channel.SMS)
    if inquiry.contact_email or (inquiry.customer_id and inquiry.customer.email):
        available.append(Inquiry.Channel.EMAIL)
    if inquiry.channel in available:
        available.remove(inquiry.channel)
        available.insert(0, inquiry.channel)
    return available


def inquiry_reply(
    *, inquiry: Inquiry, author: User | None, body: str, via: str, request: HttpRequest | None = None
) -> InquiryMessage:
    """Send a reply by SMS or email; when it reaches the customer it may be the first response."""
    if via not in reply_channels(inquiry):
        raise ReplyNotPossible(via)
    now = timezone.now()
    outbound = None
    email_id = ""
    error = ""
    if via == Inquiry.Channel.SMS:
        to = inquiry.contact_phone or inquiry.customer.mobile
        outbound = sms_send(
            to=to,
            body=body,
            purpose=OutboundMessage.Purpose.INQUIRY_REPLY,
            customer=inquiry.customer,
            language=inquiry.language,
        )
        reached = outbound.status != OutboundMessage.Status.FAILED
        error = outbound.error_message
    else:
        email_id, reached, error = _email_send(inquiry=inquiry, body=body)
    with transaction.atomic():
        message = message_create(
            inquiry=inquiry,
            kind=InquiryMessage.Kind.REPLY,
            channel=via,
            body=body,
            author=author,
            created_at=now,
            reached_customer=reached,
            outbound_message=outbound,
            email_message_id=email_id,
        )
        if reached:
            first_response_record(inquiry_id=inquiry.pk, at=now, by=author)
            follow_up_answered(inquiry_id=inquiry.pk, at=now, by=author)
            Inquiry.objects.filter(pk=inquiry.pk).update(
                awaiting_agent=False,
                status=Case(When(status=Inquiry.Status.NEW, then=Value(Inquiry.Status.OPEN)), default=F("status")),
            )
            Inquiry.objects.filter(pk=inquiry.pk, assigned_to__isnull=True).update(assigned_to=author, assigned_at=now)
        audit_log(
            actor=author,
            action="inquiry_reply",
            obj=inquiry,
            changes={"via": via, "reached_customer": reached, "error": error[:200]},
            request=request,
        )
    inquiry.refresh_from_db()
    message.send_error = error
    return message


def _email_send(*, inquiry: Inquiry, body: str) -> tuple[str, bool, str]:
    """Send a reply email with the reference in the subject and In-Reply-To the customer's last mail."""
    to = inquiry.contact_email or inquiry.customer.email
    last_in = (
        inquiry.messages.filter(kind=InquiryMessage.Kind.CUSTOMER)
        .exclude(email_message_id="")
        .order_by("-created_at", "-id")
        .values_list("email_message_id", flat=True)
        .first()
    )
    message_id = make_msgid(domain=settings.DEFAULT_FROM_EMAIL.split("@")[-1] or "localhost")
    headers = {"Message-ID": message_id}
    if last_in:
        headers["In-Reply-To"] = last_in
        headers["References"] = last_in
    with override(inquiry.language or settings.LANGUAGE_CODE):
        subject = _("Re: [%(ref)s] %(subject)s") % {"ref": inquiry.reference, "subject": inquiry.subject}
    email = EmailMessage(
        subject=subject[:250], body=body, from_email=settings.DEFAULT_FROM_EMAIL, to=[to], headers=headers
    )
    try:
        email.send(fail_silently=False)
    except (OSError, ValueError) as exc:  # SMTP refused or unreachable (smtplib, socket and ssl errors are
        # OSErrors), or an address the mail library rejects: the reply is kept, marked as not delivered
        logger.warning("inquiry %s: reply email failed: %s", inquiry.reference, exc.__class__.__name__)
        return message_id, False, str(exc)[:300] or exc.__class__.__name__
    return message_id, True, ""


@transaction.atomic
def inquiry_call_log(
    *, inquiry: Inquiry, author: User | None, body: str, reached: bool, request: HttpRequest | None = None
) -> InquiryMessage:
    """Log a (call-back) call; one that reached the customer counts as a response."""
    now = timezone.now()
    message = message_create(
        inquiry=inquiry,
        kind=InquiryMessage.Kind.CALL,
        channel=Inquiry.Channel.HOTLINE,
        body=body,
        author=author,
        created_at=now,
        reached_customer=reached,
    )
    if reached:
        first_response_record(inquiry_id=inquiry.pk, at=now, by=author)
        follow_up_answered(inquiry_id=inquiry.pk, at=now, by=author)
        Inquiry.objects.filter(pk=inquiry.pk).update(
            awaiting_agent=False,
            status=Case(When(status=Inquiry.Status.NEW, then=Value(Inquiry.Status.OPEN)), default=F("status")),
        )
        Inquiry.objects.filter(pk=inquiry.pk, assigned_to__isnull=True).update(assigned_to=author, assigned_at=now)
    audit_log(actor=author, action="inquiry_call_log", obj=inquiry, changes={"reached": reached}, request=request)
    inquiry.refresh_from_db()
    return message


def inquiry_note_add(*, inquiry: Inquiry, author: User | None, body: str) -> InquiryMessage:
    """An internal note: visible to staff only, never a response to the customer."""
    return message_create(
        inquiry=inquiry, kind=InquiryMessage.Kind.NOTE, body=body, author=author, created_at=timezone.now()
    )
