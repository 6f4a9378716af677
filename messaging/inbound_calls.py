"""Calls to the hotline number (#16): Twilio Voice webhooks, signature-checked, answered with TwiML.

Twilio is configured with three URLs of the hotline number (all POST, all signed with X-Twilio-Signature over
PUBLIC_BASE_URL + path, checked by the Twilio backend's `signed_params`; anything else gets 403 and changes nothing):

- `voice_incoming` ("A call comes in"): the caller is greeted in Chinese and put through (`<Dial>`) to the agent the
  registered handler chooses, or told that we call back when nobody can take the call;
- `voice_dial_status` (the `<Dial action=…>`): how the agent's leg ended (answered, no answer, busy, the caller hung up);
- `voice_call_status` ("Call status changes"): the call's final status and length.

Messaging knows no inquiries: the app that files calls (inquiries) registers its handler from its AppConfig.ready()
with `register_inbound_call_handler`. Messaging only turns Twilio's form fields into `InboundCall` values (numbers and
durations checked) and the handler's answer into TwiML.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.http import HttpResponse, HttpResponseBadRequest, HttpResponseForbidden
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from twilio.twiml.voice_response import VoiceResponse

from messaging.backends.twilio import signed_params
from messaging.backends.values import duration_seconds

logger = logging.getLogger(__name__)

SAY_LANGUAGE = "zh-CN"  # the hotline greets in Chinese
GREETING_LANGUAGE = "zh-hans"
ANSWERED_DIAL_STATUSES = frozenset({"answered", "completed"})
FINAL_CALL_STATUSES = frozenset({"completed", "busy", "no-answer", "failed", "canceled"})
MAX_FIELD = 64  # Twilio ids and E.164 numbers are far shorter; anything longer is cut, never stored whole


@dataclass(frozen=True, slots=True)
class InboundCall:
    """One call to the hotline as Twilio reports it (checked values; "" and None when missing or not sane)."""

    call_sid: str
    from_number: str
    to_number: str
    status: str  # Twilio's CallStatus: ringing, in-progress, completed, busy, no-answer, failed, canceled
    duration: int | None = None  # CallDuration in seconds (the status callback)


@dataclass(frozen=True, slots=True)
class CallRoute:
    """Whom to put the call through to: a Twilio Client identity (browser phone) or a phone number."""

    client_identity: str = ""
    number: str = ""

    def __bool__(self) -> bool:
        return bool(self.client_identity or self.number)


@dataclass(frozen=True, slots=True)
class InboundCallHandler:
    """What the filing app does: `incoming(call) -> CallRoute | None` (None: nobody can take it, recorded as missed),
    `dial_ended(call, dial_status, dial_duration)` and `call_ended(call)`."""

    incoming: Callable[[InboundCall], CallRoute | None]
    dial_ended: Callable[[InboundCall, str, int | None], None]
    call_ended: Callable[[InboundCall], None]


_handler: list[InboundCallHandler] = []


def register_inbound_call_handler(
    *,
    incoming: Callable[[InboundCall], CallRoute | None],
    dial_ended: Callable[[InboundCall, str, int | None], None],
    call_ended: Callable[[InboundCall], None],
) -> None:
    """Register the one handler of calls to the hotline (a call has one answer: a later registration replaces it)."""
    _handler[:] = [InboundCallHandler(incoming=incoming, dial_ended=dial_ended, call_ended=call_ended)]


def _field(params: dict, name: str) -> str:
    return (params.get(name) or "").strip()[:MAX_FIELD]


def _call(params: dict) -> InboundCall:
    sid = _field(params, "CallSid")
    return InboundCall(
        call_sid=sid,
        from_number=_field(params, "From"),
        to_number=_field(params, "To"),
        status=_field(params, "CallStatus").lower(),
        duration=duration_seconds(params.get("CallDuration"), provider_id=sid),
    )


def _twiml(response: VoiceResponse) -> HttpResponse:
    return HttpResponse(str(response), content_type="text/xml; charset=utf-8")


def _sorry(response: VoiceResponse) -> VoiceResponse:
    """We could not put the call through: the caller hears that we call back, then the call ends."""
    with translation.override(GREETING_LANGUAGE):
        text = _(
            "Sorry, no customer service specialist can take your call right now. We have noted your call and "
            "will call you back as soon as possible. Thank you."
        )
    response.say(text, language=SAY_LANGUAGE)
    response.hangup()
    return response


def dial_status_url() -> str:
    """The absolute URL Twilio posts the agent leg's outcome to (the one it signs)."""
    return settings.PUBLIC_BASE_URL.rstrip("/") + reverse("messaging:voice_dial_status")


def _signed_call(request) -> tuple[InboundCall | None, HttpResponse | None]:
    params = signed_params(request)
    if params is None:
        logger.warning("voice webhook with a bad signature refused")
        return None, HttpResponseForbidden("invalid signature")
    call = _call(params)
    if not call.call_sid:
        return None, HttpResponseBadRequest("CallSid missing")
    return call, None


@csrf_exempt
@require_POST
def voice_incoming(request):
    """A call to the hotline: greeted in Chinese and put through to the routed agent, or told we call back."""
    call, refused = _signed_call(request)
    if refused is not None:
        return refused
    response = VoiceResponse()
    if not _handler:
        logger.warning("inbound call with no handler registered: not filed")
        return _twiml(_sorry(response))
    try:
        route = _handler[0].incoming(call)
    except Exception:  # the caller must hear something: Twilio's own error message is worse than our apology
        logger.exception("inbound call %s could not be filed", call.call_sid[:40])
        route = None
    if not route:
        return _twiml(_sorry(response))
    with translation.override(GREETING_LANGUAGE):
        greeting = _(
            "Hello, thank you for calling %(company)s customer service. We are putting you through to a "
            "customer service specialist, please hold."
        ) % {"company": settings.COMPANY_NAME}
    response.say(greeting, language=SAY_LANGUAGE)
    dial = response.dial(
        action=dial_status_url(),
        method="POST",
        timeout=settings.INBOUND_DIAL_TIMEOUT_SECONDS,
        answer_on_bridge=True,
    )
    if route.number:
        dial.number(route.number)
    else:
        dial.client(route.client_identity)
    return _twiml(response)


@csrf_exempt
@require_POST
def voice_dial_status(request):
    """The end of the agent's leg (`<Dial action>`): answered ends the call; anything else means we call back."""
    call, refused = _signed_call(request)
    if refused is not None:
        return refused
    params = request.POST
    dial_status = (params.get("DialCallStatus") or "").strip().lower()[:20]
    dial_duration = duration_seconds(params.get("DialCallDuration"), provider_id=call.call_sid)
    if _handler:
        _handler[0].dial_ended(call, dial_status, dial_duration)
    response = VoiceResponse()
    if dial_status in ANSWERED_DIAL_STATUSES:
        response.hangup()
        return _twiml(response)
    return _twiml(_sorry(response))


@csrf_exempt
@require_POST
def voice_call_status(request):
    """The call's status changes: its final status and length are filed; earlier ones are acknowledged only."""
    call, refused = _signed_call(request)
    if refused is not None:
        return refused
    if call.status in FINAL_CALL_STATUSES and _handler:
        _handler[0].call_ended(call)
    return HttpResponse(status=204)
