"""Weekly QA sample: reproducible, stored, at least one item per agent who closed anything; scorecards."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from aftersales import permissions as roles
from org.models import Department, Team
from staff import kpi as kpis
from staff import qa
from staff.models import QaReview
from tests.staff.builders import at, inquiry

pytestmark = pytest.mark.django_db

WEEK = date(2026, 11, 16)  # a Monday


@pytest.fixture
def week_of_work(make_staff, supervisor):
    team = Team.objects.create(
        name="A", department=Department.objects.create(code="s", name="S"), supervisor=supervisor
    )
    alice = make_staff("alice", roles.AGENT, team=team)
    bob = make_staff("bob", roles.AGENT, team=team)
    carol = make_staff("carol", roles.AGENT, team=team)
    for i in range(40):  # alice closes 40 in the week
        inquiry(
            received_at=at(2026, 11, 16 + i % 7),
            assigned_to=alice,
            resolved_at=at(2026, 11, 16 + i % 7, 15),
            resolved_by=alice,
        )
    for i in range(3):  # bob closes 3
        inquiry(received_at=at(2026, 11, 17), assigned_to=bob, resolved_at=at(2026, 11, 17, 15), resolved_by=bob)
    inquiry(received_at=at(2026, 11, 10), assigned_to=carol, resolved_at=at(2026, 11, 10, 15), resolved_by=carol)
    return {"alice": alice, "bob": bob, "carol": carol, "supervisor": supervisor}


def test_sample_sizes_rate_rounded_half_up_at_least_one():
    assert qa.sample_size(40, Decimal("0.05")) == 2
    assert qa.sample_size(3, Decimal("0.05")) == 1
    assert qa.sample_size(30, Decimal("0.05")) == 2  # 1.5 rounds up
    assert qa.sample_size(0, Decimal("0.05")) == 0


def test_weekly_sample_is_reproducible_and_covers_every_agent(week_of_work, settings):
    settings.QA_SAMPLE_RATE = Decimal("0.05")
    # when
    created = qa.qa_week_sample(week=WEEK + timedelta(days=3))  # any day of the week
    first = sorted(QaReview.objects.values_list("agent__username", "object_id"))
    # then: 2 of alice's 40, 1 of bob's 3, none for carol (closed nothing that week)
    assert created == 3
    counts = {}
    for username, _ in first:
        counts[username] = counts.get(username, 0) + 1
    assert counts == {"alice": 2, "bob": 1}
    assert set(QaReview.objects.values_list("reviewer__username", flat=True)) == {"supervisor_s"}
    # running again adds nothing; a fresh draw from the same data gives the same sample
    assert qa.qa_week_sample(week=WEEK) == 0
    QaReview.objects.all().delete()
    qa.qa_week_sample(week=WEEK)
    assert sorted(QaReview.objects.values_list("agent__username", "object_id")) == first


def test_scorecard_feeds_qa_kpi_and_is_shown_to_the_agent(week_of_work, client):
    qa.qa_week_sample(week=WEEK)
    item = QaReview.objects.filter(agent=week_of_work["bob"]).get()
    # the agent cannot see the pending sample
    client.force_login(week_of_work["bob"])
    assert client.get(reverse("staff:qa_review", args=[item.pk])).status_code == 403
    # the supervisor fills in the scorecard
    client.force_login(week_of_work["supervisor"])
    response = client.post(
        reverse("staff:qa_review", args=[item.pk]),
        {"accuracy": 90, "attitude": 80, "compliance": 100, "timeliness": 70, "comments": "Good"},
    )
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.score == Decimal("85.00")
    # the agent sees it now, read-only
    client.force_login(week_of_work["bob"])
    page = client.get(reverse("staff:qa_review", args=[item.pk]))
    assert page.status_code == 200 and page.context["form"] is None
    assert client.post(reverse("staff:qa_review", args=[item.pk]), {"accuracy": 100}).status_code == 403
    assert b"85.00" in client.get(reverse("staff:my_kpis")).content
    # and it counts in the QA KPI for the period it was reviewed in
    figures = next(
        r
        for r in kpis.kpi_report(period=kpis.Period.day(timezone.localdate(item.reviewed_at))).rows
        if r.username == "bob"
    ).figures
    assert figures.value("qa") == Decimal("85.0")


def test_scores_out_of_range_are_refused(week_of_work, client):
    qa.qa_week_sample(week=WEEK)
    item = QaReview.objects.filter(agent=week_of_work["bob"]).get()
    client.force_login(week_of_work["supervisor"])
    response = client.post(
        reverse("staff:qa_review", args=[item.pk]),
        {"accuracy": 101, "attitude": 80, "compliance": 100, "timeliness": 70},
    )
    assert response.status_code == 200
    item.refresh_from_db()
    assert item.reviewed_at is None


def test_qa_queue_lists_the_supervisors_items(week_of_work, client):
    qa.qa_week_sample(week=WEEK)
    client.force_login(week_of_work["supervisor"])
    response = client.get(reverse("staff:qa_queue"))
    assert response.context["open_count"] == 3
