"""Working an inquiry: replies by channel, the SLA record, notes, escalation, resolution, supervisor upkeep."""

from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from aftersales.models import AuditEntry, Notification
from inquiries import portal, services
from inquiries.models import CannedReply, Inquiry, InquiryMessage
from messaging.models import OutboundMessage
from org.models import Department, StaffProfile
from staff.services import staff_duty_set
from tests.inquiries.factories import make_customer, make_inquiry

pytestmark = pytest.mark.django_db


def test_sms_reply_reaches_customer_and_records_sla_met(client_agent, agent):
    # given an SMS inquiry received 4 minutes ago
    inquiry = make_inquiry(channel="sms", phone="+8613811112222", minutes_ago=4)
    # when the agent replies by SMS
    response = client_agent.post(
        reverse("inquiries:reply", args=[inquiry.pk]), {"via": "sms", "body": "Your due date is the 15th."}
    )
    # then the SMS went out (outbox) for the inquiry, and the SLA is met
    assert response.status_code == 302
    outbound = OutboundMessage.objects.get()
    assert outbound.purpose == OutboundMessage.Purpose.INQUIRY_REPLY
    assert outbound.to_number == "+8613811112222"
    inquiry.refresh_from_db()
    assert inquiry.sla_met is True
    assert inquiry.first_responded_by == agent
    assert inquiry.assigned_to == agent  # replying to an unassigned inquiry takes it
    reply = inquiry.messages.get(kind="reply")
    assert reply.reached_customer and reply.outbound_message == outbound
    assert AuditEntry.objects.filter(action="inquiry_reply").count() == 1


def test_failed_sms_is_not_a_response(agent, settings):
    settings.MESSAGING_BACKEND = "tests.inquiries.failing_backend"
    inquiry = make_inquiry(channel="sms", minutes_ago=1)
    message = services.inquiry_reply(inquiry=inquiry, author=agent, body="hi", via="sms")
    inquiry.refresh_from_db()
    assert message.reached_customer is False
    assert inquiry.first_responded_at is None and inquiry.sla_met is None


def test_email_reply_carries_reference_and_threads(agent):
    # given an email inquiry
    received = services.inquiry_receive_email(
        subject="Certificate please",
        body="Send me a settlement certificate",
        from_email="kh@example.com",
        message_id="<abc@mail.example.com>",
    )
    inquiry = received.inquiry
    # when the agent replies by email
    services.inquiry_reply(inquiry=inquiry, author=agent, body="Attached.", via="email")
    # then the mail has the reference in the subject and answers the customer's mail
    sent = mail.outbox[0]
    assert f"[{inquiry.reference}]" in sent.subject
    assert sent.to == ["kh@example.com"]
    assert sent.extra_headers["In-Reply-To"] == "<abc@mail.example.com>"
    # and the customer's answer to our mail threads by In-Reply-To
    ours = inquiry.messages.get(kind="reply").email_message_id
    again = services.inquiry_receive_email(
        subject="Re: thanks", body="Thanks", from_email="kh@example.com", message_id="<def@x>", in_reply_to=[ours]
    )
    assert again.inquiry == inquiry and not again.created


def test_internal_note_is_not_a_response(client_agent):
    inquiry = make_inquiry(minutes_ago=1)
    client_agent.post(reverse("inquiries:note", args=[inquiry.pk]), {"note-body": "Customer sounded upset"})
    inquiry.refresh_from_db()
    assert inquiry.first_responded_at is None
    assert inquiry.messages.filter(kind="note").count() == 1


def test_callback_that_did_not_reach_the_customer_does_not_count(client_agent):
    inquiry = make_inquiry(minutes_ago=1)
    client_agent.post(reverse("inquiries:call_log", args=[inquiry.pk]), {"call-body": "No answer"})
    inquiry.refresh_from_db()
    assert inquiry.first_responded_at is None


