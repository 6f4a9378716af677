"""The Alibaba Cloud receipt endpoints end to end: the fake provider (tests/fakes/aliyun_server.py) posts to the
portal's real URLs (messaging/webhooks/aliyun/report/ and /up/) on a live server, after real sends through the SDK."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from aftersales.models import AuditEntry
from customers.models import Customer
from messaging import inbound
from messaging.api import sms_send
from messaging.models import OutboundMessage
from tests.fakes.aliyun_server import FakeAliyunSms
from tests.messaging.aliyun_support import RECEIPT_TOKEN, body_signature, point_at
from tests.reminders.factories import make_customer

pytestmark = pytest.mark.django_db(transaction=True)
ACCEPTED = {"code": 0, "msg": "接收成功"}


@pytest.fixture
def fake_aliyun(settings):
    fake = FakeAliyunSms().start()
    point_at(settings, fake)
    settings.MESSAGING_OPT_OUT_CONFIRMATION_TEMPLATE = "SMS_OPTOUT_1"
    settings.REMINDER_QUIET_START = "23:59"  # the pushes are tested at any hour of the day
    settings.REMINDER_QUIET_END = "00:00"
    settings.RATELIMIT_ENABLED = False
    yield fake
    fake.stop()


def url(live_server, name, token=RECEIPT_TOKEN):
    return f"{live_server.url}{reverse(name)}" + (f"?token={token}" if token else "")


def up(content, phone):
    return {
        "phone_number": phone[3:],
        "send_time": "2026-12-03 22:30:05",
        "content": content,
        "sign_name": "信和售后",
        "dest_code": "1234",
        "sequence_id": 987654321,
    }


def test_delivery_reports_update_the_messages_and_forged_pushes_are_refused(live_server, fake_aliyun):
    # given: two reminders sent through the real SDK to the fake provider
    first, second = make_customer(), make_customer()
    sent = [
        sms_send(to=c.mobile, body="…", purpose="reminder", customer=c, template_code="SMS_1", template_params={})
        for c in (first, second)
    ]
    assert [m.status for m in sent] == ["sent", "sent"]
    reports = [
        fake_aliyun.report_for(fake_aliyun.sent[0]),
        fake_aliyun.report_for(fake_aliyun.sent[1], success=False, err_code="MK:0001"),
    ]
    # when: the provider pushes their reports
    status, answer = fake_aliyun.post(url(live_server, "messaging:webhook_aliyun_report"), reports)
    # then: accepted with the answer it expects, and applied
    assert (status, json.loads(answer)) == (200, ACCEPTED)
    for message in sent:
        message.refresh_from_db()
    assert [(m.status, m.error_code) for m in sent] == [("delivered", ""), ("undelivered", "MK:0001")]
    # a forged token, no token, a bad relay signature or a malformed body: 403, nothing applied
    report_url = url(live_server, "messaging:webhook_aliyun_report", token="")
    assert fake_aliyun.post(report_url + "?token=forged", reports)[0] == 403
    assert fake_aliyun.post(report_url, reports)[0] == 403
    assert fake_aliyun.post(report_url, reports, headers={"X-Aliyun-Sms-Signature": "00"})[0] == 403
    assert fake_aliyun.post(url(live_server, "messaging:webhook_aliyun_report"), b"{oops")[0] == 403
    # a relay's HMAC of the body is accepted too
    raw = json.dumps(reports).encode()
    assert fake_aliyun.post(report_url, raw, headers={"X-Aliyun-Sms-Signature": body_signature(raw)})[0] == 200


def test_a_report_for_a_message_found_by_its_out_id_applies(live_server, fake_aliyun):
    customer = make_customer()
    message = sms_send(to=customer.mobile, body="…", purpose="reminder", customer=customer, template_code="SMS_1")
    report = fake_aliyun.report_for(fake_aliyun.sent[0])
    # the look-up after a time-out knew it only by our OutId
    OutboundMessage.objects.filter(pk=message.pk).update(provider_id="out:" + report["out_id"], status="queued")
    status, _answer = fake_aliyun.post(url(live_server, "messaging:webhook_aliyun_report"), [report])
    assert status == 200
    message.refresh_from_db()
    assert message.status == "delivered"


def test_the_providers_unsubscribe_opts_out_without_a_confirmation(live_server, fake_aliyun):
    customer = make_customer()
    # when: the customer replies "TD" (the provider blocks the number itself)
    status, answer = fake_aliyun.post(url(live_server, "messaging:webhook_aliyun_up"), [up("TD", customer.mobile)])
    # then: opted out, audited as the provider's, and no confirmation sent (the provider would refuse it)
    assert (status, json.loads(answer)) == (200, ACCEPTED)
    customer.refresh_from_db()
    assert customer.sms_opt_out is True
    entry = AuditEntry.objects.get(action="sms_opt_out")
    assert (entry.changes["source"], entry.changes["keyword"], entry.changes["provider"]) == (
        "provider",
        "TD",
        "aliyun",
    )
    assert entry.changes["provider_ref"] == "987654321"
    assert fake_aliyun.sent == []
    assert not OutboundMessage.objects.exists()


def test_a_phrase_reply_opts_out_and_is_confirmed_through_the_provider(live_server, fake_aliyun):
    customer = make_customer(language="zh-hans")
    status, _answer = fake_aliyun.post(
        url(live_server, "messaging:webhook_aliyun_up"), [up("不要再发了！", customer.mobile)]
    )
    assert status == 200
    customer.refresh_from_db()
    assert customer.sms_opt_out is True
    # the confirmation went out with its template code (a template-based provider sends no free text)
    assert [m["TemplateCode"] for m in fake_aliyun.sent] == ["SMS_OPTOUT_1"]
    confirmation = OutboundMessage.objects.get()
    assert (confirmation.purpose, confirmation.proactive, confirmation.status) == ("opt_out_confirm", False, "sent")


def test_other_replies_go_to_the_inbound_handlers_and_are_not_opt_outs(live_server, fake_aliyun, monkeypatch):
    customer = make_customer()
    filed = []
    monkeypatch.setattr(inbound, "_inbound_handlers", [lambda **kwargs: filed.append(kwargs)])
    status, _answer = fake_aliyun.post(
        url(live_server, "messaging:webhook_aliyun_up"), [up("我不想退订，请问什么时候还款？", customer.mobile)]
    )
    assert status == 200
    assert [(f["from_number"], f["provider"], f["provider_ref"]) for f in filed] == [
        (customer.mobile, "aliyun", "987654321")
    ]
    assert Customer.objects.get(pk=customer.pk).sms_opt_out is False
    # without the token: refused
    assert (
        fake_aliyun.post(url(live_server, "messaging:webhook_aliyun_up", token="x"), [up("TD", customer.mobile)])[0]
        == 403
    )
    assert Customer.objects.get(pk=customer.pk).sms_opt_out is False
