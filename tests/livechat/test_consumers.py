"""The chat sockets (#16): the protocol of livechat/consumers.py between a customer's window and an agent's panel.

Each scenario runs in ONE event loop (`run(scenario)`): the in-memory channel layer lives in one loop.
"""

from __future__ import annotations

import json

import pytest
from channels.db import database_sync_to_async
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator
from django.contrib.auth.models import AnonymousUser
from django.urls import path

from inquiries.models import Inquiry, InquiryMessage
from livechat.consumers import AgentChatConsumer, CustomerChatConsumer
from livechat.models import ChatSession
from tests.livechat.factories import make_chat, run

pytestmark = pytest.mark.django_db(transaction=True)

APP = URLRouter(
    [
        path("ws/chat/agent/<int:inquiry_id>/", AgentChatConsumer.as_asgi()),
        path("ws/chat/<str:token>/", CustomerChatConsumer.as_asgi()),
    ]
)
CLIENT_ID = "0b7f3a52-7a0e-4c59-9d8a-2f6a1c9e4d11"


def customer_socket(session):
    return WebsocketCommunicator(APP, f"/ws/chat/{session.token}/")


def agent_socket(session, user):
    communicator = WebsocketCommunicator(APP, f"/ws/chat/agent/{session.inquiry_id}/")
    communicator.scope["user"] = user
    return communicator


async def drain(communicator, timeout=0.3):
    """Everything the socket has received until it is quiet."""
    got = []
    while not await communicator.receive_nothing(timeout=timeout):
        got.append(await communicator.receive_json_from())
    return got


async def until(communicator, kind, timeout=2):
    """The next event of the type (earlier ones are dropped)."""
    while True:
        event = await communicator.receive_json_from(timeout=timeout)
        if event["type"] == kind:
            return event


def test_message_round_trip_with_echo_delivery_and_sla(agent):
    # given a waiting chat and the agent who claims it by answering
    session = make_chat()

    async def scenario():
        customer, staff = customer_socket(session), agent_socket(session, agent)
        assert (await customer.connect())[0] and (await staff.connect())[0]
        opening = await drain(customer)
        staff_opening = await drain(staff)
        # when the customer writes
        await customer.send_json_to({"type": "message", "client_id": CLIENT_ID, "text": "还在吗？"})
        echo = await until(customer, "message")
        at_agent = await until(staff, "message")
        delivered_to_customer = await until(customer, "delivered")
        # and the agent answers
        await staff.send_json_to({"type": "message", "client_id": "a-1", "text": "您好，请稍等"})
        answer = await until(customer, "message")
        agent_echo = await until(staff, "message")
        delivered_to_agent = await until(staff, "delivered")
        state = await until(customer, "state")
        await customer.disconnect()
        await staff.disconnect()
        return (
            opening,
            staff_opening,
            echo,
            at_agent,
            delivered_to_customer,
            answer,
            agent_echo,
            delivered_to_agent,
            state,
        )

    opening, staff_opening, echo, at_agent, dc, answer, agent_echo, da, state = run(scenario)
    # then both windows got the state and the first message on connecting
    assert opening[0]["type"] == "state" and opening[0]["state"] == "waiting"
    assert [e["text"] for e in opening if e["type"] == "message"] == ["我想问一下这期的还款日"]
    assert [e["author"] for e in staff_opening if e["type"] == "message"] == ["customer"]
    # the sender got its own message back (its acknowledgement) with the database id, the agent the same event
    stored = InquiryMessage.objects.get(external_id=CLIENT_ID)
    assert echo == at_agent
    assert echo == {
        "type": "message",
        "id": stored.pk,
        "client_id": CLIENT_ID,
        "author": "customer",
        "name": "王小明",
        "text": "还在吗？",
        "at": stored.created_at.isoformat(),
    }
    assert dc == {"type": "delivered", "id": stored.pk}
    # the answer reached the customer: a reply in the thread that counts for the 60-second SLA
    reply = InquiryMessage.objects.get(kind="reply")
    assert answer == agent_echo and answer["author"] == "agent" and answer["client_id"] == "a-1"
    assert da == {"type": "delivered", "id": reply.pk}
    assert state["state"] == "active" and state["agent"] == "Agent_A"
    assert reply.channel == "chat" and reply.reached_customer is True
    inquiry = Inquiry.objects.get(pk=session.inquiry_id)
    assert inquiry.assigned_to == agent and inquiry.sla_met is True and inquiry.first_responded_by == agent
    assert (inquiry.first_response_due - inquiry.received_at).total_seconds() == 60


