"""XLSX exports of the loan lists, through the one formula-safe export helper (aftersales.exports).

Each export reads the same query string as its page, parsed by the same form, so it holds exactly the rows the
filters select (every page of them); rows are read with `iterator()` and written as they come (constant memory).
"""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _

from aftersales import permissions as roles
from aftersales.export_jobs import ListExport, export_builder, export_response
from aftersales.exports import Sheet
from aftersales.permissions import role_required
from loans.views.pages import filtered_loans

EXPORT_CHUNK = 2000  # rows fetched from the database at a time


@role_required(*roles.STAFF_ROLES)
def loan_list_xlsx(request):
    """The loan list as XLSX (in the worker when long), honouring the list's search and filters."""
    return export_response(request, loan_list_export)


@export_builder
def loan_list_export(request) -> ListExport:
    """The loan list's rows for the export, as the list's filters select them."""
    _form, _filters, loans = filtered_loans(request)
    header = [
        _("Contract number"),
        _("Customer"),
        _("Customer number"),
        _("Product"),
        _("Principal"),
        _("Annual rate (%)"),
        _("Term (months)"),
        _("Disbursement date"),
        _("Next due date"),
        _("Status"),
        _("Days past due"),
        _("Bucket"),
    ]
    rows = (
        [
            loan.contract_number,
            loan.customer.name,
            loan.customer.customer_number,
            loan.product.name,
            loan.principal,
            loan.annual_rate * 100,
            loan.term_months,
            loan.disbursement_date,
            loan.next_due_date,
            loan.get_status_display(),
            loan.dpd,
            loan.bucket,
        ]
        for loan in loans.iterator(chunk_size=EXPORT_CHUNK)
    )
    today = timezone.localdate()
    return ListExport(
        filename=f"loans-{today:%Y%m%d}",
        title=_("Loans"),
        total=loans.count(),
        sheets=[
            Sheet(
                title=_("Loans"),
                header=header,
                rows=rows,
                widths=[22, 14, 14, 18, 14, 10, 10, 14, 14, 10, 10, 8],
                freeze_columns=1,
            )
        ],
    )
