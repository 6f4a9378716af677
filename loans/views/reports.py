"""Revenue and reconciliation reports (finance)."""

from __future__ import annotations

from django.shortcuts import render
from django.utils.translation import gettext as _

from aftersales.exports import csv_response
from aftersales.permissions import role_required
from loans import selectors
from loans.forms import (
    MonthForm,
)
from loans.views.common import (
    FINANCE,
)


@role_required(*FINANCE)
def revenue_report(request):
    form = MonthForm(request.GET or None)
    year, month = form.period()
    rows, total = selectors.revenue_report(year=year, month=month)
    return render(
        request,
        "loans/revenue_report.html",
        {"form": form, "rows": rows, "total": total, "year": year, "month": month, "period": f"{year}-{month:02d}"},
    )


@role_required(*FINANCE)
def revenue_csv(request):
    form = MonthForm(request.GET or None)
    year, month = form.period()
    rows, total = selectors.revenue_report(year=year, month=month)
    header = [
        _("Product"),
        _("Interest"),
        _("Penalty interest"),
        _("Fees"),
        _("Upfront fees"),
        _("Income"),
        _("Principal repaid"),
        _("Customer credit"),
    ]
    body = (
        [
            row.product or _("Total"),
            row.interest,
            row.penalty,
            row.fee,
            row.upfront_fee,
            row.income,
            row.principal,
            row.credit,
        ]
        for row in [*rows, total]
    )
    # formula-safe cells (a product named "=HYPERLINK(...)" stays text), streamed with a BOM for Excel
    return csv_response(filename=f"revenue-{year}-{month:02d}", header=header, rows=body)


@role_required(*FINANCE)
def reconciliation(request):
    return render(request, "loans/reconciliation.html", {"rec": selectors.reconciliation()})
