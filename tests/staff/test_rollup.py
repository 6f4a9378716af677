"""Daily roll-ups give exactly the live figures, and changes to rolled days are picked up by the task."""

from datetime import date, timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from aftersales import permissions as roles
from staff import kpi as kpis
from staff import rollup
from staff.models import KpiRollupDay
from tests.staff.builders import at, inquiry

pytestmark = pytest.mark.django_db

NOVEMBER = kpis.Period.month(date(2026, 11, 1))


@pytest.fixture
def month_of_work(make_staff):
    alice = make_staff("alice", roles.AGENT)
    bob = make_staff("bob", roles.AGENT)
    for i in range(30):
        who = alice if i % 3 else bob
        inquiry(
            received_at=at(2026, 11, 1 + i % 28, 9 + i % 8),
            assigned_to=who,
            response_minutes=(i * 7) % 23,
            resolved_at=at(2026, 11, 1 + i % 28, 18) if i % 4 else None,
            resolved_by=who if i % 4 else None,
        )
    inquiry(received_at=at(2026, 10, 30), assigned_to=alice, response_minutes=3)  # previous period
    inquiry(received_at=at(2026, 11, 5), response_minutes=12)  # unassigned
    return {"alice": alice, "bob": bob}


def snapshot(report):
    rows = {r.username: r.figures.values() for r in report.rows}
    return report.total.values(), rows, report.previous.values() if report.previous else None


@time_machine.travel("2026-12-03 10:00 +0800", tick=False)
def test_rolled_up_figures_equal_live_figures(month_of_work):
    # given: the figures computed live
    live = snapshot(kpis.kpi_report(period=NOVEMBER, with_previous=True))
    live_trend = kpis.kpi_trend(period=NOVEMBER)
    # when: every past day is rolled up
    assert rollup.rollup_rebuild(days_back=60) == 61
    # then: the same figures, medians included
    assert snapshot(kpis.kpi_report(period=NOVEMBER, with_previous=True)) == live
    assert kpis.kpi_trend(period=NOVEMBER) == live_trend
    assert not KpiRollupDay.objects.filter(day__gt=date(2026, 12, 3)).exists()  # nothing beyond today


def test_change_to_a_rolled_day_is_picked_up(month_of_work):
    # given: an inquiry of 20 November still open when the days were rolled up
    with time_machine.travel("2026-12-03 10:00 +0800", tick=False):
        open_one = inquiry(received_at=at(2026, 11, 20), assigned_to=month_of_work["alice"], response_minutes=2)
        rollup.rollup_rebuild(days_back=60)
        before = kpis.kpi_report(period=NOVEMBER).total.components["inq_resolved"]
    # when: it is resolved the next day, and the task runs
    with time_machine.travel("2026-12-04 09:00 +0800", tick=False):
        open_one.resolved_at = timezone.now()
        open_one.resolved_by = month_of_work["alice"]
        open_one.status = "resolved"
        open_one.save()
        rollup.rollup_keep_current()
        after = kpis.kpi_report(period=NOVEMBER)
        live = kpis.kpi_report(period=NOVEMBER)
    # then: November's resolution figures include it, as a live computation would
    assert after.total.components["inq_resolved"] == before + 1
    KpiRollupDay.objects.all().delete()
    with time_machine.travel("2026-12-04 09:00 +0800", tick=False):
        assert kpis.kpi_report(period=NOVEMBER).total.values() == live.total.values()


@time_machine.travel("2026-12-03 10:00 +0800", tick=False)
def test_dashboard_on_rollups_has_bounded_queries(month_of_work, client, manager, django_assert_max_num_queries):
    rollup.rollup_rebuild(days_back=60)
    client.force_login(manager)
    client_manager = client
    # + the complaint and income charts (3); + the chat ratings in CSAT on the live days (1, #16). PostgreSQL + Redis: 50
    with django_assert_max_num_queries(50):
        response = client_manager.get(reverse("staff:dashboard"), {"period": "month", "date": "2026-11-01"})
    assert response.status_code == 200


def test_histogram_median():
    assert rollup.median_from_histogram({60: 1, 120: 1, 600: 1}) == 120
    assert rollup.median_from_histogram({60: 2, 120: 2}) == 90
    assert rollup.median_from_histogram({}) is None
    assert rollup.runs([date(2026, 1, 3), date(2026, 1, 1), date(2026, 1, 2), date(2026, 1, 5)]) == [
        (date(2026, 1, 1), date(2026, 1, 3)),
        (date(2026, 1, 5), date(2026, 1, 5)),
    ]
    assert timedelta(days=1)
