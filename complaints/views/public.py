"""The public online complaint form (no login): a honeypot and a rate limit per address."""

from __future__ import annotations

from django.contrib import messages
from django.core.cache import cache
from django.shortcuts import render
from django.utils.translation import gettext as _

from aftersales.audit import client_ip
from complaints import forms, services
from complaints.models import Complaint
from customers import selectors as customer_selectors

PUBLIC_FORM_LIMIT = 5  # submissions per address per hour


def public_new(request):
    """The public online complaint form: no login, a honeypot, and a rate limit per address."""
    form = forms.PublicComplaintForm(request.POST or None)
    if request.method == "POST":
        key = f"complaints:public:{client_ip(request) or 'unknown'}"
        cache.add(key, 0, timeout=3600)
        try:
            attempts = cache.incr(key)
        except ValueError:
            attempts = 1
        if attempts > PUBLIC_FORM_LIMIT:
            form.is_valid()
            messages.error(
                request,
                _("Too many submissions from your connection. Please try again in an hour or call our hotline."),
            )
            return render(request, "complaints/public_form.html", {"form": form}, status=429)
        if form.is_valid():
            data = form.cleaned_data
            if data["website"]:
                # A bot filled the hidden field: answer like a success, record nothing.
                return render(request, "complaints/public_done.html", {"reference": None})
            # The one matcher's rule: a number shared by several customers links none (an agent links it by hand).
            customer = customer_selectors.customer_match(mobile=data["contact_phone"]).customer
            complaint = services.complaint_create(
                source=Complaint.Source.ONLINE,
                category=data["category"],
                summary=data["summary"],
                description=data["description"],
                customer_demand=data["customer_demand"],
                customer=customer,
                contact_name=data["contact_name"],
                contact_phone=data["contact_phone"],
                contact_email=data["contact_email"],
                reply_channel=Complaint.ReplyChannel.SMS,
                language="en" if request.LANGUAGE_CODE == "en" else "zh-hans",
                request=request,
            )
            return render(request, "complaints/public_done.html", {"reference": complaint.reference})
    return render(request, "complaints/public_form.html", {"form": form})