def test_breach_is_recorded_once_and_never_rewritten(agent):
    # given an inquiry received 12 minutes ago, unanswered
    inquiry = make_inquiry(minutes_ago=12)
    # when the minute task runs: breached
    assert services.sla_breaches_mark() == 1
    assert services.sla_breaches_mark() == 0
    # and then the agent answers
    services.inquiry_call_log(inquiry=inquiry, author=agent, body="Called back", reached=True)
    inquiry.refresh_from_db()
    # then the late answer is recorded, the breach stays
    assert inquiry.first_responded_at is not None
    assert inquiry.sla_met is False


def test_late_first_response_without_the_task_is_a_breach(agent):
    inquiry = make_inquiry(minutes_ago=11)
    services.inquiry_call_log(inquiry=inquiry, author=agent, body="Called back", reached=True)
    inquiry.refresh_from_db()
    assert inquiry.sla_met is False


def test_second_response_does_not_move_the_first(agent):
    inquiry = make_inquiry(minutes_ago=3)
    services.inquiry_call_log(inquiry=inquiry, author=agent, body="one", reached=True)
    inquiry.refresh_from_db()
    first = inquiry.first_responded_at
    services.inquiry_call_log(inquiry=inquiry, author=agent, body="two", reached=True)
    inquiry.refresh_from_db()
    assert inquiry.first_responded_at == first and inquiry.sla_met is True


def test_escalation_with_holding_reply(client_agent, agent, legal_advisor):
    # given the legal department with a 48-hour deadline
    legal = Department.objects.create(code="legal", name="Legal", escalation_hours=48)
    inquiry = make_inquiry(channel="sms", minutes_ago=2)
    before = timezone.now()
    # when the agent escalates it with a holding reply by SMS
    response = client_agent.post(
        reverse("inquiries:escalate", args=[inquiry.pk]),
        {
            "escalate-department": legal.pk,
            "escalate-note": "Contract question",
            "escalate-holding_reply": "We will answer within 48h",
            "escalate-via": "sms",
        },
    )
    assert response.status_code == 302
    inquiry.refresh_from_db()
    # then it is escalated with the department's deadline, the customer got the holding reply (a first response)
    assert inquiry.status == Inquiry.Status.ESCALATED and inquiry.escalated_to == legal
    assert before + timedelta(hours=48) <= inquiry.escalation_due <= timezone.now() + timedelta(hours=48)
    assert OutboundMessage.objects.get().body == "We will answer within 48h"
    assert inquiry.sla_met is True
    assert Notification.objects.filter(recipient=legal_advisor).count() == 1
    assert AuditEntry.objects.filter(action="inquiry_escalate").count() == 1


def test_resolve_and_reopen(client_agent, agent):
    inquiry = make_inquiry(minutes_ago=2)
    response = client_agent.post(
        reverse("inquiries:resolve", args=[inquiry.pk]),
        {"resolve-category": "answered", "resolve-note": "Explained the fee"},
    )
    assert response.status_code == 302
    inquiry.refresh_from_db()
    assert inquiry.status == Inquiry.Status.RESOLVED
    assert inquiry.resolved_by == agent and inquiry.resolution_category == "answered"
    client_agent.post(reverse("inquiries:reopen", args=[inquiry.pk]), {"reopen-reason": "Customer called again"})
    inquiry.refresh_from_db()
    assert inquiry.status == Inquiry.Status.OPEN and inquiry.resolved_at is None
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert {"inquiry_resolve", "inquiry_reopen"} <= actions


def test_resolve_without_note_keeps_input(client_agent):
    inquiry = make_inquiry(minutes_ago=2)
    response = client_agent.post(reverse("inquiries:resolve", args=[inquiry.pk]), {"resolve-category": "answered"})
    assert response.status_code == 400
    inquiry.refresh_from_db()
    assert inquiry.status != Inquiry.Status.RESOLVED


