"""Customer pages: the protected list, create/edit, the 360 page, PII reveal, consent and contact preferences."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from aftersales import permissions as roles
from aftersales.documents import DocumentError, pdf_response
from aftersales.export_jobs import export_response
from aftersales.exports import XLSX_CONTENT_TYPE
from aftersales.permissions import role_required
from aftersales.portal import TimelineEvent, collect
from aftersales.security.reports import pii_reveals
from customers import documents, selectors, services
from customers.exports import customer_list_export
from customers.forms import (
    ConsentForm,
    ContactPreferencesForm,
    CustomerForm,
    CustomerSearchForm,
    DataReportOutputForm,
    RevealForm,
)
from customers.models import Customer

PAGE_SIZE = 25
# Who keeps customer master data, and who may record what a customer tells us about contact and consent.
EDITORS = (roles.BACK_OFFICE, roles.MANAGER)
CONTACT_RECORDERS = (roles.AGENT, roles.SUPERVISOR, roles.MANAGER, roles.BACK_OFFICE)


def _can(user, *role_names: str) -> bool:
    return roles.has_role(user, *role_names)


@role_required(*roles.STAFF_ROLES)
def customer_list(request):
    """Search and filter customers; values are masked."""
    form = CustomerSearchForm(request.GET or None)
    filters = form.filters() if request.GET else {"query": "", "language": "", "contact": "", "consent": ""}
    page = Paginator(selectors.customer_list(**filters), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "customers/list.html",
        {
            "form": form,
            "page": page,
            "filtered": any(filters.values()),
            "query": filters["query"],
            "can_edit": _can(request.user, *EDITORS),
            "export_query": request.GET.urlencode(),
        },
    )


@role_required(*EDITORS)
def customer_create(request):
    """Add a customer through the service (normalised, hashed, encrypted, audit-logged)."""
    form = CustomerForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            customer = services.customer_create(actor=request.user, request=request, **form.service_fields())
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Customer %(number)s added.") % {"number": customer.customer_number})
            return redirect(customer)
    return render(request, "customers/form.html", {"form": form, "customer": None})


@role_required(*EDITORS)
def customer_edit(request, pk: int):
    """Edit a customer's data; PII fields left empty keep their value."""
    customer = get_object_or_404(Customer, pk=pk)
    form = CustomerForm(request.POST or None, instance=customer)
    if request.method == "POST" and form.is_valid():
        try:
            customer = services.customer_update(
                customer=customer, actor=request.user, request=request, **form.service_fields()
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Customer %(number)s saved.") % {"number": customer.customer_number})
            return redirect(customer)
    customer.refresh_from_db()  # the form wrote the typed values onto the instance
    return render(request, "customers/form.html", {"form": form, "customer": customer})


def _timeline(customer: Customer, consents) -> list[TimelineEvent]:
    """The customer's own events (creation, updates, consent) with every app's events, newest first."""
    events = list(collect("customer_timeline", customer))
    events.append(TimelineEvent(at=customer.created_at, kind=_("customer"), text=_("Customer record created")))
    labels = {f.name: str(f.verbose_name) for f in Customer._meta.get_fields() if hasattr(f, "verbose_name")}
    for entry in selectors.customer_audit_events(customer=customer):
        if entry.action != "customer_update":
            continue
        fields = ", ".join(labels.get(name, name) for name in entry.changes)
        events.append(
            TimelineEvent(
                at=entry.at,
                kind=_("customer"),
                text=_("Record updated by %(user)s: %(fields)s") % {"user": entry.actor_name or "—", "fields": fields},
            )
        )
    for record in consents:
        text = (
            _("%(purpose)s consent granted (%(channel)s)")
            if record.granted
            else _("%(purpose)s consent withdrawn (%(channel)s)")
        )
        events.append(
            TimelineEvent(
                at=record.recorded_at,
                kind=_("consent"),
                text=text % {"purpose": record.get_purpose_display(), "channel": record.get_channel_display()},
                level="success" if record.granted else "warning",
            )
        )
    return sorted(events, key=lambda e: e.at, reverse=True)


def _age(born) -> int | None:
    if born is None:
        return None
    today = timezone.localdate()
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def _detail_context(request, customer: Customer, *, reveal_form=None, revealed=None) -> dict:
    consents = selectors.customer_consent_records(customer=customer)
    panels = sorted(collect("customer_panels", request, customer), key=lambda p: p.order)
    can_reveal = request.user.has_perm("customers.view_full_pii")
    return {
        "customer": customer,
        "age": _age(customer.date_of_birth),
        "consents": consents,
        "consent_states": selectors.customer_consent_states(customer=customer, records=consents),
        "panels": panels,
        "timeline": _timeline(customer, consents),
        "can_edit": _can(request.user, *EDITORS),
        "can_record_contact": _can(request.user, *CONTACT_RECORDERS),
        "can_reveal": can_reveal,
        "reveal_form": reveal_form or (RevealForm() if can_reveal else None),
        "revealed": revealed,
        "consent_form": ConsentForm(),
        "preferences_form": ContactPreferencesForm(instance=customer),
    }


@role_required(*roles.STAFF_ROLES)
def customer_detail(request, pk: int):
    """The customer 360 page: profile (masked), contact preferences, consents, other apps' panels, timeline."""
    customer = get_object_or_404(Customer, pk=pk)
    return render(request, "customers/detail.html", _detail_context(request, customer))


@never_cache
@require_POST
@role_required(*roles.STAFF_ROLES)
def customer_reveal(request, pk: int):
    """Show one PII value in full, once, to a user with the permission who gives a reason (audit-logged)."""
    if not request.user.has_perm("customers.view_full_pii"):
        raise PermissionDenied
    customer = get_object_or_404(Customer, pk=pk)
    form = RevealForm(request.POST)
    revealed = None
    if form.is_valid():
        field = form.cleaned_data["field"]
        value = services.customer_reveal_pii(
            customer=customer, field=field, reason=form.cleaned_data["reason"], actor=request.user, request=request
        )
        revealed = {"field": field, "label": dict(form.fields["field"].choices)[field], "value": value}
        form = RevealForm(initial={"field": field})
    if request.htmx:
        return render(
            request,
            "customers/_reveal.html",
            {"customer": customer, "reveal_form": form, "revealed": revealed},
        )
    if revealed:
        messages.success(request, _("The full value is shown once below; this reveal was written to the audit log."))
    context = _detail_context(request, customer, reveal_form=form, revealed=revealed)
    return render(request, "customers/detail.html", context, status=200 if revealed else 400)


@require_POST
@role_required(*CONTACT_RECORDERS)
def customer_consent(request, pk: int):
    """Record that the customer granted or withdrew consent."""
    customer = get_object_or_404(Customer, pk=pk)
    form = ConsentForm(request.POST)
    if form.is_valid():
        record = services.consent_record(
            customer=customer,
            granted=form.granted,
            purpose=form.cleaned_data["purpose"],
            channel=form.cleaned_data["channel"],
            note=form.cleaned_data["note"],
            actor=request.user,
            request=request,
        )
        if record.granted:
            messages.success(request, _("Consent recorded: %(purpose)s.") % {"purpose": record.get_purpose_display()})
        else:
            messages.success(
                request, _("Consent withdrawal recorded: %(purpose)s.") % {"purpose": record.get_purpose_display()}
            )
    else:
        messages.error(request, _("The consent was not recorded: choose what the customer said and how."))
    return redirect(customer)


@require_POST
@role_required(*CONTACT_RECORDERS)
def customer_preferences(request, pk: int):
    """Record the customer's contact preferences (language, no SMS, no calls)."""
    customer = get_object_or_404(Customer, pk=pk)
    form = ContactPreferencesForm(request.POST, instance=Customer.objects.get(pk=pk))
    if form.is_valid():
        services.customer_contact_preferences_set(
            customer=customer,
            actor=request.user,
            request=request,
            sms_opt_out=form.cleaned_data["sms_opt_out"],
            voice_opt_out=form.cleaned_data["voice_opt_out"],
            preferred_language=form.cleaned_data["preferred_language"],
        )
        messages.success(request, _("Contact preferences saved."))
    else:
        messages.error(request, _("The contact preferences were not saved: choose a language."))
    return redirect(customer)


@role_required(roles.MANAGER)
def customer_data_report(request, pk: int):
    """A customer's access request: everything held on them and who viewed their full data, as XLSX or PDF.

    Producing the report is audited and the PDF is numbered, so each is a POST with CSRF answered by the file
    (or, for the e-mail, a redirect back with a message).
    """
    customer = get_object_or_404(Customer, pk=pk)
    form = DataReportOutputForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        reason, output = form.cleaned_data["reason"], form.cleaned_data["output"]
        if output == form.PDF:
            document = documents.customer_data_report_pdf(
                customer=customer, actor=request.user, reason=reason, request=request
            )
            return pdf_response(document)
        if output == form.EMAIL:
            try:
                address = documents.customer_data_report_email(
                    customer=customer, actor=request.user, reason=reason, request=request
                )
            except DocumentError as exc:
                messages.error(request, " ".join(exc.messages))
            else:
                messages.success(request, _("The data report was e-mailed to %(address)s.") % {"address": address})
            return redirect("customers:data_report", pk=customer.pk)
        content = services.customer_data_report(customer=customer, actor=request.user, reason=reason, request=request)
        response = HttpResponse(content, content_type=XLSX_CONTENT_TYPE)
        filename = f"customer-data-{customer.customer_number}-{timezone.localdate():%Y%m%d}.xlsx"
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        response["Cache-Control"] = "no-store"
        return response
    return render(
        request,
        "customers/data_report.html",
        {
            "customer": customer,
            "form": form,
            "reveal_count": pii_reveals(customer).count(),
            "has_email": bool(customer.email),
        },
    )


@role_required(*roles.STAFF_ROLES)
def customer_list_xlsx(request):
    """The customer list as XLSX with masked PII only, honouring the list's search and filters (customers.exports)."""
    return export_response(request, customer_list_export)
