"""The customer list as XLSX (#17): masked PII only, the list's own search and filters, constant memory.

Rows are read as plain tuples (`values_list`, a server-side cursor on PostgreSQL, EXPORT_CHUNK at a time): no model
instance per customer, only the two PII columns the masks need are fetched (and decrypted), and the consent state
comes from the list's own subquery. bench/export_customers.py measures it at 100,000 customers.
"""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from aftersales.export_jobs import ListExport, export_builder
from aftersales.exports import Sheet
from customers import selectors
from customers.forms import CustomerSearchForm
from customers.models import Customer
from customers.validators import mask_mobile, mask_national_id

EXPORT_CHUNK = 2000  # customers fetched (and decrypted) at a time by the export
EXPORT_COLUMNS = (
    "customer_number",
    "name",
    "mobile",
    "national_id",
    "preferred_language",
    "sms_opt_out",
    "voice_opt_out",
    "marketing_consent",
    "created_at",
)


@export_builder
def customer_list_export(request) -> ListExport:
    """The customer list with masked mobile and ID number, honouring the list's search and filters."""
    form = CustomerSearchForm(request.GET or None)
    filters = form.filters() if request.GET else {"query": "", "language": "", "contact": "", "consent": ""}
    customers = selectors.customer_list(**filters)
    header = [
        _("Customer number"),
        pgettext("person", "Name"),
        _("Mobile"),
        _("ID number"),
        _("Language"),
        _("Contact"),
        _("Marketing consent"),
        pgettext("customer since", "Since"),
    ]
    no_sms, no_calls = _("No SMS"), _("No calls")
    contact = {
        (True, True): f"{no_sms}、{no_calls}",
        (True, False): no_sms,
        (False, True): no_calls,
        (False, False): _("SMS and calls"),
    }
    yes, no = _("Yes"), _("No")
    languages = {value: str(label) for value, label in Customer.Language.choices}
    localdate = timezone.localdate
    rows = (
        [
            number,
            name,
            mask_mobile(mobile),
            mask_national_id(national_id),
            languages.get(language, language),
            contact[(sms_out, voice_out)],
            yes if consent else no,
            localdate(created_at),
        ]
        for number, name, mobile, national_id, language, sms_out, voice_out, consent, created_at in customers.values_list(
            *EXPORT_COLUMNS
        ).iterator(chunk_size=EXPORT_CHUNK)
    )
    return ListExport(
        filename=f"customers-{timezone.localdate():%Y%m%d}",
        title=_("Customers"),
        sheets=[
            Sheet(
                title=_("Customers"),
                header=header,
                rows=rows,
                widths=[14, 12, 16, 22, 12, 16, 10, 12],
                freeze_columns=1,
            )
        ],
        total=customers.count(),
    )
