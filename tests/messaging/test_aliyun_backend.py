"""The Alibaba Cloud SMS backend: the real SDK (alibabacloud_dysmsapi20170525) against a fake provider on 127.0.0.1.

Nothing here reaches the internet: every request goes to tests/fakes/aliyun_server.py, which checks the SDK's
ACS3 signature as the real service does.
"""

from __future__ import annotations

import json
import socket
from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import RequestFactory
from django.utils import timezone

from messaging.backends import PermanentSendError, TransientSendError, aliyun, get_backend
from tests.fakes.aliyun_server import FakeAliyunSms
from tests.messaging.aliyun_support import RECEIPT_TOKEN, body_signature, point_at, received

PARAMS = {"customer_name": "张三", "amount_due": Decimal("1234.50"), "due_date": timezone.datetime(2026, 3, 1).date()}


@pytest.fixture
def fake_aliyun(settings):
    """A fake Alibaba Cloud SMS API on 127.0.0.1; the aliyun backend is selected and pointed at it."""
    fake = FakeAliyunSms().start()
    point_at(settings, fake)
    yield fake
    fake.stop()


@pytest.fixture
def backend(fake_aliyun):
    return aliyun.Backend()


def send(backend, to="+86 138-1234-5678", template_code="SMS_471234567", params=None):
    return backend.send_sms(to=to, body="(rendered text)", template_code=template_code, params=params or PARAMS)


# ---- sending through the real SDK ----
def test_sends_the_template_code_parameters_signature_and_the_11_digit_number(backend, fake_aliyun):
    # when
    result = send(backend)
    # then: the fake saw one correctly signed SendSms with what the provider needs, and nothing of the free text
    assert [r["problem"] for r in fake_aliyun.requests] == [None]
    (sent,) = fake_aliyun.sent
    assert fake_aliyun.requests[0]["action"] == "SendSms"
    assert sent["PhoneNumbers"] == "13812345678"
    assert sent["SignName"] == "信和售后"
    assert sent["TemplateCode"] == "SMS_471234567"
    assert json.loads(sent["TemplateParam"]) == {
        "amount_due": "1234.50",
        "customer_name": "张三",
        "due_date": "2026-03-01",
    }
    assert "(rendered text)" not in json.dumps(sent, ensure_ascii=False, default=str)
    assert result.provider_id == sent["BizId"] and result.status == "sent"
    assert len(sent["OutId"]) == 32  # our own id on every send: the look-up after a time-out finds it


@pytest.mark.parametrize("number", ["13812345678", "+8613812345678", "008613812345678", "8613812345678"])
def test_every_mainland_spelling_goes_out_as_11_digits(backend, fake_aliyun, number):
    send(backend, to=number)
    assert fake_aliyun.sent[0]["PhoneNumbers"] == "13812345678"


@pytest.mark.parametrize("number", ["+14155550100", "+85291234567", "12812345678", "1381234567", ""])
def test_a_number_that_is_not_a_mainland_mobile_is_refused_before_the_provider(backend, fake_aliyun, number):
    with pytest.raises(PermanentSendError) as refused:
        send(backend, to=number)
    assert refused.value.code == "number"
    assert fake_aliyun.requests == []


def test_a_message_without_a_template_code_is_refused_permanently(backend, fake_aliyun):
    with pytest.raises(PermanentSendError) as refused:
        send(backend, template_code="")
    assert refused.value.code == "template"
    assert fake_aliyun.requests == []


def test_a_template_parameter_over_the_providers_length_limit_is_refused(backend, fake_aliyun):
    # 35 characters pass, 36 do not
    send(backend, params={"loan_number": "L" * 35})
    with pytest.raises(PermanentSendError) as refused:
        send(backend, params={"loan_number": "L" * 36})
    assert refused.value.code == "isv.PARAM_LENGTH_LIMIT"
    assert len(fake_aliyun.sent) == 1