def test_detail_page_shows_thread_in_order_and_canned_replies(client_agent, agent):
    CannedReply.objects.create(title="Greeting", body="您好！", language="zh-hans")
    CannedReply.objects.create(title="Hello", body="Hello!", language="en")
    inquiry = make_inquiry(minutes_ago=2, body="First question")
    services.inquiry_note_add(inquiry=inquiry, author=agent, body="Internal remark")
    services.inquiry_call_log(inquiry=inquiry, author=agent, body="Called the customer", reached=True)
    response = client_agent.get(inquiry.get_absolute_url())
    text = response.content.decode()
    assert text.index("First question") < text.index("Internal remark") < text.index("Called the customer")
    assert 'data-sla="met"' in text
    assert "Greeting" in text  # the inquiry's language (zh-hans, the default) picks the Chinese set


def test_supervisor_alert_two_minutes_before_breach_once(supervisor, agent):
    # given one inquiry 1 minute from breach, one 6 minutes from breach
    soon = make_inquiry(minutes_ago=9)
    make_inquiry(minutes_ago=4)
    # when the minute task runs twice
    assert services.sla_alerts_send() == 1
    assert services.sla_alerts_send() == 0
    # then the supervisor got one notification about the right inquiry
    note = Notification.objects.get(recipient=supervisor)
    assert soon.reference in note.message and note.link == soon.get_absolute_url()
    assert portal.header_counts(type("R", (), {"user": supervisor})())["inquiries_at_risk"] == 1


def test_off_duty_agents_lose_their_unanswered_inquiries(make_staff):
    # given an agent holding an unanswered and an answered inquiry, and another agent on duty
    leaving = make_staff("leaving", "agent", on_duty=True)
    staying = make_staff("staying", "agent", on_duty=True)
    unanswered = make_inquiry(minutes_ago=3)
    services.inquiry_claim(inquiry=unanswered, user=leaving)
    answered = make_inquiry(minutes_ago=3)
    services.inquiry_claim(inquiry=answered, user=leaving)
    services.inquiry_call_log(inquiry=answered, author=leaving, body="ok", reached=True)
    # when the agent goes off duty and the minute task runs
    staff_duty_set(profile=StaffProfile.objects.get(user=leaving), on_duty=False)
    assert services.off_duty_reassign() == 1
    # then the unanswered one moved to the on-duty agent, the answered one stayed
    unanswered.refresh_from_db()
    answered.refresh_from_db()
    assert unanswered.assigned_to == staying
    assert answered.assigned_to == leaving


def test_sla_watch_task_runs_all_three(supervisor):
    from inquiries.tasks import sla_watch

    make_inquiry(minutes_ago=15)
    make_inquiry(minutes_ago=9)
    sla_watch()
    assert Inquiry.objects.filter(sla_met=False).count() == 1
    assert Notification.objects.count() == 1


def test_supervisor_view_and_reassign(client_supervisor, supervisor, agent):
    breached = make_inquiry(minutes_ago=15)
    services.inquiry_claim(inquiry=breached, user=agent)
    make_inquiry(minutes_ago=8)  # at risk, unassigned
    make_inquiry(minutes_ago=1)  # fine: not listed
    response = client_supervisor.get(reverse("inquiries:supervisor"))
    rows = {(r.user.username if r.user else None): r for r in response.context["rows"]}
    assert [i.pk for i in rows[agent.username].breached] == [breached.pk]
    assert len(rows[None].at_risk) == 1
    response = client_supervisor.post(
        reverse("inquiries:reassign", args=[breached.pk]), {"agent": supervisor.pk, "next": "supervisor"}
    )
    assert response["Location"] == reverse("inquiries:supervisor")
    breached.refresh_from_db()
    assert breached.assigned_to == supervisor
    assert AuditEntry.objects.filter(action="inquiry_reassign").count() == 1


def test_customer_panel_and_timeline(rf, agent):
    customer = make_customer(mobile="+8613866667777")
    make_inquiry(customer=customer, phone="+8613866667777", minutes_ago=2)
    make_inquiry(customer=customer, phone="+8613866667777", minutes_ago=30)
    request = rf.get("/")
    request.user = agent
    panels = portal.customer_panels(request, customer)
    assert panels[0].count == 2 and len(panels[0].context["inquiries"]) == 2
    events = portal.customer_timeline(customer)
    assert len(events) == 2 and events[0].kind == "inquiry"


