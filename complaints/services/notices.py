"""Notices to the customer: letters rendered from templates per language, sent by SMS or email.

An SMS notice (acknowledgement, extension, decision letter) is proactive: it follows the contact policy through
messaging.api.sms_send. One the policy holds (quiet hours, a cap) is recorded with its held message and goes out
when allowed (messaging's beat task); the notice says when. One to a customer who opted out of SMS fails with the
reason, so the agent can send it by email.
"""

from __future__ import annotations

import re
import smtplib

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.core.mail import BadHeaderError, EmailMessage
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from complaints.models import Complaint, ComplaintNotice, LetterTemplate
from customers.api import mask_email, mask_mobile, normalize_mainland_mobile
from messaging.api import sms_send
from messaging.models import OutboundMessage

__all__ = ["letter_render", "notice_send", "complaint_contact"]

PLACEHOLDER = re.compile(r"\{(\w+)\}")

# Used when the admin has not written a template for a kind and language yet.
DEFAULT_LETTERS = {
    ("acknowledgement", "zh-hans"): (
        "投诉受理通知 {reference}",
        "【售后服务】{customer_name}您好，我们已于{received_date}受理您的投诉，编号{reference}。"
        "我们将在{decision_due}前告知处理结果。",
    ),
    ("acknowledgement", "en"): (
        "Your complaint {reference}",
        "Dear {customer_name}, we received your complaint on {received_date}. Your reference is {reference}. "
        "We will tell you our decision by {decision_due}.",
    ),
    ("extension", "zh-hans"): (
        "投诉处理期限延长 {reference}",
        "【售后服务】{customer_name}您好，您的投诉{reference}情况较复杂，处理期限延长至{decision_due}。原因：{reason}",
    ),
    ("extension", "en"): (
        "More time needed for complaint {reference}",
        "Dear {customer_name}, your complaint {reference} needs more time. We will now decide by {decision_due}. "
        "Reason: {reason}",
    ),
    ("decision", "zh-hans"): (
        "投诉处理结果 {reference}",
        "【售后服务】{customer_name}您好，关于您的投诉{reference}，处理结果如下：{decision} 补救措施：{remedy}。"
        "如有异议，请回复或致电客服热线。",
    ),
    ("decision", "en"): (
        "Decision on complaint {reference}",
        "Dear {customer_name}, our decision on your complaint {reference}: {decision} Remedy: {remedy}. "
        "If you disagree, reply or call our hotline.",
    ),
}


def _language(language: str) -> str:
    return language if language in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE


def letter_render(
    *, complaint: Complaint, kind: str, language: str = "", values: dict | None = None
) -> tuple[str, str]:
    """Return (subject, text) of a notice from the active template for the kind and language."""
    language = _language(language or complaint.language)
    template = LetterTemplate.objects.filter(kind=kind, language=language, active=True).first()
    subject, body = (template.subject, template.body) if template else DEFAULT_LETTERS[(kind, language)]
    with translation.override(language):
        fill = {
            "reference": complaint.reference,
            "customer_name": complaint.contact_name or (complaint.customer.name if complaint.customer_id else ""),
            "received_date": timezone.localtime(complaint.received_at).date().isoformat(),
            "decision_due": timezone.localtime(complaint.decision_due).date().isoformat(),
            "decision": complaint.decision_text,
            "remedy": str(complaint.get_remedy_display()) if complaint.remedy else "",
            "reason": "",
            **(values or {}),
        }

    # Only {word} placeholders are replaced: no attribute access, nothing evaluated.
    def fill_in(text: str) -> str:
        return PLACEHOLDER.sub(lambda m: str(fill.get(m.group(1), m.group(0))), text)

    return fill_in(subject), fill_in(body)


def complaint_contact(complaint: Complaint, channel: str) -> str:
    """The address to reach the customer on a channel: the contact given with the complaint, else the customer's."""
    customer = complaint.customer if complaint.customer_id else None
    if channel == Complaint.ReplyChannel.SMS:
        raw = complaint.contact_phone or (customer.mobile if customer else "")
        if not raw:
            raise ValidationError(_("There is no mobile number for this complaint: add one or reply by email."))
        return normalize_mainland_mobile(raw)
    address = complaint.contact_email or (customer.email if customer else "")
    if not address:
        raise ValidationError(_("There is no email address for this complaint: add one or reply by SMS."))
    return address


def _held_note(message: OutboundMessage) -> str:
    """What the agent sees beside a notice whose SMS the contact policy holds: why, and when it goes out."""
    if message.status != OutboundMessage.Status.HELD or message.not_before is None:
        return ""
    return _("Held by the contact policy (%(reason)s): it goes out at %(time)s.") % {
        "reason": message.get_hold_reason_display(),
        "time": timezone.localtime(message.not_before).strftime("%Y-%m-%d %H:%M"),
    }


def notice_send(
    *, complaint: Complaint, kind: str, channel: str, subject: str, body: str, actor: AbstractBaseUser | None = None
) -> ComplaintNotice:
    """Send a notice now and record it; the returned notice has status failed when it did not leave."""
    to = complaint_contact(complaint, channel)
    notice = ComplaintNotice(
        complaint=complaint,
        kind=kind,
        channel=channel,
        language=complaint.language,
        subject=subject if channel == Complaint.ReplyChannel.EMAIL else "",
        body=body,
        sent_by=actor,
        sent_at=timezone.now(),
    )
    if channel == Complaint.ReplyChannel.SMS:
        notice.to_masked = mask_mobile(to)
        message = sms_send(
            to=to,
            body=body,
            purpose=OutboundMessage.Purpose.COMPLAINT,
            customer=complaint.customer if complaint.customer_id else None,
            language=complaint.language,
        )
        notice.outbound_message = message
        notice.status = {
            OutboundMessage.Status.FAILED: ComplaintNotice.Status.FAILED,
            OutboundMessage.Status.HELD: ComplaintNotice.Status.HELD,
        }.get(message.status, ComplaintNotice.Status.SENT)
        failed = notice.status == ComplaintNotice.Status.FAILED
        notice.error = message.error_message if failed else _held_note(message)
    else:
        notice.to_masked = mask_email(to)
        try:
            EmailMessage(subject=subject, body=body, from_email=settings.DEFAULT_FROM_EMAIL, to=[to]).send()
            notice.status = ComplaintNotice.Status.SENT
        except (smtplib.SMTPException, OSError, BadHeaderError) as exc:  # refusals, timeouts: the notice failed
            notice.status = ComplaintNotice.Status.FAILED
            notice.error = f"{exc.__class__.__name__}: {exc}"[:300]
    notice.full_clean()
    notice.save()
    return notice
