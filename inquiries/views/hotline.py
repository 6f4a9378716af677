"""Hotline: log a call in a few seconds, with a live lookup of who is calling."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from aftersales.permissions import role_required
from customers.api import normalize_mainland_mobile
from customers.models import Customer
from customers.selectors import customer_match
from inquiries import selectors, services
from inquiries.forms import HotlineForm
from inquiries.views.common import LOGGERS


@role_required(*LOGGERS)
@require_http_methods(["GET", "POST"])
def hotline_new(request):
    """Log a hotline call in a few seconds; Enter submits."""
    form = HotlineForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        inquiry = services.inquiry_hotline_log(
            agent=request.user,
            phone=data["mobile"],
            name=data["name"],
            summary=data["summary"],
            details=data["details"],
            category=data["category"],
            answered_live=data["answered_live"],
            request=request,
        )
        messages.success(request, _("Call logged as %(ref)s.") % {"ref": inquiry.reference})
        if request.POST.get("then") == "open":
            return redirect(inquiry)
        return redirect("inquiries:hotline_new")
    context = {"form": form, **_lookup(form.data.get("mobile", "") if form.is_bound else "")}
    return render(request, "inquiries/hotline_form.html", context, status=400 if form.is_bound else 200)


def _lookup(raw: str) -> dict:
    """Who may be calling: every customer at this mobile (None while it is not a mainland mobile), each with a
    link to the 360 page, and the side panel when the number singles out one customer."""
    try:
        normalize_mainland_mobile(raw)
    except ValidationError:
        return {"matches": None, "panel": None}
    matches: list[Customer] = list(customer_match(mobile=raw).candidates)
    for customer in matches:
        customer.url = reverse("customers:detail", args=[customer.pk])
    panel = selectors.side_panel(customer=matches[0]) if len(matches) == 1 else None
    return {"matches": matches, "panel": panel, "customer_url": matches[0].url if panel else ""}


@role_required(*LOGGERS)
@require_GET
def customer_lookup(request):
    """htmx: who is calling, by mobile (masked), with the agent's side panel for a known caller."""
    context = {**_lookup(request.GET.get("mobile", "")), "oob": True}
    return render(request, "inquiries/_customer_lookup.html", context)