def test_voice_calls_are_not_supported(backend, fake_aliyun):
    assert backend.supports_voice is False
    with pytest.raises(PermanentSendError) as refused:
        backend.place_call(to="+8613812345678", say_text="您好", language="zh-CN")
    assert refused.value.code == "unsupported"
    assert fake_aliyun.requests == []


def test_a_wrong_access_key_secret_fails_the_fakes_signature_check(settings, fake_aliyun):
    # given: the fake recomputes the ACS3 signature from its own copy of the secret
    settings.ALIYUN_SMS_ACCESS_KEY_SECRET = "not-the-secret"
    # when / then
    with pytest.raises(PermanentSendError) as refused:
        send(aliyun.Backend())
    assert refused.value.code == "SignatureDoesNotMatch"
    assert fake_aliyun.sent == []


def test_an_unconfigured_backend_sends_nothing_and_fails_transiently(settings, fake_aliyun):
    settings.ALIYUN_SMS_ACCESS_KEY_ID = ""
    with pytest.raises(TransientSendError) as failed:
        send(aliyun.Backend())
    assert failed.value.code == "config"
    assert fake_aliyun.requests == []


# ---- errors sorted into transient and permanent ----
@pytest.mark.parametrize(
    ("code", "status", "error"),
    [
        ("isv.MOBILE_NUMBER_ILLEGAL", 200, PermanentSendError),
        ("isv.SMS_TEMPLATE_ILLEGAL", 200, PermanentSendError),  # template not approved
        ("isv.SMS_SIGNATURE_ILLEGAL", 200, PermanentSendError),  # signature invalid
        ("isv.TEMPLATE_MISSING_PARAMETERS", 200, PermanentSendError),
        ("isv.SOMETHING_NEW", 200, PermanentSendError),  # an unknown isv.* is our request's fault
        ("isv.BUSINESS_LIMIT_CONTROL", 200, TransientSendError),  # flow control
        ("isp.SYSTEM_ERROR", 200, TransientSendError),  # system busy
        ("isp.SYSTEM_ERROR", 500, TransientSendError),
        ("Throttling.User", 400, TransientSendError),
        ("ServiceUnavailable", 503, TransientSendError),
        ("Forbidden.RAM", 403, PermanentSendError),
    ],
)
def test_provider_codes_map_to_transient_or_permanent(backend, fake_aliyun, code, status, error):
    fake_aliyun.fail_next(code, status=status)
    with pytest.raises(error) as failed:
        send(backend)
    assert failed.value.code == code
    assert fake_aliyun.sent == []


def test_the_fakes_own_checks_refuse_an_unknown_template_and_signature(backend, fake_aliyun):
    fake_aliyun.templates = {"SMS_471234567"}
    fake_aliyun.sign_names = {"另一个签名"}
    with pytest.raises(PermanentSendError) as refused:
        send(backend, template_code="SMS_000")
    assert refused.value.code == "isv.SMS_TEMPLATE_ILLEGAL"
    with pytest.raises(PermanentSendError) as refused:
        send(backend)
    assert refused.value.code == "isv.SMS_SIGNATURE_ILLEGAL"


def test_a_time_out_is_transient_and_the_look_up_finds_the_message_the_provider_kept(settings, backend, fake_aliyun):
    # given: the provider accepts the message but answers after the client's 1-second time-out
    settings.ALIYUN_SMS_TIMEOUT = 1
    slow = aliyun.Backend()
    fake_aliyun.fail_next("OK", delay=2.5, created=True)
    since = timezone.now()
    # when
    with pytest.raises(TransientSendError) as failed:
        send(slow)
    # then: "timeout" tells the caller to look before sending again, and the look-up finds it
    assert failed.value.code == "timeout"
    (kept,) = fake_aliyun.sent
    found = backend.find_sent(channel="sms", to="+8613812345678", body="", since=since, exclude=set())
    assert found == f"out:{kept['OutId']}"
    assert backend.find_sent(channel="sms", to="+8613812345678", body="", since=since, exclude={found}) is None
    # a message sent before this attempt (more than a minute earlier) is not mistaken for it
    later = since + timedelta(minutes=2)
    assert backend.find_sent(channel="sms", to="+8613812345678", body="", since=later, exclude=set()) is None


