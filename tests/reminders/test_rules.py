"""Send-time rules with time frozen in Asia/Shanghai: quiet hours, paid before send, opt-outs, caps, templates."""

from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError

from messaging.models import OutboundMessage
from reminders import planning, services, templating
from reminders.models import TEMPLATE_PLACEHOLDERS, MessageTemplate, Reminder, ReminderStep
from reminders.services import caps
from tests.reminders.factories import NATIONAL_ID, make_customer, make_installment, make_policy, make_product

SH = ZoneInfo("Asia/Shanghai")
DUE = date(2026, 12, 6)
pytestmark = pytest.mark.django_db


def send_due():
    claimed = []
    planning.reminders_dispatch(enqueue=claimed.extend)
    return [services.reminder_send(reminder_id=i) for i in claimed]


@pytest.fixture
def product(db):
    return make_product(make_policy(steps=[(-3, "sms"), (-1, "voice")]))


# ---- quiet hours ----


@time_machine.travel(datetime(2026, 12, 3, 21, 30, tzinfo=SH), tick=False)
def test_planned_in_quiet_hours_waits_for_08_00(fake_twilio, product):
    # given the planner runs at 21:30 Shanghai time (quiet from 21:00 to 08:00)
    make_installment(product=product, due_date=DUE)
    planning.reminders_plan()
    reminder = Reminder.objects.get()
    # then the reminder is planned for 08:00 the next morning and nothing is sent tonight
    assert reminder.planned_for == datetime(2026, 12, 4, 8, 0, tzinfo=SH)
    assert reminder.hold_reason == Reminder.HoldReason.QUIET_HOURS
    assert send_due() == []
    with time_machine.travel(datetime(2026, 12, 4, 7, 59, tzinfo=SH), tick=False):
        assert send_due() == []
    with time_machine.travel(datetime(2026, 12, 4, 8, 0, tzinfo=SH), tick=False):
        assert send_due() == ["sent"]
    assert len(fake_twilio.messages) == 1


def test_a_row_reaching_the_worker_in_quiet_hours_is_held_not_sent(fake_twilio, product):
    with time_machine.travel(datetime(2026, 12, 3, 20, 59, tzinfo=SH), tick=False):
        make_installment(product=product, due_date=DUE)
        planning.reminders_plan()
        claimed = []
        planning.reminders_dispatch(enqueue=claimed.extend)
    # the worker only gets to it at 21:00 (queue backlog)
    with time_machine.travel(datetime(2026, 12, 3, 21, 0, tzinfo=SH), tick=False):
        assert services.reminder_send(reminder_id=claimed[0]) == "held:quiet_hours"
    reminder = Reminder.objects.get()
    assert (reminder.status, reminder.planned_for) == ("planned", datetime(2026, 12, 4, 8, 0, tzinfo=SH))
    assert fake_twilio.requests == []


@pytest.mark.parametrize(
    ("local", "quiet"),
    [((7, 59), True), ((8, 0), False), ((20, 59), False), ((21, 0), True), ((0, 0), True), ((12, 0), False)],
)
def test_quiet_hours_boundaries(local, quiet):
    from reminders import rules

    assert rules.is_quiet(datetime(2026, 12, 3, *local, tzinfo=SH)) is quiet


# ---- paid before send ----


@time_machine.travel(datetime(2026, 12, 3, 10, 0, tzinfo=SH), tick=False)
def test_installment_paid_between_planning_and_sending_is_skipped(fake_twilio, product):
    from loans.models import Installment

    installment = make_installment(product=product, due_date=DUE)
    planning.reminders_plan()
    Installment.objects.filter(pk=installment.pk).update(status="paid", principal_paid=installment.principal_due)
    assert send_due() == ["skipped:paid"]
    reminder = Reminder.objects.get()
    assert (reminder.status, reminder.skip_reason) == ("skipped", "paid")
    assert fake_twilio.requests == []


