"""The gateway's public face: choosing a backend, sending through it with template code and parameters, the
record it keeps, batched delivery reports, and the cost table (messaging.selectors)."""

import json
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ImproperlyConfigured

from messaging import api, selectors, services
from messaging.backends import BACKENDS, get_backend
from messaging.models import OutboundMessage
from tests.messaging import recording_backend

SH = ZoneInfo("Asia/Shanghai")
RECORDING = "tests.messaging.recording_backend"
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("daytime")]


@pytest.fixture
def recording(settings):
    settings.MESSAGING_BACKEND = RECORDING
    recording_backend.SENT.clear()
    yield recording_backend.SENT
    recording_backend.SENT.clear()


def test_backends_are_chosen_by_name(settings):
    # given the short names; then each maps to its module in messaging.backends, a dotted path is taken as is
    assert get_backend("outbox").name == "outbox"
    assert BACKENDS["aliyun"] == "messaging.backends.aliyun"
    assert BACKENDS["twilio"] == "messaging.backends.twilio"
    assert get_backend(RECORDING).name == "recording"
    settings.MESSAGING_BACKEND = "outbox"
    assert get_backend().name == "outbox"


def test_an_unknown_backend_name_is_a_configuration_error():
    with pytest.raises(ImproperlyConfigured, match="nosuchsms"):
        get_backend("nosuchsms")


def test_outbox_records_template_code_and_the_text(settings):
    settings.MESSAGING_BACKEND = "outbox"
    message = api.sms_send(
        to="+8613800000001",
        body="您好，本期应还 100.00 元",
        purpose=OutboundMessage.Purpose.REMINDER,
        template_code="SMS_123456",
        template_params={"amount_due": "100.00"},
    )
    message.refresh_from_db()
    assert (message.status, message.template_code, message.provider) == ("delivered", "SMS_123456", "outbox")
    assert message.provider_id.startswith("OB") and message.to_masked == "138****0001"
    assert message.body_hash == api.body_hash("您好，本期应还 100.00 元")


def test_a_template_provider_receives_code_and_parameters(recording):
    message = api.sms_send(
        to="+8613800000002",
        body="text",
        purpose=OutboundMessage.Purpose.SURVEY,
        template_code="SMS_999",
        template_params={"link": "https://x/s/abc"},
    )
    assert recording == [
        {"to": "+8613800000002", "body": "text", "template_code": "SMS_999", "params": {"link": "https://x/s/abc"}}
    ]
    message.refresh_from_db()
    # "accepted" is stored as queued; the price as reported (5 places)
    assert (message.status, message.price, message.price_unit) == ("queued", Decimal("0.04500"), "CNY")


def test_twilio_sends_the_text_and_ignores_the_template_code(fake_twilio):
    message = api.sms_send(
        to="+8613800000003", body="plain text", purpose="inquiry_reply", template_code="SMS_1", template_params={}
    )
    assert [m["Body"] for m in fake_twilio.messages] == ["plain text"]
    assert "SMS_1" not in json.dumps(fake_twilio.messages)
    assert fake_twilio.messages[0]["StatusCallback"].endswith("/reminders/webhooks/sms-status/")
    assert message.template_code == "SMS_1"  # recorded all the same


def test_an_sms_only_provider_refuses_a_call(recording):
    message = api.call_place(to="+8613800000004", say_text="您好", say_language="zh-CN", purpose="reminder")
    assert (message.status, message.error_code, message.channel) == ("failed", "unsupported", "voice")


def test_a_refused_sms_is_recorded_failed_or_raised(fake_twilio):
    fake_twilio.fail_number("+8613800000005", 21211)
    message = api.sms_send(to="+8613800000005", body="x", purpose="complaint")
    assert (message.status, message.error_code) == ("failed", "21211")
    with pytest.raises(api.PermanentSendError):
        api.sms_send(to="+8613800000005", body="x", purpose="complaint", raise_errors=True)


def test_batched_reports_apply_each_and_answer_in_the_providers_words(recording, client):
    first = api.sms_send(to="+8613800000006", body="a", purpose="other")
    second = api.sms_send(to="+8613800000007", body="b", purpose="other")
    reports = [
        {"id": first.provider_id, "status": "delivered"},
        {"id": second.provider_id, "status": "undelivered", "err": "MOBILE_BLACK"},
        {"id": "RB-unknown", "status": "delivered"},
    ]
    path = "/reminders/webhooks/sms-status/"
    forged = client.post(path, json.dumps(reports), content_type="application/json")
    assert forged.status_code == 403
    response = client.post(path, json.dumps(reports), content_type="application/json", HTTP_X_TOKEN="secret")
    assert response.status_code == 200 and response.json() == {"code": 0, "msg": "成功", "count": 3}
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == "delivered"
    assert (second.status, second.error_code) == ("undelivered", "MOBILE_BLACK")


def test_status_listeners_follow_each_report(recording, client):
    seen = []

    def listener(message, now):
        seen.append((message.provider_id, message.status))

    message = api.sms_send(to="+8613800000008", body="a", purpose="other")
    api.register_status_listener(listener)
    api.register_status_listener(listener)  # once only
    try:
        api.message_status_apply(update=api.StatusUpdate(provider_id=message.provider_id, status="delivered"))
    finally:
        services._status_listeners.remove(listener)
    assert seen == [(message.provider_id, "delivered")]


def test_cost_per_month_and_channel_counts_every_sender():
    # given two priced SMS in December (a reminder and a survey), one unpriced SMS, one call in November
    def make(channel, price, when, purpose="reminder"):
        with time_machine.travel(when, tick=False):
            return OutboundMessage.objects.create(
                channel=channel,
                purpose=purpose,
                to_number="+8613800000009",
                to_hash="h",
                to_masked="138****0009",
                body="x",
                provider="twilio",
                price=price,
                price_unit="USD" if price is not None else "",
            )

    make("sms", Decimal("0.0415"), datetime(2026, 12, 1, 0, 30, tzinfo=SH))  # Dec in Shanghai (Nov 30 in UTC)
    make("sms", Decimal("0.0500"), datetime(2026, 12, 2, 9, 0, tzinfo=SH), purpose="survey")
    make("sms", None, datetime(2026, 12, 2, 10, 0, tzinfo=SH), purpose="inquiry_reply")
    make("voice", Decimal("0.0930"), datetime(2026, 11, 30, 23, 0, tzinfo=SH))
    with time_machine.travel(datetime(2026, 12, 3, 10, 0, tzinfo=SH), tick=False):
        rows = selectors.cost_by_channel_and_month()
    by_key = {(row["month"].month, row["channel"]): row for row in rows}
    december = by_key[(12, "sms")]
    assert (december["messages"], december["priced"], december["cost"]) == (3, 2, Decimal("0.09150"))
    assert december["average"] == Decimal("0.0458")  # 0.0915 / 2, 4 places
    assert (by_key[(11, "voice")]["cost"], by_key[(11, "voice")]["unit"]) == (Decimal("0.09300"), "USD")
