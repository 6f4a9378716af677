"""What customers reach without signing in: the online inquiry form and Twilio's inbound SMS webhook."""

from __future__ import annotations

import logging

from django.conf import settings
from django.http import HttpResponse, HttpResponseForbidden
from django.shortcuts import redirect, render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from twilio.request_validator import RequestValidator

from aftersales.audit import client_ip
from aftersales.security.ratelimit import hit
from inquiries import services
from inquiries.forms import OnlineInquiryForm
from inquiries.models import Inquiry
from reminders.services import handle_inbound_stop

logger = logging.getLogger(__name__)


def _rate_limited(request) -> bool:
    """Count one submission from this address (shared fixed-window limiter); True when over the limit."""
    if not settings.RATELIMIT_ENABLED:
        return False
    rate = settings.INQUIRY_ONLINE_RATE
    allowed, _retry_after = hit("online_inquiry", client_ip(request) or "unknown", rate)
    return not allowed


@require_http_methods(["GET", "POST"])
def online(request):
    """The public inquiry form (no login): rate-limited per address, honeypot, nothing typed is lost on errors."""
    form = OnlineInquiryForm(request.POST or None)
    if request.method == "POST":
        if _rate_limited(request):
            form.is_valid()
            return render(
                request,
                "inquiries/online_form.html",
                {"form": form, "rate_limited": True},
                status=429,
            )
        if form.is_valid():
            data = form.cleaned_data
            if data.get("website"):
                # A bot filled the hidden field: answer like a success, store nothing.
                request.session["inquiry_reference"] = ""
                return redirect("inquiries:online_thanks")
            inquiry, _message = services.inquiry_create(
                channel=Inquiry.Channel.ONLINE,
                subject=data["question"],  # the service masks numbers first, then cuts it to length
                body=data["question"],
                name=data["name"],
                phone=data["mobile"],
                email=data["email"],
                category=data["category"],
                language=request.LANGUAGE_CODE,
                request=request,
            )
            request.session["inquiry_reference"] = inquiry.reference
            return redirect("inquiries:online_thanks")
        return render(request, "inquiries/online_form.html", {"form": form}, status=400)
    return render(request, "inquiries/online_form.html", {"form": form})


@require_GET
def online_thanks(request):
    """Confirmation with the reference number (kept in the session, so only the sender sees it)."""
    return render(
        request,
        "inquiries/online_thanks.html",
        {
            "reference": request.session.get("inquiry_reference", ""),
            "minutes": settings.INQUIRY_FIRST_RESPONSE_MINUTES,
        },
    )


@csrf_exempt
@require_POST
def sms_webhook(request):
    """Twilio posts each inbound SMS here; the signature must match PUBLIC_BASE_URL + path, else 403."""
    token = settings.TWILIO_AUTH_TOKEN
    signature = request.headers.get("X-Twilio-Signature", "")
    url = settings.PUBLIC_BASE_URL.rstrip("/") + request.get_full_path()
    if not token or not signature or not RequestValidator(token).validate(url, request.POST.dict(), signature):
        logger.warning("inbound SMS with a bad signature refused")
        return HttpResponseForbidden("invalid signature")
    from_number = request.POST.get("From", "")
    body = request.POST.get("Body", "")
    if not from_number:
        return HttpResponse(status=400)
    if handle_inbound_stop(from_number, body):
        # "STOP" / "退订" is an opt-out of SMS, not a question: no inquiry is opened.
        return HttpResponse('<?xml version="1.0" encoding="UTF-8"?><Response></Response>', content_type="text/xml")
    services.inquiry_receive_sms(from_number=from_number, body=body, message_sid=request.POST.get("MessageSid", ""))
    return HttpResponse('<?xml version="1.0" encoding="UTF-8"?><Response></Response>', content_type="text/xml")