@time_machine.travel(datetime(2026, 12, 3, 10, 0, tzinfo=SH), tick=False)
def test_paid_installments_are_not_planned(product):
    make_installment(product=product, due_date=DUE, status="paid")
    assert planning.reminders_plan() == 0


# ---- opt-outs and language ----


@time_machine.travel(datetime(2026, 12, 5, 10, 0, tzinfo=SH), tick=False)
def test_voice_opt_out_skips_the_call(fake_twilio):
    product = make_product(make_policy(steps=[(-1, "voice")]))
    make_installment(product=product, due_date=DUE, customer=make_customer(voice_opt_out=True))
    planning.reminders_plan()  # T−1 voice today
    assert send_due() == ["skipped:opted_out"]
    assert fake_twilio.calls == []


@time_machine.travel(datetime(2026, 12, 3, 10, 0, tzinfo=SH), tick=False)
def test_sms_opt_out_skips_the_sms_and_language_picks_the_template(fake_twilio, product):
    make_installment(product=product, due_date=DUE, customer=make_customer(sms_opt_out=True))
    make_installment(product=product, due_date=DUE, customer=make_customer(language="zh-hans", name="张伟"))
    planning.reminders_plan()
    assert sorted(send_due()) == ["sent", "skipped:opted_out"]
    assert len(fake_twilio.messages) == 1
    assert fake_twilio.messages[0]["Body"].startswith("张伟您好")


@time_machine.travel(datetime(2026, 12, 3, 10, 0, tzinfo=SH), tick=False)
def test_stop_reply_opts_the_customer_out_of_sms(fake_twilio, product):
    customer = make_customer(mobile="+8613812345678")
    make_installment(product=product, due_date=DUE, customer=customer)
    assert services.handle_inbound_stop("13812345678", " stop ") is True
    assert services.handle_inbound_stop("+8613812345678", "退订") is True
    assert services.handle_inbound_stop("+8613812345678", "When is my payment due?") is False
    customer.refresh_from_db()
    assert customer.sms_opt_out is True
    planning.reminders_plan()
    assert send_due() == ["skipped:opted_out"]


# ---- frequency caps ----


@time_machine.travel(datetime(2026, 12, 3, 10, 0, tzinfo=SH), tick=False)
def test_at_most_three_contacts_per_customer_per_day_across_loans(fake_twilio, settings):
    settings.REMINDER_MAX_CONTACTS_PER_CUSTOMER_PER_DAY = 3
    product = make_product(make_policy(steps=[(-3, "sms")]))
    customer = make_customer()
    for amount in ("100.00", "200.00", "300.00", "400.00"):  # four loans, different texts
        make_installment(product=product, due_date=DUE, customer=customer, amount=Decimal(amount))
    planning.reminders_plan()
    outcomes = send_due()
    assert sorted(outcomes) == ["sent", "sent", "sent", "skipped:cap"]
    assert len(fake_twilio.messages) == 3
    # the next local day the count starts again
    with time_machine.travel(datetime(2026, 12, 4, 0, 0, tzinfo=SH), tick=False):
        assert (
            caps._cap_reached(
                customer=customer, to_hash="x", body_hash="y", channel="sms", exclude_pk=None, now=datetime.now(tz=SH)
            )
            is False
        )


@time_machine.travel(datetime(2026, 12, 3, 10, 0, tzinfo=SH), tick=False)
def test_never_the_same_text_to_the_same_number_more_than_twice_in_24_hours(fake_twilio, settings):
    settings.REMINDER_MAX_CONTACTS_PER_CUSTOMER_PER_DAY = 10
    product = make_product(make_policy(steps=[(-3, "sms")]))
    customer = make_customer(name="Same")
    # the same installment sent by hand three times: identical text
    installment = make_installment(product=product, due_date=DUE, customer=customer)
    results = [services.reminder_send_now(installment=installment, channel="sms", actor=None).status for _ in range(3)]
    assert results == ["sent", "sent", "skipped"]
    assert len(fake_twilio.messages) == 2
    # 24 hours after the first one, the same text may go again
    with time_machine.travel(datetime(2026, 12, 4, 10, 0, 1, tzinfo=SH), tick=False):
        assert services.reminder_send_now(installment=installment, channel="sms", actor=None).status == "sent"


