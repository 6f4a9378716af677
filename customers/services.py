"""Writes for customers: create and update with PII normalised and hashed, consent, audited PII reveals."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from aftersales.audit import audit_log, diff_changes
from aftersales.security.reports import customer_data_report_xlsx
from customers import validators
from customers.crypto import pii_hash
from customers.models import ConsentRecord, Customer
from customers.selectors import customer_match

# Fields a caller may set through customer_create / customer_update.
EDITABLE_FIELDS = (
    "name",
    "national_id",
    "mobile",
    "email",
    "address",
    "bank_card",
    "preferred_language",
    "sms_opt_out",
    "voice_opt_out",
)
# Fields that may be revealed in full (with the permission and a reason).
REVEALABLE_FIELDS = ("national_id", "mobile", "email", "address", "bank_card")
CUSTOMER_NUMBER_PREFIX = "C"


# Who did it: a signed-in staff user, or None for the system (a task, a customer's own reply).
Actor = AbstractBaseUser | None


def _normalise(fields: dict[str, Any]) -> dict[str, Any]:
    """Bring typed values into their stored form; invalid values are left for full_clean to report."""
    out = dict(fields)
    if "name" in out:
        out["name"] = " ".join((out["name"] or "").split())
    if "national_id" in out:
        out["national_id"] = validators.normalize_resident_id(out["national_id"])
    if "mobile" in out:
        try:
            out["mobile"] = validators.normalize_mainland_mobile(out["mobile"])
        except ValidationError:
            out["mobile"] = (out["mobile"] or "").strip()
    if "email" in out:
        out["email"] = (out["email"] or "").strip().lower()
    if "address" in out:
        out["address"] = (out["address"] or "").strip()
    if "bank_card" in out:
        out["bank_card"] = validators.normalize_bank_card(out["bank_card"])
    return out


def _derive(customer: Customer) -> None:
    """Hashes for exact search, and birth date and gender from the ID number."""
    customer.national_id_hash = pii_hash(customer.national_id)
    customer.mobile_hash = pii_hash(customer.mobile)
    customer.email_hash = pii_hash(customer.email)
    try:
        validators.validate_resident_id(customer.national_id)
    except ValidationError:
        return  # full_clean reports it next to the field
    customer.date_of_birth, customer.gender = validators.birth_date_and_gender(customer.national_id)


def _duplicate_id_error() -> ValidationError:
    return ValidationError(
        {"national_id": _("A customer with this ID number already exists: search for it instead of adding it again.")},
        code="duplicate_national_id",
    )


def _check_unique_national_id(customer: Customer) -> None:
    others = Customer.objects.filter(national_id_hash=customer.national_id_hash)
    if customer.pk:
        others = others.exclude(pk=customer.pk)
    if customer.national_id_hash and others.exists():
        raise _duplicate_id_error()


def _snapshot(customer: Customer) -> dict[str, Any]:
    return {name: getattr(customer, name) for name in ("customer_number", *EDITABLE_FIELDS)}


def _save(customer: Customer, *, unchanged: tuple[str, ...] = ()) -> None:
    """full_clean and save; a concurrent duplicate ID number becomes the same form error, not an IntegrityError.

    Fields in `unchanged` are not validated again, so a legacy value never blocks an unrelated edit.
    """
    customer.full_clean(exclude=["national_id_hash", "mobile_hash", "email_hash", *unchanged])
    _check_unique_national_id(customer)
    try:
        with transaction.atomic():
            customer.save()
    except IntegrityError:
        if Customer.objects.filter(national_id_hash=customer.national_id_hash).exclude(pk=customer.pk).exists():
            raise _duplicate_id_error() from None
        raise


@transaction.atomic
def customer_create(
    *, actor: Actor, request: HttpRequest | None = None, customer_number: str = "", **fields: Any
) -> Customer:
    """Create a customer: normalise, hash and validate the PII, then audit-log the creation (PII masked)."""
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"customer_create() got unexpected fields: {sorted(unknown)}")
    customer = Customer(**_normalise(fields))
    _derive(customer)
    # A temporary unique number until the primary key gives the final one (C00000042).
    customer.customer_number = customer_number or ("TMP" + uuid.uuid4().hex[:17])
    _save(customer)
    if not customer_number:
        customer.customer_number = f"{CUSTOMER_NUMBER_PREFIX}{customer.pk:08d}"
        Customer.objects.filter(pk=customer.pk).update(customer_number=customer.customer_number)
    audit_log(
        actor=actor,
        action="customer_create",
        obj=customer,
        changes=diff_changes({}, _snapshot(customer)),
        request=request,
    )
    return customer


@transaction.atomic
def customer_update(*, customer: Customer, actor: Actor, request: HttpRequest | None = None, **fields: Any) -> Customer:
    """Update a customer's data; only changed fields are written to the audit log (PII masked)."""
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"customer_update() got unexpected fields: {sorted(unknown)}")
    customer = Customer.objects.select_for_update().get(pk=customer.pk)
    before = _snapshot(customer)
    for name, value in _normalise(fields).items():
        setattr(customer, name, value)
    _derive(customer)
    changes = diff_changes(before, _snapshot(customer))
    if not changes:
        return customer
    _save(customer, unchanged=tuple(name for name in EDITABLE_FIELDS if name not in changes))
    audit_log(actor=actor, action="customer_update", obj=customer, changes=changes, request=request)
    return customer


