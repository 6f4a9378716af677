"""Complaint intake: references, deadlines, recording from any source or an inquiry, edits, evidence, reveals."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from datetime import datetime

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from aftersales.audit import audit_log, diff_changes, reason_clean
from complaints import deadlines
from complaints.models import Complaint, Evidence
from complaints.selectors import calendar_load
from complaints.services.common import _event, _lock
from complaints.services.incidents import mass_complaint_check, mass_complaint_recheck
from complaints.uploads import validate_evidence
from customers.api import text_protect, text_protect_update
from customers.models import Customer
from inquiries.models import Inquiry
from loans.models import Loan, Product

__all__ = [
    "FREE_TEXT_FIELDS",
    "complaint_reference_new",
    "deadlines_for",
    "complaint_create",
    "complaint_from_inquiry",
    "complaint_text_reveal",
    "complaint_update",
    "evidence_add",
    "evidence_open",
]

REFERENCE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"


def complaint_reference_new(received_at: datetime | None = None) -> str:
    """A reference the customer can read out on the phone: TS + date + five unambiguous characters."""
    day = timezone.localdate(received_at or timezone.now())
    while True:
        suffix = "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(5))
        reference = f"TS{day:%y%m%d}-{suffix}"
        if not Complaint.objects.filter(reference=reference).exists():
            return reference


def deadlines_for(received_at: datetime) -> dict[str, datetime]:
    """acknowledge_due and decision_due for a complaint received at that moment."""
    tz = timezone.get_current_timezone()
    received_day = timezone.localtime(received_at, tz).date()
    calendar = calendar_load(received_day)
    return {
        "acknowledge_due": deadlines.end_of_day(deadlines.acknowledge_due_date(received_day, calendar), tz),
        "decision_due": deadlines.end_of_day(deadlines.decision_due_date(received_day, calendar), tz),
    }


# The customer's own words: shown with ID, card and mobile numbers masked, each original kept encrypted.
FREE_TEXT_FIELDS = ("summary", "description", "customer_demand")


def _texts_protected(**texts: str) -> dict[str, str]:
    """The masked text and the encrypted original ('<field>_full') of each free-text field."""
    values = {}
    for name, text in texts.items():
        protected = text_protect(text)
        limit = Complaint._meta.get_field(name).max_length
        values[name] = protected.shown[:limit] if limit else protected.shown  # masked first, then cut
        values[f"{name}_full"] = protected.full
    return values


@transaction.atomic
def complaint_create(
    *,
    source: str,
    category: str,
    summary: str,
    severity: str = Complaint.Severity.MEDIUM,
    customer: Customer | None = None,
    loan: Loan | None = None,
    product: Product | None = None,
    source_inquiry: Inquiry | None = None,
    contact_name: str = "",
    contact_phone: str = "",
    contact_email: str = "",
    reply_channel: str = Complaint.ReplyChannel.SMS,
    language: str = "",
    description: str = "",
    customer_demand: str = "",
    received_at: datetime | None = None,
    assigned_to: AbstractBaseUser | None = None,
    created_by: AbstractBaseUser | None = None,
    evidence: UploadedFile | None = None,
    evidence_description: str = "",
    request: HttpRequest | None = None,
) -> Complaint:
    """Record a complaint from any source, compute its deadlines, and check for a mass complaint."""
    received_at = received_at or timezone.now()
    if loan is not None and product is None:
        product = loan.product
    if loan is not None and customer is None:
        customer = loan.customer
    if source == Complaint.Source.REGULATOR:
        severity = Complaint.Severity.HIGH  # regulator referrals are high priority (SPEC §7)
    complaint = Complaint(
        reference=complaint_reference_new(received_at),
        source=source,
        category=category,
        severity=severity,
        customer=customer,
        loan=loan,
        product=product,
        source_inquiry=source_inquiry,
        contact_name=contact_name or (customer.name if customer else ""),
        contact_phone=contact_phone,
        contact_email=contact_email,
        reply_channel=reply_channel,
        language=language or (customer.preferred_language if customer else "zh-hans"),
        **_texts_protected(summary=summary, description=description, customer_demand=customer_demand),
        received_at=received_at,
        assigned_to=assigned_to if assigned_to is not None else created_by,
        created_by=created_by,
        **deadlines_for(received_at),
    )
    complaint.full_clean()
    complaint.save()
    _event(complaint, created_by, _("Complaint received (%(source)s).") % {"source": complaint.get_source_display()})
    audit_log(
        actor=created_by,
        action="complaint_create",
        obj=complaint,
        changes={"status": [None, complaint.status], "source": [None, source], "category": [None, category]},
        request=request,
    )
    if evidence is not None:
        evidence_add(complaint=complaint, upload=evidence, description=evidence_description, actor=created_by)
    mass_complaint_check(complaint=complaint)
    return complaint


def complaint_from_inquiry(
    *,
    inquiry: Inquiry,
    actor: AbstractBaseUser,
    category: str = Complaint.Category.OTHER,
    severity: str = Complaint.Severity.MEDIUM,
    request: HttpRequest | None = None,
) -> tuple[Complaint, bool]:
    """Convert an inquiry into a complaint keeping the link; a second conversion returns the first complaint."""
    existing = Complaint.objects.filter(source_inquiry=inquiry).order_by("id").first()
    if existing is not None:
        return existing, False
    channel_to_source = {
        "hotline": Complaint.Source.HOTLINE,
        "online": Complaint.Source.ONLINE,
        "email": Complaint.Source.EMAIL,
    }
    first_message = inquiry.messages.filter(kind="customer").order_by("created_at", "id").first()
    complaint = complaint_create(
        source=channel_to_source.get(inquiry.channel, Complaint.Source.ONLINE),
        category=category,
        severity=severity,
        summary=inquiry.subject_full or inquiry.subject,  # the original: complaint_create masks it again
        customer=inquiry.customer,
        source_inquiry=inquiry,
        contact_name=inquiry.contact_name,
        contact_phone=inquiry.contact_phone,
        contact_email=inquiry.contact_email,
        reply_channel=Complaint.ReplyChannel.EMAIL if inquiry.channel == "email" else Complaint.ReplyChannel.SMS,
        description=(first_message.body_full or first_message.body) if first_message else "",
        received_at=inquiry.received_at,
        created_by=actor,
        request=request,
    )
    return complaint, True


def complaint_text_reveal(
    *, complaint: Complaint, field: str, reason: str, actor: AbstractBaseUser, request: HttpRequest | None = None
) -> str:
    """One free-text field as written, for a user with view_full_pii who gave a reason; audit-logged."""
    if not actor.has_perm("customers.view_full_pii"):
        raise PermissionDenied
    if field not in FREE_TEXT_FIELDS:
        raise ValidationError({"field": _("This text cannot be revealed.")}, code="field")
    reason = reason_clean(reason)
    if not reason:
        raise ValidationError(
            {"reason": _("Say why you need the full text: the reason is written to the audit log.")}, code="reason"
        )
    audit_log(
        actor=actor, action="pii_reveal", obj=complaint, changes={"field": field}, reason=reason[:300], request=request
    )
    return getattr(complaint, f"{field}_full") or getattr(complaint, field)


EDITABLE_FIELDS = (
    "category",
    "severity",
    "product",
    "loan",
    "customer",
    "summary",
    "description",
    "customer_demand",
    "contact_name",
    "contact_phone",
    "contact_email",
    "reply_channel",
    "language",
)


@transaction.atomic
def complaint_update(
    *, complaint: Complaint, actor: AbstractBaseUser, request: HttpRequest | None = None, **values: object
) -> Complaint:
    """Change the classification and contact details; the deadlines never move here."""
    complaint = _lock(complaint)
    before = {name: getattr(complaint, name) for name in EDITABLE_FIELDS}
    for name, value in values.items():
        if name not in EDITABLE_FIELDS:
            raise TypeError(name)
        if name in FREE_TEXT_FIELDS:
            # The edit form shows the masked text: sent back unchanged, the stored original stays.
            protected = text_protect_update(
                value, shown=getattr(complaint, name), full=getattr(complaint, f"{name}_full")
            )
            limit = Complaint._meta.get_field(name).max_length
            value = protected.shown[:limit] if limit else protected.shown
            setattr(complaint, f"{name}_full", protected.full)
        setattr(complaint, name, value)
    if complaint.source == Complaint.Source.REGULATOR:
        complaint.severity = Complaint.Severity.HIGH
    complaint.full_clean()
    complaint.save()
    after = {name: getattr(complaint, name) for name in EDITABLE_FIELDS}
    changes = diff_changes(
        {k: str(v) if v is not None else None for k, v in before.items()},
        {k: str(v) if v is not None else None for k, v in after.items()},
    )
    for pii in ("contact_phone", "contact_email"):
        if pii in changes:
            changes[pii] = ["***", "***"]
    if changes:
        audit_log(actor=actor, action="complaint_update", obj=complaint, changes=changes, request=request)
    if "category" in changes or "product" in changes:
        mass_complaint_check(complaint=complaint)
    elif "customer" in changes and complaint.customer_id is not None:
        mass_complaint_recheck(complaint=complaint)  # a public complaint matched to a customer now counts
    return complaint


@transaction.atomic
def evidence_add(
    *,
    complaint: Complaint,
    upload: UploadedFile,
    description: str = "",
    actor: AbstractBaseUser | None = None,
    request: HttpRequest | None = None,
) -> Evidence:
    """Store an evidence file after checking its size and content (magic bytes)."""
    kind = validate_evidence(upload)
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    evidence = Evidence(
        complaint=complaint,
        stored_name=uuid.uuid4().hex + kind.extensions[0],
        original_name=upload.name[:200],
        content_type=kind.content_type,
        size=upload.size,
        sha256=digest.hexdigest(),
        description=description,
        uploaded_by=actor,
        uploaded_at=timezone.now(),
    )
    evidence.file.save(evidence.stored_name, upload, save=False)
    evidence.save()
    audit_log(
        actor=actor,
        action="complaint_evidence_add",
        obj=complaint,
        changes={"evidence": [None, evidence.original_name], "sha256": [None, evidence.sha256]},
        request=request,
    )
    return evidence


def evidence_open(*, evidence: Evidence, actor: AbstractBaseUser, request: HttpRequest | None = None) -> File:
    """Open an evidence file for a download by staff; the view is audit-logged. FileNotFoundError when it is gone."""
    handle = evidence.file.open("rb")
    audit_log(
        actor=actor,
        action="complaint_evidence_view",
        obj=evidence.complaint,
        changes={"evidence": [None, evidence.original_name]},
        request=request,
    )
    return handle
