"""The reminder pages: dashboard figures, outbox (masked), contact-data tasks, loan list and send now, 360 panel."""

from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from aftersales.models import AuditEntry
from messaging import selectors as messaging_selectors
from messaging.api import sms_send
from messaging.models import OutboundMessage
from reminders import planning, portal, selectors, services
from reminders.models import ContactDataTask, Reminder
from tests.reminders.factories import make_customer, make_installment, make_policy, make_product

SH = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 12, 3, 10, 0, tzinfo=SH)
pytestmark = pytest.mark.django_db


def send_all():
    claimed = []
    planning.reminders_dispatch(enqueue=claimed.extend)
    for reminder_id in claimed:
        services.reminder_send(reminder_id=reminder_id)


@pytest.fixture
def history(db):
    """Two SMS and one call sent on 2026-12-03 (outbox backend), one refused number, prices reported."""
    product = make_product(make_policy(steps=[(-3, "sms"), (-3, "voice")]))
    with time_machine.travel(NOW, tick=False):
        for _ in range(2):
            make_installment(product=product, due_date=date(2026, 12, 6))
        planning.reminders_plan()
        send_all()
    OutboundMessage.objects.filter(channel="sms").update(price=Decimal("0.0415"), price_unit="USD")
    OutboundMessage.objects.filter(channel="voice").update(price=Decimal("0.0930"), price_unit="USD")
    failed = Reminder.objects.filter(channel="voice").first()
    Reminder.objects.filter(pk=failed.pk).update(status="failed")
    ContactDataTask.objects.create(customer=failed.customer, reason="invalid_number", number_masked="138****0002")
    return product


def test_daily_figures_and_costs(history):
    with time_machine.travel(NOW, tick=False):  # an inquiry reply through the outbox: no price
        sms_send(to="+8613800000001", body="reply", purpose="inquiry_reply")
    with time_machine.travel(NOW + timedelta(hours=1), tick=False):
        rows = selectors.reminder_daily_figures(days=2)
        costs = messaging_selectors.cost_by_channel_and_month()  # the dashboard's cost table
    today = {row["channel"]: row for row in rows if row["day"] == date(2026, 12, 3)}
    assert (today["sms"]["planned"], today["sms"]["sent"], today["sms"]["delivered"], today["sms"]["failed"]) == (
        2,
        2,
        2,
        0,
    )
    assert (today["voice"]["planned"], today["voice"]["delivered"], today["voice"]["failed"]) == (2, 1, 1)
    by_channel = {row["channel"]: row for row in costs}
    assert len(costs) == 2  # one row per month and channel, priced or not
    assert (by_channel["sms"]["messages"], by_channel["sms"]["unit"]) == (3, "USD")
    assert by_channel["sms"]["cost"] == Decimal("0.0830")
    assert by_channel["voice"]["cost"] == Decimal("0.1860")
    assert by_channel["voice"]["average"] == Decimal("0.0930")


def test_dashboard_for_a_manager(history, client, manager, django_assert_max_num_queries):
    with time_machine.travel(NOW + timedelta(hours=1), tick=False):
        client.force_login(manager)  # the session's idle expiry follows the frozen clock
        with django_assert_max_num_queries(30):  # 10 for the figures, the rest is the layout
            response = client.get(reverse("reminders:dashboard"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Cost per channel and month" in body and "0.19 USD" in body and "138****0002" in body


def test_outbox_lists_masked_numbers_only(history, client_manager, django_assert_max_num_queries):
    customer = Reminder.objects.first().customer
    with django_assert_max_num_queries(22):  # 2 for the list, the rest is the layout
        response = client_manager.get(reverse("reminders:outbox"), {"channel": "sms"})
    body = response.content.decode()
    assert response.status_code == 200
    assert customer.mobile_masked in body
    assert customer.mobile[3:] not in body
    assert body.count('class="pii-masked') == 2


def test_agent_closes_a_contact_data_task(history, client_agent, agent):
    task = ContactDataTask.objects.get()
    response = client_agent.post(reverse("reminders:contact_task_resolve", args=[task.pk]), {"note": "new number"})
    assert response.status_code == 302
    task.refresh_from_db()
    assert (task.status, task.resolved_by, task.note) == ("done", agent, "new number")
    assert AuditEntry.objects.filter(action="contact_task_resolve").count() == 1


@time_machine.travel(NOW, tick=False)
def test_agent_sends_a_reminder_now_and_it_is_audit_logged(client_agent, agent):
    client_agent.force_login(agent)
    installment = make_installment(due_date=date(2026, 12, 6), customer=make_customer(name="Zhao"))
    response = client_agent.post(reverse("reminders:send_now", args=[installment.pk]), {"channel": "sms"}, follow=True)
    assert response.status_code == 200
    reminder = Reminder.objects.get()
    assert (reminder.status, reminder.requested_by, reminder.step) == ("delivered", agent, None)
    entry = AuditEntry.objects.get(action="reminder_send_now")
    assert entry.actor == agent and entry.changes["channel"] == "sms"
    assert "Reminder sent" in response.content.decode()
    assert "by hand (agent_a)" in response.content.decode()


@time_machine.travel(datetime(2026, 12, 3, 22, 0, tzinfo=SH), tick=False)
def test_send_now_in_quiet_hours_is_held_until_morning(client, agent):
    # Signed in inside the travelled clock: a session stamped at the real time would look idle (or not) by the wall clock.
    client.force_login(agent)
    installment = make_installment(due_date=date(2026, 12, 6))
    response = client.post(reverse("reminders:send_now", args=[installment.pk]), {"channel": "voice"}, follow=True)
    reminder = Reminder.objects.get()
    assert (reminder.status, reminder.planned_for) == ("planned", datetime(2026, 12, 4, 8, 0, tzinfo=SH))
    assert "will be sent at 2026-12-04 08:00" in response.content.decode()
    assert OutboundMessage.objects.count() == 0


def test_customer_panel_and_loan_list_run_bounded_queries(history, rf, agent, django_assert_max_num_queries):
    customer = Reminder.objects.first().customer
    request = rf.get("/")
    request.user = agent
    with django_assert_max_num_queries(4):
        panels = portal.customer_panels(request, customer)
    assert panels[0].count == 2 and len(panels[0].context["open_tasks"]) == 1
    with django_assert_max_num_queries(1):
        events = portal.customer_timeline(customer)
    assert len(events) == 2
    loan = Reminder.objects.first().loan
    with django_assert_max_num_queries(1):
        assert len(portal.loan_reminders(loan)) == 2


def test_loan_reminders_page(history, client_agent):
    loan = Reminder.objects.first().loan
    response = client_agent.get(reverse("reminders:loan_reminders", args=[loan.pk]))
    assert response.status_code == 200
    assert 'data-testid="send-now"' in response.content.decode()
