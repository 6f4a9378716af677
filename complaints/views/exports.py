"""The complaint list as XLSX, through the one formula-safe export helper (aftersales.exports).

The export reads the list's query string with the list's own form, so it holds exactly the complaints the filters
select (every page of them), read with `iterator()` and written as they come (constant memory).
"""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _

from aftersales.export_jobs import ListExport, export_builder, export_response
from aftersales.exports import Sheet
from aftersales.permissions import role_required
from complaints.templatetags.complaint_tags import staff_name
from complaints.views.common import VIEW
from complaints.views.complaints import filtered_complaints

EXPORT_CHUNK = 2000  # rows fetched from the database at a time


@role_required(*VIEW)
def complaint_list_xlsx(request):
    """The complaint list as XLSX (in the worker when long), honouring its search and filters."""
    return export_response(request, complaint_list_export)


@export_builder
def complaint_list_export(request) -> ListExport:
    """The complaint list's rows for the export, as the list's filters select them."""
    _form, _mine, complaints = filtered_complaints(request)
    header = [
        _("Reference"),
        _("Received"),
        _("Customer"),
        _("Summary"),
        _("Category"),
        _("Source"),
        _("Severity"),
        _("Status"),
        _("Decision due"),
        _("Handled by"),
        _("Decided on time"),
    ]
    yes, no = _("Yes"), _("No")
    rows = (
        [
            c.reference,
            c.received_at,
            c.customer.name if c.customer_id else c.contact_name,
            c.summary,
            c.get_category_display(),
            c.get_source_display(),
            c.get_severity_display(),
            c.get_status_display(),
            c.decision_due,
            staff_name(c.assigned_to, ""),
            "" if c.on_time is None else (yes if c.on_time else no),
        ]
        for c in complaints.iterator(chunk_size=EXPORT_CHUNK)
    )
    return ListExport(
        filename=f"complaints-{timezone.localdate():%Y%m%d}",
        title=_("Complaints"),
        total=complaints.count(),
        sheets=[
            Sheet(
                title=_("Complaints"),
                header=header,
                rows=rows,
                widths=[16, 18, 14, 40, 16, 12, 8, 12, 18, 14, 10],
                freeze_columns=1,
            )
        ],
    )