def test_a_provider_that_cannot_be_reached_is_a_transient_connection_error(settings, fake_aliyun):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    settings.ALIYUN_SMS_ENDPOINT = f"http://127.0.0.1:{closed_port}"
    with pytest.raises(TransientSendError) as failed:
        send(aliyun.Backend())
    assert failed.value.code == "connection"


def test_messaging_backend_aliyun_selects_this_backend(fake_aliyun):
    chosen = get_backend()
    assert isinstance(chosen, aliyun.Backend) and chosen.name == "aliyun"


# ---- delivery reports (SmsReport push) ----
def report_request(body, *, token=RECEIPT_TOKEN, signature=None):
    raw = body if isinstance(body, bytes) else json.dumps(body, ensure_ascii=False).encode()
    url = "/hooks/aliyun/report/" + (f"?token={token}" if token else "")
    headers = {"HTTP_X_ALIYUN_SMS_SIGNATURE": signature} if signature is not None else {}
    return RequestFactory().post(url, data=raw, content_type="application/json", **headers)


def two_reports(fake_aliyun, backend):
    send(backend)
    send(backend, to="13900001111")
    first, second = fake_aliyun.sent
    return [fake_aliyun.report_for(first), fake_aliyun.report_for(second, success=False, err_code="MK:0001")]


def test_a_push_with_the_token_gives_every_report_as_a_status_update(backend, fake_aliyun):
    # given
    reports = two_reports(fake_aliyun, backend)
    # when
    updates = backend.parse_status_reports(report_request(reports))
    # then
    assert [(u.provider_id, u.status, u.error_code) for u in updates] == [
        (reports[0]["biz_id"], "delivered", ""),
        (reports[1]["biz_id"], "undelivered", "MK:0001"),
    ]
    assert updates[0].extra["out_id"] == fake_aliyun.sent[0]["OutId"]
    assert updates[0].extra["reported_at"].endswith("+08:00")  # the provider's times are Beijing time
    assert json.loads(backend.callback_response(updates=updates).content) == {"code": 0, "msg": "接收成功"}


def test_a_push_signed_with_the_body_hmac_is_accepted_without_a_token(backend, fake_aliyun):
    raw = json.dumps(two_reports(fake_aliyun, backend)).encode()
    updates = backend.parse_status_reports(report_request(raw, token="", signature=body_signature(raw)))
    assert len(updates) == 2


@pytest.mark.parametrize(
    "how",
    [
        "no token",
        "wrong token",
        "token one letter short",
        "non-ASCII token",
        "forged signature",
        "signature of another body",
    ],
)
def test_an_unsigned_or_wrongly_signed_push_is_refused(backend, fake_aliyun, how):
    raw = json.dumps(two_reports(fake_aliyun, backend)).encode()
    request = {
        "no token": lambda: report_request(raw, token=""),
        "wrong token": lambda: report_request(raw, token="guess"),
        "token one letter short": lambda: report_request(raw, token=RECEIPT_TOKEN[:-1]),
        "non-ASCII token": lambda: report_request(raw, token="令牌"),
        "forged signature": lambda: report_request(raw, token="", signature="0" * 64),
        # a signature header decides alone: a right token does not rescue a wrong signature
        "signature of another body": lambda: report_request(raw, signature=body_signature(b"[]")),
    }[how]()
    assert backend.parse_status_reports(request) is None


def test_no_push_is_accepted_while_the_receipt_token_is_not_set(settings, backend, fake_aliyun):
    settings.ALIYUN_SMS_RECEIPT_TOKEN = ""
    raw = json.dumps(two_reports(fake_aliyun, backend)).encode()
    assert backend.parse_status_reports(report_request(raw, token="")) is None
    assert backend.parse_status_reports(report_request(raw, token="", signature=body_signature(raw, ""))) is None


