"""Reads for customers: search (name, number, exact mobile or ID number through the keyed hash), consent state, and
the one customer matcher every channel uses (`customer_match`)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum

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


# ---- matching an inbound contact to its customer -------------------------------------------------------------

MATCH_CANDIDATES_MAX = 20  # customers read per identifier; a number shared by more is still "ambiguous"
# What callers of the matcher read (linking, reply language, opt-outs, the hotline's masked number); the other
# encrypted PII is not fetched.
MATCH_FIELDS = ("id", "customer_number", "name", "mobile", "preferred_language", "sms_opt_out", "voice_opt_out")


class MatchStatus(StrEnum):
    """Why `customer_match` linked a customer or not."""

    MATCHED = "matched"  # exactly one customer: link it
    AMBIGUOUS = "ambiguous"  # several customers, or identifiers that point at different customers: link none
    NONE = "none"  # nobody known by these identifiers (or none of them is a valid value)


@dataclass(frozen=True, slots=True)
class MatchResult:
    """The outcome of `customer_match`: the customer to link (only when matched), why, and the candidates found."""

    status: MatchStatus
    customer: Customer | None = None
    candidates: tuple[Customer, ...] = field(default=())

    @property
    def matched(self) -> bool:
        """True when exactly one customer was singled out."""
        return self.status is MatchStatus.MATCHED

    @property
    def ambiguous(self) -> bool:
        """True when several customers fit: no automatic link, an agent decides."""
        return self.status is MatchStatus.AMBIGUOUS

    @property
    def candidate_ids(self) -> list[int]:
        """Primary keys of every customer the identifiers found (for the agent's choice, or per-number actions)."""
        return [c.pk for c in self.candidates]


def _hash_of(kind: str, value: str | None) -> str:
    """The keyed hash of one identifier in its stored normal form; "" when the value is empty or invalid."""
    value = (value or "").strip()
    if not value:
        return ""
    if kind == "mobile":
        try:
            value = validators.normalize_mainland_mobile(value)
        except ValidationError:
            return ""
    elif kind == "email":
        value = value.lower()
        if "@" not in value:
            return ""
    else:
        value = validators.normalize_resident_id(re.sub(r"[\s\-]", "", value))
        if not ID_LIKE.match(value):
            return ""
    return pii_hash(value)


def customer_match(
    *, mobile: str | None = None, email: str | None = None, national_id: str | None = None
) -> MatchResult:
    """The customer an inbound contact belongs to, by keyed hash of its mobile, email and/or ID number.

    The one rule (SPEC §5 "a message from a known phone or email is matched to its customer"), for every channel:

    - Each identifier given is normalised as it is stored (mobile to E.164 from any typed form: spaces, dashes,
      +86 / 86 / 0086; email lower-case; ID number without spaces, upper-case X) and looked up by its hash.
      An empty or invalid identifier is ignored.
    - The customer is the one customer found by EVERY identifier that finds anyone: a mobile shared by two customers
      plus the email of one of them is a match for that one; an unknown email beside a known mobile does not spoil it.
    - **Ambiguous** (several customers share the number, or the identifiers point at different customers): no
      automatic link. The contact stays unlinked and the caller flags it for the agent to check who wrote (an
      inquiry: `flagged`, with the reason); `candidates` lists who was found. Only an action on the number itself
      (an SMS "STOP" opts every customer at that number out) or a search (loans, the hotline lookup) may use all
      `candidates`.
    - **None**: nobody is known by these identifiers.

    At most one query per identifier given, each reading at most MATCH_CANDIDATES_MAX customers (MATCH_FIELDS only:
    reload a candidate before saving it).
    """
    found: list[list[Customer]] = []
    for field_name, kind, value in (
        ("national_id_hash", "national_id", national_id),
        ("mobile_hash", "mobile", mobile),
        ("email_hash", "email", email),
    ):
        digest = _hash_of(kind, value)
        if not digest:
            continue
        customers = list(
            Customer.objects.filter(**{field_name: digest}).only(*MATCH_FIELDS).order_by("id")[:MATCH_CANDIDATES_MAX]
        )
        if customers:
            found.append(customers)
    if not found:
        return MatchResult(status=MatchStatus.NONE)
    candidates = list({c.pk: c for group in found for c in group}.values())
    common = set.intersection(*({c.pk for c in group} for group in found))
    if len(common) == 1:
        (pk,) = common
        customer = next(c for c in candidates if c.pk == pk)
        return MatchResult(status=MatchStatus.MATCHED, customer=customer, candidates=(customer,))
    return MatchResult(status=MatchStatus.AMBIGUOUS, candidates=tuple(candidates))


CONSENT_RECORDS_READ = 50  # newest records read for the current state; a purpose's latest is far newer than this


def customer_consent_summary(*, customer_id: int) -> list[ConsentState]:
    """Current consent per purpose from the customer's newest records (one query, bounded rows)."""
    latest: dict[str, ConsentRecord] = {}
    records = ConsentRecord.objects.filter(customer_id=customer_id).order_by("-recorded_at", "-id")
    for record in records[:CONSENT_RECORDS_READ]:
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


QUICK_SEARCH_MAX = 100  # customers a quick search (the inquiry queue's box) reads


def customer_quick_search_ids(*, query: str, limit: int = QUICK_SEARCH_MAX) -> list[int]:
    """Customer ids for a quick, indexed search: a mainland mobile by keyed hash, else customer number or name prefix."""
    query = " ".join((query or "").split())
    if not query:
        return []
    try:
        condition = Q(mobile_hash=pii_hash(validators.normalize_mainland_mobile(query)))
    except ValidationError:
        compact = re.sub(r"[\s\-]", "", query)
        condition = Q(name__startswith=query) | Q(customer_number__startswith=compact.upper())
    return list(Customer.objects.filter(condition).order_by("id").values_list("id", flat=True)[:limit])
