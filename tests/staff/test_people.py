"""Duty status, who is on duty, training hours and the information-security reminder."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from aftersales import permissions as roles
from aftersales.models import Notification
from org.models import Department, StaffProfile, Team
from staff import training

pytestmark = pytest.mark.django_db


def test_agent_goes_on_and_off_duty(client_agent, agent, client):
    response = client_agent.post(reverse("staff:duty_set"), {"on_duty": "0"})
    assert response.status_code == 302
    assert StaffProfile.objects.get(user=agent).on_duty is False
    response = client_agent.post(reverse("staff:duty_set"), {"on_duty": "1"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and b"duty-toggle" in response.content
    profile = StaffProfile.objects.get(user=agent)
    assert profile.on_duty is True and profile.on_duty_since is not None
    assert client_agent.get(reverse("staff:duty_set")).status_code == 405


def test_manager_sees_who_is_on_duty(client_manager, make_staff):
    make_staff("on1", roles.AGENT, on_duty=True)
    make_staff("off1", roles.AGENT, on_duty=False)
    response = client_manager.get(reverse("staff:on_duty"))
    assert response.context["on_count"] == 1


def test_training_hours_this_year_on_the_profile(client_agent, agent):
    year = timezone.localdate().year
    training.training_session_create(
        title="A", topic="law", held_on=date(year, 1, 5), hours=Decimal("2.5"), trainer="T", attendees=[agent]
    )
    training.training_session_create(
        title="B", topic="finance", held_on=date(year - 1, 12, 5), hours=Decimal("9"), trainer="T", attendees=[agent]
    )
    response = client_agent.get(reverse("staff:profile"))
    assert response.context["hours"] == Decimal("2.5")
    assert b'data-testid="training-hours">2.5<' in response.content


def test_infosec_training_sets_due_date_and_supervisor_is_reminded(make_staff, supervisor):
    team = Team.objects.create(
        name="A", department=Department.objects.create(code="s", name="S"), supervisor=supervisor
    )
    alice = make_staff("alice", roles.AGENT, team=team)
    today = timezone.localdate()
    held = today - timedelta(days=350)
    training.training_session_create(
        title="Infosec",
        topic="information_security",
        held_on=held,
        hours=Decimal("1.5"),
        trainer="T",
        attendees=[alice],
    )
    profile = StaffProfile.objects.get(user=alice)
    assert profile.infosec_training_due == held + timedelta(days=365)  # due in 15 days
    # when the daily task runs twice
    assert training.infosec_due_remind(today=today) == 1
    assert training.infosec_due_remind(today=today) == 0
    note = Notification.objects.get(recipient=supervisor)
    assert "Alice" in note.message


def test_leader_records_a_training_session(client_manager, agent):
    response = client_manager.post(
        reverse("staff:training_new"),
        {
            "title": "Complaint rules",
            "topic": "complaint_handling",
            "held_on": "2026-11-20",
            "hours": "2",
            "trainer": "Legal",
            "attendees": [agent.pk],
        },
    )
    assert response.status_code == 302
    assert training.training_hours(user=agent, year=2026) == Decimal("2")
