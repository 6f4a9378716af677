"""Planning and sending against the real Twilio SDK and the fake Twilio server, time frozen in Asia/Shanghai."""

from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine

from loans.models import Installment
from messaging.api import get_backend
from messaging.models import OutboundMessage
from reminders import planning, services
from reminders.models import ContactDataTask, Reminder
from tests.reminders.factories import make_customer, make_installment, make_policy, make_product

SH = ZoneInfo("Asia/Shanghai")
# Thursday 2026-12-03 10:30 in Shanghai; an installment due 2026-12-06 has its T−3 step today.
NOW = datetime(2026, 12, 3, 10, 30, tzinfo=SH)
DUE = date(2026, 12, 6)

pytestmark = pytest.mark.django_db


def run_all(now=None):
    """Dispatch what is due and send it inline (the worker's job) until nothing is left."""
    sent = 0
    for _ in range(50):
        claimed = []
        planning.reminders_dispatch(now=now, enqueue=claimed.extend)
        if not claimed:
            break
        for reminder_id in claimed:
            services.reminder_send(reminder_id=reminder_id)
        sent += len(claimed)
    return sent


@pytest.fixture
def sms_policy_product(db):
    return make_product(make_policy(steps=[(-3, "sms")]))


@time_machine.travel(NOW, tick=False)
def test_due_step_is_planned_once_and_sent_once_through_twilio(fake_twilio, sms_policy_product):
    # given an unpaid installment due in three days under a T−3 SMS policy
    installment = make_installment(product=sms_policy_product, due_date=DUE, customer=make_customer(name="Li Lei"))
    # when the planner runs twice and the dispatcher hands the rows to the sender
    assert planning.reminders_plan() == 1
    assert planning.reminders_plan() == 0
    run_all()
    # then Twilio received exactly one SMS with the rendered text and a status callback URL
    assert len(fake_twilio.messages) == 1
    sms = fake_twilio.messages[0]
    assert (
        sms["Body"]
        == f"Dear Li Lei, CNY 1,234.56 is due on 2026-12-06 for loan ****{installment.loan.contract_number[-4:]}."
    )
    assert sms["StatusCallback"].endswith("/reminders/webhooks/sms-status/")
    reminder = Reminder.objects.get()
    assert reminder.status == Reminder.Status.SENT
    assert reminder.outbound_message.provider_id == sms["sid"]
    assert reminder.sent_at == NOW
    # and running the sender again sends nothing
    assert services.reminder_send(reminder_id=reminder.pk) == "done"
    assert len(fake_twilio.messages) == 1


@time_machine.travel(NOW, tick=False)
def test_voice_step_places_a_call_with_say_in_the_customers_language(fake_twilio):
    product = make_product(make_policy(steps=[(-3, "voice")]))
    make_installment(product=product, due_date=DUE, customer=make_customer(language="zh-hans", name="王芳"))
    planning.reminders_plan()
    run_all()
    assert len(fake_twilio.calls) == 1
    twiml = fake_twilio.calls[0]["Twiml"]
    assert twiml.startswith('<Response><Say language="zh-CN">王芳您好')
    assert Reminder.objects.get().status == Reminder.Status.SENT


@time_machine.travel(NOW, tick=False)
def test_transient_errors_retry_with_backoff_and_send_once(fake_twilio, sms_policy_product):
    make_installment(product=sms_policy_product, due_date=DUE)
    planning.reminders_plan()
    fake_twilio.fail_next(status=503)
    fake_twilio.fail_next(status=429)
    run_all()
    reminder = Reminder.objects.get()
    assert reminder.status == Reminder.Status.PLANNED
    assert reminder.hold_reason == Reminder.HoldReason.RETRY
    assert reminder.planned_for == NOW + timedelta(seconds=10)  # first backoff
    with time_machine.travel(NOW + timedelta(seconds=11), tick=False):
        run_all()
    reminder.refresh_from_db()
    assert reminder.planned_for == NOW + timedelta(seconds=11 + 20)  # second backoff
    with time_machine.travel(NOW + timedelta(minutes=5), tick=False):
        run_all()
    reminder.refresh_from_db()
    assert reminder.status == Reminder.Status.SENT
    assert reminder.attempts == 3
    assert len(fake_twilio.messages) == 1
    assert OutboundMessage.objects.count() == 1


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize(
    ("code", "reason"),
    [(21211, "invalid_number"), (21614, "not_mobile"), (21610, "unsubscribed")],
)
def test_permanent_error_fails_and_opens_a_contact_data_task(fake_twilio, sms_policy_product, code, reason):
    customer = make_customer(mobile="+8613900000001")
    make_installment(product=sms_policy_product, due_date=DUE, customer=customer)
    fake_twilio.fail_number("+8613900000001", code)
    planning.reminders_plan()
    run_all()
    reminder = Reminder.objects.get()
    assert reminder.status == Reminder.Status.FAILED
    assert reminder.outbound_message.error_code == str(code)
    task = ContactDataTask.objects.get()
    assert (task.customer, task.reason, task.number_masked) == (customer, reason, "139****0001")
    # no retry for a permanent refusal
    with time_machine.travel(NOW + timedelta(hours=1), tick=False):
        assert run_all() == 0
    assert len(fake_twilio.requests) == 1
    customer.refresh_from_db()
    assert customer.sms_opt_out is (code == 21610)