def test_typing_reaches_only_the_other_side(agent):
    session = make_chat()

    async def scenario():
        customer, staff = customer_socket(session), agent_socket(session, agent)
        await customer.connect()
        await staff.connect()
        await drain(customer)
        await drain(staff)
        await customer.send_json_to({"type": "typing"})
        at_agent = await drain(staff)
        at_customer = await drain(customer)
        await customer.disconnect()
        await staff.disconnect()
        return at_agent, at_customer

    at_agent, at_customer = run(scenario)
    assert at_agent == [{"type": "typing", "author": "customer"}]
    assert at_customer == []


def test_rating_is_recorded_once_and_shown_to_the_agent(agent):
    session = make_chat()

    async def scenario():
        customer, staff = customer_socket(session), agent_socket(session, agent)
        await customer.connect()
        await staff.connect()
        await drain(customer)
        await drain(staff)
        await customer.send_json_to({"type": "end"})
        ended = await until(staff, "state")
        await customer.send_json_to({"type": "rate", "score": 4})
        rated = await until(staff, "state")
        await customer.send_json_to({"type": "rate", "score": 1})
        again = await until(customer, "error")
        await customer.disconnect()
        await staff.disconnect()
        return ended, rated, again

    ended, rated, again = run(scenario)
    assert ended["state"] == "ended" and ended["rating"] is None
    assert rated["state"] == "ended" and rated["rating"] == 4
    assert again["code"] == "rating"
    session.refresh_from_db()
    assert session.rating == 4 and session.rated_at is not None and session.state == "ended"
    assert InquiryMessage.objects.filter(inquiry_id=session.inquiry_id, kind="event", body__contains="4 / 5").exists()


@pytest.mark.parametrize("score", [0, 6, "5", True, None])
def test_a_rating_outside_1_to_5_is_refused(agent, score):
    session = make_chat()

    async def scenario():
        customer = customer_socket(session)
        await customer.connect()
        await drain(customer)
        await customer.send_json_to({"type": "rate", "score": score})
        error = await until(customer, "error")
        await customer.disconnect()
        return error

    assert run(scenario)["code"] == "rating"
    assert ChatSession.objects.get(pk=session.pk).rating is None


