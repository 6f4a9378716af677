"""Opt-out intent: the phrase table (Chinese and English, positive and negative), the one opt-out function with its
audit entry, and the confirmation SMS (exempt from the contact policy, sent once)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from aftersales.models import AuditEntry
from customers.models import Customer
from messaging.api import opt_out_phrase, sms_send
from messaging.models import OutboundMessage
from reminders.services import handle_inbound_stop
from tests.reminders.factories import make_customer

SH = ZoneInfo("Asia/Shanghai")

OPT_OUT = [
    ("退订", "退订"),
    ("TD", "TD"),
    ("td", "TD"),
    ("ＴＤ", "TD"),  # full-width letters
    ("T", "T"),
    ("N", "N"),
    ("STOP", "STOP"),
    (" stop. ", "STOP"),
    ("Stop!!!", "STOP"),
    ("UNSUBSCRIBE", "UNSUBSCRIBE"),
    ("退订。", "退订"),
    ("退 订", "退订"),
    ("退订，谢谢", "退订"),
    ("请退订", "退订"),
    ("我要退订短信", "我要退订"),
    ("不要再发了", "不要再发"),
    ("不要再发了！！", "不要再发"),
    ("别再发短信了", "别再发"),
    ("你们别再发了，烦死了", "别再发"),
    ("取消订阅", "取消订阅"),
    ("帮我退订一下谢谢", "帮我退订"),
    ("以后不要给我发短信", "不要给我发"),
    ("STOP please", "STOP"),
    ("Please stop sending me messages", "STOP SENDING"),
    ("unsubscribe me", "UNSUBSCRIBE ME"),
    ("No more texts", "NO MORE TEXTS"),
]
NOT_OPT_OUT = [
    "我不想退订",
    "我不想退订短信",
    "退订是什么意思？",
    "怎么退订？",
    "请问如何退款",
    "STOP charging me twice",
    "Stop the late fee please, I paid",
    "When is my payment due?",
    "我不是说不要再发，是问还款日",
    "退款",
    "I do not want to unsubscribe",
    "TDY",
    "",
    "   ",
]


@pytest.mark.parametrize(("text", "phrase"), OPT_OUT)
def test_opt_out_phrases(text, phrase):
    assert opt_out_phrase(text) == phrase


@pytest.mark.parametrize("text", NOT_OPT_OUT)
def test_messages_that_are_not_opt_outs(text):
    assert opt_out_phrase(text) == ""


def test_the_table_is_at_least_20_rows_each_way():
    assert len(OPT_OUT) >= 20 and len(NOT_OPT_OUT) >= 10


# ---- the opt-out and its confirmation ----


@pytest.mark.django_db
@time_machine.travel(datetime(2026, 12, 3, 22, 30, tzinfo=SH), tick=False)
def test_a_reply_opts_the_number_out_audited_and_is_confirmed_once_even_in_quiet_hours():
    # given: two customers share the number; one already opted out
    first = make_customer(language="zh-hans")
    make_customer(mobile=first.mobile, sms_opt_out=True)
    # when: "我要退订短信" arrives through the inbound path (the same call inquiries' SMS webhook makes)
    assert handle_inbound_stop("+86 " + first.mobile[3:], "我要退订短信") is True
    # then: every customer at the number is opted out, the change audited with what was said
    assert set(Customer.objects.values_list("sms_opt_out", flat=True)) == {True}
    entry = AuditEntry.objects.get(action="sms_opt_out")
    assert entry.object_id == str(first.pk)
    assert entry.changes["keyword"] == "我要退订" and entry.changes["source"] == "sms_reply"
    # one confirmation, in Chinese, at 22:30 (a reply: exempt from the quiet hours), not proactive
    confirmation = OutboundMessage.objects.get(purpose=OutboundMessage.Purpose.OPT_OUT_CONFIRMATION)
    assert (confirmation.status, confirmation.proactive) == ("delivered", False)
    assert "退订" in confirmation.body
    # a second STOP changes nothing and is not confirmed again
    assert handle_inbound_stop(first.mobile, "STOP") is True
    assert OutboundMessage.objects.filter(purpose=OutboundMessage.Purpose.OPT_OUT_CONFIRMATION).count() == 1
    assert AuditEntry.objects.filter(action="sms_opt_out").count() == 1


@pytest.mark.django_db
@time_machine.travel(datetime(2026, 12, 3, 10, 0, tzinfo=SH), tick=False)
def test_the_confirmation_is_exempt_from_the_daily_cap_and_does_not_count_towards_it(settings):
    settings.REMINDER_MAX_CONTACTS_PER_CUSTOMER_PER_DAY = 1
    customer = make_customer(language="en")
    sms_send(to=customer.mobile, body="reminder", purpose="reminder", customer=customer)  # the cap is reached
    assert handle_inbound_stop(customer.mobile, "UNSUBSCRIBE") is True
    confirmation = OutboundMessage.objects.get(purpose=OutboundMessage.Purpose.OPT_OUT_CONFIRMATION)
    assert confirmation.status == "delivered"
    assert "unsubscribed" in confirmation.body


@pytest.mark.django_db
def test_a_question_about_opting_out_is_not_an_opt_out():
    customer = make_customer()
    assert handle_inbound_stop(customer.mobile, "退订是什么意思？") is False
    customer.refresh_from_db()
    assert customer.sms_opt_out is False
    assert not OutboundMessage.objects.exists()
