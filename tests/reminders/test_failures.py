"""With the fake failing 20% of requests (5xx/429) every reminder is sent exactly once in the end."""

from collections import Counter
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from reminders import planning, services
from reminders.models import ContactDataTask, Reminder
from tests.reminders.factories import make_customer, make_installment, make_policy, make_product

SH = ZoneInfo("Asia/Shanghai")
pytestmark = pytest.mark.django_db


def test_twenty_percent_transient_failures_still_deliver_each_reminder_exactly_once(fake_twilio, settings):
    settings.REMINDER_MAX_CONTACTS_PER_CUSTOMER_PER_DAY = 10
    product = make_product(make_policy(steps=[(-3, "sms"), (-3, "voice")]))
    bad = make_customer(mobile="+8613900000099")
    fake_twilio.fail_number("+8613900000099", 21211)
    with time_machine.travel(datetime(2026, 12, 3, 10, 0, tzinfo=SH), tick=False) as traveller:
        for _ in range(60):
            make_installment(product=product, due_date=date(2026, 12, 6))
        make_installment(product=product, due_date=date(2026, 12, 6), customer=bad)
        assert planning.reminders_plan() == 122
        fake_twilio.failure_rate = 0.2
        for _ in range(40):
            claimed = []
            planning.reminders_dispatch(enqueue=claimed.extend)
            for start in range(0, len(claimed), 20):  # as the worker does: batches of ids
                services.reminders_send_many(reminder_ids=claimed[start : start + 20])
            if not Reminder.objects.filter(status__in=["planned", "sending"]).exists():
                break
            traveller.shift(timedelta(minutes=2))
    statuses = Counter(Reminder.objects.values_list("status", flat=True))
    assert statuses == {"sent": 120, "failed": 2}
    sent_to = Counter((m["To"], m["Body"]) for m in fake_twilio.messages) + Counter(
        (c["To"], c["Twiml"]) for c in fake_twilio.calls
    )
    assert len(sent_to) == 120 and set(sent_to.values()) == {1}  # 0 missing, 0 duplicates
    failed_requests = len(fake_twilio.requests) - 120 - 2
    assert failed_requests >= 120 * 0.2  # the failures really happened and were retried
    task = ContactDataTask.objects.get()
    assert (task.customer, task.reason) == (bad, "invalid_number")
