"""Hostile query and form parameters the black-box attack found answering 500: each is refused or ignored now."""

from __future__ import annotations

import pytest
from django.urls import reverse

from aftersales.models import Notification
from staff.models import TrainingSession

pytestmark = pytest.mark.django_db

HUGE = "99999999999999999999"  # 20 digits: beyond 64 bits


@pytest.mark.parametrize("year", ["abc", "0", "-1", HUGE])
def test_training_page_with_a_bad_year_shows_this_year_and_says_so(client_agent, year):
    # when
    response = client_agent.get(reverse("staff:training"), {"year": year})
    # then
    assert response.status_code == 200
    assert response.context["year"] == response.context["today"].year
    assert "showing this year instead" in response.content.decode()


def test_training_page_with_a_good_year(client_agent):
    assert client_agent.get(reverse("staff:training"), {"year": "2025"}).context["year"] == 2025


@pytest.mark.parametrize("value", ["abc", "-1", HUGE])
def test_mark_read_with_a_bad_id_marks_nothing(client, agent, value):
    # given: one unread notification
    note = Notification.objects.create(recipient=agent, message="hello")
    client.force_login(agent)
    # when
    response = client.post(reverse("notifications_mark_read"), {"id": value})
    # then: back to the list, nothing marked
    assert response.status_code == 302
    note.refresh_from_db()
    assert note.read_at is None


def test_mark_read_with_a_good_id(client, agent):
    note = Notification.objects.create(recipient=agent, message="hello")
    other = Notification.objects.create(recipient=agent, message="other")
    client.force_login(agent)
    client.post(reverse("notifications_mark_read"), {"id": str(note.pk)})
    note.refresh_from_db()
    other.refresh_from_db()
    assert note.read_at is not None and other.read_at is None


@pytest.mark.parametrize("query", [f"at__year={HUGE}", "at__year=9999", "at__year=2026&at__month=13", "at__year=x"])
def test_admin_date_hierarchy_with_a_bad_year_is_an_invalid_filter(client, query):
    from django.contrib.auth import get_user_model

    admin_user = get_user_model().objects.create_superuser("root", "root@example.com", "x")
    client.force_login(admin_user)
    response = client.get(reverse("admin:aftersales_auditentry_changelist") + "?" + query)
    assert response.status_code == 302 and response["Location"].endswith("?e=1")


def test_admin_date_hierarchy_with_a_good_day(client):
    from django.contrib.auth import get_user_model

    client.force_login(get_user_model().objects.create_superuser("root", "root@example.com", "x"))
    url = reverse("admin:aftersales_auditentry_changelist") + "?at__year=2024&at__month=2&at__day=29"
    assert client.get(url).status_code == 200


@pytest.mark.parametrize("value", [HUGE, "-1", "abc"])
def test_records_with_a_bad_team_shows_the_visible_scope(client_manager, value):
    response = client_manager.get(reverse("staff:records"), {"kpi": "sla", "team": value})
    assert response.status_code == 200
    assert response.context["subject"] == ""
    assert "A filter of this link is not valid" in response.content.decode()


def test_records_with_a_huge_staff_id_is_not_a_server_error(client_manager):
    assert client_manager.get(reverse("staff:records"), {"kpi": "sla", "staff": HUGE}).status_code == 200


def test_new_training_with_a_huge_attendee_id_is_refused_by_the_form(client_manager, agent):
    # when
    response = client_manager.post(
        reverse("staff:training_new"),
        {
            "title": "Privacy",
            "topic": "infosec",
            "held_on": "2026-11-20",
            "hours": "1.5",
            "trainer": "Li",
            "attendees": [str(agent.pk), HUGE],
        },
    )
    # then: the form again with an error at the field, nothing saved
    assert response.status_code == 200
    assert "attendees" in response.context["form"].errors
    assert not TrainingSession.objects.exists()


@pytest.mark.parametrize("date", ["0001-01-01", "9999-12-31"])
def test_dashboard_with_a_date_at_the_calendar_edge_shows_this_month(client_manager, date):
    response = client_manager.get(reverse("staff:dashboard"), {"period": "week", "date": date})
    assert response.status_code == 200
    assert response.context["period"].kind == "month"


def test_audit_log_ignores_an_impossible_date_and_says_so(client_manager, manager):
    # given: two entries
    from aftersales.audit import audit_log

    audit_log(actor=manager, action="first_thing", changes={})
    audit_log(actor=manager, action="second_thing", changes={})
    # when: an impossible date next to a valid filter
    response = client_manager.get(reverse("audit_log"), {"date_from": "2026-02-30", "action": "second_thing"})
    # then: the valid filter applies, the date is ignored and emptied, and the page says so
    assert response.status_code == 200
    assert [e.action for e in response.context["page"].object_list] == ["second_thing"]
    assert response.context["q"]["date_from"] == "" and response.context["q"]["action"] == "second_thing"
    assert "dates must look like 2026-01-31" in response.content.decode()


def test_audit_log_filters_by_a_valid_day_range(client_manager, manager):
    from aftersales.audit import audit_log

    audit_log(actor=manager, action="today_thing", changes={})
    response = client_manager.get(reverse("audit_log"), {"date_from": "2000-01-01", "date_to": "2000-12-31"})
    assert list(response.context["page"].object_list) == []


@pytest.mark.parametrize("month", ["99999999999999999999-01", "2026-13", "abc", "0000-01"])
def test_reviews_with_a_bad_month_show_last_month(client_manager, month):
    import time_machine

    with time_machine.travel("2026-11-28 12:00 +0800", tick=False):
        response = client_manager.get(reverse("staff:reviews"), {"month": month})
    assert response.status_code == 200
    assert response.context["month_value"] == "2026-10"
    assert "showing last month instead" in response.content.decode()


def test_reviews_with_a_good_month(client_manager):
    assert client_manager.get(reverse("staff:reviews"), {"month": "2025-03"}).context["month_value"] == "2025-03"
