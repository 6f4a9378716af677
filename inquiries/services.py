"""Writes for inquiries: receive from every channel, claim and assign, reply, escalate, resolve, SLA upkeep."""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import EmailMessage
from django.core.mail.message import make_msgid
from django.db import IntegrityError, transaction
from django.db.models import Case, F, Q, Value, When
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from aftersales import permissions as roles
from aftersales.audit import audit_log, reason_clean
from aftersales.models import Notification
from aftersales.notifications import notification_send, users_with_role
from customers.crypto import pii_hash
from customers.freetext import text_protect
from customers.validators import mask_email, mask_mobile, normalize_mainland_mobile
from inquiries import selectors
from inquiries.models import Inquiry, InquiryAttachment, InquiryMessage
from inquiries.sla import first_response_due
from reminders.messaging import sms_send
from reminders.models import OutboundMessage

logger = logging.getLogger(__name__)

REFERENCE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I: read out on the phone


class ClaimLost(Exception):
    """Somebody else claimed the inquiry first."""

    def __init__(self, owner):
        super().__init__("already claimed")
        self.owner = owner


class ReplyNotPossible(Exception):
    """The inquiry has no contact for the chosen channel."""


@dataclass
class Received:
    inquiry: Inquiry
    message: InquiryMessage
    created: bool
    duplicate: bool = False


# ---- helpers ------------------------------------------------------------------------------------


def reference_new(at: datetime | None = None) -> str:
    """A fresh reference such as INQ-261128-7K3F2 (date of receipt + five unambiguous characters)."""
    local = timezone.localtime(at or timezone.now())
    return "INQ-" + local.strftime("%y%m%d") + "-" + "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(5))


def phone_normalise(value: str) -> str:
    """E.164 for mainland mobiles, otherwise the number as given without spaces (foreign senders)."""
    value = (value or "").strip()
    if not value:
        return ""
    try:
        return normalize_mainland_mobile(value)
    except ValidationError:
        return value.replace(" ", "").replace("-", "")


def contact_masked(phone: str, email: str) -> str:
    parts = [mask_mobile(phone) if phone else "", mask_email(email) if email else ""]
    return " · ".join(p for p in parts if p)[:120]


def _message_create(*, body: str, **fields) -> InquiryMessage:
    """Every thread entry is stored through here: numbers in the text masked, the original kept encrypted."""
    protected = text_protect(body or "")
    return InquiryMessage.objects.create(body=protected.shown, body_full=protected.full, **fields)


def _event(inquiry: Inquiry, text: str, author=None, at: datetime | None = None) -> InquiryMessage:
    return _message_create(
        inquiry=inquiry, kind=InquiryMessage.Kind.EVENT, body=text, author=author, created_at=at or timezone.now()
    )


# ---- receiving ----------------------------------------------------------------------------------


