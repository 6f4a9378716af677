"""Escalations as tracked work (#15): every department notified, its queue, the deadline alert and breach, the one
holding reply, the department's answer in the thread, and who may see which department's work."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from aftersales import permissions as roles
from aftersales.models import Notification
from inquiries import beat
from inquiries.models import Inquiry, InquiryMessage
from inquiries.services import escalation
from org.models import Department
from tests.inquiries.factories import make_inquiry

pytestmark = pytest.mark.django_db

T0 = "2026-12-07 09:00 +0800"


def _t0() -> datetime:
    return datetime.fromisoformat("2026-12-07T09:00:00+08:00")


@pytest.fixture
def finance_dept():
    return Department.objects.create(code="finance", name="Finance", escalation_hours=24)


@pytest.fixture
def risk_dept():
    return Department.objects.create(code="risk", name="Risk", escalation_hours=24)


@pytest.fixture
def legal_dept():
    return Department.objects.create(code="legal", name="Legal", escalation_hours=24)


@pytest.fixture
def finance_user(make_staff):
    return make_staff("finance_f", roles.FINANCE)


def _escalated(agent, department, **kwargs) -> Inquiry:
    inquiry = make_inquiry(minutes_ago=2)
    Inquiry.objects.filter(pk=inquiry.pk).update(assigned_to=agent, assigned_at=timezone.now())
    inquiry.refresh_from_db()
    return escalation.inquiry_escalate(inquiry=inquiry, department=department, actor=agent, note="Look", **kwargs)


def _notes(user, key_part: str = "") -> list[Notification]:
    return list(Notification.objects.filter(recipient=user, dedupe_key__contains=key_part))


# ---- finance notified and listed ---------------------------------------------------------------------------------


def test_escalation_to_finance_notifies_finance_and_lists_it(
    client_agent, agent, finance_user, risk_assessor, legal_advisor, finance_dept, client
):
    # given an inquiry of the agent's
    inquiry = make_inquiry(minutes_ago=2)
    # when the agent escalates it to finance on the inquiry page
    response = client_agent.post(
        reverse("inquiries:escalate", args=[inquiry.pk]),
        {"escalate-department": finance_dept.pk, "escalate-note": "Fee refund question"},
    )
    assert response.status_code == 302
    # then finance's member is told (with a link to the department's page), risk and legal are not
    notes = _notes(finance_user, "inquiry-escalated-")
    assert len(notes) == 1 and inquiry.reference in notes[0].message
    assert notes[0].link == reverse("inquiries:department_inquiry", args=[inquiry.pk])
    assert _notes(risk_assessor) == [] and _notes(legal_advisor) == []
    # and the inquiry is on finance's queue, where finance lands after sign-in
    client.force_login(finance_user)
    landing = client.get(reverse("home"), follow=True)
    assert landing.redirect_chain[-1][0] == reverse("inquiries:department_queue", args=["finance"])
    assert inquiry.reference in landing.content.decode()
    assert [i.pk for i in landing.context["inquiries"]] == [inquiry.pk]


def test_escalation_records_when_and_starts_a_new_clock(agent, finance_dept, risk_dept):
    with time_machine.travel(T0, tick=False):
        inquiry = _escalated(agent, finance_dept)
    assert inquiry.escalated_at == _t0() and inquiry.escalation_due == _t0() + timedelta(hours=24)
    Inquiry.objects.filter(pk=inquiry.pk).update(escalation_alerted_at=_t0(), escalation_breached_at=_t0())
    # escalated again, elsewhere, a day later: the alert and breach of the first clock are gone
    with time_machine.travel(_t0() + timedelta(days=1), tick=False):
        again = escalation.inquiry_escalate(inquiry=inquiry, department=risk_dept, actor=agent)
    assert again.escalated_to == risk_dept and again.escalation_alerted_at is None
    assert again.escalation_breached_at is None and again.escalation_due == _t0() + timedelta(hours=48)


# ---- the deadline: alert once, breach once -----------------------------------------------------------------------


def test_deadline_alert_once_at_the_alert_time(agent, supervisor, finance_user, finance_dept, settings):
    # given an escalation at 09:00 due 24 h later, alerts 2 hours before (07:00 the next day)
    settings.INQUIRY_ESCALATION_ALERT_HOURS = 2
    with time_machine.travel(T0, tick=False):
        inquiry = _escalated(agent, finance_dept)
    alert_at = _t0() + timedelta(hours=22)
    # a minute before the alert time: nothing
    assert escalation.escalation_alerts_send(now=alert_at - timedelta(minutes=1)) == 0
    assert _notes(finance_user, "escalation-alert") == [] and _notes(supervisor, "escalation-alert") == []
    # at it: one alert, to the department and to the supervisor
    assert escalation.escalation_alerts_send(now=alert_at) == 1
    # run twice (and again five minutes later): still one
    assert escalation.escalation_alerts_send(now=alert_at) == 0
    assert escalation.escalation_alerts_send(now=alert_at + timedelta(minutes=5)) == 0
    assert len(_notes(finance_user, "escalation-alert")) == 1
    assert len(_notes(supervisor, "escalation-alert")) == 1
    inquiry.refresh_from_db()
    assert inquiry.escalation_alerted_at == alert_at and inquiry.escalation_breached_at is None


def test_answered_escalation_gets_no_alert(agent, finance_user, finance_dept):
    with time_machine.travel(T0, tick=False):
        inquiry = _escalated(agent, finance_dept)
        escalation.department_answer_add(inquiry=inquiry, actor=finance_user, body="Refund due on the 5th")
    assert escalation.escalation_alerts_send(now=_t0() + timedelta(hours=23)) == 0
    assert escalation.escalation_breaches_mark(now=_t0() + timedelta(hours=25)) == 0


def test_breach_recorded_once_a_second_after_the_deadline(agent, supervisor, manager, finance_dept):
    with time_machine.travel(T0, tick=False):
        inquiry = _escalated(agent, finance_dept)
    due = _t0() + timedelta(hours=24)
    # at the deadline itself: not breached yet
    assert escalation.escalation_breaches_mark(now=due) == 0
    # a second later: recorded, the supervisor and the manager told
    assert escalation.escalation_breaches_mark(now=due + timedelta(seconds=1)) == 1
    assert escalation.escalation_breaches_mark(now=due + timedelta(minutes=5)) == 0
    inquiry.refresh_from_db()
    assert inquiry.escalation_breached_at == due + timedelta(seconds=1)
    assert len(_notes(supervisor, "escalation-breach")) == 1 and len(_notes(manager, "escalation-breach")) == 1
    # the queue's "deadline missed" filter lists it
    assert list(escalation.department_inquiries(department=finance_dept, state="breached")) == [inquiry]


def test_the_breached_tab_counts_a_waiting_escalation_past_its_deadline_before_the_watch_runs(agent, finance_dept):
    with time_machine.travel(T0, tick=False):
        inquiry = _escalated(agent, finance_dept)
    due = _t0() + timedelta(hours=24)
    # at the deadline: waiting, not breached; a second later (no watch run yet): breached in the list and the count
    assert escalation.department_counts(departments=[finance_dept], now=due)[finance_dept.pk]["breached"] == 0
    assert list(escalation.department_inquiries(department=finance_dept, state="breached", now=due)) == []
    later = due + timedelta(seconds=1)
    counts = escalation.department_counts(departments=[finance_dept], now=later)[finance_dept.pk]
    assert (counts["breached"], counts["overdue"], counts["open"]) == (1, 1, 1)
    assert list(escalation.department_inquiries(department=finance_dept, state="breached", now=later)) == [inquiry]
    assert Inquiry.objects.get(pk=inquiry.pk).escalation_breached_at is None  # nothing written by a read


def test_the_beat_task_runs_every_five_minutes_and_does_both(agent, finance_dept):
    from inquiries import tasks

    assert beat.BEAT_SCHEDULE["inquiries-escalation-watch"] == {
        "task": "inquiries.tasks.escalation_watch",
        "schedule": 300.0,
    }
    with time_machine.travel(T0, tick=False):
        inquiry = _escalated(agent, finance_dept)
    with time_machine.travel(_t0() + timedelta(hours=25), tick=False):
        tasks.escalation_watch()
        tasks.escalation_watch()
    inquiry.refresh_from_db()
    assert inquiry.escalation_breached_at == _t0() + timedelta(hours=25)
    assert inquiry.escalation_alerted_at is None  # past the deadline: a breach, not a warning


# ---- the holding reply, once ------------------------------------------------------------------------------------


def test_holding_reply_sent_once_even_when_escalated_again(agent, finance_dept, risk_dept):
    inquiry = make_inquiry(channel="sms", minutes_ago=2)
    escalation.inquiry_escalate(
        inquiry=inquiry, department=finance_dept, actor=agent, holding_reply="We passed it to finance", via="sms"
    )
    again = escalation.inquiry_escalate(
        inquiry=inquiry, department=risk_dept, actor=agent, holding_reply="We passed it to risk", via="sms"
    )
    replies = InquiryMessage.objects.filter(inquiry=inquiry, kind=InquiryMessage.Kind.REPLY)
    assert [m.body for m in replies] == ["We passed it to finance"]
    assert again.holding_reply_sent_at is not None
    events = InquiryMessage.objects.filter(inquiry=inquiry, kind=InquiryMessage.Kind.EVENT)
    assert any("not sent again" in m.body for m in events)


def test_holding_reply_text_names_the_department_and_the_deadline(finance_dept):
    inquiry = make_inquiry(minutes_ago=1)
    inquiry.language = "en"
    text = escalation.holding_reply_text(inquiry=inquiry, department=finance_dept, due=_t0())
    assert inquiry.reference in text and "Finance" in text and "2026-12-07 09:00" in text


# ---- the department's answer, into the thread -------------------------------------------------------------------


def test_department_answer_goes_into_the_thread_and_back_to_the_agent(agent, finance_user, finance_dept, client):
    inquiry = _escalated(agent, finance_dept)
    client.force_login(finance_user)
    page = client.get(reverse("inquiries:department_inquiry", args=[inquiry.pk]))
    assert page.status_code == 200 and 'data-testid="department-answer-form"' in page.content.decode()
    response = client.post(
        reverse("inquiries:department_answer", args=[inquiry.pk]),
        {"department-body": "The late fee was charged by mistake; refund approved.", "next": "department"},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("inquiries:department_queue", args=["finance"])
    inquiry.refresh_from_db()
    answer = InquiryMessage.objects.get(inquiry=inquiry, kind=InquiryMessage.Kind.DEPARTMENT)
    assert answer.author == finance_user and "refund approved" in answer.body
    assert inquiry.status == Inquiry.Status.OPEN and inquiry.escalation_answered_at == answer.created_at
    assert inquiry.awaiting_agent is True
    assert len(_notes(agent, "department-answer")) == 1
    # answered: it leaves the waiting list, and a second answer is refused beside the field
    assert list(escalation.department_inquiries(department=finance_dept)) == []
    second = client.post(reverse("inquiries:department_answer", args=[inquiry.pk]), {"department-body": "More"})
    assert second.status_code == 400 and second.context["department_answer_form"].errors["body"]


def test_department_answer_refused_to_other_departments_and_empty(
    agent, risk_assessor, finance_user, finance_dept, client
):
    inquiry = _escalated(agent, finance_dept)
    client.force_login(risk_assessor)
    url = reverse("inquiries:department_answer", args=[inquiry.pk])
    assert client.post(url, {"department-body": "Not ours"}).status_code == 403
    client.force_login(finance_user)
    empty = client.post(url, {"department-body": ""})
    assert empty.status_code == 400 and empty.context["department_answer_form"].errors["body"]
    assert not InquiryMessage.objects.filter(kind=InquiryMessage.Kind.DEPARTMENT).exists()


def test_answer_after_the_deadline_records_the_breach(agent, finance_user, finance_dept):
    with time_machine.travel(T0, tick=False):
        inquiry = _escalated(agent, finance_dept)
    with time_machine.travel(_t0() + timedelta(hours=24, minutes=1), tick=False):
        escalation.department_answer_add(inquiry=inquiry, actor=finance_user, body="Late answer")
    inquiry.refresh_from_db()
    assert inquiry.escalation_breached_at == _t0() + timedelta(hours=24, minutes=1)


# ---- who sees which department's work ---------------------------------------------------------------------------


def test_finance_queue_only_for_finance_and_leaders(
    client, agent, risk_assessor, finance_user, supervisor, finance_dept, django_user_model
):
    url = reverse("inquiries:department_queue", args=["finance"])
    for user, status in ((agent, 403), (risk_assessor, 403), (finance_user, 200), (supervisor, 200)):
        client.force_login(user)
        assert client.get(url).status_code == status, user.username
    admin = django_user_model.objects.create_superuser("root", "root@example.com", "x")
    client.force_login(admin)
    assert client.get(url).status_code == 200


def test_finance_sees_only_inquiries_escalated_to_finance(client, agent, finance_user, finance_dept, risk_dept):
    ours, theirs = _escalated(agent, finance_dept), _escalated(agent, risk_dept)
    client.force_login(finance_user)
    assert client.get(reverse("inquiries:department_inquiry", args=[ours.pk])).status_code == 200
    assert client.get(reverse("inquiries:department_inquiry", args=[theirs.pk])).status_code == 403
    # and the agents' own pages stay closed to finance
    assert client.get(reverse("inquiries:queue")).status_code == 403


def test_legal_lands_on_its_escalated_inquiries_with_the_complaints_beside_them(
    client, agent, legal_advisor, legal_dept
):
    inquiry = _escalated(agent, legal_dept)
    client.force_login(legal_advisor)
    landing = client.get(reverse("home"), follow=True)
    html = landing.content.decode()
    assert landing.redirect_chain[-1][0] == reverse("inquiries:department_queue", args=["legal"])
    assert inquiry.reference in html
    assert 'data-testid="legal-complaints-link"' in html and reverse("complaints:legal_queue") in html


def test_queue_parameters_are_parsed_and_bad_ones_ignored(client, agent, finance_user, finance_dept):
    inquiry = _escalated(agent, finance_dept)
    client.force_login(finance_user)
    url = reverse("inquiries:department_queue", args=["finance"])
    for query in (
        {"state": "bogus"},
        {"page": "abc"},
        {"page": "99999999999999999999"},
        {"state": "open", "page": "7"},
    ):
        response = client.get(url, query)
        assert response.status_code == 200, query
        assert response.context["state"] == "open"
        assert [i.pk for i in response.context["inquiries"]] == [inquiry.pk]
    empty = client.get(url, {"state": "answered"})
    assert empty.status_code == 200 and "Nothing answered yet" in empty.content.decode()


def test_overdue_first_with_a_countdown(client, agent, finance_user, finance_dept):
    with time_machine.travel(T0, tick=False):
        later = _escalated(agent, finance_dept)
    with time_machine.travel(_t0() - timedelta(days=2), tick=False):
        overdue = _escalated(agent, finance_dept)
    with time_machine.travel(_t0() + timedelta(hours=1), tick=False):
        client.force_login(finance_user)
        response = client.get(reverse("inquiries:department_queue", args=["finance"]))
    assert [i.pk for i in response.context["inquiries"]] == [overdue.pk, later.pk]
    html = response.content.decode()
    assert f'data-due="{later.escalation_due.isoformat()}"' in html
    assert response.context["counts"]["overdue"] == 1


def test_department_queue_queries_do_not_grow_with_rows(
    client, agent, finance_user, finance_dept, django_assert_max_num_queries
):
    client.force_login(finance_user)
    url = reverse("inquiries:department_queue", args=["finance"])
    _escalated(agent, finance_dept)
    client.get(url)  # warm what the layout keeps for a few seconds (unread count, banners)
    with django_assert_max_num_queries(10) as small:
        client.get(url)
    few = len(small.captured_queries)  # read now: the next request empties the connection's query log
    for _ in range(40):
        _escalated(agent, finance_dept)
    client.get(url)
    with django_assert_max_num_queries(few):
        response = client.get(url)
    assert len(response.context["inquiries"]) == 25


def test_overview_for_leaders_counts_each_department(client_supervisor, agent, finance_dept, risk_dept, legal_dept):
    _escalated(agent, finance_dept)
    _escalated(agent, finance_dept)
    _escalated(agent, risk_dept)
    response = client_supervisor.get(reverse("inquiries:departments"))
    rows = {d.code: c for d, c, _in_time in response.context["rows"]}
    assert rows["finance"]["open"] == 2 and rows["risk"]["open"] == 1 and rows["legal"]["open"] == 0


def test_the_escalation_box_include_stands_alone_with_the_deadline_wording(agent, finance_dept, rf):
    # the inquiry page includes it with only `inquiry` and `can_answer_department`
    from django.template.loader import render_to_string
    from django.utils import translation

    inquiry = _escalated(agent, finance_dept)
    request = rf.get("/")
    with translation.override("zh-hans"):
        member = render_to_string(
            "inquiries/_department_answer.html", {"inquiry": inquiry, "can_answer_department": True}, request=request
        )
        other = render_to_string(
            "inquiries/_department_answer.html", {"inquiry": inquiry, "can_answer_department": False}, request=request
        )
    assert reverse("inquiries:department_answer", args=[inquiry.pk]) in member and 'name="department-body"' in member
    assert 'value="detail"' in member  # back to the inquiry page after answering
    assert "处理时限" in member and "应还" not in member
    assert 'class="countdown' in member and f'data-due="{inquiry.escalation_due.isoformat()}"' in member
    assert "department-body" not in other and "处理时限" in other
