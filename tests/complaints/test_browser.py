"""In a real Chromium: an agent converts an inquiry, a supervisor extends with a reason, the decision letter is
sent (outbox), the complaint closes, and the customer 360 page lists it."""

from datetime import timedelta

import pytest
from django.utils import timezone

from complaints.models import Complaint, ComplaintNotice, RootCause
from messaging.models import OutboundMessage
from tests.complaints.factories import make_customer
from tests.conftest import browser_login


def sign_in_as(page, username):
    page.context.clear_cookies()
    browser_login(page, username)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_inquiry_to_closed_complaint_in_the_browser(page, agent, supervisor, settings):
    from inquiries.models import Inquiry

    # the notices go out at once whatever the hour the suite runs (quiet hours held ones are tested elsewhere)
    settings.REMINDER_QUIET_START = settings.REMINDER_QUIET_END = "00:00"

    # given: a customer's hotline inquiry about a fee charged twice
    customer = make_customer(mobile="+8613912345678", language="en", name="Li Lei")
    inquiry = Inquiry.objects.create(
        reference="INQ-BROWSER-1",
        channel="hotline",
        subject="The service fee was charged twice in November",
        customer=customer,
        received_at=timezone.now() - timedelta(minutes=30),
        first_response_due=timezone.now() - timedelta(minutes=20),
    )
    RootCause.objects.create(code="fee-rule", name="Fee rule applied wrongly")
    page.on("dialog", lambda dialog: dialog.accept())

    # when: the agent converts the inquiry into a complaint and acknowledges it
    sign_in_as(page, agent.username)
    page.goto(f"/complaints/from-inquiry/{inquiry.pk}/")
    page.select_option("select[name=category]", "fees")
    page.click("[data-testid=convert-form] button[type=submit]")
    page.wait_for_url("**/edit/")
    page.click("form button[type=submit]:has-text('Save')")
    page.wait_for_selector("[data-testid=complaint-reference]")
    reference = page.inner_text("[data-testid=complaint-reference]")
    complaint = Complaint.objects.get(reference=reference)
    assert complaint.source_inquiry_id == inquiry.pk and complaint.customer_id == customer.pk
    page.click("button:has-text('Acknowledge and send the reference')")
    page.wait_for_selector(".alert-success")
    first_due = complaint.decision_due

    # and: the supervisor extends the deadline with a reason sent to the customer
    sign_in_as(page, supervisor.username)
    page.goto(f"/complaints/{complaint.pk}/")
    page.fill("[data-testid=extend-form] textarea[name=reason]", "We need the payment processor's records")
    page.click("[data-testid=extend-form] button[type=submit]")
    page.wait_for_selector(".alert-success:has-text('Deadline extended')")
    complaint.refresh_from_db()
    assert complaint.extension_level == 1 and complaint.decision_due > first_due

    # and: the agent investigates, decides, sends the decision letter and closes
    sign_in_as(page, agent.username)
    page.goto(f"/complaints/{complaint.pk}/")
    page.click("button:has-text('Start the investigation')")
    page.wait_for_selector("[data-testid=decision-form]")
    page.select_option("[data-testid=decision-form] select[name=root_cause]", label="Fee rule applied wrongly")
    page.select_option("[data-testid=decision-form] select[name=remedy]", "apology")
    page.fill(
        "[data-testid=decision-form] textarea[name=decision_text]",
        "The second fee was our mistake and has been reversed.",
    )
    page.click("[data-testid=decision-form] button[type=submit]")
    page.wait_for_selector("[data-testid=inform-form]")
    assert "has been reversed" in page.input_value("[data-testid=inform-form] textarea[name=body]")
    page.click("[data-testid=inform-form] button[type=submit]")
    page.wait_for_selector(".alert-success:has-text('Decision letter sent')")
    page.select_option("[data-testid=close-form] select[name=customer_satisfaction]", "5")
    page.click("[data-testid=close-form] button[type=submit]")
    page.wait_for_selector(".alert-success:has-text('closed')")

    # then: closed on time, the letters left through the outbox, a callback visit is scheduled
    complaint.refresh_from_db()
    assert complaint.status == "closed" and complaint.on_time is True and complaint.customer_satisfaction == 5
    kinds = list(ComplaintNotice.objects.filter(complaint=complaint, status="sent").values_list("kind", flat=True))
    assert kinds == ["acknowledgement", "extension", "decision"]
    letter = OutboundMessage.objects.filter(purpose="complaint", customer=customer).order_by("-id").first()
    assert "has been reversed" in letter.body
    assert complaint.callback_visits.count() == 1

    # and the customer 360 page lists the complaint
    page.goto(f"/customers/{customer.pk}/")
    panel = page.locator("[data-testid=customer-complaints]")
    assert reference in panel.inner_text()
    assert "Closed" in panel.inner_text()
