"""The KPI dashboard opens on the last full month, compared with the month before it (#17)."""

from datetime import date

import pytest
import time_machine
from django.urls import reverse

from staff.views.dashboard import last_full_month_start

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("now", "start", "end", "previous_start"),
    [
        # on 2 December: November, compared with October
        ("2026-12-02 09:00 +0800", date(2026, 11, 1), date(2026, 12, 1), date(2026, 10, 1)),
        # on 1 December (the first day): still November
        ("2026-12-01 00:05 +0800", date(2026, 11, 1), date(2026, 12, 1), date(2026, 10, 1)),
        # on 31 December: November (December is not over)
        ("2026-12-31 23:55 +0800", date(2026, 11, 1), date(2026, 12, 1), date(2026, 10, 1)),
        # on 1 January: December of the year before, compared with November
        ("2027-01-01 08:00 +0800", date(2026, 12, 1), date(2027, 1, 1), date(2026, 11, 1)),
    ],
)
def test_dashboard_opens_on_the_last_full_month(client, manager, now, start, end, previous_start):
    with time_machine.travel(now, tick=False):
        client.force_login(manager)  # signed in at that moment (an older session would have expired)
        response = client.get(reverse("staff:dashboard"))
    assert response.status_code == 200
    period, previous = response.context["period"], response.context["previous_period"]
    assert (period.start, period.end) == (start, end)
    assert (previous.start, previous.end) == (previous_start, start)


def test_a_period_asked_for_is_kept(client_manager):
    with time_machine.travel("2026-12-02 09:00 +0800", tick=False):
        response = client_manager.get(reverse("staff:dashboard"), {"period": "day", "date": "2026-12-02"})
    assert (response.context["period"].start, response.context["period"].end) == (date(2026, 12, 2), date(2026, 12, 3))


def test_own_figures_stay_on_the_current_month(client_agent):
    with time_machine.travel("2026-12-02 09:00 +0800", tick=False):
        response = client_agent.get(reverse("staff:my_kpis"))
    assert response.context["period"].start == date(2026, 12, 1)


def test_last_full_month_start_at_the_edges():
    assert last_full_month_start(date(2026, 3, 31)) == date(2026, 2, 1)
    assert last_full_month_start(date(2027, 1, 1)) == date(2026, 12, 1)
    assert last_full_month_start(date(2026, 12, 31)) == date(2026, 11, 1)


def test_complaint_charts_count_the_period_by_category_and_timeliness(client, manager):
    # given in November: two fee complaints and one on collection conduct; one in October (not counted)
    from complaints.models import Complaint
    from tests.complaints.factories import make_complaint

    shanghai = "Asia/Shanghai"
    from datetime import datetime
    from zoneinfo import ZoneInfo

    tz = ZoneInfo(shanghai)
    fees = [make_complaint(category="fees", received_at=datetime(2026, 11, d, 10, tzinfo=tz)) for d in (3, 20)]
    make_complaint(category="collection_conduct", received_at=datetime(2026, 11, 5, 10, tzinfo=tz))
    make_complaint(category="fees", received_at=datetime(2026, 10, 30, 10, tzinfo=tz))
    # one November fee complaint told on time, the other late
    Complaint.objects.filter(pk=fees[0].pk).update(on_time=True, informed_at=datetime(2026, 11, 10, tzinfo=tz))
    Complaint.objects.filter(pk=fees[1].pk).update(on_time=False, informed_at=datetime(2026, 11, 28, tzinfo=tz))
    # when the manager opens the dashboard on 2 December (November)
    with time_machine.travel("2026-12-02 09:00 +0800", tick=False):
        client.force_login(manager)
        response = client.get(reverse("staff:dashboard"))
    charts = response.context["charts"]
    counts = dict(zip(charts["complaints"]["labels"], charts["complaints"]["counts"], strict=True))
    assert counts["Fees"] == 2 and counts["Collection conduct"] == 1 and sum(counts.values()) == 3
    assert charts["timeliness"]["counts"] == [1, 1]
    # income: the six months June to November, the company's figures (none booked here)
    assert charts["revenue"]["labels"] == ["2026-06", "2026-07", "2026-08", "2026-09", "2026-10", "2026-11"]
    assert [s["data"] for s in charts["revenue"]["series"]] == [[0.0] * 6] * 3
    page = response.content.decode()
    assert 'id="chart-complaint-category"' in page and 'id="dashboard-charts"' in page