@transaction.atomic
def inquiry_create(
    *,
    channel: str,
    body: str,
    subject: str = "",
    phone: str = "",
    email: str = "",
    name: str = "",
    category: str = "",
    customer=None,
    received_at: datetime | None = None,
    language: str = "",
    email_message_id: str = "",
    external_id: str = "",
    flagged: bool = False,
    flag_reason: str = "",
    actor=None,
    request=None,
) -> tuple[Inquiry, InquiryMessage]:
    """Open a new inquiry with its first customer message; match the customer; auto-assign when configured."""
    received_at = received_at or timezone.now()
    phone = phone_normalise(phone)
    email = (email or "").strip().lower()
    if customer is None:
        customer = selectors.customer_match(phone_e164=phone, email=email)
    subject = (subject or body or "").strip().splitlines()[0] if (subject or body).strip() else _("(no text)")
    subject_protected = text_protect(subject)  # masked before it is cut to length: no half number survives
    inquiry = Inquiry(
        channel=channel,
        customer=customer,
        contact_name=name[:100],
        contact_phone=phone,
        contact_phone_hash=pii_hash(phone),
        contact_email=email,
        contact_email_hash=pii_hash(email),
        contact_masked=contact_masked(phone, email),
        subject=subject_protected.shown[:200],
        subject_full=subject_protected.full,
        category=category,
        received_at=received_at,
        first_response_due=first_response_due(received_at),
        flagged=flagged,
        flag_reason=flag_reason[:200],
        # Replies go out in the customer's language; unknown senders get the company's default language.
        language=language or (customer.preferred_language if customer else settings.LANGUAGE_CODE),
    )
    for _attempt in range(5):
        inquiry.reference = reference_new(received_at)
        try:
            inquiry.full_clean()
            with transaction.atomic():
                inquiry.save()
            break
        except ValidationError as exc:
            if "reference" not in exc.message_dict:
                raise
        except IntegrityError:  # a reference taken between the check and the insert
            continue
    message = _message_create(
        inquiry=inquiry,
        kind=InquiryMessage.Kind.CUSTOMER,
        channel=channel,
        body=body or "",
        created_at=received_at,
        email_message_id=email_message_id[:300],
        external_id=external_id[:64],
    )
    audit_log(
        actor=actor,
        action="inquiry_create",
        obj=inquiry,
        changes={"channel": channel, "customer": customer.pk if customer else None, "flagged": flagged},
        request=request,
    )
    if getattr(settings, "INQUIRY_AUTO_ASSIGN", False):
        inquiry_auto_assign(inquiry=inquiry)
        inquiry.refresh_from_db(fields=["assigned_to", "assigned_at", "status"])
    return inquiry, message


