"""A reminder step added today never sends for a step date already past; missed days are caught up only for steps
that existed on them (the planner's outage), as tests/reminders/test_rules.py's catch-up test keeps."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from reminders import planning
from reminders.models import Reminder, ReminderStep
from tests.reminders.factories import make_installment, make_policy, make_product

SH = ZoneInfo("Asia/Shanghai")
TODAY = date(2026, 12, 3)
pytestmark = pytest.mark.django_db


def _policy_created(at: datetime):
    with time_machine.travel(at, tick=False):
        return make_product(make_policy(steps=[(-2, "sms")]))


@time_machine.travel(datetime(2026, 12, 3, 10, 0, tzinfo=SH), tick=False)
def test_a_t_minus_2_step_added_today_sends_nothing_for_an_installment_due_today():
    # given: a T−2 SMS step added this morning; an installment due today (its T−2 date was 2026-12-01)
    product = _policy_created(datetime(2026, 12, 3, 9, 30, tzinfo=SH))
    make_installment(product=product, due_date=TODAY)
    # and one due the day after tomorrow (its T−2 date is today)
    ahead = make_installment(product=product, due_date=TODAY + timedelta(days=2))
    # when
    planned = planning.reminders_plan()
    # then: only today's step date is planned; the past one is not caught up
    assert planned == 1
    assert list(Reminder.objects.values_list("installment_id", flat=True)) == [ahead.pk]


@time_machine.travel(datetime(2026, 12, 3, 10, 0, tzinfo=SH), tick=False)
def test_a_step_added_yesterday_catches_up_yesterday_but_not_the_day_before():
    # given: the step was added yesterday at 23:50 (the planner had no run left that day)
    product = _policy_created(datetime(2026, 12, 2, 23, 50, tzinfo=SH))
    yesterday = make_installment(product=product, due_date=TODAY + timedelta(days=1))  # T−2 = 12-02
    make_installment(product=product, due_date=TODAY)  # T−2 = 12-01: before the step existed
    # when / then
    assert planning.reminders_plan() == 1
    assert list(Reminder.objects.values_list("installment_id", flat=True)) == [yesterday.pk]


@time_machine.travel(datetime(2026, 12, 3, 10, 0, tzinfo=SH), tick=False)
def test_a_step_that_existed_during_the_outage_is_caught_up_and_a_legacy_step_too():
    # given: a step added a week ago, and one from before added dates were recorded (created_at empty)
    product = _policy_created(datetime(2026, 11, 26, 9, 0, tzinfo=SH))
    legacy = make_product(make_policy(steps=[(-2, "sms")]))
    ReminderStep.objects.filter(policy__product_links__product=legacy).update(created_at=None)
    make_installment(product=product, due_date=TODAY)  # T−2 = 12-01, two days ago
    make_installment(product=legacy, due_date=TODAY)
    # when / then: both caught up (the planner missed those days), once
    assert planning.reminders_plan() == 2
    assert planning.reminders_plan() == 0


def test_catch_up_allowed_at_the_day_boundary():
    step = ReminderStep(offset_days=-2, channel="sms", created_at=datetime(2026, 12, 1, 23, 59, tzinfo=SH))
    assert planning.catch_up_allowed(step, date(2026, 12, 1), TODAY) is True  # added on the step date
    assert planning.catch_up_allowed(step, date(2026, 11, 30), TODAY) is False  # a day before it existed
    step.created_at = datetime(2026, 12, 2, 0, 0, tzinfo=SH)  # one minute later: the next day
    assert planning.catch_up_allowed(step, date(2026, 12, 1), TODAY) is False
    assert planning.catch_up_allowed(step, TODAY, TODAY) is True  # today is always planned
