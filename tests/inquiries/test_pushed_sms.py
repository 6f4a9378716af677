"""SMS a provider pushes to messaging (Alibaba Cloud's SmsUp) are filed as inquiries, like Twilio's inbound SMS."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from inquiries.models import Inquiry, InquiryMessage
from tests.messaging.aliyun_support import RECEIPT_TOKEN
from tests.reminders.factories import make_customer

pytestmark = pytest.mark.django_db


@pytest.fixture
def aliyun(settings):
    settings.MESSAGING_BACKEND = "aliyun"
    settings.ALIYUN_SMS_RECEIPT_TOKEN = RECEIPT_TOKEN
    settings.RATELIMIT_ENABLED = False


def push(client, content, phone, sequence_id):
    body = [
        {
            "phone_number": phone[3:],
            "send_time": "2026-12-03 22:30:05",
            "content": content,
            "sign_name": "信和售后",
            "dest_code": "1234",
            "sequence_id": sequence_id,
        }
    ]
    url = reverse("messaging:webhook_aliyun_up") + f"?token={RECEIPT_TOKEN}"
    return client.post(url, data=json.dumps(body), content_type="application/json")


def test_a_pushed_reply_opens_an_sms_inquiry_for_the_customer_once_and_threads_the_next(client, aliyun):
    # given a customer who texts the signature's number through Alibaba Cloud
    customer = make_customer()
    # when the provider pushes the reply, and pushes it again (providers retry)
    assert push(client, "请问这个月还款日是哪天？", customer.mobile, 555001).status_code == 200
    assert push(client, "请问这个月还款日是哪天？", customer.mobile, 555001).status_code == 200
    # then one SMS inquiry is open for the customer with one message, the provider's reference kept
    inquiry = Inquiry.objects.get()
    assert (inquiry.channel, inquiry.customer_id) == (Inquiry.Channel.SMS, customer.pk)
    assert list(inquiry.messages.values_list("external_id", flat=True)) == ["aliyun:555001"]
    # when the customer writes again: the same inquiry, a second message
    assert push(client, "还有，能不能延期？", customer.mobile, 555002).status_code == 200
    assert Inquiry.objects.count() == 1
    assert InquiryMessage.objects.filter(inquiry=inquiry).count() == 2