@time_machine.travel(datetime(2026, 12, 3, 10, 0, tzinfo=SH), tick=False)
def test_at_most_six_calls_per_number_per_day(fake_twilio, settings):
    settings.REMINDER_MAX_CONTACTS_PER_CUSTOMER_PER_DAY = 100
    settings.REMINDER_MAX_SAME_TEXT_PER_24H = 100
    customer = make_customer()
    installment = make_installment(due_date=DUE, customer=customer)
    statuses = [
        services.reminder_send_now(installment=installment, channel="voice", actor=None).status for _ in range(7)
    ]
    assert statuses == ["sent"] * 6 + ["skipped"]
    assert len(fake_twilio.calls) == 6


# ---- templates never show an ID or account number ----


def test_template_placeholders_outside_the_allow_list_are_refused():
    for body in ["{national_id}", "{customer.national_id}", "{bank_card}", "{{ customer.national_id }}", "{amount_due"]:
        with pytest.raises(ValidationError):
            templating.validate_template_body(body)
    with pytest.raises(ValidationError):
        templating.validate_template_body("Your card 6222020200112233445")
    templating.validate_template_body("{customer_name} {amount_due} {due_date} {loan_number} {days}")


@time_machine.travel(datetime(2026, 12, 3, 10, 0, tzinfo=SH), tick=False)
def test_no_template_can_render_an_id_or_account_number(product):
    customer = make_customer()
    installment = make_installment(product=product, due_date=DUE, customer=customer)
    context = templating.context_for_installment(installment, -3)
    # the render context holds exactly the allowed names, and none of their values is PII
    assert set(context) == set(TEMPLATE_PLACEHOLDERS)
    everything = "".join("{" + name + "}" for name in TEMPLATE_PLACEHOLDERS)
    text = templating.render_body(everything + "{national_id}{bank_card}{mobile}", context)
    for secret in (customer.national_id, customer.bank_card, customer.mobile, installment.loan.contract_number):
        assert secret not in text
    assert installment.loan.contract_number_masked in text
    assert NATIONAL_ID not in text
    # and every stored template validates
    for template in MessageTemplate.objects.all():
        template.full_clean()


@time_machine.travel(datetime(2026, 12, 3, 10, 0, tzinfo=SH), tick=False)
def test_sent_reminders_and_outbox_rows_never_hold_the_full_id_or_card(product):
    customer = make_customer()
    make_installment(product=product, due_date=DUE, customer=customer)
    planning.reminders_plan()
    send_due()
    message = OutboundMessage.objects.get()
    assert customer.national_id not in message.body and customer.bank_card not in message.body
    assert message.to_masked == customer.mobile_masked


# ---- exactly once per (installment, step, channel) ----


@time_machine.travel(datetime(2026, 12, 3, 10, 0, tzinfo=SH), tick=False)
def test_planner_catches_up_missed_days_but_plans_each_step_once(product):
    # given the policy T−3 SMS, T−1 voice, in place for weeks (the planner missed the last two days), today 2026-12-03
    ReminderStep.objects.update(created_at=datetime(2026, 11, 1, 9, 0, tzinfo=SH))
    make_installment(product=product, due_date=DUE)  # T−3 today
    make_installment(product=product, due_date=DUE - timedelta(days=2))  # T−3 two days ago (caught up), T−1 today
    make_installment(product=product, due_date=DUE - timedelta(days=3))  # T−3 too old; T−1 yesterday: caught up
    # then four rows are planned, once
    assert planning.reminders_plan() == 4
    assert planning.reminders_plan() == 0
    assert sorted(Reminder.objects.values_list("channel", flat=True)) == ["sms", "sms", "voice", "voice"]