def test_customer_panel_renders(agent):
    from django.template.loader import render_to_string

    customer = make_customer()
    make_inquiry(customer=customer, minutes_ago=2)
    panel = portal.customer_panels(None, customer)[0]
    html = render_to_string(panel.template, panel.context)
    assert Inquiry.objects.get().reference in html


@time_machine.travel("2026-11-28 20:55:00+08:00", tick=False)
def test_service_hours_apply_to_new_inquiries(settings):
    settings.INQUIRY_SERVICE_HOURS = "08:00-21:00"
    inquiry = make_inquiry()
    assert timezone.localtime(inquiry.first_response_due).strftime("%Y-%m-%d %H:%M") == "2026-11-29 08:05"


def test_messages_without_customer_text_still_store(agent):
    inquiry, message = services.inquiry_create(channel="sms", body="", phone="+8613800000000")
    assert inquiry.subject == "(no text)" and message.kind == InquiryMessage.Kind.CUSTOMER


def test_leaders_see_a_banner_while_inquiries_are_at_risk(rf, supervisor, agent):
    request = rf.get("/")
    request.user = supervisor
    assert portal.banners(request) == []
    make_inquiry(minutes_ago=9)  # one minute left
    banner = portal.banners(request)[0]
    assert banner.level == "danger" and banner.link == reverse("inquiries:supervisor")
    assert banner.text.startswith("1 unanswered inquiry")
    request.user = agent
    assert portal.banners(request) == []


def test_thread_shows_attachments_and_reveal_only_where_they_exist(client_agent, agent, django_assert_max_num_queries):
    """Attachments are read only for the messages that have some; a masked message offers the reveal, others don't."""
    from django.core.files.base import ContentFile

    from inquiries.models import InquiryAttachment

    client_agent.get("/")  # the session and profile are warm: the page's own queries are counted below
    inquiry = make_inquiry(minutes_ago=1, body="Plain first question")
    plain = inquiry.messages.get()
    masked = InquiryMessage.objects.create(
        inquiry=inquiry,
        kind=plain.kind,
        channel=plain.channel,
        body="卡号 6222 **** **** 0000",
        body_full="卡号 6222 0000",
        created_at=timezone.now(),
    )
    url = inquiry.get_absolute_url()
    with django_assert_max_num_queries(40) as without_files:
        page = client_agent.get(url).content.decode()
    assert f'data-testid="pii-text-{masked.pk}"' in page  # the masked message is shown as masked text
    assert f'data-testid="pii-text-{plain.pk}"' not in page
    assert "📎" not in page
    attachment = InquiryAttachment(message=plain, original_name="合同.pdf", content_type="application/pdf", size=3)
    attachment.file.save("contract.pdf", ContentFile(b"pdf"), save=True)
    with django_assert_max_num_queries(len(without_files.captured_queries) + 1):
        page = client_agent.get(url).content.decode()
    assert page.count("📎") == 1 and "合同.pdf" in page


def test_canned_replies_are_cached_until_one_changes(client_agent, django_assert_max_num_queries):
    """The inquiry page reads the canned replies once; adding, editing or removing one shows at once."""
    from django.core.cache import cache

    from inquiries.selectors import CANNED_CACHE_KEY, canned_replies_for

    first = CannedReply.objects.create(title="问候", body="您好！", language="zh-hans", position=0)
    assert [r.title for r in canned_replies_for(language="zh-hans")] == ["问候"]
    assert cache.get(CANNED_CACHE_KEY) is not None
    with django_assert_max_num_queries(0):
        canned_replies_for(language="zh-hans")
    CannedReply.objects.create(title="致歉", body="抱歉让您久等。", language="zh-hans", position=1)
    assert [r.title for r in canned_replies_for(language="zh-hans")] == ["问候", "致歉"]
    first.title = "您好"
    first.save()
    assert [r.title for r in canned_replies_for(language="zh-hans")] == ["您好", "致歉"]
    first.delete()
    page = client_agent.get(make_inquiry(minutes_ago=1).get_absolute_url()).content.decode()
    assert "致歉" in page and "您好</" not in page
