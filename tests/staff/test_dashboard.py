"""Dashboard, own figures, drill-down, exports: who sees what, the figures shown, and a bounded query count."""

import csv
import io

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from aftersales import permissions as roles
from org.models import Department, Team
from tests.staff.builders import at, inquiry

pytestmark = pytest.mark.django_db

MONTH = {"period": "month", "date": "2026-11-01"}


@pytest.fixture
def teams(make_staff, supervisor):
    dept = Department.objects.create(code="svc", name="Service")
    team_a = Team.objects.create(name="Hotline A", department=dept, supervisor=supervisor)
    team_b = Team.objects.create(name="Hotline B", department=dept)
    alice = make_staff("alice", roles.AGENT, team=team_a)
    bob = make_staff("bob", roles.AGENT, team=team_b)
    # alice: 7 of 8 in time; bob: 1 of 2
    for i in range(7):
        inquiry(
            received_at=at(2026, 11, 2 + i),
            assigned_to=alice,
            response_minutes=4,
            resolved_at=at(2026, 11, 2 + i, 12),
            resolved_by=alice,
        )
    breached = inquiry(received_at=at(2026, 11, 12), assigned_to=alice, response_minutes=20)
    inquiry(received_at=at(2026, 11, 3), assigned_to=bob, response_minutes=2)
    inquiry(received_at=at(2026, 11, 4), assigned_to=bob, response_minutes=50)
    return {"alice": alice, "bob": bob, "team_a": team_a, "team_b": team_b, "breached": breached}


@time_machine.travel("2026-11-28 12:00 +0800", tick=False)
def test_manager_dashboard_shows_cards_and_every_agent(client_manager, teams):
    # when
    response = client_manager.get(reverse("staff:dashboard"), MONTH)
    # then: service SLA 8 of 10 = 80%, alice 87.5%, bob 50%
    assert response.status_code == 200
    html = response.content.decode()
    assert "80.0%" in html and "87.5%" in html and "50.0%" in html
    assert 'id="kpi-trend"' in html and "chart-volume" in html
    rows = {r["row"].username: r for r in response.context["rows"]}
    assert {"alice", "bob"} <= set(rows)


@time_machine.travel("2026-11-28 12:00 +0800", tick=False)
def test_supervisor_sees_only_their_team(client_supervisor, teams):
    response = client_supervisor.get(reverse("staff:dashboard"), MONTH)
    usernames = {r["row"].username for r in response.context["rows"]}
    assert "alice" in usernames and "bob" not in usernames
    # the cards are the team's: alice's 7/8 only
    sla = next(c for c in response.context["cards"] if c["kpi"].code == "sla")
    assert sla["display"] == "87.5%"


@time_machine.travel("2026-11-28 12:00 +0800", tick=False)
def test_agent_sees_own_figures_only(client, teams):
    client.force_login(teams["bob"])
    response = client.get(reverse("staff:my_kpis"), MONTH)
    assert response.status_code == 200
    sla = next(c for c in response.context["cards"] if c["kpi"].code == "sla")
    assert sla["display"] == "50.0%"
    # and cannot open alice's records nor the service-wide figures
    assert client.get(reverse("staff:records"), {"kpi": "sla", "staff": teams["alice"].pk, **MONTH}).status_code == 403
    assert client.get(reverse("staff:records"), {"kpi": "complaint_rate", **MONTH}).status_code == 403
    assert client.get(reverse("staff:dashboard")).status_code == 403
    assert client.get(reverse("staff:dashboard_export"), {"format": "csv"}).status_code == 403


@time_machine.travel("2026-11-28 12:00 +0800", tick=False)
def test_drill_down_lists_the_breached_inquiries_of_one_agent(client_manager, teams):
    response = client_manager.get(
        reverse("staff:records"), {"kpi": "sla", "staff": teams["alice"].pk, "outcome": "breached", **MONTH}
    )
    assert response.status_code == 200
    refs = [row[0][0] for row in response.context["rows"]]
    assert refs == [teams["breached"].reference]
    # the unfiltered list holds all 8 that count
    response = client_manager.get(reverse("staff:records"), {"kpi": "sla", "staff": teams["alice"].pk, **MONTH})
    assert response.context["page"].paginator.count == 8


@time_machine.travel("2026-11-28 12:00 +0800", tick=False)
def test_table_sorts_by_a_kpi(client_manager, teams):
    response = client_manager.get(reverse("staff:dashboard"), {**MONTH, "sort": "sla", "dir": "asc"})
    with_data = [r["row"].username for r in response.context["rows"] if r["cells"][0]["value"] is not None]
    assert with_data == ["bob", "alice"]


@time_machine.travel("2026-11-28 12:00 +0800", tick=False)
def test_exports_hold_the_table_figures(client_manager, teams):
    xlsx = client_manager.get(reverse("staff:dashboard_export"), {**MONTH, "format": "xlsx"})
    sheet = load_workbook(io.BytesIO(xlsx.getvalue())).active
    header = [c.value for c in sheet[2]]
    rows = {r[1]: dict(zip(header, r, strict=False)) for r in sheet.iter_rows(min_row=3, values_only=True)}
    assert rows["alice"]["First-response SLA"] == 87.5
    assert rows["bob"]["First-response SLA"] == 50.0
    assert rows["alice"]["Inquiries handled"] == 7
    text = (
        client_manager.get(reverse("staff:dashboard_export"), {**MONTH, "format": "csv"}).getvalue().decode("utf-8-sig")
    )
    table = list(csv.DictReader(io.StringIO(text)))
    assert next(r for r in table if r["Username"] == "alice")["First-response SLA"] == "87.5"


@time_machine.travel("2026-11-28 12:00 +0800", tick=False)
def test_dashboard_query_count_does_not_grow_with_data(client_manager, make_staff, django_assert_max_num_queries):
    # given: a small month, measured; then ten times the data
    agents = [make_staff(f"agent{i}", roles.AGENT) for i in range(4)]

    def add(n):
        for i in range(n):
            inquiry(
                received_at=at(2026, 11, 1 + i % 27),
                assigned_to=agents[i % 4],
                response_minutes=i % 15,
                resolved_at=at(2026, 11, 1 + i % 27, 16),
                resolved_by=agents[i % 4],
            )

    add(8)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as small:
        client_manager.get(reverse("staff:dashboard"), MONTH)
    add(80)
    # then
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client_manager.get(reverse("staff:dashboard"), MONTH)
    assert response.status_code == 200
    with django_assert_max_num_queries(45):
        client_manager.get(reverse("staff:dashboard"), MONTH)


def test_bad_period_input_falls_back_to_this_month(client_manager):
    response = client_manager.get(reverse("staff:dashboard"), {"period": "custom", "start": "nonsense"})
    assert response.status_code == 200
    assert response.context["period"].kind == "month"
    assert response.context["period"].start == timezone.localdate().replace(day=1)
