"""The inquiry queue (with its search) as XLSX (#17), through the one formula-safe export helper.

The export reads the queue's query string with the queue's own form (view tab, channel, category, search), so it
holds exactly the inquiries the queue selects, every page of them, in the queue's order; rows are read with
`iterator()` and written as they come (constant memory). Contacts are the stored masked values; the message text
is not exported (it may hold PII typed by the customer).
"""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _

from aftersales.export_jobs import ListExport, export_builder, export_response
from aftersales.exports import Sheet
from aftersales.names import user_display
from aftersales.permissions import role_required
from inquiries import selectors
from inquiries.forms_queue import QueueForm
from inquiries.models import Category, Inquiry
from inquiries.views.common import WORKERS

EXPORT_CHUNK = 2000  # rows fetched from the database at a time


@role_required(*WORKERS)
def queue_xlsx(request):
    """The queue as XLSX (in the worker when long), honouring its tab, filters and search."""
    return export_response(request, inquiry_queue_export)


@export_builder
def inquiry_queue_export(request) -> ListExport:
    """The queue's rows for the export, as the queue's form reads the query string."""
    form = QueueForm(request.GET or None)
    if form.is_bound:
        form.is_valid()
    inquiries = selectors.queue_list(
        user=request.user,
        view=form.value("view"),
        channel=form.value("channel"),
        category=form.value("category"),
        search=form.value("q"),
        now=timezone.now(),
    ).select_related("customer", "assigned_to", "escalated_to")
    header = [
        _("Reference"),
        _("Received"),
        _("Channel"),
        _("Customer"),
        _("Customer number"),
        _("Contact"),
        _("Subject"),
        _("Category"),
        _("Status"),
        _("First response due"),
        _("First response"),
        _("SLA met"),
        _("Assigned to"),
        _("Escalated to"),
    ]
    channels = {value: str(label) for value, label in Inquiry.Channel.choices}
    statuses = {value: str(label) for value, label in Inquiry.Status.choices}
    categories = {value: str(label) for value, label in Category.choices}
    yes, no = _("Yes"), _("No")
    rows = (
        [
            i.reference,
            i.received_at,
            channels.get(i.channel, i.channel),
            i.customer.name if i.customer_id else i.contact_name,
            i.customer.customer_number if i.customer_id else "",
            i.contact_masked,
            i.subject,
            categories.get(i.category, i.category),
            statuses.get(i.status, i.status),
            i.first_response_due,
            i.first_responded_at,
            "" if i.sla_met is None else (yes if i.sla_met else no),
            user_display(i.assigned_to),
            i.escalated_to.name if i.escalated_to_id else "",
        ]
        for i in inquiries.iterator(chunk_size=EXPORT_CHUNK)
    )
    return ListExport(
        filename=f"inquiries-{timezone.localdate():%Y%m%d}",
        title=_("Inquiries"),
        total=inquiries.count(),
        sheets=[
            Sheet(
                title=_("Inquiries"),
                header=header,
                rows=rows,
                widths=[20, 18, 10, 14, 14, 16, 40, 14, 10, 18, 18, 8, 12, 12],
                freeze_columns=1,
            )
        ],
    )