@time_machine.travel(NOW, tick=False)
def test_time_out_after_the_provider_created_the_message_is_not_sent_again(fake_twilio, sms_policy_product, settings):
    settings.TWILIO_HTTP_TIMEOUT = 0.3
    make_installment(product=sms_policy_product, due_date=DUE)
    planning.reminders_plan()
    fake_twilio.fail_next(created=True, delay=1.0)
    run_all()
    reminder = Reminder.objects.get()
    assert reminder.status == Reminder.Status.PLANNED  # unknown outcome: try again later, but look first
    assert reminder.outbound_message.provider_id is None
    with time_machine.travel(NOW + timedelta(minutes=1), tick=False):
        run_all()
    reminder.refresh_from_db()
    assert reminder.status == Reminder.Status.SENT
    assert reminder.outbound_message.provider_id == fake_twilio.messages[0]["sid"]
    assert len(fake_twilio.messages) == 1
    assert fake_twilio.lookups == 1


@time_machine.travel(NOW, tick=False)
def test_worker_killed_after_the_provider_answered_never_sends_twice(fake_twilio, sms_policy_product, settings):
    # given an attempt the provider accepted but whose answer was never stored (worker killed in between)
    make_installment(product=sms_policy_product, due_date=DUE)
    planning.reminders_plan()
    claimed = []
    planning.reminders_dispatch(enqueue=claimed.extend)
    backend = get_backend()
    real_send = backend.send_sms

    def send_then_die(**kwargs):
        real_send(**kwargs)
        raise KeyboardInterrupt("SIGKILL")

    backend.send_sms = send_then_die
    with pytest.raises(KeyboardInterrupt):
        services.reminder_send(reminder_id=claimed[0], backend=backend)
    reminder = Reminder.objects.get()
    assert reminder.status == Reminder.Status.SENDING
    # when a redelivered task comes at once, it leaves the in-flight attempt alone
    assert services.reminder_send(reminder_id=reminder.pk) == "in_flight"
    # and when the sweeper takes the row up after the stale time
    with time_machine.travel(NOW + timedelta(seconds=planning.stale_seconds() + 1), tick=False):
        assert planning.reminders_sweep(enqueue=lambda ids: [services.reminder_send(reminder_id=i) for i in ids]) == 1
    # then the provider's message is adopted, not sent again
    reminder.refresh_from_db()
    assert reminder.status == Reminder.Status.SENT
    assert len(fake_twilio.messages) == 1
    assert reminder.outbound_message.provider_id == fake_twilio.messages[0]["sid"]


@time_machine.travel(NOW, tick=False)
def test_batch_send_applies_the_same_rules_and_counts_its_own_attempts(fake_twilio, settings):
    # given one customer with four loans due (cap 3 a day), a paid installment and an SMS opt-out in one batch
    settings.REMINDER_MAX_CONTACTS_PER_CUSTOMER_PER_DAY = 3
    product = make_product(make_policy(steps=[(-3, "sms")]))
    busy = make_customer(name="Busy")
    for amount in ("100.00", "200.00", "300.00", "400.00"):
        make_installment(product=product, due_date=DUE, customer=busy, amount=Decimal(amount))
    paid = make_installment(product=product, due_date=DUE)
    make_installment(product=product, due_date=DUE, customer=make_customer(sms_opt_out=True))
    planning.reminders_plan()
    Installment.objects.filter(pk=paid.pk).update(status="paid")
    claimed = []
    planning.reminders_dispatch(enqueue=claimed.extend)
    # when the worker sends them as one batch, twice (a redelivered task)
    outcomes = services.reminders_send_many(reminder_ids=claimed)
    again = services.reminders_send_many(reminder_ids=claimed)
    # then the rules hold inside the batch and nothing goes twice
    assert sorted(outcomes) == ["sent", "sent", "sent", "skipped:cap", "skipped:opted_out", "skipped:paid"]
    assert again == ["done"] * 6
    assert len(fake_twilio.messages) == 3
    sids = set(OutboundMessage.objects.exclude(provider_id=None).values_list("provider_id", flat=True))
    assert sids == {m["sid"] for m in fake_twilio.messages}