def test_forged_or_unknown_token_is_refused(agent):
    make_chat()

    async def scenario():
        results = []
        for token in ["forged-token-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "x" * 200]:
            communicator = WebsocketCommunicator(APP, f"/ws/chat/{token}/")
            results.append(await communicator.connect())
        return results

    assert run(scenario) == [(False, 4404), (False, 4404)]


def test_agent_socket_refuses_anonymous_non_workers_and_someone_elses_chat(agent, make_staff):
    session = make_chat()
    other = make_staff("agent_other", "agent", on_duty=True)
    office = make_staff("office_o", "back_office")
    supervisor = make_staff("super_s", "supervisor", on_duty=True)
    Inquiry.objects.filter(pk=session.inquiry_id).update(assigned_to=agent)

    async def scenario():
        results = []
        for user in [AnonymousUser(), office, other, supervisor, agent]:
            communicator = agent_socket(session, user)
            connected, code = await communicator.connect()
            results.append(connected or code)
            if connected:
                await communicator.disconnect()
        return results

    # then: not signed in 4401; back office and an agent who does not hold the chat 4403; a supervisor and the owner in
    assert run(scenario) == [4401, 4403, 4403, True, True]


def test_text_is_kept_as_text_and_the_size_limit_holds(agent, settings):
    settings.LIVECHAT_MESSAGE_MAX_CHARS = 50
    session = make_chat()

    async def scenario():
        customer = customer_socket(session)
        await customer.connect()
        await drain(customer)
        await customer.send_json_to({"type": "message", "client_id": "c1", "text": "<script>alert(1)</script>"})
        echo = await until(customer, "message")
        await customer.send_json_to({"type": "message", "client_id": "c2", "text": "长" * 51})
        too_long = await until(customer, "error")
        await customer.send_to(text_data=json.dumps({"type": "message", "text": "x" * 5000}))
        huge = await until(customer, "error")
        await customer.send_json_to({"type": "message", "client_id": "c3", "text": "   "})
        empty = await until(customer, "error")
        await customer.disconnect()
        return echo, too_long, huge, empty

    echo, too_long, huge, empty = run(scenario)
    assert echo["text"] == "<script>alert(1)</script>"  # sent as data; the windows insert it with textContent
    assert (too_long["code"], too_long["client_id"]) == ("too_long", "c2")
    assert huge["code"] == "too_long" and empty["code"] == "empty"
    assert InquiryMessage.objects.filter(inquiry_id=session.inquiry_id, kind="customer").count() == 2


def test_id_numbers_in_chat_text_are_masked(agent):
    session = make_chat()

    async def scenario():
        customer = customer_socket(session)
        await customer.connect()
        await drain(customer)
        await customer.send_json_to({"type": "message", "client_id": "m1", "text": "我的身份证 11010519491231002X"})
        echo = await until(customer, "message")
        await customer.disconnect()
        return echo

    echo = run(scenario)
    stored = InquiryMessage.objects.get(external_id="m1")
    assert "11010519491231002X" not in echo["text"] and "11010519491231002X" not in stored.body
    assert stored.body_full  # the original kept encrypted, revealed only with view_full_pii


def test_a_resent_message_is_stored_once(agent):
    session = make_chat()

    async def scenario():
        customer = customer_socket(session)
        await customer.connect()
        await drain(customer)
        for _ in range(2):
            await customer.send_json_to({"type": "message", "client_id": "same", "text": "你好"})
        first, second = await until(customer, "message"), await until(customer, "message")
        await customer.disconnect()
        return first, second

    first, second = run(scenario)
    assert first["id"] == second["id"]
    assert InquiryMessage.objects.filter(external_id="same").count() == 1


def test_messages_per_minute_are_limited(agent, settings):
    settings.LIVECHAT_MESSAGES_PER_MINUTE = 3
    session = make_chat()

    async def scenario():
        customer = customer_socket(session)
        await customer.connect()
        await drain(customer)
        for n in range(4):
            await customer.send_json_to({"type": "message", "client_id": f"r{n}", "text": f"第{n}条"})
        return [e for e in await drain(customer) if e["type"] in ("message", "error")]

    events = run(scenario)
    # (the refusal comes straight back; the accepted ones round the channel layer, so the order may vary)
    assert sorted(e["client_id"] for e in events if e["type"] == "message") == ["r0", "r1", "r2"]
    assert [e for e in events if e["type"] == "error"] == [{"type": "error", "code": "rate_limited", "client_id": "r3"}]


def test_closing_the_window_starts_the_abandon_clock(agent):
    session = make_chat()

    async def scenario():
        customer = customer_socket(session)
        await customer.connect()
        await drain(customer)
        await customer.disconnect()

    session.refresh_from_db()
    assert session.customer_sockets == 0
    run(scenario)
    session.refresh_from_db()
    assert session.customer_sockets == 0 and session.customer_left_at is not None


def test_handover_to_another_agent_through_reassignment(agent, make_staff):
    # given a chat held by the agent, whose supervisor hands it over to a colleague (the inquiry's reassignment)
    from inquiries import services as inquiry_services

    colleague = make_staff("agent_two", "agent", on_duty=True)
    lead = make_staff("lead_l", "supervisor", on_duty=True)
    session = make_chat()
    inquiry = Inquiry.objects.get(pk=session.inquiry_id)
    inquiry_services.inquiry_claim(inquiry=inquiry, user=agent)

    async def scenario():
        customer, first = customer_socket(session), agent_socket(session, agent)
        await customer.connect()
        await drain(customer)  # the state on connecting: waiting
        await first.connect()
        joined = await until(customer, "state")
        await drain(first)
        await database_sync_to_async(inquiry_services.inquiry_assign)(inquiry=inquiry, to_user=colleague, actor=lead)
        second = agent_socket(session, colleague)
        await second.connect()
        handed = await until(customer, "state")
        await first.send_json_to({"type": "message", "client_id": "old", "text": "我还在"})
        refused = await until(first, "error")
        await second.send_json_to({"type": "message", "client_id": "new", "text": "您好，我来继续为您处理"})
        answer = await until(customer, "message")
        for communicator in (customer, first, second):
            await communicator.disconnect()
        return joined, handed, refused, answer

    joined, handed, refused, answer = run(scenario)
    # then the customer is told who took over, the first agent can no longer write, the colleague can
    assert (joined["state"], joined["agent"]) == ("active", "Agent_A")
    assert (handed["state"], handed["agent"]) == ("active", "Agent_Two")
    assert refused == {"type": "error", "code": "not_yours", "client_id": "old"}
    assert answer["name"] == "Agent_Two" and answer["text"] == "您好，我来继续为您处理"
    assert ChatSession.objects.get(pk=session.pk).claimed_by == colleague


def test_the_panel_offers_the_canned_replies_to_the_agent_holding_the_chat(client, agent):
    from django.urls import reverse

    from inquiries.models import CannedReply

    CannedReply.objects.create(title="还款日", body="您好，还款日为每月15日。", language="zh-hans")
    session = make_chat()
    client.force_login(agent)
    html = client.get(reverse("inquiries:detail", args=[session.inquiry_id])).content.decode()
    assert 'id="chat-canned"' in html and 'data-target="#chat-text"' in html and "您好，还款日为每月15日。" in html
    assert f'data-socket="/ws/chat/agent/{session.inquiry_id}/"' in html


def test_a_chat_whose_inquiry_was_resolved_ends_at_the_next_message(agent):
    # given a chat the agent resolved through the inquiry's Resolve action while the window was open
    from inquiries import services as inquiry_services

    session = make_chat()
    inquiry = Inquiry.objects.get(pk=session.inquiry_id)
    inquiry_services.inquiry_claim(inquiry=inquiry, user=agent)

    async def scenario():
        customer = customer_socket(session)
        await customer.connect()
        await drain(customer)
        await database_sync_to_async(inquiry_services.inquiry_resolve)(
            inquiry=inquiry, actor=agent, category="answered", note="已答复"
        )
        await customer.send_json_to({"type": "message", "client_id": "late", "text": "还有一个问题"})
        error = await until(customer, "error")
        state = await until(customer, "state")
        await customer.disconnect()
        return error, state

    error, state = run(scenario)
    # then the customer is told the chat has ended (and may rate it, or start a new one)
    assert error["code"] == "not_live" and state["state"] == "ended"
    assert ChatSession.objects.get(pk=session.pk).state == "ended"


def test_a_new_chat_refreshes_the_queues_and_pops_on_the_agents_screens(agent, make_staff):
    # given an agent on duty with a screen open, and an off-duty colleague's screen
    from aftersales.consumers import StaffConsumer

    off = make_staff("agent_off", "agent", on_duty=False)

    async def scenario():
        screens = []
        for user in (agent, off):
            screen = WebsocketCommunicator(StaffConsumer.as_asgi(), "/ws/staff/")
            screen.scope["user"] = user
            assert (await screen.connect())[0]
            screens.append(screen)
        # when a customer starts a chat
        session = await database_sync_to_async(make_chat)(text="<b>请问</b>提前还款")
        got = [await drain(screen, timeout=0.5) for screen in screens]
        for screen in screens:
            await screen.disconnect()
        return session, got

    session, (on_duty, off_duty) = run(scenario)
    # then both agents' queues refresh; only the agent on duty gets the pop, escaped, with the link to the chat
    queue = {"type": "queue", "inquiry": session.inquiry_id, "channel": "chat", "state": "waiting"}
    assert on_duty[0] == queue and off_duty == [queue]
    pop = on_duty[1]
    assert pop["type"] == "chat" and pop["inquiry"] == session.inquiry_id
    assert f'href="/inquiries/{session.inquiry_id}/"' in pop["html"] and "王小明" in pop["html"]
    assert "&lt;b&gt;请问&lt;/b&gt;" in pop["html"] and "<b>请问" not in pop["html"]


def test_deliveries_recorded_in_one_batch_count_once_for_the_first_response(agent):
    # given two chats the agent answered, neither answer yet seen by the customer
    from datetime import timedelta

    from django.utils import timezone

    from inquiries import services as inquiry_services
    from inquiries.services import chat as thread
    from livechat import services

    replies = []
    for _ in range(2):
        session = make_chat()
        inquiry_services.inquiry_claim(inquiry=Inquiry.objects.get(pk=session.inquiry_id), user=agent)
        replies.append(thread.chat_reply_add(inquiry_id=session.inquiry_id, author=agent, body="您好")[0])
    reached_at = timezone.now() + timedelta(seconds=5)
    # when both windows' deliveries are written in one batch, and the batch comes again
    marked = services.delivered_many(reached={reply.pk: reached_at for reply in replies})
    again = services.delivered_many(reached={reply.pk: reached_at for reply in replies})
    # then each answer reached its customer once and is each inquiry's first response, on time, by the agent
    assert sorted(marked) == sorted(reply.pk for reply in replies) and again == []
    for reply in replies:
        reply.refresh_from_db()
        inquiry = Inquiry.objects.get(pk=reply.inquiry_id)
        assert reply.reached_customer is True
        assert (inquiry.first_responded_at, inquiry.first_responded_by, inquiry.sla_met) == (reached_at, agent, True)
