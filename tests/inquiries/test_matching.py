"""Every inquiry channel links its sender through customers.selectors.customer_match: one rule for ambiguity."""

import pytest
from django.urls import reverse
from django.utils.translation import gettext

from inquiries import services
from inquiries.models import Inquiry
from tests.inquiries.factories import make_customer

# Stored on the inquiry in the language active when it arrived (the server's): compared through gettext.
AMBIGUOUS = "Several customers match this contact: not linked to any; check who wrote before using customer data."

pytestmark = pytest.mark.django_db


def test_sms_from_a_number_two_customers_share_stays_unlinked_and_flagged():
    # given two customers with the same mobile (a family phone)
    make_customer(mobile="+8613812345678", name="王一")
    make_customer(mobile="138 1234 5678", name="王二")
    # when an SMS arrives from that number
    received = services.inquiry_receive_sms(from_number="+86 138 1234 5678", body="还款日是哪天？", message_sid="SM1")
    # then no customer is linked automatically and the inquiry is flagged for the agent
    inquiry = Inquiry.objects.get(pk=received.inquiry.pk)
    assert inquiry.customer is None
    assert inquiry.flagged is True
    assert gettext(AMBIGUOUS) in inquiry.flag_reason


def test_online_form_with_a_shared_number_and_one_of_their_emails_links_that_customer(client):
    # given two customers sharing a mobile, one of them known by this email
    make_customer(mobile="+8613812345678", email="wang.yi@example.com")
    er = make_customer(mobile="+8613812345678", email="wang.er@example.com")
    # when the online form names the number and the email of the second
    client.post(
        reverse("inquiries:online"),
        {
            "name": "Wang",
            "mobile": "13812345678",
            "email": "Wang.Er@example.com",
            "category": "fees",
            "question": "Fee?",
        },
    )
    # then the email settles it: the second customer is linked, nothing is flagged
    inquiry = Inquiry.objects.get()
    assert inquiry.customer == er
    assert inquiry.flagged is False


def test_a_unique_number_in_any_form_links_the_customer():
    customer = make_customer(mobile="+8613900001111")
    inquiry, _message = services.inquiry_create(channel=Inquiry.Channel.SMS, body="hi", phone="86 139 0000 1111")
    assert inquiry.customer == customer
    assert inquiry.flagged is False


def test_a_mail_flagged_as_malformed_keeps_its_reason_when_the_sender_is_also_ambiguous():
    make_customer(mobile="+8613812345678", email="shared@example.com")
    make_customer(mobile="+8613812345679", email="shared@example.com")
    received = services.inquiry_receive_email(
        subject="Question", body="?", from_email="shared@example.com", flagged=True, flag_reason="bad Subject header"
    )
    inquiry = Inquiry.objects.get(pk=received.inquiry.pk)
    assert inquiry.customer is None
    assert inquiry.flag_reason == "bad Subject header; " + gettext(AMBIGUOUS)


def test_hotline_lookup_lists_every_customer_at_a_shared_number(client_agent):
    make_customer(mobile="+8613812345678", name="李雷")
    make_customer(mobile="+8613812345678", name="韩梅梅")
    text = client_agent.get(reverse("inquiries:customer_lookup"), {"mobile": "13812345678"}).content.decode()
    assert "李雷" in text and "韩梅梅" in text
    assert "Several customers share this number" in text
