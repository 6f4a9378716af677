"""The public chat pages and what becomes of a chat: no agent on duty, the customer leaving, outside service hours."""

from __future__ import annotations

import re
import secrets
from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from inquiries.models import Inquiry, InquiryMessage
from livechat import services
from livechat.models import ChatSession
from messaging.models import OutboundMessage
from tests.livechat.factories import make_chat

pytestmark = pytest.mark.django_db

FORM = {"name": "王小明", "mobile": "138 0013 8000", "topic": "fees", "text": "为什么多扣了一笔服务费？"}


def _code(text: str) -> str:
    return re.search(r"(?<!\d)(\d{6})(?!\d)", text).group(1)


@pytest.fixture(autouse=True)
def _no_quiet_hours(settings):
    settings.REMINDER_QUIET_START = settings.REMINDER_QUIET_END = "00:00"


def test_starting_a_chat_opens_a_chat_inquiry_due_in_60_seconds(client, agent):
    # given an agent on duty
    # when a customer starts a chat
    response = client.post(reverse("livechat:start"), FORM)
    # then the answer is the chat window, carrying the token
    session = ChatSession.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/chat/{session.token}/"
    inquiry = session.inquiry
    assert (inquiry.channel, inquiry.category, inquiry.contact_name) == ("chat", "fees", "王小明")
    assert inquiry.contact_phone == "+8613800138000" and session.mobile_masked == "138****8000"
    assert (inquiry.first_response_due - inquiry.received_at) == timedelta(seconds=60)
    assert session.state == "waiting" and len(session.token) >= 40
    assert list(inquiry.messages.values_list("kind", "channel", "body")) == [("customer", "chat", FORM["text"])]
    # and the window opens for that token only
    assert client.get(f"/chat/{session.token}/").status_code == 200
    assert client.get("/chat/not-a-real-token/").status_code == 404


def test_the_sla_rule_for_chat_follows_its_setting(client, agent, settings):
    settings.LIVECHAT_FIRST_RESPONSE_SECONDS = 30
    client.post(reverse("livechat:start"), FORM)
    inquiry = Inquiry.objects.get()
    assert (inquiry.first_response_due - inquiry.received_at) == timedelta(seconds=30)


def test_with_no_agent_on_duty_the_chat_becomes_an_sms_inquiry(client, make_staff):
    # given only an agent who is off duty
    off = make_staff("off_duty", "agent", on_duty=False)
    # when a customer starts a chat
    client.post(reverse("livechat:start"), FORM)
    # then the chat is left at once, with the ordinary 10-minute rule, and the window says so
    session = ChatSession.objects.get()
    inquiry = session.inquiry
    assert session.state == "abandoned"
    assert (inquiry.first_response_due - inquiry.received_at) == timedelta(minutes=10)
    assert inquiry.messages.filter(
        kind="event", body=_("No agent was on duty when the chat started: answer by SMS.")
    ).exists()
    # and the inquiry's reply form sends an SMS, as for SMS inquiries
    client.force_login(off)
    page = client.get(reverse("inquiries:detail", args=[inquiry.pk]))
    assert b'value="sms"' in page.content and b'data-testid="chat-over"' in page.content
    client.post(reverse("inquiries:reply", args=[inquiry.pk]), {"via": "sms", "body": "您好，服务费是合同约定的费用。"})
    sms = OutboundMessage.objects.get()
    assert sms.to_number == "+8613800138000" and sms.purpose == OutboundMessage.Purpose.INQUIRY_REPLY
    inquiry.refresh_from_db()
    assert inquiry.sla_met is True


def test_a_customer_who_left_is_swept_into_an_sms_inquiry(agent, settings):
    # given a live chat whose window closed 121 s ago, and one closed 119 s ago, and one still open
    settings.LIVECHAT_ABANDON_SECONDS = 120
    now = timezone.now()
    gone, recent, open_one = make_chat(), make_chat(), make_chat()
    ChatSession.objects.filter(pk=gone.pk).update(customer_left_at=now - timedelta(seconds=121))
    ChatSession.objects.filter(pk=recent.pk).update(customer_left_at=now - timedelta(seconds=119))
    ChatSession.objects.filter(pk=open_one.pk).update(customer_sockets=1, customer_left_at=None)
    # when the sweep runs (twice: safe to repeat)
    assert services.chats_abandon(now=now) == [gone.pk]
    assert services.chats_abandon(now=now) == []
    # then only the first is abandoned, with a line in its thread telling the agent to answer by SMS
    states = dict(ChatSession.objects.values_list("pk", "state"))
    assert states == {gone.pk: "abandoned", recent.pk: "waiting", open_one.pk: "waiting"}
    left = _("The customer left the chat: answer by SMS.")
    assert InquiryMessage.objects.filter(inquiry_id=gone.inquiry_id, kind="event", body=left).count() == 1


def test_the_beat_task_runs_the_sweep(agent, settings):
    from livechat.beat import BEAT_SCHEDULE
    from livechat.tasks import abandon_sweep

    settings.LIVECHAT_ABANDON_SECONDS = 120
    session = make_chat()
    ChatSession.objects.filter(pk=session.pk).update(customer_left_at=timezone.now() - timedelta(seconds=300))
    assert BEAT_SCHEDULE["livechat-abandon-sweep"]["task"] == "livechat.tasks.abandon_sweep"
    abandon_sweep()
    assert ChatSession.objects.get(pk=session.pk).state == "abandoned"


