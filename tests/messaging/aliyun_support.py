"""Helpers for the Alibaba Cloud SMS tests: settings pointed at the fake, and the receipt endpoints as the portal
should expose them (a test URLconf until messaging/views.py has them: see the view code the lead copies)."""

from __future__ import annotations

import hashlib
import hmac

from django.http import HttpRequest, HttpResponse, HttpResponseForbidden
from django.urls import path
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from messaging.backends import get_backend
from messaging.backends.aliyun import opt_out_events

RECEIPT_TOKEN = "receipt-secret-2026"
received: dict[str, list] = {"reports": [], "opt_outs": [], "up": []}


def point_at(settings, fake) -> None:
    """Select the aliyun backend and point it at the fake provider."""
    settings.MESSAGING_BACKEND = "aliyun"
    settings.ALIYUN_SMS_ACCESS_KEY_ID = fake.access_key_id
    settings.ALIYUN_SMS_ACCESS_KEY_SECRET = fake.access_key_secret
    settings.ALIYUN_SMS_SIGN_NAME = "信和售后"
    settings.ALIYUN_SMS_ENDPOINT = fake.endpoint
    settings.ALIYUN_SMS_RECEIPT_TOKEN = RECEIPT_TOKEN
    settings.ALIYUN_SMS_TIMEOUT = 2


def body_signature(body: bytes, secret: str = RECEIPT_TOKEN) -> str:
    """The X-Aliyun-Sms-Signature a relay puts on a push: hex HMAC-SHA256 of the raw body."""
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


@csrf_exempt
@require_POST
def aliyun_report(request: HttpRequest) -> HttpResponse:
    """SmsReport push: delivery reports (the lead's messaging service applies them)."""
    backend = get_backend("aliyun")
    updates = backend.parse_status_reports(request)
    if updates is None:
        return HttpResponseForbidden()
    received["reports"].extend(updates)
    return backend.callback_response(updates=updates)


@csrf_exempt
@require_POST
def aliyun_up(request: HttpRequest) -> HttpResponse:
    """SmsUp push: customers' replies; the provider's unsubscribes become opt-out events."""
    backend = get_backend("aliyun")
    messages = backend.parse_up_messages(request)
    if messages is None:
        return HttpResponseForbidden()
    received["up"].extend(messages)
    received["opt_outs"].extend(opt_out_events(messages))
    return backend.callback_response(updates=[])


urlpatterns = [
    path("hooks/aliyun/report/", aliyun_report, name="aliyun_report"),
    path("hooks/aliyun/up/", aliyun_up, name="aliyun_up"),
]
