"""In a real Chromium: an SMS arrives, shows up in the open queue by itself, is claimed, answered, and met."""

import re

import pytest
from django.urls import reverse

from inquiries.models import Inquiry
from tests.conftest import browser_login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_sms_inquiry_appears_live_is_claimed_answered_and_meets_the_sla(
    page, live_server, fake_twilio, settings, agent
):
    # given the agent looking at the open queue, and Twilio signing for the live server's address
    settings.PUBLIC_BASE_URL = live_server.url
    browser_login(page, agent.username)
    page.goto(reverse("inquiries:queue"))
    page.get_by_text("No open inquiries").wait_for()

    # when a customer's SMS reaches the webhook, signed as Twilio would sign it
    status = fake_twilio.post_status_callback(
        live_server.url + reverse("inquiries:sms_webhook"),
        {"From": "+8613812340000", "To": "+15005550006", "Body": "我想问一下还款日期", "MessageSid": "SMbrowser1"},
    )
    assert status == 200
    inquiry = Inquiry.objects.get()

    # then within seconds, without a reload, the queue shows it with a running countdown
    claim = page.get_by_test_id(f"claim-{inquiry.reference}")
    claim.wait_for(timeout=12_000)
    row = page.locator(f'tr[data-inquiry="{inquiry.pk}"]')
    countdown = row.locator(".countdown")
    assert countdown.get_attribute("data-state") == "green"
    assert re.match(r"On time 9:\d\d", countdown.inner_text())

    # when the agent claims it and replies by SMS
    claim.click()
    page.wait_for_url(f"**{inquiry.get_absolute_url()}")
    page.locator("#id_body").fill("您好，您的还款日是每月15日。")
    page.get_by_test_id("send-reply").click()
    page.wait_for_load_state()

    # then the fake Twilio received the SMS, and the page shows the SLA met
    sent = fake_twilio.sent_to("+8613812340000")
    assert len(sent) == 1 and sent[0]["Body"] == "您好，您的还款日是每月15日。"
    assert page.locator('[data-testid="sla-box"] [data-sla="met"]').inner_text() == "SLA met"
    inquiry.refresh_from_db()
    assert inquiry.assigned_to == agent and inquiry.sla_met is True
