"""Status callbacks through the real HTTP stack: Twilio signatures, forward-only statuses, price, call fallback."""

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine

from messaging.models import OutboundMessage
from reminders import planning, services
from reminders.models import Reminder
from tests.reminders.factories import make_installment, make_policy, make_product

SH = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 12, 3, 10, 0, tzinfo=SH)
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("daytime")]


@pytest.fixture
def public(settings, live_server):
    settings.PUBLIC_BASE_URL = "https://portal.example.com"  # what Twilio calls; the proxy forwards to us
    return live_server.url


def sent_reminder(fake_twilio, channel="sms"):
    product = make_product(make_policy(steps=[(-3, channel)]))
    make_installment(product=product, due_date=date(2026, 12, 6))
    with time_machine.travel(NOW, tick=False):
        planning.reminders_plan()
        claimed = []
        planning.reminders_dispatch(enqueue=claimed.extend)
        services.reminder_send(reminder_id=claimed[0])
    return Reminder.objects.select_related("outbound_message").get(channel=channel)


def post(fake, public, path, params, **kwargs):
    """Twilio signs the public URL; the request reaches the live server behind the 'proxy'."""
    return fake.post_status_callback("https://portal.example.com" + path, params, host_override=public + path, **kwargs)


def test_signed_callbacks_move_status_forward_and_store_the_price(fake_twilio, public):
    reminder = sent_reminder(fake_twilio)
    sid = reminder.outbound_message.provider_id
    path = "/reminders/webhooks/sms-status/"
    assert post(fake_twilio, public, path, {"MessageSid": sid, "MessageStatus": "sent"}) == 204
    assert (
        post(
            fake_twilio,
            public,
            path,
            {"MessageSid": sid, "MessageStatus": "delivered", "Price": "-0.0415", "PriceUnit": "USD"},
        )
        == 204
    )
    # a late "sent" and a duplicate "delivered" change nothing
    assert post(fake_twilio, public, path, {"MessageSid": sid, "MessageStatus": "sent"}) == 204
    assert post(fake_twilio, public, path, {"MessageSid": sid, "MessageStatus": "delivered"}) == 204
    reminder.refresh_from_db()
    message = OutboundMessage.objects.get(pk=reminder.outbound_message_id)
    assert (reminder.status, message.status) == ("delivered", "delivered")
    assert (message.price, message.price_unit) == (Decimal("0.04150"), "USD")


def test_bad_or_missing_signature_is_403_and_changes_nothing(fake_twilio, public):
    reminder = sent_reminder(fake_twilio)
    sid = reminder.outbound_message.provider_id
    path = "/reminders/webhooks/sms-status/"
    params = {"MessageSid": sid, "MessageStatus": "failed"}
    assert post(fake_twilio, public, path, params, signature="bm90LWEtc2lnbmF0dXJl") == 403
    # signed for another URL (the internal one) does not pass either
    assert fake_twilio.post_status_callback(public + path, params) == 403
    # signed with another account's token
    from twilio.request_validator import RequestValidator

    forged = RequestValidator("other-token").compute_signature("https://portal.example.com" + path, params)
    assert post(fake_twilio, public, path, params, signature=forged) == 403
    reminder.refresh_from_db()
    assert reminder.status == "sent"
    assert OutboundMessage.objects.get(pk=reminder.outbound_message_id).status == "queued"


def test_unanswered_call_falls_back_to_one_sms(fake_twilio, public):
    call = sent_reminder(fake_twilio, channel="voice")
    sid = call.outbound_message.provider_id
    path = "/reminders/webhooks/call-status/"
    with time_machine.travel(datetime(2026, 12, 3, 10, 5, tzinfo=SH), tick=False):
        for _ in range(2):  # a duplicate callback plans no second SMS
            assert (
                post(fake_twilio, public, path, {"CallSid": sid, "CallStatus": "no-answer", "Price": "-0.093"}) == 204
            )
        call.refresh_from_db()
        assert call.status == "no_answer"
        fallback = Reminder.objects.get(fallback_for=call)
        assert (fallback.channel, fallback.status) == ("sms", "planned")
        claimed = []
        planning.reminders_dispatch(enqueue=claimed.extend)
        assert [services.reminder_send(reminder_id=i) for i in claimed] == ["sent"]
    assert len(fake_twilio.messages) == 1


def test_completed_call_needs_no_fallback(fake_twilio, public):
    call = sent_reminder(fake_twilio, channel="voice")
    path = "/reminders/webhooks/call-status/"
    for status in ("ringing", "in-progress", "completed", "ringing"):
        assert (
            post(fake_twilio, public, path, {"CallSid": call.outbound_message.provider_id, "CallStatus": status}) == 204
        )
    call.refresh_from_db()
    assert call.status == "completed"
    assert not Reminder.objects.filter(fallback_for=call).exists()