@transaction.atomic
def inquiry_customer_message_add(
    *,
    inquiry: Inquiry,
    channel: str,
    body: str,
    received_at: datetime | None = None,
    email_message_id: str = "",
    external_id: str = "",
) -> InquiryMessage:
    """Attach a further customer message to an inquiry's thread; a resolved inquiry is reopened."""
    received_at = received_at or timezone.now()
    inquiry = Inquiry.objects.select_for_update().get(pk=inquiry.pk)
    message = _message_create(
        inquiry=inquiry,
        kind=InquiryMessage.Kind.CUSTOMER,
        channel=channel,
        body=body or "",
        created_at=received_at,
        email_message_id=email_message_id[:300],
        external_id=external_id[:64],
    )
    fields = []
    if inquiry.status == Inquiry.Status.RESOLVED:
        inquiry.status = Inquiry.Status.OPEN
        inquiry.resolved_at = None
        inquiry.resolved_by = None
        fields += ["status", "resolved_at", "resolved_by"]
        _event(inquiry, _("Reopened: the customer wrote again."), at=received_at)
    if inquiry.first_responded_at is not None and not inquiry.awaiting_agent:
        inquiry.awaiting_agent = True
        fields.append("awaiting_agent")
    if fields:
        inquiry.save(update_fields=fields)
    return message


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
        message = inquiry_customer_message_add(
            inquiry=inquiry,
            channel=Inquiry.Channel.EMAIL,
            body=body,
            received_at=received_at,
            email_message_id=message_id,
        )
        return Received(inquiry, message, False)
    inquiry, message = inquiry_create(
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


def inquiry_receive_sms(*, from_number: str, body: str, message_sid: str, received_at=None) -> Received:
    """An inbound SMS: thread it to the number's open inquiry, otherwise open a new one. A repeated SID is ignored."""
    if message_sid:
        found = InquiryMessage.objects.filter(external_id=message_sid).select_related("inquiry").first()
        if found:
            return Received(found.inquiry, found, False, duplicate=True)
    phone = phone_normalise(from_number)
    inquiry = selectors.thread_for_phone(phone_hash=pii_hash(phone))
    if inquiry is not None:
        message = inquiry_customer_message_add(
            inquiry=inquiry, channel=Inquiry.Channel.SMS, body=body, received_at=received_at, external_id=message_sid
        )
        return Received(inquiry, message, False)
    inquiry, message = inquiry_create(
        channel=Inquiry.Channel.SMS, body=body, phone=phone, received_at=received_at, external_id=message_sid
    )
    return Received(inquiry, message, True)


def attachment_store(*, message: InquiryMessage, filename: str, content_type: str, data: bytes) -> InquiryAttachment:
    """Store one checked attachment of a customer message under MEDIA_ROOT."""
    from django.core.files.base import ContentFile

    attachment = InquiryAttachment(
        message=message, original_name=filename[:200], content_type=content_type[:100], size=len(data)
    )
    attachment.file.save(_safe_name(filename), ContentFile(data), save=False)
    attachment.save()
    return attachment


def _safe_name(filename: str) -> str:
    import os
    import re

    base = os.path.basename(filename or "attachment")
    stem, ext = os.path.splitext(base)
    stem = re.sub(r"[^A-Za-z0-9_.-]", "_", stem)[:60] or "attachment"
    ext = re.sub(r"[^A-Za-z0-9.]", "", ext)[:10]
    return f"{secrets.token_hex(8)}-{stem}{ext}"


def inquiry_text_reveal(
    *, inquiry: Inquiry, actor, reason: str, message: InquiryMessage | None = None, request=None
) -> str:
    """The subject (or one message) as written, for a user with view_full_pii who gave a reason; audit-logged."""
    if not actor.has_perm("customers.view_full_pii"):
        raise PermissionDenied
    if message is not None and message.inquiry_id != inquiry.pk:
        raise PermissionDenied
    reason = reason_clean(reason)
    if not reason:
        raise ValidationError(
            {"reason": _("Say why you need the full text: the reason is written to the audit log.")}, code="reason"
        )
    field, text = ("message", message.body_full or message.body) if message else ("subject", inquiry.subject_full)
    audit_log(
        actor=actor,
        action="pii_reveal",
        obj=inquiry,
        changes={"field": field, "message": message.pk if message else None},
        reason=reason[:300],
        request=request,
    )
    return text or inquiry.subject


# ---- hotline ------------------------------------------------------------------------------------


@transaction.atomic
def inquiry_hotline_log(
    *,
    agent,
    phone: str,
    summary: str,
    details: str = "",
    category: str = "",
    customer=None,
    name: str = "",
    answered_live: bool = False,
    request=None,
) -> Inquiry:
    """Log a hotline call; a call answered live is the first response (recorded now, by the agent)."""
    now = timezone.now()
    inquiry, _message = inquiry_create(
        channel=Inquiry.Channel.HOTLINE,
        subject=summary,
        body=details or summary,
        phone=phone,
        name=name,
        category=category,
        customer=customer,
        received_at=now,
        actor=agent,
        request=request,
    )
    if answered_live:
        Inquiry.objects.filter(pk=inquiry.pk).update(assigned_to=agent, assigned_at=now, status=Inquiry.Status.OPEN)
        _message_create(
            inquiry=inquiry,
            kind=InquiryMessage.Kind.CALL,
            channel=Inquiry.Channel.HOTLINE,
            body=_("Answered live on the hotline."),
            author=agent,
            created_at=now,
            reached_customer=True,
        )
        _first_response_record(inquiry_id=inquiry.pk, at=now, by=agent)
    inquiry.refresh_from_db()
    return inquiry


# ---- assignment ---------------------------------------------------------------------------------


def inquiry_claim(*, inquiry: Inquiry, user, request=None) -> Inquiry:
    """Take an unassigned inquiry. Race-safe: one conditional UPDATE; the loser gets ClaimLost with the owner."""
    now = timezone.now()
    with transaction.atomic():
        won = (
            Inquiry.objects.filter(pk=inquiry.pk, assigned_to__isnull=True)
            .exclude(status=Inquiry.Status.RESOLVED)
            .update(
                assigned_to=user,
                assigned_at=now,
                status=Case(When(status=Inquiry.Status.NEW, then=Value(Inquiry.Status.OPEN)), default=F("status")),
            )
        )
        if won == 1:
            audit_log(actor=user, action="inquiry_claim", obj=inquiry, request=request)
            _event(inquiry, _("Claimed by %(user)s.") % {"user": _display(user)}, author=user, at=now)
    inquiry.refresh_from_db()
    if won != 1:
        raise ClaimLost(inquiry.assigned_to)
    return inquiry


def inquiry_auto_assign(*, inquiry: Inquiry, exclude_user_ids: tuple[int, ...] = ()):
    """Give an unassigned inquiry to the on-duty agent with the fewest open inquiries; returns the agent or None."""
    agent = selectors.agent_least_loaded(exclude_user_ids=exclude_user_ids)
    if agent is None:
        return None
    now = timezone.now()
    with transaction.atomic():
        won = (
            Inquiry.objects.filter(pk=inquiry.pk, assigned_to__isnull=True)
            .exclude(status=Inquiry.Status.RESOLVED)
            .update(
                assigned_to=agent,
                assigned_at=now,
                status=Case(When(status=Inquiry.Status.NEW, then=Value(Inquiry.Status.OPEN)), default=F("status")),
            )
        )
        if won:
            audit_log(action="inquiry_auto_assign", obj=inquiry, changes={"assigned_to": agent.get_username()})
            _event(inquiry, _("Assigned automatically to %(user)s.") % {"user": _display(agent)}, at=now)
    return agent if won else None


@transaction.atomic
def inquiry_assign(*, inquiry: Inquiry, to_user, actor, reason: str = "", request=None) -> Inquiry:
    """Reassign an inquiry (supervisor); to_user None puts it back in the unassigned queue."""
    inquiry = Inquiry.objects.select_for_update().get(pk=inquiry.pk)
    before = inquiry.assigned_to
    inquiry.assigned_to = to_user
    inquiry.assigned_at = timezone.now() if to_user else None
    if to_user and inquiry.status == Inquiry.Status.NEW:
        inquiry.status = Inquiry.Status.OPEN
    inquiry.save(update_fields=["assigned_to", "assigned_at", "status"])
    audit_log(
        actor=actor,
        action="inquiry_reassign",
        obj=inquiry,
        changes={"assigned_to": [_username(before), _username(to_user)]},
        reason=reason,
        request=request,
    )
    if to_user:
        text = _("Reassigned to %(user)s.") % {"user": _display(to_user)}
    else:
        text = _("Returned to the unassigned queue.")
    _event(inquiry, text + (" " + reason if reason else ""), author=actor)
    if to_user and to_user != actor:
        notification_send(
            recipients=[to_user],
            message=_("Inquiry %(ref)s was assigned to you.") % {"ref": inquiry.reference},
            link=inquiry.get_absolute_url(),
            level=Notification.Level.INFO,
        )
    return inquiry


def _username(user) -> str | None:
    return user.get_username() if user else None


def _display(user) -> str:
    return (user.get_full_name() or user.get_username()) if user else ""


# ---- replies and the SLA ------------------------------------------------------------------------


def _first_response_record(*, inquiry_id: int, at: datetime, by) -> bool:
    """Record the first response once; sla_met is set only if still unknown (never rewritten)."""
    inquiry = Inquiry.objects.only("first_response_due").get(pk=inquiry_id)
    met = at <= inquiry.first_response_due
    return bool(
        Inquiry.objects.filter(pk=inquiry_id, first_responded_at__isnull=True).update(
            first_responded_at=at, first_responded_by=by, sla_met=Coalesce(F("sla_met"), Value(met))
        )
    )


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


def inquiry_reply(*, inquiry: Inquiry, author, body: str, via: str, request=None) -> InquiryMessage:
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
        message = _message_create(
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
            _first_response_record(inquiry_id=inquiry.pk, at=now, by=author)
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
    except Exception as exc:  # SMTP refused or unreachable: the reply is kept, marked as not delivered
        logger.warning("inquiry %s: reply email failed: %s", inquiry.reference, exc.__class__.__name__)
        return message_id, False, str(exc)[:300] or exc.__class__.__name__
    return message_id, True, ""


@transaction.atomic
def inquiry_call_log(*, inquiry: Inquiry, author, body: str, reached: bool, request=None) -> InquiryMessage:
    """Log a (call-back) call; one that reached the customer counts as a response."""
    now = timezone.now()
    message = _message_create(
        inquiry=inquiry,
        kind=InquiryMessage.Kind.CALL,
        channel=Inquiry.Channel.HOTLINE,
        body=body,
        author=author,
        created_at=now,
        reached_customer=reached,
    )
    if reached:
        _first_response_record(inquiry_id=inquiry.pk, at=now, by=author)
        Inquiry.objects.filter(pk=inquiry.pk).update(
            awaiting_agent=False,
            status=Case(When(status=Inquiry.Status.NEW, then=Value(Inquiry.Status.OPEN)), default=F("status")),
        )
        Inquiry.objects.filter(pk=inquiry.pk, assigned_to__isnull=True).update(assigned_to=author, assigned_at=now)
    audit_log(actor=author, action="inquiry_call_log", obj=inquiry, changes={"reached": reached}, request=request)
    inquiry.refresh_from_db()
    return message


def inquiry_note_add(*, inquiry: Inquiry, author, body: str) -> InquiryMessage:
    """An internal note: visible to staff only, never a response to the customer."""
    return _message_create(
        inquiry=inquiry, kind=InquiryMessage.Kind.NOTE, body=body, author=author, created_at=timezone.now()
    )


# ---- escalation and resolution ------------------------------------------------------------------


def inquiry_escalate(
    *, inquiry: Inquiry, department, actor, note: str = "", holding_reply: str = "", via: str = "", request=None
) -> Inquiry:
    """Escalate to a department with its own deadline; optionally send the customer a holding reply."""
    hours = department.escalation_hours or getattr(settings, "INQUIRY_ESCALATION_HOURS", 24)
    now = timezone.now()
    with transaction.atomic():
        Inquiry.objects.filter(pk=inquiry.pk).update(
            status=Inquiry.Status.ESCALATED, escalated_to=department, escalation_due=now + timedelta(hours=hours)
        )
        text = _("Escalated to %(department)s, answer due within %(hours)s hours.") % {
            "department": department.name,
            "hours": hours,
        }
        _event(inquiry, text + ("\n" + note if note else ""), author=actor, at=now)
        audit_log(
            actor=actor,
            action="inquiry_escalate",
            obj=inquiry,
            changes={"department": department.code, "hours": hours},
            reason=note,
            request=request,
        )
    recipients = users_with_role(roles.RISK_ASSESSOR if department.code == "risk" else roles.LEGAL_ADVISOR)
    if department.code in ("risk", "legal"):
        notification_send(
            recipients=recipients,
            message=_("Inquiry %(ref)s was escalated to %(department)s.")
            % {"ref": inquiry.reference, "department": department.name},
            link=inquiry.get_absolute_url(),
            dedupe_key=f"inquiry-escalated-{inquiry.pk}-{now:%Y%m%d%H%M%S}",
        )
    if holding_reply and via:
        inquiry_reply(inquiry=inquiry, author=actor, body=holding_reply, via=via, request=request)
    inquiry.refresh_from_db()
    return inquiry


@transaction.atomic
def inquiry_resolve(*, inquiry: Inquiry, actor, category: str, note: str, request=None) -> Inquiry:
    """Close an inquiry with a resolution category and note."""
    inquiry = Inquiry.objects.select_for_update().get(pk=inquiry.pk)
    now = timezone.now()
    inquiry.status = Inquiry.Status.RESOLVED
    inquiry.resolved_at = now
    inquiry.resolved_by = actor
    inquiry.resolution_category = category
    inquiry.resolution_note = note
    inquiry.awaiting_agent = False
    inquiry.full_clean()
    inquiry.save(
        update_fields=[
            "status",
            "resolved_at",
            "resolved_by",
            "resolution_category",
            "resolution_note",
            "awaiting_agent",
        ]
    )
    _event(inquiry, _("Resolved: %(note)s") % {"note": note}, author=actor, at=now)
    audit_log(actor=actor, action="inquiry_resolve", obj=inquiry, changes={"category": category}, request=request)
    return inquiry


@transaction.atomic
def inquiry_reopen(*, inquiry: Inquiry, actor, reason: str, request=None) -> Inquiry:
    """Reopen a resolved inquiry."""
    inquiry = Inquiry.objects.select_for_update().get(pk=inquiry.pk)
    inquiry.status = Inquiry.Status.OPEN
    inquiry.resolved_at = None
    inquiry.resolved_by = None
    inquiry.save(update_fields=["status", "resolved_at", "resolved_by"])
    _event(inquiry, _("Reopened: %(reason)s") % {"reason": reason}, author=actor)
    audit_log(actor=actor, action="inquiry_reopen", obj=inquiry, reason=reason, request=request)
    return inquiry


# ---- periodic upkeep (Celery beat, every minute) ------------------------------------------------


def sla_breaches_mark(*, now: datetime | None = None) -> int:
    """Record sla_met=False on inquiries whose deadline passed unanswered (set-based; never rewrites)."""
    now = now or timezone.now()
    return Inquiry.objects.filter(
        first_responded_at__isnull=True, sla_met__isnull=True, first_response_due__lt=now
    ).update(sla_met=False)


def sla_alerts_send(*, now: datetime | None = None) -> int:
    """Alert supervisors (once per inquiry) about unanswered inquiries within 2 minutes of breach."""
    now = now or timezone.now()
    soon = list(
        Inquiry.objects.filter(
            status__in=selectors.OPEN_STATUSES,
            first_responded_at__isnull=True,
            first_response_due__gte=now,
            first_response_due__lte=now + selectors.ALERT_BEFORE_BREACH,
        )
        .select_related("assigned_to")
        .only("id", "reference", "first_response_due", "assigned_to__username")[:200]
    )
    if not soon:
        return 0
    supervisors = list(users_with_role(roles.SUPERVISOR))
    created = 0
    for inquiry in soon:
        owner = inquiry.assigned_to.get_username() if inquiry.assigned_to else _("nobody")
        created += notification_send(
            recipients=supervisors,
            message=_("Inquiry %(ref)s breaches its 10-minute answer at %(time)s (assigned to %(owner)s).")
            % {
                "ref": inquiry.reference,
                "time": timezone.localtime(inquiry.first_response_due).strftime("%H:%M"),
                "owner": owner,
            },
            link=reverse("inquiries:detail", args=[inquiry.pk]),
            level=Notification.Level.DANGER,
            dedupe_key=f"inquiry-sla-{inquiry.pk}",
        )
    return created


def off_duty_reassign(*, now: datetime | None = None) -> int:
    """Move unanswered open inquiries away from agents who went off duty (to the least-loaded on-duty agent)."""
    held = list(
        Inquiry.objects.filter(
            status__in=selectors.OPEN_STATUSES, first_responded_at__isnull=True, assigned_to__isnull=False
        )
        .filter(Q(assigned_to__staff_profile__on_duty=False) | Q(assigned_to__is_active=False))
        .order_by("first_response_due")[:500]
    )
    moved = 0
    for inquiry in held:
        previous = inquiry.assigned_to_id
        with transaction.atomic():
            taken = Inquiry.objects.filter(pk=inquiry.pk, assigned_to_id=previous).update(
                assigned_to=None, assigned_at=None
            )
            if not taken:
                continue
            audit_log(action="inquiry_unassign_off_duty", obj=inquiry, changes={"assigned_to": [previous, None]})
            _event(inquiry, _("Returned to the queue: the assigned agent went off duty."))
        inquiry_auto_assign(inquiry=inquiry, exclude_user_ids=(previous,))
        moved += 1
    return moved
