"""Satisfaction surveys: created once per resolved inquiry, sent by SMS in the customer's language, answered once."""

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from aftersales import permissions as roles
from messaging.models import OutboundMessage
from staff import kpi as kpis
from staff import surveys
from staff.models import Survey
from tests.reminders.factories import make_customer
from tests.staff.builders import inquiry

pytestmark = pytest.mark.django_db


@pytest.fixture
def resolved(make_staff):
    alice = make_staff("alice", roles.AGENT)
    now = timezone.now()
    zh = make_customer(language="zh-hans")
    en = make_customer(language="en")
    opted_out = make_customer(language="en", sms_opt_out=True)
    rows = {
        "zh": inquiry(
            received_at=now - timedelta(hours=3),
            assigned_to=alice,
            resolved_at=now - timedelta(hours=1),
            resolved_by=alice,
            customer=zh,
        ),
        "en": inquiry(
            received_at=now - timedelta(hours=3),
            assigned_to=alice,
            resolved_at=now - timedelta(hours=1),
            resolved_by=alice,
            customer=en,
        ),
        "opted_out": inquiry(
            received_at=now - timedelta(hours=3),
            assigned_to=alice,
            resolved_at=now - timedelta(hours=1),
            resolved_by=alice,
            customer=opted_out,
        ),
    }
    inquiry(received_at=now - timedelta(hours=3), assigned_to=alice)  # open: no survey
    inquiry(
        received_at=now - timedelta(hours=3), resolved_at=now - timedelta(hours=1), resolved_by=alice
    )  # no customer
    return {"alice": alice, **rows}


def test_surveys_are_created_once_and_sent_in_the_customers_language(resolved):
    # when: the periodic task runs twice
    assert surveys.surveys_create() == 3
    assert surveys.surveys_create() == 0
    # sent at the next noon (Shanghai): the contact policy holds survey SMS in quiet hours, whenever the suite runs
    local = timezone.localtime()
    noon = local.replace(hour=12, minute=0, second=0, microsecond=0)
    with time_machine.travel(noon if noon > local else noon + timedelta(days=1), tick=False):
        for survey_id in surveys.surveys_pending_ids():
            surveys.survey_send(survey_id=survey_id)
            surveys.survey_send(survey_id=survey_id)  # a retry sends nothing more
    # then
    by_ref = {s.reference: s for s in Survey.objects.all()}
    zh, en = by_ref[resolved["zh"].reference], by_ref[resolved["en"].reference]
    assert zh.status == en.status == Survey.Status.SENT
    assert by_ref[resolved["opted_out"].reference].status == Survey.Status.SKIPPED
    assert zh.staff == resolved["alice"]
    sms = OutboundMessage.objects.filter(purpose=OutboundMessage.Purpose.SURVEY)
    assert sms.count() == 2
    assert en.token in en.outbound_message.body and "How satisfied" in en.outbound_message.body
    assert zh.outbound_message.language == "zh-hans"
    assert len(zh.token) >= 32 and zh.token != en.token


def test_link_works_once_in_the_right_language(client, resolved):
    surveys.surveys_create()
    survey = Survey.objects.get(reference=resolved["zh"].reference)
    url = reverse("staff:survey", args=[survey.token])
    # when: the customer opens the link
    page = client.get(url)
    # then: the page is in Simplified Chinese, the customer's language
    assert page.status_code == 200
    assert page["Content-Language"] == "zh-hans"
    assert 'lang="zh-hans"' in page.content.decode()
    # when: they answer
    answer = client.post(url, {"rating": "4", "comment": "很好"})
    assert answer.status_code == 200 and b"survey-thanks" in answer.content
    survey.refresh_from_db()
    assert (survey.rating, survey.comment, survey.status) == (4, "很好", Survey.Status.ANSWERED)
    # a second answer is refused with a clear page; the first stands
    again = client.post(url, {"rating": "1"})
    assert again.status_code == 410 and b'data-reason="answered"' in again.content
    survey.refresh_from_db()
    assert survey.rating == 4
    # and it feeds CSAT of the staff member who resolved the inquiry
    figures = kpis.kpi_report(period=kpis.Period.day(timezone.localdate())).rows[0].figures
    assert figures.value("csat") == 4


def test_english_customer_gets_an_english_page(client, resolved):
    surveys.surveys_create()
    survey = Survey.objects.get(reference=resolved["en"].reference)
    page = client.get(reverse("staff:survey", args=[survey.token]))
    assert page["Content-Language"] == "en"
    assert b"How did we do?" in page.content


def test_expired_link_is_refused(client, resolved, settings):
    surveys.surveys_create()
    survey = Survey.objects.get(reference=resolved["en"].reference)
    url = reverse("staff:survey", args=[survey.token])
    with time_machine.travel(timezone.now() + timedelta(days=settings.SURVEY_VALID_DAYS, minutes=1)):
        assert client.get(url).status_code == 410
        response = client.post(url, {"rating": "5"})
    assert response.status_code == 410 and b'data-reason="expired"' in response.content
    survey.refresh_from_db()
    assert survey.rating is None


def test_unknown_token_and_bad_rating(client, resolved):
    assert client.get(reverse("staff:survey", args=["not-a-token"])).status_code == 404
    surveys.surveys_create()
    survey = Survey.objects.get(reference=resolved["en"].reference)
    response = client.post(reverse("staff:survey", args=[survey.token]), {"rating": "9"})
    assert response.status_code == 200  # the form again, with the error
    survey.refresh_from_db()
    assert survey.answered_at is None
