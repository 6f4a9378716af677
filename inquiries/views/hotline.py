"""Hotline: log a call in a few seconds, with a live lookup of who is calling."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from aftersales.permissions import role_required
from customers.api import normalize_mainland_mobile
from customers.models import Customer
from customers.selectors import customer_match
from inquiries import services
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
    matches = _lookup(form.data.get("mobile", "")) if form.is_bound else None
    return render(
        request, "inquiries/hotline_form.html", {"form": form, "matches": matches}, status=400 if form.is_bound else 200
    )


def _lookup(raw: str) -> list[Customer] | None:
    """Who may be calling: every customer at this mobile (None while it is not a mainland mobile)."""
    try:
        normalize_mainland_mobile(raw)
    except ValidationError:
        return None
    return list(customer_match(mobile=raw).candidates)


@role_required(*LOGGERS)
@require_GET
def customer_lookup(request):
    """htmx: who is calling, by mobile (masked)."""
    matches = _lookup(request.GET.get("mobile", ""))
    return render(request, "inquiries/_customer_lookup.html", {"matches": matches})