def customer_contact_preferences_set(
    *,
    customer: Customer,
    actor: Actor,
    request: HttpRequest | None = None,
    sms_opt_out: bool | None = None,
    voice_opt_out: bool | None = None,
    preferred_language: str | None = None,
) -> Customer:
    """Record the customer's contact preferences (e.g. told on the hotline or by a STOP reply)."""
    fields = {
        name: value
        for name, value in (
            ("sms_opt_out", sms_opt_out),
            ("voice_opt_out", voice_opt_out),
            ("preferred_language", preferred_language),
        )
        if value is not None
    }
    return customer_update(customer=customer, actor=actor, request=request, **fields)


@transaction.atomic
def consent_record(
    *,
    customer: Customer,
    granted: bool,
    channel: str,
    actor: Actor,
    purpose: str = ConsentRecord.Purpose.MARKETING,
    note: str = "",
    recorded_at: datetime | None = None,
    request: HttpRequest | None = None,
) -> ConsentRecord:
    """Record that the customer granted or withdrew consent to a use of their data (audit-logged)."""
    record = ConsentRecord(
        customer=customer,
        purpose=purpose,
        granted=granted,
        channel=channel,
        note=(note or "").strip(),
        recorded_at=recorded_at or timezone.now(),
        recorded_by=actor if getattr(actor, "pk", None) else None,
    )
    record.full_clean()
    record.save()
    audit_log(
        actor=actor,
        action="consent_grant" if granted else "consent_withdraw",
        obj=customer,
        changes={"purpose": purpose, "channel": channel, "granted": granted},
        reason=record.note,
        request=request,
    )
    return record


def customer_reveal_pii(
    *, customer: Customer, field: str, reason: str, actor: Actor, request: HttpRequest | None = None
) -> str:
    """Return one PII value in full to a user with customers.view_full_pii who gave a reason; audit-logged."""
    if not actor.has_perm("customers.view_full_pii"):
        raise PermissionDenied
    if field not in REVEALABLE_FIELDS:
        raise ValidationError({"field": _("This value cannot be revealed.")}, code="field")
    reason = " ".join((reason or "").split())
    if not reason:
        raise ValidationError(
            {"reason": _("Say why you need the full value: the reason is written to the audit log.")}, code="reason"
        )
    value = getattr(customer, field)
    audit_log(
        actor=actor,
        action="pii_reveal",
        obj=customer,
        changes={"field": field},
        reason=reason,
        request=request,
    )
    return value


def customer_data_report(*, customer: Customer, actor: Actor, reason: str, request: HttpRequest | None = None) -> bytes:
    """The customer's data report (XLSX bytes), audited as `pii_report` with the stated reason."""
    content = customer_data_report_xlsx(customer=customer)
    audit_log(actor=actor, action="pii_report", obj=customer, reason=reason, request=request)
    return content


def customer_sms_opt_out_by_number(
    *,
    number: str,
    source: str,
    keyword: str = "",
    provider: str = "",
    provider_ref: str = "",
    received_at: datetime | None = None,
) -> list[Customer]:
    """Opt every customer reachable at `number` out of SMS (an opt-out acts on the number); audited per customer.

    The one place an SMS opt-out is recorded, whatever told us: the customer's reply ("退订", "不要再发了"; source
    `sms_reply`), the provider's unsubscribe receipt (`provider`: it blocks the number already), or the provider
    refusing a send because the number unsubscribed (`provider_refusal`). Returns the customers newly opted out
    (already opted-out ones are left as they are). An opt-out is never lost to unrelated invalid data on the row.
    """
    match = customer_match(mobile=number)
    changed = []
    with transaction.atomic():
        for customer in Customer.objects.select_for_update().filter(pk__in=match.candidate_ids).order_by("pk"):
            if customer.sms_opt_out:
                continue
            Customer.objects.filter(pk=customer.pk).update(sms_opt_out=True, updated_at=timezone.now())
            customer.sms_opt_out = True
            audit_log(
                action="sms_opt_out",
                obj=customer,
                changes={
                    "sms_opt_out": [False, True],
                    "source": source,
                    "keyword": keyword[:40],
                    "provider": provider,
                    "provider_ref": provider_ref[:40],
                    "received_at": received_at.isoformat() if received_at else "",
                },
            )
            changed.append(customer)
    return changed
