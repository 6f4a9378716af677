"""The hotline number's voice webhooks (#16): Twilio's signature or 403, TwiML answers, bad input never a 500."""

import dataclasses
from datetime import datetime
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse
from twilio.request_validator import RequestValidator

from inquiries.models import Inquiry, InquiryMessage

pytestmark = pytest.mark.django_db

TOKEN = "voice-test-token"
BASE = "https://portal.example.com"
SH = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 12, 3, 23, 40, tzinfo=SH)  # late at night: nothing here depends on the hour


@pytest.fixture
def voice(settings):
    settings.TWILIO_AUTH_TOKEN = TOKEN
    settings.PUBLIC_BASE_URL = BASE
    return settings


def signed_post(client, name, params, *, token=TOKEN, signature=None):
    """A form POST as Twilio sends it: signed over the public URL (PUBLIC_BASE_URL + path) with the auth token."""
    path = reverse(f"messaging:{name}")
    signature = signature or RequestValidator(token).compute_signature(BASE + path, params)
    return client.post(path, params, HTTP_X_TWILIO_SIGNATURE=signature)


CALL = {"CallSid": "CA" + "1" * 32, "From": "+8613812345678", "To": "+861010000000", "CallStatus": "ringing"}


@pytest.mark.parametrize("name", ["voice_incoming", "voice_dial_status", "voice_call_status"])
def test_forged_or_unsigned_voice_webhook_is_403_and_changes_nothing(client, voice, make_staff, name):
    # given an agent on duty whose screen would get the pop
    make_staff("voice_agent", "agent", on_duty=True)
    path = reverse(f"messaging:{name}")
    with mock.patch("inquiries.services.calls.push_to_staff") as push:
        # when the call is posted unsigned, signed with another account's token, or signed for another URL
        unsigned = client.post(path, CALL)
        forged = signed_post(client, name, CALL, token="someone-elses-token")
        other_url = RequestValidator(TOKEN).compute_signature("http://127.0.0.1:8000" + path, CALL)
        wrong_url = client.post(path, CALL, HTTP_X_TWILIO_SIGNATURE=other_url)
        # a signature that matches, but the form was changed on the way (another caller)
        tampered = RequestValidator(TOKEN).compute_signature(BASE + path, CALL)
        changed = client.post(path, {**CALL, "From": "+8613900000000"}, HTTP_X_TWILIO_SIGNATURE=tampered)
    # then every one is refused, and nothing was filed or pushed
    assert [r.status_code for r in (unsigned, forged, wrong_url, changed)] == [403, 403, 403, 403]
    assert not Inquiry.objects.exists() and not InquiryMessage.objects.exists()
    push.assert_not_called()


def test_without_an_auth_token_every_request_is_refused(client, settings):
    # given a portal with no Twilio auth token configured: nothing can be validated
    settings.TWILIO_AUTH_TOKEN = ""
    settings.PUBLIC_BASE_URL = BASE
    response = signed_post(client, "voice_incoming", CALL, token="")
    assert response.status_code == 403
    assert not Inquiry.objects.exists()


def test_call_with_an_agent_on_duty_greets_in_chinese_and_dials_the_agent(client, voice, make_staff):
    # given one agent on duty with no work phone (a browser phone)
    make_staff("voice_agent", "agent", on_duty=True)
    voice.INBOUND_DIAL_TIMEOUT_SECONDS = 25
    # when the call comes in
    with time_machine.travel(NOW, tick=False):
        response = signed_post(client, "voice_incoming", CALL)
    # then the TwiML greets in Chinese and dials the agent's Client identity, with our action URL and time-out
    assert response.status_code == 200 and response["Content-Type"].startswith("text/xml")
    xml = response.content.decode()
    assert '<Say language="zh-CN">您好' in xml
    assert f'action="{BASE}/messaging/webhooks/voice/dial-status/"' in xml
    assert 'timeout="25"' in xml and 'method="POST"' in xml
    assert "<Client>staff-voice_agent</Client>" in xml


