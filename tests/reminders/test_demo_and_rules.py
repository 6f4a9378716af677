"""Demo seed (idempotent, links every product, plans today's reminders) and the forward-only status order."""

import io
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from hypothesis import given
from hypothesis import strategies as st

from aftersales.demo import DemoContext
from loans.models import Product
from messaging.models import OutboundMessage
from reminders import demo, rules
from reminders.models import MessageTemplate, Reminder, ReminderPolicy
from tests.reminders.factories import make_installment, make_product

SH = ZoneInfo("Asia/Shanghai")


@pytest.mark.django_db
@time_machine.travel(datetime(2026, 12, 3, 11, 0, tzinfo=SH), tick=False)
def test_demo_seed_is_idempotent_and_plans_todays_reminders():
    # given two products without a policy and installments due in 3 days and 20 days ago (unpaid)
    first, second = make_product(), make_product()
    make_installment(product=first, due_date=date(2026, 12, 6))
    make_installment(product=second, due_date=date(2026, 11, 13))
    ctx = DemoContext(customers=2, stdout=io.StringIO())
    # when the demo seed runs twice
    demo.seed(ctx)
    counts = (ReminderPolicy.objects.count(), Reminder.objects.count(), OutboundMessage.objects.count())
    demo.seed(ctx)
    # then one policy with 4 steps and zh-hans + en templates, linked to both products, nothing added twice
    assert (ReminderPolicy.objects.count(), Reminder.objects.count(), OutboundMessage.objects.count()) == counts
    policy = ReminderPolicy.objects.get()
    assert list(policy.steps.values_list("offset_days", "channel")) == [
        (-3, "sms"),
        (-1, "voice"),
        (1, "sms"),
        (3, "voice"),
    ]
    assert MessageTemplate.objects.filter(step__policy=policy).count() == 8
    assert set(Product.objects.values_list("reminder_policy_link__policy", flat=True)) == {policy.pk}
    # the T−3 SMS of the installment due 2026-12-06 is planned for now (11:00 is after its 10:00 send time)
    today = Reminder.objects.get(status="planned")
    assert (today.channel, today.planned_for) == ("sms", datetime(2026, 12, 3, 11, 0, tzinfo=SH))
    # the overdue installment has its history: T−3, T−1, T+1, T+3 with outcomes and prices
    history = Reminder.objects.exclude(status="planned")
    assert history.count() == 4
    assert all(r.outbound_message_id for r in history)


@given(st.lists(st.sampled_from(sorted(rules.REMINDER_RANK)), min_size=1, max_size=12))
def test_reminder_status_never_moves_backwards(sequence):
    current = "planned"
    for status in sequence:
        if rules.moves_forward(rules.REMINDER_RANK, current, status):
            current = status
    assert rules.REMINDER_RANK[current] == max([0, *(rules.REMINDER_RANK[s] for s in sequence)])
