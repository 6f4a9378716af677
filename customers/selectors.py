"""Reads for customers: search (name, number, exact mobile or ID number through the keyed hash), consent state."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db.models import OuterRef, Q, QuerySet, Subquery

from aftersales.models import AuditEntry
from customers import validators
from customers.crypto import pii_hash
from customers.models import ConsentRecord, Customer

# Columns the list pages need; the other PII columns are not fetched (nor decrypted).
LIST_FIELDS = (
    "id",
    "customer_number",
    "name",
    "national_id",
    "mobile",
    "preferred_language",
    "sms_opt_out",
    "voice_opt_out",
    "created_at",
)
ID_LIKE = re.compile(r"^\d{17}[\dXx]$")


def customer_search(query: str = "") -> QuerySet[Customer]:
    """Customers matching a name (part), customer number (prefix), exact mobile or exact ID number."""
    customers = Customer.objects.only(*LIST_FIELDS)
    query = " ".join((query or "").split())
    if not query:
        return customers
    compact = re.sub(r"[\s\-]", "", query)
    if ID_LIKE.match(compact):
        return customers.filter(national_id_hash=pii_hash(validators.normalize_resident_id(compact)))
    try:
        mobile = validators.normalize_mainland_mobile(query)
    except ValidationError:
        mobile = None
    if mobile:
        return customers.filter(Q(mobile_hash=pii_hash(mobile)) | Q(customer_number__iexact=compact))
    if "@" in query:
        return customers.filter(email_hash=pii_hash(query.lower()))
    return customers.filter(Q(name__icontains=query) | Q(customer_number__istartswith=compact))


def customer_list(*, query: str = "", language: str = "", contact: str = "", consent: str = "") -> QuerySet[Customer]:
    """The customer list: search plus filters on language, contact opt-outs and marketing consent."""
    customers = customer_search(query)
    if language:
        customers = customers.filter(preferred_language=language)
    if contact == "sms_opt_out":
        customers = customers.filter(sms_opt_out=True)
    elif contact == "voice_opt_out":
        customers = customers.filter(voice_opt_out=True)
    elif contact == "reachable":
        customers = customers.filter(sms_opt_out=False, voice_opt_out=False)
    latest_marketing = (
        ConsentRecord.objects.filter(customer=OuterRef("pk"), purpose=ConsentRecord.Purpose.MARKETING)
        .order_by("-recorded_at", "-id")
        .values("granted")[:1]
    )
    customers = customers.annotate(marketing_consent=Subquery(latest_marketing))
    if consent == "granted":
        customers = customers.filter(marketing_consent=True)
    elif consent == "none":
        customers = customers.filter(Q(marketing_consent=False) | Q(marketing_consent__isnull=True))
    return customers.order_by("-id")


@dataclass
class ConsentState:
    purpose: str
    label: str
    granted: bool
    record: ConsentRecord | None


def customer_consent_states(*, customer: Customer, records: list[ConsentRecord]) -> list[ConsentState]:
    """Current state per purpose from the customer's consent records (newest first); no record means no consent."""
    latest: dict[str, ConsentRecord] = {}
    for record in records:
        latest.setdefault(record.purpose, record)
    return [
        ConsentState(
            purpose=value,
            label=label,
            granted=bool(latest.get(value) and latest[value].granted),
            record=latest.get(value),
        )
        for value, label in ConsentRecord.Purpose.choices
    ]


def customer_has_marketing_consent(*, customer: Customer) -> bool:
    """True when the customer's latest marketing consent record is a grant."""
    latest = (
        ConsentRecord.objects.filter(customer=customer, purpose=ConsentRecord.Purpose.MARKETING)
        .order_by("-recorded_at", "-id")
        .values_list("granted", flat=True)
        .first()
    )
    return bool(latest)


def customer_consent_records(*, customer: Customer) -> list[ConsentRecord]:
    """The customer's consent records, newest first, with who recorded them."""
    return list(customer.consents.select_related("recorded_by").order_by("-recorded_at", "-id"))


def customer_audit_events(*, customer: Customer, limit: int = 50) -> list[AuditEntry]:
    """Creation and updates of the customer's record from the audit log (reveals are left out)."""
    return list(
        AuditEntry.objects.filter(
            object_type=Customer._meta.label_lower,
            object_id=str(customer.pk),
            action__in=["customer_create", "customer_update"],
        ).order_by("-at", "-id")[:limit]
    )


def customer_find_by_mobile(mobile: str) -> Customer | None:
    """The customer with this mobile (any typed form), for matching calls and SMS replies; None if unknown."""
    try:
        e164 = validators.normalize_mainland_mobile(mobile)
    except ValidationError:
        return None
    return Customer.objects.filter(mobile_hash=pii_hash(e164)).order_by("-id").first()


def customer_find_by_email(email: str) -> Customer | None:
    """The customer with this e-mail address (case-insensitive), for matching inbound mail; None if unknown."""
    email = (email or "").strip().lower()
    if "@" not in email:
        return None
    return Customer.objects.filter(email_hash=pii_hash(email)).order_by("-id").first()
