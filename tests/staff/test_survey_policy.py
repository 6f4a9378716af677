"""Survey SMS under the contact policy: spread out (one per customer per day, a batch per run), held by quiet hours
and by the daily cap, and sent later when allowed, never dropped."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from aftersales import permissions as roles
from messaging.api import sms_send
from messaging.held import messages_send_held
from messaging.models import OutboundMessage
from staff import surveys
from staff.models import Survey
from tests.reminders.factories import make_customer
from tests.staff.builders import inquiry

SH = ZoneInfo("Asia/Shanghai")
pytestmark = pytest.mark.django_db


def resolved_for(customer, agent, at):
    return inquiry(
        received_at=at - timedelta(hours=2),
        assigned_to=agent,
        resolved_at=at - timedelta(hours=1),
        resolved_by=agent,
        customer=customer,
    )


def survey_sms():
    return OutboundMessage.objects.filter(purpose=OutboundMessage.Purpose.SURVEY)


@pytest.fixture
def agent(make_staff):
    return make_staff("alice", roles.AGENT)


def test_a_burst_is_spread_one_survey_per_customer_per_day_and_a_batch_per_run(agent, settings):
    # given: 4 customers with 3 resolved inquiries each (12 surveys), 5 a run
    settings.SURVEY_SEND_PER_RUN = 5
    morning = datetime(2026, 12, 3, 10, 0, tzinfo=SH)
    customers = [make_customer() for _ in range(4)]
    with time_machine.travel(morning, tick=False):
        for customer in customers:
            for _ in range(3):
                resolved_for(customer, agent, morning)
        assert surveys.surveys_create() == 12
        # when: the task runs
        first = surveys.surveys_send_due()
    # then: one survey to each customer, not 12 at once and never two to one customer
    assert first == 4
    assert sorted(survey_sms().values_list("customer_id", flat=True)) == sorted(c.pk for c in customers)
    # and runs later that day send nothing more to them
    with time_machine.travel(morning + timedelta(hours=5), tick=False):
        assert surveys.surveys_send_due() == 0
    # the next day each customer gets the next one
    with time_machine.travel(morning + timedelta(days=1), tick=False):
        assert surveys.surveys_send_due() == 4
    assert survey_sms().count() == 8
    assert Survey.objects.filter(status=Survey.Status.PENDING).count() == 4


def test_the_per_run_limit_spreads_many_customers_over_runs(agent, settings):
    settings.SURVEY_SEND_PER_RUN = 3
    morning = datetime(2026, 12, 3, 10, 0, tzinfo=SH)
    with time_machine.travel(morning, tick=False):
        for _ in range(7):
            resolved_for(make_customer(), agent, morning)
        surveys.surveys_create()
        assert [surveys.surveys_send_due() for _ in range(4)] == [3, 3, 1, 0]
    assert survey_sms().count() == 7


def test_no_survey_is_picked_in_quiet_hours_and_they_go_at_08_00(agent):
    # given: a survey created at 22:30
    late = datetime(2026, 12, 3, 22, 30, tzinfo=SH)
    with time_machine.travel(late, tick=False):
        resolved_for(make_customer(), agent, late)
        surveys.surveys_create()
        # when: the task runs in the quiet hours
        assert surveys.surveys_send_due() == 0
    with time_machine.travel(datetime(2026, 12, 4, 7, 59, tzinfo=SH), tick=False):
        assert surveys.surveys_send_due() == 0
    # then: nothing was sent overnight, and it goes at 08:00
    assert survey_sms().count() == 0
    with time_machine.travel(datetime(2026, 12, 4, 8, 0, tzinfo=SH), tick=False):
        assert surveys.surveys_send_due() == 1
    assert Survey.objects.get().status == Survey.Status.SENT


def test_a_survey_sent_in_quiet_hours_is_held_until_08_00_then_sent(agent):
    # given: a survey sent directly (the single-survey task) at 22:30
    late = datetime(2026, 12, 3, 22, 30, tzinfo=SH)
    with time_machine.travel(late, tick=False):
        resolved_for(make_customer(), agent, late)
        surveys.surveys_create()
        survey = surveys.survey_send(survey_id=Survey.objects.get().pk)
    # then: its SMS is held by the quiet hours, recorded, not sent; the survey waits
    message = survey.outbound_message
    assert (message.status, message.hold_reason) == ("held", "quiet_hours")
    assert message.not_before == datetime(2026, 12, 4, 8, 0, tzinfo=SH)
    assert survey.status == Survey.Status.PENDING
    # a minute before 08:00 it is still held
    with time_machine.travel(datetime(2026, 12, 4, 7, 59, tzinfo=SH), tick=False):
        assert messages_send_held() == 0
    # at 08:00 it goes out, and the survey task marks the survey sent
    with time_machine.travel(datetime(2026, 12, 4, 8, 0, tzinfo=SH), tick=False):
        assert messages_send_held() == 1
        surveys.surveys_send_due()
    message.refresh_from_db()
    survey.refresh_from_db()
    assert message.status == "delivered" and message.provider_id
    assert survey.status == Survey.Status.SENT


def test_a_survey_is_held_by_the_daily_cap_and_sent_the_next_morning(agent, settings):
    # given: the customer had three proactive contacts today (the cap), and an inquiry reply (exempt, not counted)
    settings.REMINDER_MAX_CONTACTS_PER_CUSTOMER_PER_DAY = 3
    noon = datetime(2026, 12, 3, 12, 0, tzinfo=SH)
    customer = make_customer()
    with time_machine.travel(noon, tick=False):
        for n in range(3):
            sms_send(to=customer.mobile, body=f"reminder {n}", purpose="reminder", customer=customer)
        reply = sms_send(to=customer.mobile, body="Your answer", purpose="inquiry_reply", customer=customer)
        resolved_for(customer, agent, noon)
        surveys.surveys_create()
        # when
        assert surveys.surveys_send_due() == 1
    # then: the survey SMS is held by the cap until the next morning, never dropped
    survey = Survey.objects.get()
    message = survey.outbound_message
    assert reply.proactive is False and reply.status == "delivered"
    assert (message.status, message.hold_reason) == ("held", "daily_cap")
    assert message.not_before == datetime(2026, 12, 4, 8, 0, tzinfo=SH)
    assert survey.status == Survey.Status.PENDING
    with time_machine.travel(datetime(2026, 12, 4, 8, 0, tzinfo=SH), tick=False):
        assert messages_send_held() == 1
        surveys.surveys_send_due()
    survey.refresh_from_db()
    assert survey.status == Survey.Status.SENT
    assert survey_sms().get().status == "delivered"


def test_a_held_survey_of_a_customer_who_opts_out_overnight_is_not_sent_and_says_why(agent):
    late = datetime(2026, 12, 3, 22, 30, tzinfo=SH)
    customer = make_customer()
    with time_machine.travel(late, tick=False):
        resolved_for(customer, agent, late)
        surveys.surveys_create()
        survey = surveys.survey_send(survey_id=Survey.objects.get().pk)
    type(customer).objects.filter(pk=customer.pk).update(sms_opt_out=True)
    with time_machine.travel(datetime(2026, 12, 4, 8, 0, tzinfo=SH), tick=False):
        assert messages_send_held() == 0
        surveys.surveys_send_due()
    survey.refresh_from_db()
    message = survey.outbound_message
    assert (message.status, message.hold_reason, message.provider_id) == ("failed", "opted_out", None)
    assert survey.status == Survey.Status.SKIPPED
