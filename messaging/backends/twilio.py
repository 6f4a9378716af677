"""The Twilio backend: the real SDK (`messages.create`, `calls.create` with TwiML <Say>), signed status callbacks.

Errors are sorted for the caller: invalid number, not a mobile, unsubscribed and other 4xx refusals are
PermanentSendError (never retried); HTTP 429/20429, 5xx, connection errors and time-outs are TransientSendError.
A time-out may still have created the message: the error carries `code="timeout"` and the caller looks the
message up (`find_sent`) before it sends again.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from decimal import Decimal
from xml.sax.saxutils import escape, quoteattr

import requests
from django.conf import settings
from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.request_validator import RequestValidator
from twilio.rest import Client

from messaging.backends.base import BaseBackend, PermanentSendError, SendResult, StatusUpdate, TransientSendError
from messaging.backends.values import duration_seconds, price_value

# Twilio error codes that mean "this destination cannot be reached this way": do not retry, fix the contact data.
PERMANENT_CODES = {21211, 21214, 21217, 21408, 21610, 21612, 21614, 13224, 13225}
# The SDK logs every request with its headers at INFO: too chatty for a worker sending thousands.
logging.getLogger("twilio.http_client").setLevel(logging.WARNING)


def _price(value, provider_id: str = "") -> Decimal | None:
    """The price Twilio reports (negative: a charge) as a cost; None when missing, not finite or out of range."""
    return price_value(value, provider_id=provider_id)


def twiml_say(text: str, language: str) -> str:
    """TwiML that speaks `text` (XML-escaped) in `language` (zh-CN, en-US)."""
    return f"<Response><Say language={quoteattr(language)}>{escape(text)}</Say></Response>"


def signed_params(request) -> dict[str, str] | None:
    """The form fields of a request Twilio signed (X-Twilio-Signature over PUBLIC_BASE_URL + path, the URL Twilio
    called, also behind a proxy), or None when the signature is missing or wrong (or no auth token is configured)."""
    signature = request.headers.get("X-Twilio-Signature", "")
    if not signature or not settings.TWILIO_AUTH_TOKEN:
        return None
    url = settings.PUBLIC_BASE_URL.rstrip("/") + request.get_full_path()
    params = {key: request.POST.get(key) for key in request.POST}
    if not RequestValidator(settings.TWILIO_AUTH_TOKEN).validate(url, params, signature):
        return None
    return params


class Backend(BaseBackend):
    name = "twilio"

    def __init__(self) -> None:
        http_client = TwilioHttpClient(timeout=settings.TWILIO_HTTP_TIMEOUT)
        self.client = Client(settings.TWILIO_ACCOUNT_SID, settings.TWILIO_AUTH_TOKEN, http_client=http_client)
        if settings.TWILIO_API_BASE_URL:
            self.client.api.base_url = settings.TWILIO_API_BASE_URL.rstrip("/")

    # ---- sending ----
    def send_sms(self, *, to, body, status_callback="", template_code="", params=None) -> SendResult:
        # Twilio sends free text: the template code and parameters are for template-based providers only.
        kwargs = {"to": to, "from_": settings.TWILIO_FROM_NUMBER, "body": body}
        if status_callback:
            kwargs["status_callback"] = status_callback
        message = self._call(lambda: self.client.messages.create(**kwargs))
        return SendResult(
            provider_id=message.sid,
            status=message.status or "queued",
            price=_price(message.price, message.sid or ""),
            price_unit=message.price_unit or "",
        )

    def place_call(self, *, to, say_text, language, status_callback="") -> SendResult:
        kwargs = {"to": to, "from_": settings.TWILIO_FROM_NUMBER, "twiml": twiml_say(say_text, language)}
        if status_callback:
            kwargs["status_callback"] = status_callback
            kwargs["status_callback_event"] = ["initiated", "ringing", "answered", "completed"]
        call = self._call(lambda: self.client.calls.create(**kwargs))
        return SendResult(
            provider_id=call.sid, status=call.status or "queued", price=_price(call.price, call.sid or "")
        )

    @staticmethod
    def _call(create):
        try:
            return create()
        except TwilioRestException as exc:
            code = exc.code or 0
            if exc.status == 429 or code == 20429 or exc.status >= 500:
                raise TransientSendError(exc.msg or "provider busy", code=str(code or exc.status))
            if code in PERMANENT_CODES or 400 <= exc.status < 500:
                raise PermanentSendError(exc.msg or "refused", code=str(code or exc.status))
            raise TransientSendError(exc.msg or "provider error", code=str(code or exc.status))
        except requests.Timeout as exc:
            raise TransientSendError(f"time-out: {exc.__class__.__name__}", code="timeout")
        except (requests.ConnectionError, TwilioException) as exc:
            raise TransientSendError(f"connection: {exc.__class__.__name__}", code="connection")

    # ---- reconciliation after an unknown outcome ----
    def find_sent(self, *, channel, to, body, since, exclude) -> str | None:
        try:
            if channel == "sms":
                found = self.client.messages.list(to=to, date_sent_after=since - timedelta(days=1), limit=50)
                for message in found:
                    if message.sid not in exclude and (message.body or "") == body:
                        return message.sid
            else:
                found = self.client.calls.list(to=to, start_time_after=since - timedelta(days=1), limit=50)
                for call in found:
                    created = call.date_created
                    if call.sid not in exclude and (created is None or created >= since - timedelta(minutes=1)):
                        return call.sid
        except TwilioRestException as exc:
            raise TransientSendError(exc.msg or "look-up failed", code=str(exc.code or exc.status))
        except (requests.RequestException, TwilioException) as exc:
            raise TransientSendError(f"look-up failed: {exc.__class__.__name__}", code="connection")
        return None

    # ---- status callbacks ----
    def parse_status_callback(self, request) -> StatusUpdate | None:
        """Validate X-Twilio-Signature against PUBLIC_BASE_URL + path (the URL Twilio called, also behind a proxy)."""
        params = signed_params(request)
        if params is None:
            return None
        sid = params.get("MessageSid") or params.get("SmsSid") or params.get("CallSid") or ""
        status = params.get("MessageStatus") or params.get("SmsStatus") or params.get("CallStatus") or ""
        if not sid or not status:
            return None
        return StatusUpdate(
            provider_id=sid,
            status=status,
            price=_price(params.get("Price"), sid),
            price_unit=(params.get("PriceUnit") or "")[:8],
            error_code=(params.get("ErrorCode") or "")[:16],
            extra={"duration": duration_seconds(params.get("CallDuration"), provider_id=sid)},
        )