def test_agent_with_a_work_phone_is_dialled_on_it(client, voice, make_staff):
    make_staff("desk_agent", "agent", on_duty=True, work_phone="+8613700001111")
    with time_machine.travel(NOW, tick=False):
        xml = signed_post(client, "voice_incoming", CALL).content.decode()
    assert "<Number>+8613700001111</Number>" in xml and "<Client>" not in xml


def test_nobody_on_duty_hears_we_call_back_and_the_call_hangs_up(client, voice):
    with time_machine.travel(NOW, tick=False):
        response = signed_post(client, "voice_incoming", CALL)
    xml = response.content.decode()
    assert response.status_code == 200
    assert "<Dial" not in xml and "<Hangup />" in xml and "回电" in xml
    assert Inquiry.objects.get().call_status == "missed"


@pytest.mark.parametrize(
    "name,params",
    [
        ("voice_incoming", {k: v for k, v in CALL.items() if k != "From"}),  # no From (withheld)
        ("voice_incoming", {**CALL, "From": "x" * 5000}),  # garbage From
        ("voice_incoming", {"From": "+8613812345678"}),  # no CallSid
        ("voice_dial_status", {**CALL, "DialCallStatus": "no-answer", "DialCallDuration": "1e999"}),
        ("voice_dial_status", {**CALL, "DialCallStatus": "", "DialCallDuration": "-5"}),
        ("voice_call_status", {**CALL, "CallStatus": "completed", "CallDuration": "NaN", "Price": "1e999"}),
        ("voice_call_status", {**CALL, "CallStatus": "completed", "CallDuration": "99999999", "Price": "abc"}),
        ("voice_call_status", {**CALL, "CallStatus": "bogus"}),
    ],
)
def test_bad_input_never_gives_a_500(client, voice, name, params):
    with time_machine.travel(NOW, tick=False):
        if name != "voice_incoming":
            signed_post(client, "voice_incoming", CALL)  # the call exists
        response = signed_post(client, name, params)
    assert response.status_code in (200, 204, 400)


def test_withheld_number_is_filed_flagged_without_a_callback(client, voice):
    params = {k: v for k, v in CALL.items() if k != "From"}
    with time_machine.travel(NOW, tick=False):
        response = signed_post(client, "voice_incoming", params)
    assert response.status_code == 200
    inquiry = Inquiry.objects.get()
    assert inquiry.flagged and inquiry.callback_due_at is None and inquiry.call_status == "missed"


def test_garbage_duration_is_dropped_and_the_outcome_still_recorded(client, voice, make_staff):
    make_staff("voice_agent", "agent", on_duty=True)
    with time_machine.travel(NOW, tick=False):
        signed_post(client, "voice_incoming", CALL)
        signed_post(client, "voice_dial_status", {**CALL, "DialCallStatus": "completed", "DialCallDuration": "x"})
        response = signed_post(client, "voice_call_status", {**CALL, "CallStatus": "completed", "CallDuration": "1e5"})
    assert response.status_code == 204
    inquiry = Inquiry.objects.get()
    assert (inquiry.call_status, inquiry.call_duration_seconds) == ("completed", None)
    assert inquiry.messages.filter(kind="call").get().body == "来电，已接听。"  # no length, still the outcome


def test_a_failing_handler_still_answers_the_caller(client, voice, monkeypatch):
    # given a handler that fails (a database outage, a bug)
    from messaging import inbound_calls

    def broken(call):
        raise RuntimeError("database gone")

    monkeypatch.setattr(inbound_calls, "_handler", [dataclasses.replace(inbound_calls._handler[0], incoming=broken)])
    # when a call comes in, then the caller hears our apology rather than Twilio's application error
    response = signed_post(client, "voice_incoming", CALL)
    assert response.status_code == 200 and "<Hangup />" in response.content.decode()
