"""Survey one-time links are never shown to staff: the admin and the outbox show the token masked."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from aftersales.one_time_links import mask_one_time_links
from messaging.models import OutboundMessage
from staff import surveys
from staff.models import Survey
from tests.reminders.factories import make_customer

TOKEN = "Zq9x_Secret-Token-0123456789abcd"


def test_mask_keeps_four_characters_of_each_token():
    text = "Answer: https://portal.example.com/staff/survey/Zq9x_Secret-Token-0123/ (valid 7 days)"
    assert mask_one_time_links(text) == "Answer: https://portal.example.com/staff/survey/Zq9x****/ (valid 7 days)"
    assert mask_one_time_links("no link, /loans/12/ stays") == "no link, /loans/12/ stays"
    assert mask_one_time_links(None) == ""


@pytest.fixture
def sent_survey(db):
    now = timezone.now()
    survey = Survey.objects.create(
        kind=Survey.Kind.INQUIRY,
        object_id=4711,
        reference="INQ-4711",
        customer=make_customer(),
        token=TOKEN,
        language="en",
        created_at=now,
        expires_at=now + timedelta(days=7),
    )
    survey = surveys.survey_send(survey_id=survey.pk)
    assert TOKEN in survey.outbound_message.body  # the customer's SMS holds the real link
    return survey


def test_outbox_admin_shows_the_link_masked(client_back_office, sent_survey):
    message = sent_survey.outbound_message
    for url in (
        reverse("admin:messaging_outboundmessage_changelist"),
        reverse("admin:messaging_outboundmessage_change", args=[message.pk]),
    ):
        html = client_back_office.get(url).content.decode()
        assert TOKEN not in html and TOKEN[:12] not in html, url
    html = client_back_office.get(reverse("admin:messaging_outboundmessage_change", args=[message.pk])).content
    assert "/staff/survey/Zq9x****" in html.decode()


def test_portal_outbox_shows_the_text_with_the_link_masked(client_back_office, sent_survey):
    response = client_back_office.get(reverse("reminders:outbox"), {"purpose": OutboundMessage.Purpose.SURVEY})
    html = response.content.decode()
    assert response.status_code == 200
    assert TOKEN not in html and TOKEN[:12] not in html
    assert "/staff/survey/Zq9x****" in html


def test_survey_admin_shows_the_link_masked(admin_client, sent_survey):
    html = admin_client.get(reverse("admin:staff_survey_change", args=[sent_survey.pk])).content.decode()
    assert TOKEN not in html and TOKEN[:12] not in html
    assert "/staff/survey/Zq9x****" in html
