"""Complaint pages: the list (query count, order, due filters), intake, conversion, the lifecycle, roles."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from aftersales.models import AuditEntry
from complaints.models import CallbackVisit, Complaint, ComplaintNotice
from complaints.services import deadlines_for
from messaging.models import OutboundMessage
from tests.complaints.factories import make_complaint, make_customer, make_product

pytestmark = pytest.mark.django_db


def bulk_complaints(n: int, customer, product):
    now = timezone.now()
    due = deadlines_for(now)
    Complaint.objects.bulk_create(
        [
            Complaint(
                reference=f"TSBULK-{i:05d}",
                source="regulator" if i % 7 == 0 else "hotline",
                category="fees",
                severity="high" if i % 5 == 0 else "medium",
                status="received" if i % 2 else "investigating",
                customer=customer,
                product=product,
                summary=f"Complaint {i}",
                received_at=now - timedelta(hours=i % 48),
                **due,
            )
            for i in range(n)
        ]
    )


def list_queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_complaint_list_runs_the_same_queries_for_10_and_1000_complaints(client_agent, settings):
    settings.COMPLAINT_MASS_THRESHOLD = 10_000
    customer, product = make_customer(), make_product()
    bulk_complaints(10, customer, product)
    url = reverse("complaints:list")
    client_agent.get(url)  # warm session and caches
    small = list_queries(client_agent, url)
    Complaint.objects.all().delete()
    bulk_complaints(1000, customer, product)
    large = list_queries(client_agent, url)
    assert small == large
    assert large <= 15


def test_list_puts_regulator_referrals_then_high_severity_first(client_agent):
    now = timezone.now()
    normal = make_complaint(received_at=now - timedelta(days=3), category="other")
    high = make_complaint(received_at=now - timedelta(days=1), category="privacy", severity="high")
    regulator = make_complaint(received_at=now, category="fees", source="regulator")
    page = client_agent.get(reverse("complaints:list")).context["page"]
    assert [c.pk for c in page.object_list] == [regulator.pk, high.pk, normal.pk]
    assert regulator.severity == "high"  # regulator referrals are always high


def test_due_filters_show_due_today_and_overdue(client_agent):
    now = timezone.now()
    overdue = make_complaint(received_at=now - timedelta(days=20), category="other")
    overdue.status = "investigating"
    overdue.save()
    fresh = make_complaint(received_at=now, category="fees")
    ids = {c.pk for c in client_agent.get(reverse("complaints:list") + "?due=overdue").context["page"].object_list}
    assert ids == {overdue.pk}
    counts = client_agent.get(reverse("complaints:list")).context["counts"]
    assert counts["overdue"] == 1
    assert fresh.pk not in ids


def test_agent_records_a_complaint_and_is_told_the_reference(client_agent, agent):
    customer = make_customer()
    response = client_agent.post(
        reverse("complaints:new"),
        {
            "source": "in_person",
            "category": "service_attitude",
            "severity": "medium",
            "summary": "Rude at the branch",
            "customer_number": customer.customer_number,
            "reply_channel": "sms",
            "language": "en",
        },
        follow=True,
    )
    complaint = Complaint.objects.get()
    assert complaint.customer == customer and complaint.assigned_to == agent
    assert complaint.reference in response.content.decode()
    assert AuditEntry.objects.filter(action="complaint_create", object_id=str(complaint.pk)).exists()


def test_convert_inquiry_keeps_the_link_and_is_idempotent(client_agent):
    from inquiries.models import Inquiry

    customer = make_customer()
    inquiry = Inquiry.objects.create(
        reference="INQ-0001",
        channel="hotline",
        subject="You charged me twice",
        customer=customer,
        received_at=timezone.now() - timedelta(hours=2),
        first_response_due=timezone.now(),
    )
    url = reverse("complaints:convert_inquiry", args=[inquiry.pk])
    response = client_agent.post(url, {"category": "fees", "severity": "high"})
    complaint = Complaint.objects.get()
    assert response.status_code == 302
    assert complaint.source_inquiry == inquiry and complaint.customer == customer
    assert complaint.category == "fees" and complaint.source == "hotline"
    assert complaint.received_at == inquiry.received_at  # deadlines run from the customer's first contact
    client_agent.post(url)
    assert Complaint.objects.count() == 1


def test_convert_inquiry_cannot_be_deleted_or_put(client_agent):
    assert client_agent.delete(reverse("complaints:convert_inquiry", args=[1])).status_code == 405


def test_full_lifecycle_with_notices_callback_and_audit(client_agent, agent, supervisor, make_staff):
    from org.models import StaffProfile, Team

    team = Team.objects.create(
        name="热线三组",
        department=StaffProfile.objects.get(user=supervisor).department or _dept(),
        supervisor=supervisor,
    )
    StaffProfile.objects.filter(user=agent).update(team=team)
    customer = make_customer(mobile="+8613900001111", language="en")
    complaint = make_complaint(customer=customer, category="fees", assigned_to=agent)
    detail = reverse("complaints:detail", args=[complaint.pk])
    client_agent.post(reverse("complaints:acknowledge", args=[complaint.pk]))
    client_agent.post(reverse("complaints:investigate", args=[complaint.pk]))
    client_agent.post(reverse("complaints:note_add", args=[complaint.pk]), {"body": "Checked the ledger"})
    client_agent.post(
        reverse("complaints:decide", args=[complaint.pk]),
        {
            "remedy": "apology",
            "decision_text": "The second fee was our error; it is reversed.",
            "responsible_staff": agent.pk,
        },
    )
    page = client_agent.get(detail)
    assert "The second fee was our error" in page.context["inform_form"].initial["body"]
    client_agent.post(
        reverse("complaints:inform", args=[complaint.pk]),
        {"channel": "sms", "body": page.context["inform_form"].initial["body"]},
    )
    client_agent.post(reverse("complaints:close", args=[complaint.pk]), {"customer_satisfaction": "4"})
    complaint.refresh_from_db()
    assert complaint.status == "closed" and complaint.customer_satisfaction == 4 and complaint.on_time is True
    assert complaint.responsible_staff == agent
    kinds = list(ComplaintNotice.objects.filter(complaint=complaint).values_list("kind", flat=True))
    assert kinds == ["acknowledgement", "decision"]
    assert OutboundMessage.objects.filter(purpose="complaint", customer=customer).count() == 2
    visit = CallbackVisit.objects.get(complaint=complaint)
    assert visit.assigned_to == supervisor and visit.scheduled_for > timezone.localdate()
    actions = set(
        AuditEntry.objects.filter(object_id=str(complaint.pk), object_type="complaints.complaint").values_list(
            "action", flat=True
        )
    )
    assert {
        "complaint_create",
        "complaint_acknowledge",
        "complaint_investigate",
        "complaint_decide",
        "complaint_inform",
        "complaint_close",
    } <= actions


def _dept():
    from org.models import Department

    return Department.objects.create(code="svc", name="Service")


def test_reopen_when_the_customer_disagrees(client_agent, agent):
    complaint = make_complaint()
    from complaints import services

    services.complaint_acknowledge(complaint=complaint, actor=agent)
    services.complaint_decide(complaint=complaint, actor=agent, decision_text="No error found", remedy="none")
    services.complaint_inform(complaint=complaint, actor=agent)
    client_agent.post(reverse("complaints:reopen", args=[complaint.pk]), {"reason": "Customer has a bank statement"})
    complaint.refresh_from_db()
    assert complaint.status == "reopened"


def test_agent_cannot_extend_but_supervisor_and_manager_can(client, agent, supervisor, manager):
    complaint = make_complaint()
    url = reverse("complaints:extend", args=[complaint.pk])
    client.force_login(agent)
    assert client.post(url, {"reason": "x"}).status_code == 403
    client.force_login(supervisor)
    client.post(url, {"reason": "Waiting for the collection agency's recordings"})
    complaint.refresh_from_db()
    assert complaint.extension_level == 1
    # the supervisor cannot give the second extension: the page says so and nothing changes
    response = client.post(url, {"reason": "More"})
    assert response.status_code == 403
    client.force_login(manager)
    client.post(url, {"reason": "Especially complex: external audit"})
    complaint.refresh_from_db()
    assert complaint.extension_level == 2
    assert ComplaintNotice.objects.filter(complaint=complaint, kind="extension").count() == 2


def test_extend_without_reason_keeps_the_page_and_says_why(client_supervisor):
    complaint = make_complaint()
    response = client_supervisor.post(reverse("complaints:extend", args=[complaint.pk]), {"reason": ""})
    assert response.status_code == 200
    assert response.context["extend_form"].errors


def test_escalation_puts_the_complaint_in_the_legal_queue(client_agent, legal_advisor, client):
    complaint = make_complaint()
    client_agent.post(
        reverse("complaints:escalate_legal", args=[complaint.pk]),
        {"legal_advisor": legal_advisor.pk, "note": "Threat to sue"},
    )
    client.force_login(legal_advisor)
    queue = client.get(reverse("complaints:legal_queue"))
    assert [c.pk for c in queue.context["page"].object_list] == [complaint.pk]
    assert legal_advisor.notifications.count() == 1


def test_public_form_records_a_complaint_and_rate_limits(client, settings):
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "public-form"}
    }
    data = {
        "contact_name": "李雷",
        "contact_phone": "138 0013 8000",
        "category": "reminder_frequency",
        "summary": "Too many reminder calls",
        "description": "Five calls a day",
        "website": "",
    }
    response = client.post(reverse("complaints:public_new"), data)
    complaint = Complaint.objects.get()
    assert complaint.reference in response.content.decode()
    assert complaint.source == "online" and complaint.contact_phone == "+8613800138000"
    # a bot filling the honeypot is thanked but nothing is recorded
    client.post(reverse("complaints:public_new"), {**data, "website": "http://spam"})
    assert Complaint.objects.count() == 1
    for _ in range(5):
        last = client.post(reverse("complaints:public_new"), data)
    assert last.status_code == 429


def test_customer_panel_and_timeline_list_the_customers_complaints(rf, agent, django_assert_max_num_queries):
    from complaints.portal import customer_panels, customer_timeline

    customer = make_customer()
    for _ in range(3):
        make_complaint(customer=customer, category="other")
    make_complaint(category="other")  # someone else's
    request = rf.get("/")
    request.user = agent
    with django_assert_max_num_queries(2):
        panel = customer_panels(request, customer)[0]
    assert panel.count == 3
    with django_assert_max_num_queries(1):
        assert len(customer_timeline(customer)) == 3


def test_edit_links_the_loan_given_later(client_agent):
    from datetime import date

    from tests.reminders.factories import make_installment

    loan = make_installment(due_date=date(2026, 12, 15)).loan
    complaint = make_complaint(customer=loan.customer, category="fees")
    response = client_agent.post(
        reverse("complaints:edit", args=[complaint.pk]),
        {
            "category": "fees",
            "severity": "medium",
            "summary": complaint.summary,
            "loan_contract": loan.contract_number,
            "reply_channel": "sms",
            "language": "en",
        },
    )
    assert response.status_code == 302
    complaint.refresh_from_db()
    assert complaint.loan == loan and complaint.product_id == loan.product_id


def test_convert_page_asks_for_category_and_severity(client_agent):
    from inquiries.models import Inquiry

    inquiry = Inquiry.objects.create(
        reference="INQ-0002",
        channel="email",
        subject="Privacy",
        received_at=timezone.now(),
        first_response_due=timezone.now(),
    )
    response = client_agent.get(reverse("complaints:convert_inquiry", args=[inquiry.pk]))
    assert response.status_code == 200
    assert 'name="category"' in response.content.decode()
    assert Complaint.objects.count() == 0
