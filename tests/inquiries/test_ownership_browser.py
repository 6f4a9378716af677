"""In a real Chromium (#15): an SMS at 22:30 for an off-duty agent's resolved inquiry is, next morning, in an on-duty
agent's queue with a running clock, and the side panel shows the customer's overdue loan."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from aftersales import permissions as roles
from complaints.selectors import customer_open_complaints
from inquiries import services
from inquiries.api import register_side_panel_complaints
from inquiries.models import Inquiry
from loans.jobs import overdue_run
from org.models import StaffProfile
from staff.services import staff_duty_set
from tests.conftest import browser_login
from tests.inquiries.factories import make_customer, make_inquiry
from tests.loans.factories import make_loan

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHANGHAI = ZoneInfo("Asia/Shanghai")
AFTERNOON = datetime(2026, 12, 1, 16, 0, tzinfo=SHANGHAI)
EVENING = datetime(2026, 12, 1, 22, 30, tzinfo=SHANGHAI)
MORNING = datetime(2026, 12, 2, 8, 2, tzinfo=SHANGHAI)
MOBILE = "+8613812347777"


def test_evening_sms_on_a_resolved_inquiry_waits_for_the_morning_agent_with_a_clock_and_the_overdue_loan(
    page, live_server, fake_twilio, settings, make_staff
):
    # given service hours 08:00-21:00, auto-assignment on, and the complaints source registered (complaints' ready())
    settings.INQUIRY_AUTO_ASSIGN = True
    settings.INQUIRY_SERVICE_HOURS = "08:00-21:00"
    settings.PUBLIC_BASE_URL = live_server.url
    register_side_panel_complaints(customer_open_complaints)
    # and, in the afternoon, a customer 30 days past due whose inquiry the day agent answered and resolved
    with time_machine.travel(AFTERNOON, tick=False):
        day_agent = make_staff("day_agent", roles.AGENT, on_duty=True)
        morning_agent = make_staff("morning_agent", roles.AGENT, on_duty=False)
        customer = make_customer(mobile=MOBILE, name="王晓明")
        loan = make_loan(customer=customer, disbursement_date=date(2026, 10, 1), first_due_date=date(2026, 11, 1))
        overdue_run(date(2026, 12, 1))
        inquiry = make_inquiry(customer=customer, phone=MOBILE, body="我的还款日是哪天？")
        assert inquiry.assigned_to == day_agent
        services.inquiry_call_log(inquiry=inquiry, author=day_agent, body="已告知还款日", reached=True)
        services.inquiry_resolve(inquiry=inquiry, actor=day_agent, category="answered", note="已告知")
        staff_duty_set(profile=StaffProfile.objects.get(user=day_agent), on_duty=False)

    # when at 22:30, with nobody on duty, the customer's SMS reaches the webhook
    with time_machine.travel(EVENING, tick=False):
        status = fake_twilio.post_status_callback(
            live_server.url + reverse("inquiries:sms_webhook"),
            {"From": MOBILE, "To": "+15005550006", "Body": "我已经还了一部分，还差多少？", "MessageSid": "SMnight1"},
        )
        assert status == 200
    # then the resolved inquiry is reopened, left with nobody, its clock due at 08:10 (service hours)
    inquiry.refresh_from_db()
    assert Inquiry.objects.count() == 1
    assert inquiry.status == Inquiry.Status.OPEN and inquiry.awaiting_agent and inquiry.assigned_to is None
    assert inquiry.next_response_due == datetime(2026, 12, 2, 8, 10, tzinfo=SHANGHAI)

    # when next morning the morning agent comes on duty and the minute sweeper runs
    with time_machine.travel(MORNING, tick=True):
        staff_duty_set(profile=StaffProfile.objects.get(user=morning_agent), on_duty=True)
        services.off_duty_reassign()
        inquiry.refresh_from_db()
        assert inquiry.assigned_to == morning_agent

        # then the morning agent's own queue shows it with the follow-up clock running (8 minutes left: green)
        page.clock.set_system_time(MORNING)
        browser_login(page, morning_agent.username)
        page.goto(reverse("inquiries:queue") + "?view=mine")
        row = page.locator(f'tr[data-inquiry="{inquiry.pk}"]')
        row.wait_for()
        assert row.locator('[data-clock="next"]').inner_text() == "Next answer"
        countdown = row.locator(".countdown")
        assert countdown.get_attribute("data-state") == "green"
        assert countdown.inner_text().startswith("On time 7:") or countdown.inner_text().startswith("On time 8:")
        assert "Customer wrote again" in row.inner_text()

        # and the inquiry page's side panel shows the overdue loan with its days past due and the 360 link
        row.locator(f'a:has-text("{inquiry.reference}")').click()
        page.wait_for_url(f"**{inquiry.get_absolute_url()}")
        panel = page.get_by_test_id("side-panel")
        loans = panel.get_by_test_id("side-loans")
        assert loan.contract_number in loans.inner_text()
        assert loans.get_by_test_id("dpd").inner_text() == "30 days overdue"
        assert panel.get_by_test_id("customer-360").get_attribute("href") == reverse(
            "customers:detail", args=[customer.pk]
        )
        assert page.get_by_test_id("next-response-due").inner_text() == "2026-12-02 08:10:00"
        page.screenshot(path="/tmp/own_browser_morning.png", full_page=True)
    assert datetime.now(SHANGHAI) - MORNING > timedelta(days=0)  # left the travelled clock
