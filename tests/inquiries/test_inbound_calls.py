"""Inbound hotline calls (#16): the screen pop on the routed agent's screen only, continued inquiries, missed and
abandoned calls owing a callback, the call's outcome and length, the overdue-callback alert, the callback made."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.test import Client
from django.urls import reverse
from twilio.request_validator import RequestValidator

from aftersales.consumers import StaffConsumer
from aftersales.models import Notification
from inquiries.models import Inquiry
from inquiries.services import calls
from loans.models import Loan
from tests.async_support import run_async
from tests.inquiries.factories import make_customer, make_inquiry
from tests.loans.factories import make_loan

TOKEN = "voice-test-token"
BASE = "https://portal.example.com"
SH = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 12, 3, 3, 15, tzinfo=SH)  # the small hours: nothing here depends on the time of day
MOBILE = "+8613812345678"
SID = "CA" + "a" * 32


@pytest.fixture
def voice(settings):
    settings.TWILIO_AUTH_TOKEN = TOKEN
    settings.PUBLIC_BASE_URL = BASE
    return settings


def signed_post(client, name, params):
    path = reverse(f"messaging:{name}")
    signature = RequestValidator(TOKEN).compute_signature(BASE + path, params)
    return client.post(path, params, HTTP_X_TWILIO_SIGNATURE=signature)


def incoming(client, *, sid=SID, mobile=MOBILE):
    return signed_post(client, "voice_incoming", {"CallSid": sid, "From": mobile, "To": "+861010000000"})


def dial_ended(client, status, duration="", *, sid=SID):
    params = {"CallSid": sid, "CallStatus": "in-progress", "DialCallStatus": status, "DialCallDuration": duration}
    return signed_post(client, "voice_dial_status", params)


def call_ended(client, status, duration, *, sid=SID):
    return signed_post(client, "voice_call_status", {"CallSid": sid, "CallStatus": status, "CallDuration": duration})


# ---- the pop ---------------------------------------------------------------------------------------------------------


async def _listen_while(users, action):
    """Connect each user's screen to the staff socket, run `action` (sync, as Twilio's request), return what each
    screen received (None: nothing). One event loop for the whole scenario (the in-memory layer needs it)."""
    screens = []
    for user in users:
        screen = WebsocketCommunicator(StaffConsumer.as_asgi(), "/ws/staff/")
        screen.scope["user"] = user
        connected, _code = await screen.connect()
        assert connected
        screens.append(screen)
    result = await sync_to_async(action)()
    received = []
    for screen in screens:
        received.append(None if await screen.receive_nothing(timeout=0.3) else await screen.receive_json_from())
        await screen.disconnect()
    return result, received


@pytest.mark.django_db(transaction=True)
def test_incoming_call_pops_on_the_routed_agents_screen_only(voice, make_staff):
    # given two agents on duty: "busy" has one unanswered inquiry, "free" none, so the call goes to "free"
    busy = make_staff("pop_busy", "agent", on_duty=True)
    free = make_staff("pop_free", "agent", on_duty=True)
    make_inquiry(minutes_ago=2, owner=busy)
    # and a known caller with two loans, one 17 days past due (as loans' daily job recorded it)
    customer = make_customer(mobile=MOBILE, name="王晓明")
    overdue = make_loan(customer=customer)
    make_loan(customer=customer)
    Loan.objects.filter(pk=overdue.pk).update(dpd=17)
    client = Client()

    # when the call comes in while both agents' screens are open
    with time_machine.travel(NOW, tick=True):
        response, (got_busy, got_free) = run_async(_listen_while, [busy, free], lambda: incoming(client))

    # then the call is routed to "free", whose screen alone gets the pop, before anyone picks up
    inquiry = Inquiry.objects.get(call_sid=SID)
    assert inquiry.assigned_to == free and inquiry.call_status == "ringing"
    assert "<Client>staff-pop_free</Client>" in response.content.decode()
    assert got_busy is None
    assert (got_free["type"], got_free["reference"], got_free["inquiry"]) == ("call", inquiry.reference, inquiry.pk)
    assert got_free["sticky"] is True  # the caller card stays while the agent talks
    html = got_free["html"]
    assert "王晓明" in html
    assert "138****5678" in html and "13812345678" not in html  # masked, never the full number
    assert "1 open inquiry" in html
    assert f"Loan {overdue.contract_number}: 17 days past due" in html
    assert reverse("customers:detail", args=[customer.pk]) in html and inquiry.get_absolute_url() in html


@pytest.mark.django_db
def test_pop_text_is_escaped(voice, make_staff):
    # given a customer whose name holds markup
    customer = make_customer(mobile=MOBILE, name="<b>王</b>")
    inquiry = make_inquiry(channel="hotline", phone=MOBILE, customer=customer)
    context = calls.call_pop_context(inquiry=inquiry, phone=MOBILE)
    from django.template.loader import render_to_string

    html = render_to_string("inquiries/_call_pop.html", context)
    assert "&lt;b&gt;王&lt;/b&gt;" in html and "<b>王" not in html


# ---- continuing and opening -------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_known_caller_continues_their_open_hotline_inquiry(client, voice, make_staff):
    # given a customer with an open hotline inquiry from 3 hours ago, owned by an agent still on duty
    owner = make_staff("owner_agent", "agent", on_duty=True)
    make_staff("other_agent", "agent", on_duty=True)
    customer = make_customer(mobile=MOBILE)
    with time_machine.travel(NOW - timedelta(hours=3), tick=False):
        earlier = make_inquiry(channel="hotline", phone=MOBILE, owner=owner)
    # when the customer calls again
    with time_machine.travel(NOW, tick=False):
        response = incoming(client)
    # then the same inquiry continues (no second one), rings its owner, and records the call in its thread
    assert Inquiry.objects.count() == 1
    earlier.refresh_from_db()
    assert (earlier.call_sid, earlier.call_status, earlier.assigned_to) == (SID, "ringing", owner)
    assert earlier.customer == customer
    assert "<Client>staff-owner_agent</Client>" in response.content.decode()
    assert earlier.messages.filter(kind="customer", external_id=SID).count() == 1


@pytest.mark.django_db
def test_old_or_closed_hotline_inquiries_are_not_continued(client, voice, make_staff):
    # given a hotline inquiry from 25 hours ago (over INBOUND_CALL_CONTINUE_HOURS = 24) and a resolved one today
    voice.INBOUND_CALL_CONTINUE_HOURS = 24
    make_staff("any_agent", "agent", on_duty=True)
    with time_machine.travel(NOW - timedelta(hours=25), tick=False):
        old = make_inquiry(channel="hotline", phone=MOBILE)
    with time_machine.travel(NOW - timedelta(hours=1), tick=False):
        closed = make_inquiry(channel="hotline", phone=MOBILE)
    Inquiry.objects.filter(pk=closed.pk).update(status=Inquiry.Status.RESOLVED)
    # when the number calls
    with time_machine.travel(NOW, tick=False):
        incoming(client)
    # then a new hotline inquiry opens
    new = Inquiry.objects.get(call_sid=SID)
    assert new.pk not in (old.pk, closed.pk) and new.channel == "hotline"


@pytest.mark.django_db
def test_repeated_incoming_request_files_the_call_once(client, voice, make_staff):
    make_staff("any_agent", "agent", on_duty=True)
    with time_machine.travel(NOW, tick=False):
        first = incoming(client).content.decode()
        second = incoming(client).content.decode()
    assert Inquiry.objects.count() == 1 and first == second


# ---- missed and abandoned calls ---------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_call_with_nobody_on_duty_is_missed_with_sla_running_and_a_callback_due_in_30_minutes(
    client, voice, make_staff
):
    # given agents, none on duty
    make_staff("off_agent", "agent", on_duty=False)
    # when a call comes in at 03:15
    with time_machine.travel(NOW, tick=False):
        response = incoming(client)
    # then it is an unassigned hotline inquiry with its 10-minute clock running and a callback due at 03:45
    inquiry = Inquiry.objects.get()
    assert "<Dial" not in response.content.decode()
    assert (inquiry.channel, inquiry.status, inquiry.assigned_to, inquiry.call_status) == (
        "hotline",
        "new",
        None,
        "missed",
    )
    assert inquiry.first_response_due == NOW + timedelta(minutes=10) and inquiry.first_responded_at is None
    assert inquiry.callback_due_at == NOW + timedelta(minutes=30) and inquiry.callback_done_at is None
    assert list(inquiry.messages.filter(kind="event").values_list("body", flat=True)) == [
        "未接来电（无客服在岗）：请在 03:45 前回电。"  # Twilio sends no language: Chinese
    ]


@pytest.mark.django_db
def test_unanswered_dial_owes_a_callback_and_the_status_callback_records_it(client, voice, make_staff):
    # given a call ringing an agent
    agent = make_staff("ring_agent", "agent", on_duty=True)
    with time_machine.travel(NOW, tick=False):
        incoming(client)
    # when the agent does not answer within the time-out (20 s later) and the call then ends after 35 s
    with time_machine.travel(NOW + timedelta(seconds=20), tick=False):
        xml = dial_ended(client, "no-answer").content.decode()
    with time_machine.travel(NOW + timedelta(seconds=35), tick=False):
        assert call_ended(client, "completed", "35").status_code == 204
        call_ended(client, "completed", "35")  # Twilio repeats itself: recorded once
    # then the caller heard that we call back, and the inquiry owes a callback 30 minutes after the miss
    assert "回电" in xml and "<Hangup />" in xml
    inquiry = Inquiry.objects.get()
    assert (inquiry.call_status, inquiry.call_duration_seconds) == ("no-answer", 35)
    assert inquiry.callback_due_at == NOW + timedelta(seconds=20, minutes=30)
    assert inquiry.assigned_to == agent and inquiry.first_responded_at is None
    assert list(inquiry.messages.filter(kind="call").values_list("body", flat=True)) == [
        "来电 0分35秒，未接通（无人接听）。"
    ]


@pytest.mark.django_db
def test_caller_hanging_up_in_the_queue_is_abandoned_with_a_callback(client, voice, make_staff):
    # given a call ringing an agent
    make_staff("ring_agent", "agent", on_duty=True)
    with time_machine.travel(NOW, tick=False):
        incoming(client)
    # when the caller hangs up after 8 s, before the dial reports anything
    with time_machine.travel(NOW + timedelta(seconds=8), tick=False):
        call_ended(client, "completed", "8")
    inquiry = Inquiry.objects.get()
    assert (inquiry.call_status, inquiry.call_duration_seconds) == ("abandoned", 8)
    assert inquiry.callback_due_at == NOW + timedelta(seconds=8, minutes=30)


# ---- answered calls ---------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_answered_call_records_first_response_outcome_and_length(client, voice, make_staff):
    # given a call put through to an agent
    agent = make_staff("talk_agent", "agent", on_duty=True)
    with time_machine.travel(NOW, tick=False):
        incoming(client)
    # when the agent talks 3 min 2 s (answered 6 s after the call came in) and the call ends after 3 min 12 s
    with time_machine.travel(NOW + timedelta(seconds=188), tick=False):
        assert "<Hangup />" in dial_ended(client, "completed", "182").content.decode()
    with time_machine.travel(NOW + timedelta(seconds=192), tick=False):
        call_ended(client, "completed", "192")
    # then the answer is the first response (at the moment of the answer), the call's outcome and length are kept
    inquiry = Inquiry.objects.get()
    assert (inquiry.call_status, inquiry.call_duration_seconds) == ("completed", 192)
    assert inquiry.first_responded_at == NOW + timedelta(seconds=6) and inquiry.sla_met is True
    assert inquiry.first_responded_by == agent and inquiry.callback_due_at is None
    line = inquiry.messages.get(kind="call")
    assert (line.body, line.reached_customer, line.author) == ("来电 3分12秒，已接听。", True, agent)


def test_call_summary_in_english_and_chinese():
    from django.utils import translation

    with translation.override("en"):
        assert (
            calls.call_summary(answered=True, seconds=192, status="completed") == "Inbound call 3 min 12 s, answered."
        )
        assert (
            calls.call_summary(answered=False, seconds=None, status="busy")
            == "Inbound call, not answered (Agent busy)."
        )
    with translation.override("zh-hans"):
        assert calls.call_summary(answered=True, seconds=192, status="completed") == "来电 3分12秒，已接听。"
        assert (
            calls.call_summary(answered=False, seconds=8, status="abandoned")
            == "来电 0分8秒，未接通（客户在等待中挂断）。"
        )


# ---- callbacks --------------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_overdue_callback_alerts_its_owner_once(client, voice, make_staff):
    # given a missed call owing a callback at 03:45, owned by an agent; and an unowned one owing a callback too
    agent = make_staff("cb_agent", "agent", on_duty=True)
    supervisor = make_staff("cb_supervisor", "supervisor", on_duty=True)
    with time_machine.travel(NOW, tick=False):
        incoming(client)
        dial_ended(client, "busy")
    Inquiry.objects.filter(call_sid=SID).update(assigned_to=agent)
    # when the beat task runs at 03:45 (due, not late), at 03:46 and again at 03:47
    with time_machine.travel(NOW + timedelta(minutes=30), tick=False):
        assert calls.callbacks_overdue_alert() == 0
    with time_machine.travel(NOW + timedelta(minutes=31), tick=False):
        assert calls.callbacks_overdue_alert() == 1
    with time_machine.travel(NOW + timedelta(minutes=32), tick=False):
        from inquiries import tasks

        tasks.callbacks_watch()
    # then the owner was told once, with a link to the inquiry; the supervisor was not
    inquiry = Inquiry.objects.get()
    note = Notification.objects.get()
    assert note.recipient == agent and note.link == inquiry.get_absolute_url()
    assert inquiry.reference in note.message and "03:45" in note.message
    assert not Notification.objects.filter(recipient=supervisor).exists()


@pytest.mark.django_db
def test_unowned_overdue_callback_goes_to_supervisors(voice, make_staff):
    supervisor = make_staff("cb_supervisor", "supervisor", on_duty=True)
    inquiry = make_inquiry(channel="hotline", phone=MOBILE)
    Inquiry.objects.filter(pk=inquiry.pk).update(callback_due_at=NOW)
    with time_machine.travel(NOW + timedelta(minutes=1), tick=False):
        assert calls.callbacks_overdue_alert() == 1
    assert Notification.objects.get().recipient == supervisor


@pytest.mark.django_db
def test_callback_made_from_the_inquiry_page(client_agent, agent):
    # given a missed call owing a callback, shown on the inquiry page with its countdown and the action
    with time_machine.travel(NOW, tick=False):
        inquiry = make_inquiry(channel="hotline", phone=MOBILE)
        Inquiry.objects.filter(pk=inquiry.pk).update(
            call_sid=SID, call_status="no-answer", callback_due_at=NOW + timedelta(minutes=30)
        )
        page = client_agent.get(inquiry.get_absolute_url()).content.decode()
        assert 'data-testid="call-panel"' in page and "Callback owed" in page and "No answer" in page
        assert reverse("inquiries:callback_done", args=[inquiry.pk]) in page
    # when the agent records the callback made 12 minutes later, having reached the customer
    with time_machine.travel(NOW + timedelta(minutes=12), tick=False):
        response = client_agent.post(
            reverse("inquiries:callback_done", args=[inquiry.pk]), {"note": "已回电说明还款日", "reached": "1"}
        )
    # then the callback is done, the call note is the first response, and the page no longer offers the action
    assert response.status_code == 302
    inquiry.refresh_from_db()
    assert inquiry.callback_done_at == NOW + timedelta(minutes=12)
    assert inquiry.first_responded_at == NOW + timedelta(minutes=12) and inquiry.first_responded_by == agent
    assert inquiry.messages.filter(kind="call", body="已回电说明还款日", reached_customer=True).exists()
    assert "Callback owed" not in client_agent.get(inquiry.get_absolute_url()).content.decode()


@pytest.mark.django_db
def test_callback_attempt_without_reaching_the_customer_keeps_it_owed(client_agent):
    inquiry = make_inquiry(channel="hotline", phone=MOBILE)
    Inquiry.objects.filter(pk=inquiry.pk).update(callback_due_at=NOW)
    client_agent.post(reverse("inquiries:callback_done", args=[inquiry.pk]), {"note": ""})
    inquiry.refresh_from_db()
    assert inquiry.callback_done_at is None and inquiry.first_responded_at is None
    assert inquiry.messages.filter(kind="call", body="Called back: no answer.").exists()


@pytest.mark.django_db
def test_queue_marks_rows_with_an_open_callback(client_agent):
    owed = make_inquiry(channel="hotline", phone=MOBILE)
    plain = make_inquiry(channel="hotline")
    Inquiry.objects.filter(pk=owed.pk).update(callback_due_at=NOW)
    page = client_agent.get(reverse("inquiries:queue")).content.decode()
    rows = dict(_rows(page))
    assert 'data-testid="callback-badge"' in rows[owed.reference]
    assert "callback-badge" not in rows[plain.reference]


def _rows(page):
    for chunk in page.split('<tr class="queue-row"')[1:]:
        row = chunk.split("</tr>")[0]
        ref = row.split('class="font-monospace">')[1].split("<")[0]
        yield ref, row
