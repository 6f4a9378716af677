"""The customers app's document: the customer data report (access request) as a numbered PDF beside its XLSX.

The PDF holds what the XLSX summary holds — the customer's own data in full (it is handed to the customer), how
many records of each kind are linked to them, and every time staff revealed their full data — in the customer's
language. Producing it is audited twice: `pii_report` (the access report, as for the XLSX, with the stated reason)
and `document_issue` (its number), both through the services' audit log.
"""

from __future__ import annotations

from django.db import models
from django.http import HttpRequest
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from aftersales.audit import audit_log
from aftersales.documents import (
    DocumentError,
    DocumentSpec,
    Facts,
    Heading,
    IssuedDocument,
    Table,
    Text,
    date_text,
    document_email,
    document_issue,
)
from aftersales.security.reports import pii_reveals
from customers.api import mask_email
from customers.models import Customer

REPORT_PREFIX = "SJ"  # 数据
# The customer's own fields in the report, in this order (hashes and bookkeeping left out).
REPORT_FIELDS = (
    "customer_number",
    "name",
    "national_id",
    "mobile",
    "email",
    "address",
    "bank_card",
    "date_of_birth",
    "gender",
    "preferred_language",
    "sms_opt_out",
    "voice_opt_out",
    "created_at",
)
SKIPPED_RELATIONS = {"aftersales.auditentry", "aftersales.notification"}


def _value_text(customer: Customer, name: str) -> str:
    field = Customer._meta.get_field(name)
    value = getattr(customer, name)
    if field.choices:
        return str(getattr(customer, f"get_{name}_display")()) or "—"
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if hasattr(value, "tzinfo"):
        return date_text(timezone.localdate(value))
    if hasattr(value, "year"):
        return date_text(value)
    return str(value) if value not in (None, "") else "—"


def linked_record_counts(customer: Customer) -> list[tuple[str, int]]:
    """(kind, count) of the records of every app that point at the customer, one count query each."""
    counts = []
    for relation in Customer._meta.related_objects:
        model = relation.related_model
        if model._meta.label_lower in SKIPPED_RELATIONS or not isinstance(relation.field, models.ForeignKey):
            continue
        count = model._default_manager.filter(**{relation.field.name: customer}).count()
        counts.append((str(model._meta.verbose_name_plural), count))
    return counts


def _report_spec(customer: Customer, reason: str) -> DocumentSpec:
    personal = [(str(Customer._meta.get_field(n).verbose_name), _value_text(customer, n)) for n in REPORT_FIELDS]
    reveals = list(pii_reveals(customer).order_by("at", "id"))
    blocks = [
        Text(
            _(
                "At your request (%(reason)s) this report lists the personal data we hold on you, the records "
                "linked to you and every time our staff viewed your full data."
            )
            % {"reason": reason}
        ),
        Heading(_("Personal data")),
        Facts(personal),
        Heading(_("Records linked to you")),
        Table(
            header=[_("Kind"), _("Number")],
            rows=[[kind, str(count)] for kind, count in linked_record_counts(customer)],
            numeric=frozenset({1}),
            widths=(3, 1),
        ),
        Heading(_("Full-data views by staff")),
    ]
    if reveals:
        blocks.append(
            Table(
                header=[_("Time"), _("Staff member"), _("Reason")],
                rows=[
                    [timezone.localtime(e.at).strftime("%Y-%m-%d %H:%M"), e.actor_name or "—", e.reason]
                    for e in reveals
                ],
                widths=(1.3, 1, 3),
            )
        )
    else:
        blocks.append(Text(_("Our staff have not viewed your full data.")))
    return DocumentSpec(
        kind="customer_data_report",
        prefix=REPORT_PREFIX,
        title=_("Customer data report"),
        stem=f"customer-data-{customer.customer_number}",
        language=translation.get_language(),
        blocks=blocks,
    )


def customer_data_report_pdf(
    *, customer: Customer, actor, reason: str, request: HttpRequest | None = None
) -> IssuedDocument:
    """The data report as a numbered PDF in the customer's language, audited as `pii_report` and `document_issue`."""
    with translation.override(customer.preferred_language or Customer.Language.ZH_HANS):
        spec = _report_spec(customer, reason)
    document = document_issue(spec=spec, obj=customer, actor=actor, request=request, reason=reason)
    audit_log(
        actor=actor,
        action="pii_report",
        obj=customer,
        changes={"format": "pdf", "number": document.number},
        reason=reason,
        request=request,
    )
    return document


def customer_data_report_email(*, customer: Customer, actor, reason: str, request: HttpRequest | None = None) -> str:
    """Issue the PDF report and e-mail it to the customer's address on file; the masked address."""
    if not customer.email:
        raise DocumentError(
            _("Customer %(number)s has no e-mail address on file: the report was not sent.")
            % {"number": customer.customer_number}
        )
    document = customer_data_report_pdf(customer=customer, actor=actor, reason=reason, request=request)
    masked = mask_email(customer.email)
    document_email(
        document=document,
        to=customer.email,
        to_masked=masked,
        recipient_name=customer.name,
        obj=customer,
        actor=actor,
        request=request,
    )
    return masked
