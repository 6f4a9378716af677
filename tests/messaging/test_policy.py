"""The contact policy: pure rules (no database) at their edges, then the DB-facing check, the held-message task,
an inquiry reply at 22:30 (exempt, and the outbox says so) and the Alibaba Cloud OutId fallback of status reports."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import translation

from messaging import policy
from messaging.admin import OutboundMessageAdmin
from messaging.api import StatusUpdate, contact_allowed, message_status_apply, sms_send
from messaging.held import messages_send_held
from messaging.models import OutboundMessage
from tests.reminders.factories import make_customer

SH = ZoneInfo("Asia/Shanghai")
LIMITS = policy.Limits(
    quiet_start=time(21, 0),
    quiet_end=time(8, 0),
    per_customer_per_day=3,
    calls_per_number_per_day=6,
    same_text_per_24h=2,
    tz=SH,
)


def at(day, hour, minute=0, second=0):
    return datetime(2026, 12, day, hour, minute, second, tzinfo=SH)


def decide(now, channel="sms", history=policy.History(), **kwargs):
    return policy.decide(now=now, channel=channel, history=history, limits=LIMITS, **kwargs)


# ---- pure rules ----


@pytest.mark.parametrize(
    ("moment", "allowed", "not_before"),
    [
        (at(3, 7, 59), False, at(3, 8, 0)),
        (at(3, 8, 0), True, None),
        (at(3, 20, 59), True, None),
        (at(3, 21, 0), False, at(4, 8, 0)),
        (at(3, 22, 30), False, at(4, 8, 0)),
        (at(4, 0, 0), False, at(4, 8, 0)),
    ],
)
def test_quiet_hours_edges(moment, allowed, not_before):
    decision = decide(moment)
    assert decision.allowed is allowed
    assert decision.not_before == not_before
    assert decision.reason == ("" if allowed else "quiet_hours")


def test_quiet_hours_hold_a_utc_moment_in_local_time():
    # 13:30 UTC is 21:30 in Shanghai: quiet
    decision = decide(datetime(2026, 12, 3, 13, 30, tzinfo=ZoneInfo("UTC")))
    assert decision.held and decision.not_before == at(4, 8, 0)


def test_a_window_that_does_not_cross_midnight():
    limits = policy.Limits(**{**LIMITS.__dict__, "quiet_start": time(12, 0), "quiet_end": time(14, 0)})
    assert policy.is_quiet(at(3, 12, 0), limits) and not policy.is_quiet(at(3, 14, 0), limits)
    assert policy.next_window_open(at(3, 13, 0), limits) == at(3, 14, 0)


def test_daily_cap_holds_the_fourth_contact_until_the_next_morning():
    assert decide(at(3, 10), history=policy.History(contacts_today=2)).allowed
    decision = decide(at(3, 10), history=policy.History(contacts_today=3))
    assert (decision.reason, decision.not_before) == ("daily_cap", at(4, 8, 0))


def test_call_attempt_cap_counts_for_calls_only():
    history = policy.History(calls_today=6)
    assert decide(at(3, 10), channel="sms", history=history).allowed
    assert decide(at(3, 10), channel="voice", history=policy.History(calls_today=5)).allowed
    decision = decide(at(3, 10), channel="voice", history=history)
    assert (decision.reason, decision.not_before) == ("call_cap", at(4, 8, 0))


def test_same_text_twice_in_24_hours_then_free_when_the_first_is_24_hours_old():
    history = policy.History(same_text_at=(at(2, 10, 0), at(3, 9, 0)))
    decision = decide(at(3, 9, 59), history=history)
    # the first one leaves the window at 10:00 the next day... of 12-02: 2026-12-03 10:00
    assert (decision.reason, decision.not_before) == ("same_text", at(3, 10, 0))
    assert decide(at(3, 10, 0, 1), history=history).allowed
    # one earlier text is fine
    assert decide(at(3, 9, 59), history=policy.History(same_text_at=(at(3, 9, 0),))).allowed


def test_a_same_text_freed_in_the_quiet_hours_waits_for_the_morning():
    history = policy.History(same_text_at=(at(2, 22, 0), at(3, 10, 0)))
    decision = decide(at(3, 11), history=history)
    assert decision.not_before == at(4, 8, 0)  # 22:00 is quiet


def test_an_opt_out_refuses_and_a_reply_is_exempt_from_everything():
    refused = decide(at(3, 10), opted_out=True)
    assert (refused.allowed, refused.held, refused.reason) == (False, False, "opted_out")
    reply = decide(at(3, 22, 30), proactive=False, opted_out=True, history=policy.History(contacts_today=99))
    assert reply.allowed and reply.exempt


# ---- against the database ----


@pytest.mark.django_db
@time_machine.travel(at(3, 10, 0), tick=False)
def test_contact_allowed_counts_proactive_messages_not_replies_nor_held_ones(settings):
    settings.REMINDER_MAX_CONTACTS_PER_CUSTOMER_PER_DAY = 2
    customer = make_customer()
    sms_send(to=customer.mobile, body="one", purpose="reminder", customer=customer)
    sms_send(to=customer.mobile, body="reply", purpose="inquiry_reply", customer=customer)
    sms_send(to=customer.mobile, body="reply 2", purpose="inquiry_reply", customer=customer)
    assert contact_allowed(to=customer.mobile, channel="sms", body="x", customer=customer).allowed
    second = sms_send(to=customer.mobile, body="two", purpose="complaint", customer=customer)
    assert second.status == "delivered"
    third = sms_send(to=customer.mobile, body="three", purpose="survey", customer=customer)
    assert (third.status, third.hold_reason) == ("held", "daily_cap")
    # the held one does not count: still two contacts today, the cap
    decision = contact_allowed(to=customer.mobile, channel="sms", body="x", customer=customer)
    assert (decision.reason, decision.not_before) == ("daily_cap", at(4, 8, 0))


@pytest.mark.django_db
def test_held_messages_go_oldest_first_in_bounded_batches_and_recheck_the_caps(settings):
    settings.REMINDER_MAX_CONTACTS_PER_CUSTOMER_PER_DAY = 1
    customer = make_customer()
    others = [make_customer() for _ in range(3)]
    with time_machine.travel(at(3, 22, 0), tick=False):
        mine = [sms_send(to=customer.mobile, body=f"n{n}", purpose="complaint", customer=customer) for n in range(2)]
        theirs = [sms_send(to=c.mobile, body="hi", purpose="survey", customer=c) for c in others]
    assert {m.status for m in mine + theirs} == {"held"}
    with time_machine.travel(at(4, 8, 0), tick=False):
        # the two oldest are the customer's: the first goes, the second is held again by the daily cap
        assert messages_send_held(limit=2) == 1
        assert messages_send_held(limit=10) == 3  # then the others' (the re-held one is not due before tomorrow)
    for message in mine + theirs:
        message.refresh_from_db()
    assert [m.status for m in mine] == ["delivered", "held"]
    assert (mine[1].hold_reason, mine[1].not_before) == ("daily_cap", at(5, 8, 0))
    assert [m.status for m in theirs] == ["delivered"] * 3
    with time_machine.travel(at(5, 8, 0), tick=False):
        assert messages_send_held() == 1


@pytest.mark.django_db
def test_an_inquiry_reply_at_22_30_is_exempt_and_the_outbox_says_so():
    from inquiries.services import inquiry_reply
    from tests.inquiries.factories import make_customer as make_inquiry_customer
    from tests.inquiries.factories import make_inquiry

    customer = make_inquiry_customer()
    with time_machine.travel(at(3, 22, 25), tick=False):
        inquiry = make_inquiry(phone=customer.mobile, customer=customer)
    # when: the agent answers at 22:30
    with time_machine.travel(at(3, 22, 30), tick=False):
        reply = inquiry_reply(inquiry=inquiry, author=None, body="Your payment is due on the 5th.", via="sms")
    # then: it leaves at once, recorded as not proactive, exempt from the policy
    message = reply.outbound_message
    assert reply.reached_customer is True
    assert (message.status, message.proactive, message.hold_reason, message.not_before) == (
        "delivered",
        False,
        "",
        None,
    )
    admin = OutboundMessageAdmin(OutboundMessage, None)
    with translation.override("en"):
        assert admin.contact_policy(message) == "Exempt: a reply to the customer's own message"
    with translation.override("zh-hans"):
        assert admin.contact_policy(message) == "豁免：回复客户本人的消息"
    # while a proactive message at the same minute is held, and says until when
    with time_machine.travel(at(3, 22, 30), tick=False):
        held = sms_send(to=customer.mobile, body="Survey", purpose="survey", customer=customer)
    with translation.override("en"):
        assert admin.contact_policy(held) == "Held (Quiet hours) until 2026-12-04 08:00"


# ---- status reports: the OutId fallback ----


@pytest.mark.django_db
def test_a_report_whose_biz_id_is_unknown_finds_the_message_by_its_out_id():
    # given: a message found by the look-up after a time-out, known as "out:<OutId>"
    customer = make_customer()
    with time_machine.travel(at(3, 10, 0), tick=False):
        message = sms_send(to=customer.mobile, body="x", purpose="reminder", customer=customer)
    OutboundMessage.objects.filter(pk=message.pk).update(provider_id="out:abc123", status="queued")
    # when: its delivery report arrives, keyed by BizId, with the OutId
    update = StatusUpdate(provider_id="900^111", status="delivered", extra={"out_id": "abc123"})
    found = message_status_apply(update=update)
    # then
    assert found is not None and found.pk == message.pk
    message.refresh_from_db()
    assert message.status == "delivered"
    # a report with neither known finds nothing (and changes nothing)
    assert (
        message_status_apply(update=StatusUpdate(provider_id="1^2", status="failed", extra={"out_id": "zzz"})) is None
    )
    assert message_status_apply(update=StatusUpdate(provider_id="1^3", status="failed")) is None
    message.refresh_from_db()
    assert message.status == "delivered"


def test_timedelta_sanity():
    assert at(4, 8) - at(3, 22, 30) == timedelta(hours=9, minutes=30)