@pytest.mark.parametrize(
    "raw",
    [b"not json", b'{"biz_id": "1"}', b'["a", "b"]', b"\xff\xfe[]", b"", b"[" * 5000 + b"]" * 5000],
    ids=["not JSON", "an object", "strings", "not UTF-8", "empty", "nested 5000 deep"],
)
def test_a_malformed_push_is_refused_without_an_exception(backend, fake_aliyun, raw):
    assert backend.parse_status_reports(report_request(raw)) is None


def test_a_report_without_a_biz_id_is_skipped_and_the_others_apply(backend, fake_aliyun):
    reports = two_reports(fake_aliyun, backend)
    reports[0]["biz_id"] = ""
    updates = backend.parse_status_reports(report_request(reports))
    assert [u.provider_id for u in updates] == [reports[1]["biz_id"]]


# ---- customers' replies (SmsUp push) and the provider's unsubscribes ----
def up_request(items, token=RECEIPT_TOKEN):
    raw = json.dumps(items, ensure_ascii=False).encode()
    return RequestFactory().post(f"/hooks/aliyun/up/?token={token}", data=raw, content_type="application/json")


def up(content, phone="13812345678"):
    return {
        "phone_number": phone,
        "send_time": "2026-03-01 22:30:05",
        "content": content,
        "sign_name": "信和售后",
        "dest_code": "1234",
        "sequence_id": 1234567890,
    }


def test_td_and_tuiding_replies_become_opt_out_events(backend):
    # given: the provider's own unsubscribe words, and replies it does not act on
    items = [up("TD"), up(" td "), up("退订。"), up("我要退订短信"), up("什么时候还款？"), up("TD", phone="+1 415")]
    # when
    messages = backend.parse_up_messages(up_request(items))
    events = aliyun.opt_out_events(messages)
    # then: a bad number is dropped; every reply is kept for the inbox and the opt-out phrase list
    assert len(messages) == 5
    assert [(e.phone, e.keyword, e.channel, e.provider_ref) for e in events] == [
        ("+8613812345678", "TD", "sms", "1234567890"),
        ("+8613812345678", "TD", "sms", "1234567890"),
        ("+8613812345678", "退订", "sms", "1234567890"),
    ]
    assert events[0].received_at.isoformat() == "2026-03-01T22:30:05+08:00"


def test_an_up_push_without_the_token_is_refused(backend):
    assert backend.parse_up_messages(up_request([up("TD")], token="guess")) is None


# ---- the whole path: the fake posts to the portal's endpoints ----
@pytest.mark.urls("tests.messaging.aliyun_support")
@pytest.mark.django_db(transaction=True)
def test_the_fake_providers_pushes_reach_the_endpoint_and_get_the_expected_answers(live_server, backend, fake_aliyun):
    # given
    received["reports"].clear()
    received["opt_outs"].clear()
    reports = two_reports(fake_aliyun, backend)
    url = f"{live_server.url}/hooks/aliyun/report/"
    # when / then: accepted with the provider's expected answer
    status, answer = fake_aliyun.post(f"{url}?token={RECEIPT_TOKEN}", reports)
    assert (status, json.loads(answer)) == (200, {"code": 0, "msg": "接收成功"})
    assert [u.status for u in received["reports"]] == ["delivered", "undelivered"]
    # forged or malformed: refused, never a 500
    assert fake_aliyun.post(f"{url}?token=forged", reports)[0] == 403
    assert fake_aliyun.post(f"{url}?token={RECEIPT_TOKEN}", b"{oops")[0] == 403
    # an unsubscribe reply becomes an opt-out event
    status, _ = fake_aliyun.post(f"{live_server.url}/hooks/aliyun/up/?token={RECEIPT_TOKEN}", [up("退订")])
    assert status == 200
    assert [e.phone for e in received["opt_outs"]] == ["+8613812345678"]
