"""The customer data report for an access request: everything we hold on one customer, as XLSX.

It lists the customer's own data in full (it is handed to the customer), the records linked to them
(loans and their installments and repayments, inquiries, complaints, consents, ...) found from the
models themselves so new apps are included automatically, and who revealed their full ID number or
mobile (audit entries "pii_reveal" on the customer).
"""

from __future__ import annotations

import io

from django.apps import apps
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from aftersales.exports import safe_cell
from aftersales.models import AuditEntry

MAX_ROWS_PER_SHEET = 5000
# Linked records a customer has no interest in (internal bookkeeping); everything else is listed.
SKIPPED_MODELS = {"aftersales.auditentry", "aftersales.notification"}


def cell_value(value):
    """A value openpyxl can write safely (the export helper's rules: typed numbers, local times, formula-safe text)."""
    return safe_cell(value)


def _field_value(obj: models.Model, field: models.Field):
    if field.is_relation:
        return getattr(obj, field.attname)
    if field.choices:
        return getattr(obj, f"get_{field.name}_display")()
    return getattr(obj, field.attname)


def _columns(model) -> list[models.Field]:
    return [
        f
        for f in model._meta.concrete_fields
        if not f.name.endswith("_hash") and f.get_internal_type() not in {"BinaryField", "FileField"}
    ]


def _linked_models(target) -> list[tuple[type[models.Model], str]]:
    """(model, lookup) for every model with a foreign key to `target`."""
    found = []
    for model in apps.get_models():
        if model._meta.label_lower in SKIPPED_MODELS:
            continue
        for field in model._meta.concrete_fields:
            if isinstance(field, models.ForeignKey) and field.related_model is target:
                found.append((model, field.name))
    return found


def pii_reveals(customer) -> models.QuerySet:
    """Audit entries of staff revealing this customer's full data."""
    return AuditEntry.objects.filter(
        object_type=customer._meta.label_lower, object_id=str(customer.pk), action__in=["pii_reveal"]
    ).order_by("at", "id")


def customer_data_report_xlsx(*, customer) -> bytes:
    """Build the XLSX workbook for one customer."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    bold = Font(bold=True)

    sheet = workbook.active
    sheet.title = _sheet_title(_("Personal data"))
    sheet.append([str(_("Field")), str(pgettext("data report", "Value"))])
    for field in _columns(type(customer)):
        sheet.append([cell_value(str(field.verbose_name)), cell_value(_field_value(customer, field))])

    summary = [(str(_("Report created")), cell_value(timezone.now()))]
    # Level 1: records pointing at the customer; level 2: records pointing at those (installments of a loan).
    seen = set()
    level1 = _linked_models(type(customer))
    for model, lookup in level1:
        rows = list(model._default_manager.filter(**{lookup: customer}).order_by("pk")[:MAX_ROWS_PER_SHEET])
        _sheet_for(workbook, model, rows, bold, seen)
        summary.append((str(model._meta.verbose_name_plural), len(rows)))
        if not rows:
            continue
        for child, child_lookup in _linked_models(model):
            if child is type(customer):
                continue
            child_rows = list(
                child._default_manager.filter(**{f"{child_lookup}__in": rows}).order_by("pk")[:MAX_ROWS_PER_SHEET]
            )
            _sheet_for(workbook, child, child_rows, bold, seen)
            summary.append((str(child._meta.verbose_name_plural), len(child_rows)))

    access = workbook.create_sheet(_sheet_title(_("Access to full data")))
    access.append([str(_("Time")), str(_("Staff member")), str(_("Fields")), str(_("Reason")), str(_("Address"))])
    reveals = list(pii_reveals(customer))
    for entry in reveals:
        fields = entry.changes.get("fields") or entry.changes.get("field") or ", ".join(sorted(entry.changes))
        access.append(
            [
                cell_value(entry.at),
                cell_value(entry.actor_name),
                cell_value(fields if isinstance(fields, str) else ", ".join(map(str, fields))),
                cell_value(entry.reason),
                cell_value(entry.ip_address),
            ]
        )
    summary.append((str(_("Full-data views by staff")), len(reveals)))

    overview = workbook.create_sheet(_sheet_title(_("Summary")), 0)
    overview.append([str(_("Customer data report")), cell_value(str(customer))])
    for label, value in summary:
        overview.append([cell_value(label), value])
    for ws in workbook.worksheets:
        for cell in ws[1]:
            cell.font = bold
        ws.column_dimensions["A"].width = 28
        ws.column_dimensions["B"].width = 40

    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _sheet_title(text: str) -> str:
    return "".join(c for c in str(text) if c not in "[]:*?/\\")[:31] or "-"


def _sheet_for(workbook, model, rows, bold, seen) -> None:
    title = _sheet_title(model._meta.verbose_name_plural)
    if title in seen:
        title = f"{title[:27]} ({len(seen)})"
    seen.add(title)
    sheet = workbook.create_sheet(title)
    columns = _columns(model)
    sheet.append([cell_value(str(f.verbose_name)) for f in columns])
    for row in rows:
        sheet.append([cell_value(_field_value(row, f)) for f in columns])
