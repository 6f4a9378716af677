"""Channels: hotline logging, the public online form, the Twilio inbound SMS webhook, customer matching."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from twilio.request_validator import RequestValidator

from aftersales.models import AuditEntry
from inquiries.models import Inquiry, InquiryMessage
from tests.inquiries.factories import make_customer, make_inquiry

pytestmark = pytest.mark.django_db

TOKEN = "test-auth-token"


# ---- hotline ------------------------------------------------------------------------------------


def test_hotline_call_answered_live_counts_as_first_response(client_agent, agent):
    # given a known customer calling
    customer = make_customer(mobile="+8613812345678")
    # when the agent logs the call as answered live
    response = client_agent.post(
        reverse("inquiries:hotline_new"),
        {
            "mobile": "138 1234 5678",
            "category": "repayment",
            "summary": "Asked for the due date",
            "answered_live": "on",
        },
    )
    # then the inquiry is matched, assigned to the agent and answered within the SLA
    assert response.status_code == 302
    inquiry = Inquiry.objects.get()
    assert inquiry.channel == Inquiry.Channel.HOTLINE
    assert inquiry.customer == customer
    assert inquiry.assigned_to == agent
    assert inquiry.first_responded_at is not None
    assert inquiry.first_responded_by == agent
    assert inquiry.sla_met is True
    assert inquiry.contact_masked == "138****5678"
    kinds = list(inquiry.messages.values_list("kind", "reached_customer"))
    assert kinds == [("customer", False), ("call", True)]


def test_hotline_call_not_answered_waits_in_the_queue(client_agent):
    client_agent.post(
        reverse("inquiries:hotline_new"),
        {"mobile": "13812345678", "category": "fees", "summary": "Call back about a fee"},
    )
    inquiry = Inquiry.objects.get()
    assert inquiry.first_responded_at is None
    assert inquiry.sla_met is None
    assert inquiry.assigned_to is None
    assert inquiry.customer is None


def test_hotline_form_keeps_input_on_error(client_agent):
    response = client_agent.post(
        reverse("inquiries:hotline_new"), {"mobile": "12345", "category": "fees", "summary": "Typed summary"}
    )
    assert response.status_code == 400
    assert "Typed summary" in response.content.decode()
    assert "Enter a mainland mobile number" in response.content.decode()
    assert not Inquiry.objects.exists()


def test_customer_lookup_shows_masked_match(client_agent):
    make_customer(mobile="+8613812345678", name="李雷")
    response = client_agent.get(reverse("inquiries:customer_lookup"), {"mobile": "138-1234-5678"})
    text = response.content.decode()
    assert "李雷" in text and "138****5678" in text and "13812345678" not in text


# ---- online form --------------------------------------------------------------------------------


def test_online_form_creates_inquiry_and_shows_reference(client):
    # given a customer known by email (stored lower-case, matched case-insensitively)
    customer = make_customer(email="li.lei@example.com")
    # when an anonymous visitor sends a question
    response = client.post(
        reverse("inquiries:online"),
        {"name": "Li Lei", "email": "Li.Lei@Example.com", "category": "fees", "question": "Why was I charged twice?"},
        follow=True,
    )
    # then an online inquiry exists, matched, and the confirmation page shows its reference
    inquiry = Inquiry.objects.get()
    assert inquiry.channel == Inquiry.Channel.ONLINE
    assert inquiry.customer == customer
    assert inquiry.reference in response.content.decode()
    assert inquiry.first_response_due == inquiry.received_at + timedelta(minutes=10)


def test_online_form_needs_a_contact_and_keeps_what_was_typed(client):
    response = client.post(
        reverse("inquiries:online"),
        {"name": "Li Lei", "category": "fees", "question": "My long question text"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 400
    text = response.content.decode()
    assert "My long question text" in text and "Li Lei" in text
    assert "Give a mobile number or an email" in text
    assert not Inquiry.objects.exists()


def test_online_form_honeypot_stores_nothing(client):
    response = client.post(
        reverse("inquiries:online"),
        {"name": "Bot", "mobile": "13812345678", "category": "other", "question": "spam", "website": "http://x"},
    )
    assert response.status_code == 302
    assert not Inquiry.objects.exists()


def test_online_form_is_rate_limited_per_address_and_keeps_input(client, settings):
    # given a limit of 2 submissions per hour from one address
    settings.RATELIMIT_ENABLED = True
    settings.INQUIRY_ONLINE_RATE = "2/h"
    from django.core.cache import cache

    cache.clear()
    data = {"name": "Li", "mobile": "13812345678", "category": "other", "question": "Question number"}
    # when a third question is sent from the same address
    codes = [client.post(reverse("inquiries:online"), data, REMOTE_ADDR="10.0.0.7").status_code for _ in range(3)]
    # then the third is refused with 429, the form still holding the text; another address still works
    assert codes == [302, 302, 429]
    third = client.post(reverse("inquiries:online"), data, REMOTE_ADDR="10.0.0.7")
    assert "Question number" in third.content.decode()
    assert client.post(reverse("inquiries:online"), data, REMOTE_ADDR="10.0.0.8").status_code == 302
    assert Inquiry.objects.count() == 3


# ---- SMS webhook --------------------------------------------------------------------------------


def _signed_post(client, settings, params, *, token=TOKEN, signature=None):
    url = reverse("inquiries:sms_webhook")
    signature = signature or RequestValidator(token).compute_signature(settings.PUBLIC_BASE_URL + url, params)
    return client.post(url, params, HTTP_X_TWILIO_SIGNATURE=signature)


@pytest.fixture
def twilio_settings(settings):
    settings.TWILIO_AUTH_TOKEN = TOKEN
    settings.PUBLIC_BASE_URL = "https://portal.example.com"
    return settings


def test_sms_webhook_creates_an_inquiry_matched_to_the_customer(client, twilio_settings):
    customer = make_customer(mobile="+8613900001111")
    params = {"From": "+8613900001111", "To": "+15005550006", "Body": "我想提前还款", "MessageSid": "SM1"}
    response = _signed_post(client, twilio_settings, params)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/xml")
    inquiry = Inquiry.objects.get()
    assert inquiry.channel == Inquiry.Channel.SMS and inquiry.customer == customer
    assert inquiry.messages.get().body == "我想提前还款"


def test_sms_webhook_bad_signature_is_403_and_stores_nothing(client, twilio_settings):
    params = {"From": "+8613900001111", "Body": "hello", "MessageSid": "SM2"}
    response = _signed_post(client, twilio_settings, params, token="someone-elses-token")
    assert response.status_code == 403
    response = client.post(reverse("inquiries:sms_webhook"), params)  # no signature at all
    assert response.status_code == 403
    assert not Inquiry.objects.exists() and not InquiryMessage.objects.exists()


def test_sms_stop_reply_opts_the_customer_out_and_opens_no_inquiry(client, twilio_settings):
    # given a customer who receives SMS
    customer = make_customer(mobile="+8613900003333")
    # when the customer replies 退订 (unsubscribe)
    response = _signed_post(client, twilio_settings, {"From": "+8613900003333", "Body": "退订", "MessageSid": "SM20"})
    # then the SMS opt-out is recorded and no inquiry is opened
    assert response.status_code == 200
    customer.refresh_from_db()
    assert customer.sms_opt_out is True
    assert not Inquiry.objects.exists()


def test_sms_reply_threads_into_the_open_inquiry_and_duplicates_are_ignored(client, twilio_settings):
    first = {"From": "+8613900002222", "Body": "Question", "MessageSid": "SM10"}
    second = {"From": "+8613900002222", "Body": "More details", "MessageSid": "SM11"}
    _signed_post(client, twilio_settings, first)
    _signed_post(client, twilio_settings, second)
    _signed_post(client, twilio_settings, second)  # Twilio retried the webhook
    inquiry = Inquiry.objects.get()
    assert list(inquiry.messages.values_list("body", flat=True)) == ["Question", "More details"]


def test_sms_after_resolution_reopens_it_within_the_reopen_window_only(client, twilio_settings, agent, settings):
    # (#15 changed this: an SMS soon after resolution used to open a new inquiry; it now reopens the resolved one)
    from inquiries import services

    settings.INQUIRY_REOPEN_DAYS = 7
    params = {"From": "+8613900003333", "Body": "Question", "MessageSid": "SM20"}
    _signed_post(client, twilio_settings, params)
    inquiry = Inquiry.objects.get()
    services.inquiry_resolve(inquiry=inquiry, actor=agent, category="answered", note="done")
    # a new SMS after resolution, inside the window, reopens the resolved inquiry
    _signed_post(client, twilio_settings, {"From": "+8613900003333", "Body": "One more thing", "MessageSid": "SM21"})
    inquiry.refresh_from_db()
    assert Inquiry.objects.count() == 1 and inquiry.status == Inquiry.Status.OPEN
    # resolved again, 7 days and a minute ago: a new SMS opens a new inquiry (the old thread is closed)
    services.inquiry_resolve(inquiry=inquiry, actor=agent, category="answered", note="done")
    Inquiry.objects.filter(pk=inquiry.pk).update(resolved_at=timezone.now() - timedelta(days=7, minutes=1))
    _signed_post(client, twilio_settings, {"From": "+8613900003333", "Body": "New topic", "MessageSid": "SM22"})
    assert Inquiry.objects.count() == 2


def test_customer_message_after_answer_marks_customer_waiting(agent):
    inquiry = make_inquiry(phone="+8613900004444")
    from inquiries import services

    services.inquiry_call_log(inquiry=inquiry, author=agent, body="Called back", reached=True)
    services.inquiry_receive_sms(from_number="+8613900004444", body="Thanks, one more thing", message_sid="SM30")
    inquiry.refresh_from_db()
    assert inquiry.awaiting_agent is True


def test_creation_is_audited():
    make_inquiry(minutes_ago=1)
    assert AuditEntry.objects.filter(action="inquiry_create").count() == 1


def test_reference_format():
    inquiry = make_inquiry(received_at=timezone.now())
    assert inquiry.reference.startswith("INQ-") and len(inquiry.reference) == 16