def test_outside_service_hours_the_page_says_when_it_opens_and_takes_a_message(client, agent, settings):
    settings.INQUIRY_SERVICE_HOURS = "08:00-21:00"
    with time_machine.travel("2026-12-04 22:30:00+08:00", tick=False):
        page = client.get(reverse("livechat:chat"))
        assert (
            b'data-testid="chat-closed"' in page.content and b"2026-12-05" in page.content and b"08:00" in page.content
        )
        response = client.post(reverse("livechat:start"), FORM)
    assert response.status_code == 302 and response["Location"] == reverse("livechat:thanks")
    inquiry = Inquiry.objects.get()
    # an ordinary inquiry: no live session, the minutes rule counted from the opening (08:10 next morning)
    assert not ChatSession.objects.exists()
    assert timezone.localtime(inquiry.first_response_due).strftime("%Y-%m-%d %H:%M") == "2026-12-05 08:10"
    assert inquiry.reference.encode() in client.get(reverse("livechat:thanks")).content


def test_bad_input_keeps_what_was_typed(client, agent):
    response = client.post(reverse("livechat:start"), {**FORM, "mobile": "12345"})
    assert response.status_code == 400
    assert "王小明".encode() in response.content and FORM["text"].encode() in response.content
    assert not Inquiry.objects.exists()


def test_the_first_message_is_capped(client, agent, settings):
    settings.LIVECHAT_MESSAGE_MAX_CHARS = 20
    response = client.post(reverse("livechat:start"), {**FORM, "text": "长" * 21})
    assert response.status_code == 400 and not Inquiry.objects.exists()


def test_a_bot_filling_the_honeypot_stores_nothing(client, agent):
    response = client.post(reverse("livechat:start"), {**FORM, "website": "http://spam.example"})
    assert response.status_code == 302 and not Inquiry.objects.exists()


def test_starting_chats_is_rate_limited_per_address(client, agent, settings):
    # given the public rate limits on, 2 chats an hour per address
    settings.RATELIMIT_ENABLED = True
    settings.PUBLIC_RATE_LIMITS = {**settings.PUBLIC_RATE_LIMITS, "livechat:start": ("2/h", ["POST"])}
    address = (
        f"10.{secrets.randbelow(250)}.{secrets.randbelow(250)}.{secrets.randbelow(250)}"  # a shared cache keeps counts
    )
    with time_machine.travel("2026-12-04 10:00:00+08:00", tick=False):
        codes = [client.post(reverse("livechat:start"), FORM, REMOTE_ADDR=address).status_code for _ in range(3)]
    # then the third is refused with 429 and stores nothing
    assert codes == [302, 302, 429]
    assert Inquiry.objects.count() == 2


def test_chat_text_is_escaped_on_the_inquiry_page(client_agent, agent):
    session = make_chat(text="<script>alert('x')</script><b>粗体</b>")
    page = client_agent.get(reverse("inquiries:detail", args=[session.inquiry_id])).content.decode()
    assert "<script>alert" not in page and "&lt;script&gt;alert" in page and "<b>粗体</b>" not in page


def test_the_chat_pages_may_be_framed_by_the_configured_website_only(client, agent, settings):
    settings.LIVECHAT_EMBED_ORIGINS = ["https://www.example.com"]
    response = client.get(reverse("livechat:chat"))
    policy = response["Content-Security-Policy"]
    assert "frame-ancestors 'self' https://www.example.com" in policy and "script-src 'self'" in policy
    assert "X-Frame-Options" not in response
    # while the portal's own pages still refuse any frame
    assert "frame-ancestors 'none'" in client.get("/accounts/login/")["Content-Security-Policy"]


def test_mobile_confirmation_by_sms_code(client, agent, settings):
    # given the confirmation setting on
    settings.LIVECHAT_CONFIRM_MOBILE = True
    # when the customer starts without a code, they are asked for one
    assert client.post(reverse("livechat:start"), FORM).status_code == 400
    # and asking sends a reply-type SMS with a code, the form coming back as typed
    response = client.post(reverse("livechat:send_code"), FORM)
    assert response.status_code == 200 and FORM["text"].encode() in response.content
    sms = OutboundMessage.objects.get()
    assert sms.to_number == "+8613800138000" and sms.purpose == OutboundMessage.Purpose.INQUIRY_REPLY
    code = _code(sms.body)
    # a wrong code is refused; the right one starts a chat with the mobile confirmed
    wrong = "000000" if code != "000000" else "111111"
    assert client.post(reverse("livechat:start"), {**FORM, "code": wrong}).status_code == 400
    assert client.post(reverse("livechat:start"), {**FORM, "code": code}).status_code == 302
    assert ChatSession.objects.get().mobile_confirmed_at is not None


def test_the_code_is_tied_to_the_mobile_it_was_sent_to(client, agent, settings):
    settings.LIVECHAT_CONFIRM_MOBILE = True
    client.post(reverse("livechat:send_code"), FORM)
    code = _code(OutboundMessage.objects.get().body)
    other = {**FORM, "mobile": "13900139000", "code": code}
    assert client.post(reverse("livechat:start"), other).status_code == 400
    assert not ChatSession.objects.exists()


def test_the_sweep_just_ends_a_chat_whose_inquiry_was_resolved(agent, settings):
    from inquiries import services as inquiry_services

    settings.LIVECHAT_ABANDON_SECONDS = 120
    session = make_chat()
    inquiry = Inquiry.objects.get(pk=session.inquiry_id)
    inquiry_services.inquiry_claim(inquiry=inquiry, user=agent)
    inquiry_services.inquiry_resolve(inquiry=inquiry, actor=agent, category="answered", note="已答复")
    ChatSession.objects.filter(pk=session.pk).update(customer_left_at=timezone.now() - timedelta(seconds=300))
    assert services.chats_abandon() == []
    assert ChatSession.objects.get(pk=session.pk).state == "ended"
    assert not inquiry.messages.filter(body=_("The customer left the chat: answer by SMS.")).exists()
