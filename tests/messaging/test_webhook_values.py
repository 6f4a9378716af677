"""Signed callbacks with insane numbers: the value is logged and ignored, the status still applies, no page breaks."""

from __future__ import annotations

import logging
from decimal import Decimal

import pytest
from django.urls import reverse

from messaging.backends.base import SendResult, StatusUpdate
from messaging.backends.values import duration_seconds, price_value
from messaging.models import OutboundMessage
from tests.messaging.test_webhooks import post, public, sent_reminder  # noqa: F401  (public is a fixture)

SMS_PATH = "/reminders/webhooks/sms-status/"
CALL_PATH = "/reminders/webhooks/call-status/"


# ---- the rule ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("reported", "stored"),
    [
        ("-0.0415", Decimal("0.04150")),
        ("-0.004155", Decimal("0.00416")),  # half-up to the model's 5 places
        ("1000", Decimal("1000.00000")),  # the upper edge is still a price
        ("1000.00001", None),
        ("1e999", None),
        ("-1e999", None),
        ("Infinity", None),
        ("NaN", None),
        ("sNaN", None),
        ("abc", None),
        ("", None),
        (None, None),
    ],
)
def test_price_value(reported, stored):
    assert price_value(reported) == stored


@pytest.mark.parametrize(
    ("reported", "seconds"),
    [("37", 37), ("0", 0), ("86400", 86400), ("86401", None), ("-1", None), ("2.5", None), ("1e999", None),
     ("NaN", None), ("99999999999999999999", None), ("abc", None), ("", None)],
)  # fmt: skip
def test_duration_seconds(reported, seconds):
    assert duration_seconds(reported) == seconds


def test_no_backend_can_hand_over_an_infinite_price():
    # the outbox, Twilio and any future provider all return these: the guard is in the interface itself
    assert SendResult(provider_id="OB1", status="delivered", price=Decimal("Infinity")).price is None
    assert StatusUpdate(provider_id="SM1", status="sent", price=Decimal("NaN")).price is None
    assert StatusUpdate(provider_id="SM1", status="sent", price=Decimal("-0.0075")).price == Decimal("0.00750")


# ---- through the real webhook --------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("daytime")
def test_an_infinite_price_is_ignored_and_the_dashboard_still_answers(fake_twilio, public, client_manager, caplog):  # noqa: F811
    # given a sent SMS
    reminder = sent_reminder(fake_twilio)
    sid = reminder.outbound_message.provider_id
    # when Twilio (signed) reports it delivered at a price of 1e999
    with caplog.at_level(logging.WARNING, logger="messaging.backends"):
        status = post(
            fake_twilio, public, SMS_PATH, {"MessageSid": sid, "MessageStatus": "delivered", "Price": "1e999"}
        )
    # then the status applies, the price is not stored, and the value is logged
    assert status == 204
    message = OutboundMessage.objects.get(pk=reminder.outbound_message_id)
    assert (message.status, message.price) == ("delivered", None)
    assert "ignored price '1e999'" in caplog.text
    # and the reminders dashboard (the cost report sums prices) answers for the manager
    assert client_manager.get(reverse("reminders:dashboard")).status_code == 200


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("daytime")
def test_a_bad_price_later_does_not_overwrite_a_good_one(fake_twilio, public, client_manager):  # noqa: F811
    reminder = sent_reminder(fake_twilio)
    sid = reminder.outbound_message.provider_id
    good = {"MessageSid": sid, "MessageStatus": "sent", "Price": "-0.0415", "PriceUnit": "USD"}
    assert post(fake_twilio, public, SMS_PATH, good) == 204
    for bad in ("NaN", "-Infinity", "123456"):
        assert (
            post(fake_twilio, public, SMS_PATH, {"MessageSid": sid, "MessageStatus": "delivered", "Price": bad}) == 204
        )
    message = OutboundMessage.objects.get(pk=reminder.outbound_message_id)
    assert (message.status, message.price, message.price_unit) == ("delivered", Decimal("0.04150"), "USD")
    assert client_manager.get(reverse("reminders:dashboard")).status_code == 200


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("daytime")
def test_a_call_callback_with_bad_price_and_duration_still_completes_the_call(fake_twilio, public, client_manager):  # noqa: F811
    call = sent_reminder(fake_twilio, channel="voice")
    sid = call.outbound_message.provider_id
    params = {"CallSid": sid, "CallStatus": "completed", "Price": "1e999", "CallDuration": "1e999"}
    assert post(fake_twilio, public, CALL_PATH, params) == 204
    call.refresh_from_db()
    message = OutboundMessage.objects.get(pk=call.outbound_message_id)
    assert (call.status, message.status, message.price) == ("completed", "completed", None)
    assert client_manager.get(reverse("reminders:dashboard")).status_code == 200
