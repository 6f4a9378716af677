"""Every inquiry owned (#15): the routing rule, the sweeper, follow-ups with a next-response clock, live calls."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from aftersales.models import AuditEntry, Notification
from inquiries import selectors, services
from inquiries.models import Inquiry, InquiryMessage
from inquiries.routing import AgentLoad, agent_choose, assignments_plan
from inquiries.services.intake import follow_up_answered
from inquiries.sla import next_response_due
from org.models import StaffProfile
from staff.services import staff_duty_set
from tests.inquiries.factories import make_inquiry

T0 = datetime(2026, 12, 1, 1, 0, tzinfo=UTC)
T1 = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)


# ---- the routing rule (pure, no database) ---------------------------------------------------------------------


def test_least_loaded_agent_gets_it():
    agents = [AgentLoad(1, 3, T0), AgentLoad(2, 1, T1), AgentLoad(3, 2, T0)]
    assert agent_choose(agents, capacity=8).user_id == 2


def test_ties_go_to_the_agent_on_duty_longest_then_the_smallest_id():
    assert agent_choose([AgentLoad(5, 1, T1), AgentLoad(7, 1, T0)], capacity=8).user_id == 7
    assert agent_choose([AgentLoad(9, 1, T0), AgentLoad(4, 1, T0)], capacity=8).user_id == 4
    # an unknown start counts as the latest
    assert agent_choose([AgentLoad(1, 1, None), AgentLoad(2, 1, T1)], capacity=8).user_id == 2


def test_an_agent_at_capacity_gets_none_one_below_still_does():
    assert agent_choose([AgentLoad(1, 8, T0)], capacity=8) is None
    assert agent_choose([AgentLoad(1, 7, T0)], capacity=8).user_id == 1
    assert agent_choose([], capacity=8) is None


def test_excluded_agents_are_never_chosen():
    assert agent_choose([AgentLoad(1, 0, T0), AgentLoad(2, 5, T0)], capacity=8, exclude_user_ids={1}).user_id == 2


def test_a_batch_is_spread_evenly_and_stops_at_capacity():
    # loads 0 and 1, capacity 3: the first goes to 1 (load 0), then they alternate from equal loads, 5 places in all
    plan = assignments_plan([AgentLoad(1, 0, T0), AgentLoad(2, 1, T1)], 7, capacity=3)
    assert plan == [1, 1, 2, 1, 2, None, None]


def test_next_response_due_is_ten_minutes_inside_service_hours():
    received = datetime(2026, 12, 1, 14, 30, tzinfo=UTC)  # 22:30 in Shanghai
    assert next_response_due(received, minutes=10, service_hours=None) == received + timedelta(minutes=10)
    # outside "08:00-21:00" the clock waits for 08:00: due 08:10 Shanghai = 00:10 UTC next day
    assert next_response_due(received, minutes=10, service_hours="08:00-21:00") == datetime(
        2026, 12, 2, 0, 10, tzinfo=UTC
    )


# ---- the sweeper ------------------------------------------------------------------------------------------------


@pytest.fixture
def auto_assign(settings):
    settings.INQUIRY_AUTO_ASSIGN = True
    settings.INQUIRY_AGENT_CAPACITY = 2
    settings.INQUIRY_SERVICE_HOURS = None


def test_unassigned_breached_inquiries_are_assigned_to_on_duty_agents_within_capacity(auto_assign, make_staff):
    # given 7 breached unassigned inquiries (received while auto-assignment was off), 4 agents on duty (one already
    # holding 2 unanswered, i.e. at capacity 2), and one agent off duty
    agents = [make_staff(f"duty{n}", "agent", on_duty=True) for n in range(4)]
    away = make_staff("away", "agent", on_duty=False)
    for _ in range(2):
        Inquiry.objects.filter(pk=make_inquiry(minutes_ago=1).pk).update(assigned_to=agents[0])
    breached = [make_inquiry(minutes_ago=30 + n) for n in range(7)]
    Inquiry.objects.filter(pk__in=[i.pk for i in breached]).update(assigned_to=None, assigned_at=None)
    audited = AuditEntry.objects.filter(action="inquiry_auto_assign").count()
    # when the minute sweeper runs
    placed = services.off_duty_reassign()
    # then 6 of them (3 agents × 2 places) were given out, the most overdue first; none to the full or off-duty agent
    assert placed == 6
    owners = dict(Inquiry.objects.filter(pk__in=[i.pk for i in breached]).values_list("pk", "assigned_to"))
    counts = {a.pk: list(owners.values()).count(a.pk) for a in [*agents, away]}
    assert counts == {agents[0].pk: 0, agents[1].pk: 2, agents[2].pk: 2, agents[3].pk: 2, away.pk: 0}
    assert owners[breached[0].pk] is None  # the least overdue waits for the next free place
    assert Inquiry.objects.filter(pk=breached[6].pk, status=Inquiry.Status.OPEN).exists()
    assert AuditEntry.objects.filter(action="inquiry_auto_assign").count() == audited + 6
    # and a second run finds nobody with room: nothing changes
    assert services.off_duty_reassign() == 0


def test_sweeper_leaves_unassigned_work_alone_when_auto_assignment_is_off(settings, make_staff):
    settings.INQUIRY_AUTO_ASSIGN = False
    make_staff("duty", "agent", on_duty=True)
    inquiry = make_inquiry(minutes_ago=30)
    assert services.off_duty_reassign() == 0
    inquiry.refresh_from_db()
    assert inquiry.assigned_to is None


def test_no_agent_on_duty_leaves_it_unassigned(auto_assign, make_staff):
    make_staff("away", "agent", on_duty=False)
    make_staff("boss", "supervisor", on_duty=True)
    inquiry = make_inquiry(minutes_ago=30)
    assert services.off_duty_reassign() == 0
    assert Inquiry.objects.get(pk=inquiry.pk).assigned_to is None


def test_off_duty_agents_lose_inquiries_where_the_customer_wrote_again(auto_assign, make_staff):
    # given an answered inquiry whose customer wrote again, held by an agent who then went off duty
    leaving = make_staff("leaving", "agent", on_duty=True)
    staying = make_staff("staying", "agent", on_duty=True)
    inquiry = make_inquiry(phone="+8613900005555", minutes_ago=5)
    services.inquiry_assign(inquiry=inquiry, to_user=leaving, actor=leaving)
    services.inquiry_call_log(inquiry=inquiry, author=leaving, body="Called back", reached=True)
    Inquiry.objects.filter(pk=inquiry.pk).update(awaiting_agent=True, next_response_due=timezone.now())
    staff_duty_set(profile=StaffProfile.objects.get(user=leaving), on_duty=False)
    # when the sweeper runs
    assert services.off_duty_reassign() == 1
    # then the on-duty agent holds it, and the thread says why it moved
    inquiry.refresh_from_db()
    assert inquiry.assigned_to == staying
    bodies = list(inquiry.messages.filter(kind=InquiryMessage.Kind.EVENT).values_list("body", flat=True))
    # (stored in the language active when they happened: compared through the same gettext)
    assert gettext("Returned to the queue: the assigned agent went off duty.") in bodies
    assert gettext("Assigned automatically to %(user)s.") % {"user": "Staying"} in bodies


def test_intake_assigns_by_capacity_and_not_beyond(auto_assign, make_staff):
    # given one agent on duty, capacity 2
    agent = make_staff("solo", "agent", on_duty=True)
    first, second, third = (make_inquiry(minutes_ago=0) for _ in range(3))
    # then the first two are theirs, the third waits unassigned
    assert [first.assigned_to, second.assigned_to, third.assigned_to] == [agent, agent, None]


# ---- follow-ups ---------------------------------------------------------------------------------------------


def _answered_and_resolved(*, owner, phone: str) -> Inquiry:
    inquiry = make_inquiry(phone=phone, minutes_ago=60)
    services.inquiry_assign(inquiry=inquiry, to_user=owner, actor=owner)
    services.inquiry_call_log(inquiry=inquiry, author=owner, body="Explained the due date", reached=True)
    services.inquiry_resolve(inquiry=inquiry, actor=owner, category="answered", note="explained")
    return inquiry


def test_follow_up_sms_on_an_off_duty_agents_resolved_inquiry_is_reopened_and_reassigned(auto_assign, make_staff):
    # given an inquiry answered and resolved by an agent who is now off duty, another agent on duty
    owner = make_staff("owner", "agent", on_duty=True)
    other = make_staff("other", "agent", on_duty=True)
    inquiry = _answered_and_resolved(owner=owner, phone="+8613900006666")
    staff_duty_set(profile=StaffProfile.objects.get(user=owner), on_duty=False)
    received = timezone.now().replace(microsecond=0)
    # when the customer sends an SMS
    result = services.inquiry_receive_sms(
        from_number="+8613900006666", body="还有一个问题", message_sid="SMfollow1", received_at=received
    )
    # then the resolved inquiry is reopened (no new inquiry), with the customer waiting and a 10-minute clock,
    # and it is with the on-duty agent
    assert result.created is False and Inquiry.objects.count() == 1
    inquiry.refresh_from_db()
    assert inquiry.status == Inquiry.Status.OPEN and inquiry.resolved_at is None
    assert inquiry.awaiting_agent is True
    assert inquiry.reopened_at == received
    assert inquiry.next_response_due == received + timedelta(minutes=10)
    assert inquiry.assigned_to == other
    assert AuditEntry.objects.filter(action="inquiry_unassign_off_duty", object_id=str(inquiry.pk)).exists()
    # and the queue puts it first among "customer wrote again", with its clock
    row = selectors.queue_rows(ids=[inquiry.pk])[0]
    assert row.next_response_due == inquiry.next_response_due


def test_follow_up_to_an_on_duty_owner_stays_with_the_owner(auto_assign, make_staff):
    # given an answered (not resolved) inquiry of an on-duty agent, and a less loaded agent on duty
    owner = make_staff("owner", "agent", on_duty=True)
    make_staff("idle", "agent", on_duty=True)
    inquiry = make_inquiry(phone="+8613900007777", minutes_ago=30)
    services.inquiry_assign(inquiry=inquiry, to_user=owner, actor=owner)
    services.inquiry_call_log(inquiry=inquiry, author=owner, body="Called", reached=True)
    # when the customer emails... here: sends an SMS
    services.inquiry_receive_sms(from_number="+8613900007777", body="Thanks, and the fee?", message_sid="SMf2")
    # then it stays with the owner, who is notified, with a running clock
    inquiry.refresh_from_db()
    assert inquiry.assigned_to == owner
    assert inquiry.awaiting_agent is True and inquiry.next_response_due is not None
    assert inquiry.reopened_at is None  # it was never resolved
    assert Notification.objects.filter(recipient=owner, message__contains=inquiry.reference).count() == 1


def test_a_second_message_does_not_restart_the_running_clock(auto_assign, make_staff):
    owner = make_staff("owner", "agent", on_duty=True)
    inquiry = _answered_and_resolved(owner=owner, phone="+8613900008888")
    first = timezone.now() - timedelta(minutes=4)
    services.inquiry_receive_sms(from_number="+8613900008888", body="one", message_sid="SMa", received_at=first)
    services.inquiry_receive_sms(from_number="+8613900008888", body="two", message_sid="SMb")
    inquiry.refresh_from_db()
    assert inquiry.next_response_due == first + timedelta(minutes=10)


def test_a_reply_stops_the_follow_up_clock_and_records_in_time_or_late(auto_assign, make_staff):
    # given a follow-up due at 10:10
    owner = make_staff("owner", "agent", on_duty=True)
    inquiry = _answered_and_resolved(owner=owner, phone="+8613900009999")
    due = timezone.now().replace(microsecond=0) + timedelta(minutes=10)
    services.inquiry_receive_sms(
        from_number="+8613900009999", body="?", message_sid="SMc", received_at=due - timedelta(minutes=10)
    )
    # when the reply reaches the customer exactly at the deadline: in time, the clock stops
    assert follow_up_answered(inquiry_id=inquiry.pk, at=due, by=owner) is True
    assert Inquiry.objects.get(pk=inquiry.pk).next_response_due is None
    assert follow_up_answered(inquiry_id=inquiry.pk, at=due, by=owner) is None  # no clock running: nothing
    entry = AuditEntry.objects.get(action="inquiry_follow_up_answered")
    assert entry.changes["met"] is True
    # and a second follow-up answered a second late is recorded late
    Inquiry.objects.filter(pk=inquiry.pk).update(awaiting_agent=False)
    services.inquiry_receive_sms(from_number="+8613900009999", body="??", message_sid="SMd", received_at=due)
    late = due + timedelta(minutes=10, seconds=1)
    assert follow_up_answered(inquiry_id=inquiry.pk, at=late, by=owner) is False


def test_queue_and_breached_tab_run_on_the_follow_up_clock(auto_assign, client_agent, agent):
    # given two follow-ups: A answered first (older first deadline) but its follow-up is due later than B's
    now = timezone.now()
    a = make_inquiry(minutes_ago=50)
    b = make_inquiry(minutes_ago=40)
    Inquiry.objects.filter(pk=a.pk).update(
        first_responded_at=now, awaiting_agent=True, next_response_due=now + timedelta(minutes=8)
    )
    Inquiry.objects.filter(pk=b.pk).update(
        first_responded_at=now, awaiting_agent=True, next_response_due=now - timedelta(minutes=1)
    )
    # then the queue lists B (breached follow-up) before A, and only B is breached
    ordered = list(selectors.queue_list(user=agent).values_list("pk", flat=True))
    assert ordered == [b.pk, a.pk]
    assert list(selectors.queue_list(user=agent, view="breached").values_list("pk", flat=True)) == [b.pk]
    assert selectors.queue_counts(user=agent)["breached"] == 1
    # and the row shows the follow-up clock
    page = client_agent.get(reverse("inquiries:queue")).content.decode()
    assert page.count('data-clock="next"') == 2


# ---- live hotline calls ---------------------------------------------------------------------------------------


def test_a_live_hotline_call_is_owned_by_the_call_taker(auto_assign, client_agent, agent, make_staff):
    # given auto-assignment on and an idle agent with less work than the call-taker
    make_staff("idle", "agent", on_duty=True)
    Inquiry.objects.filter(pk=make_inquiry(minutes_ago=1).pk).update(assigned_to=agent)
    # when the call-taker logs a call answered live
    response = client_agent.post(
        reverse("inquiries:hotline_new"),
        {"mobile": "13812345678", "category": "repayment", "summary": "Due date", "answered_live": "on"},
    )
    assert response.status_code == 302
    inquiry = Inquiry.objects.get(channel=Inquiry.Channel.HOTLINE)
    # then the call-taker owns it; nothing says it was auto-assigned to someone else
    assert inquiry.assigned_to == agent and inquiry.first_responded_by == agent
    auto = gettext("Assigned automatically to %(user)s.") % {"user": "Idle"}
    assert not inquiry.messages.filter(body=auto).exists()
    assert not AuditEntry.objects.filter(action="inquiry_auto_assign", object_id=str(inquiry.pk)).exists()
    assert AuditEntry.objects.get(action="inquiry_create", object_id=str(inquiry.pk)).changes["assigned_to"] == (
        agent.username
    )


def test_a_call_back_request_is_routed_like_any_inquiry(auto_assign, client_agent, agent, make_staff):
    idle = make_staff("idle", "agent", on_duty=True)
    Inquiry.objects.filter(pk=make_inquiry(minutes_ago=1).pk).update(assigned_to=agent)
    client_agent.post(reverse("inquiries:hotline_new"), {"mobile": "13812345679", "category": "fees", "summary": "x"})
    assert Inquiry.objects.get(channel=Inquiry.Channel.HOTLINE).assigned_to == idle


# ---- the SLA watch ---------------------------------------------------------------------------------------------


def test_sla_watch_lists_five_per_agent_counts_the_rest_and_runs_constant_queries(
    auto_assign, client_supervisor, agent, django_assert_max_num_queries
):
    # given 7 breached inquiries of the agent and 1 follow-up breached by its next-response clock
    with time_machine.travel(timezone.now() - timedelta(minutes=30), tick=False):
        held = [make_inquiry() for _ in range(8)]
    Inquiry.objects.filter(pk__in=[i.pk for i in held]).update(assigned_to=agent)
    Inquiry.objects.filter(pk=held[0].pk).update(
        first_responded_at=timezone.now(), awaiting_agent=True, next_response_due=timezone.now() - timedelta(seconds=1)
    )
    # when the supervisor opens the watch
    with django_assert_max_num_queries(12):
        response = client_supervisor.get(reverse("inquiries:supervisor"))
    # then the agent's line counts 8 breached, lists 5 and links the 3 more
    rows = selectors.sla_watch()
    line = next(r for r in rows if r.user == agent)
    assert (line.breached_count, len(line.breached), line.more) == (8, 5, 3)
    assert "and 3 more in the queue" in response.content.decode()
    # and 40 more breached inquiries do not add a query
    with time_machine.travel(timezone.now() - timedelta(minutes=30), tick=False):
        more = [make_inquiry() for _ in range(40)]
    Inquiry.objects.filter(pk__in=[i.pk for i in more]).update(assigned_to=agent)
    with django_assert_max_num_queries(12):
        assert client_supervisor.get(reverse("inquiries:supervisor")).status_code == 200


def test_sla_watch_items_escape_the_subject_and_preselect_the_holder(client_supervisor, agent):
    # given a breached inquiry held by the agent, its subject written by a customer as markup
    with time_machine.travel(timezone.now() - timedelta(minutes=30), tick=False):
        inquiry = make_inquiry(subject='<img src=x onerror="alert(1)"> 还款日')
    Inquiry.objects.filter(pk=inquiry.pk).update(assigned_to=agent)
    # when the supervisor opens the watch
    html = client_supervisor.get(reverse("inquiries:supervisor")).content.decode()
    # then the subject is shown as text, the reassign form posts to the inquiry, the holder is preselected
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt; 还款日" in html and "<img src=x" not in html
    assert f'action="{reverse("inquiries:reassign", args=[inquiry.pk])}"' in html
    assert f'<option value="{agent.pk}" selected>' in html
    assert 'name="csrfmiddlewaretoken"' in html.split(f'id="agent-{inquiry.pk}"')[0].rsplit("<form", 1)[1]
