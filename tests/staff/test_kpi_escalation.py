"""The escalation SLA KPI (#15): the dashboard figure, the drill-down rows and the XLSX export agree on a dataset of
edge cases (a second before and after the deadline, unanswered, outside the month), per agent and per department."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse

from aftersales import permissions as roles
from inquiries import kpi_sources
from inquiries.models import Inquiry
from org.models import Department
from staff import kpi as kpis
from staff import rollup
from tests.staff.builders import at, inquiry
from tests.staff.test_kpi_agreement import MONTH, NOW, _expected_from_records, _records, _xlsx_totals

pytestmark = pytest.mark.django_db


def _escalation(who, department, *, due, answered=None, breached=None):
    record = inquiry(received_at=due - timedelta(days=1, hours=1), assigned_to=who, response_minutes=3)
    Inquiry.objects.filter(pk=record.pk).update(
        status=Inquiry.Status.OPEN if answered else Inquiry.Status.ESCALATED,
        escalated_to=department,
        escalated_at=due - timedelta(hours=24),
        escalation_due=due,
        escalation_answered_at=answered,
        escalation_breached_at=breached,
    )
    return record


@pytest.fixture
def escalations(make_staff):
    with time_machine.travel(NOW, tick=False):
        alice = make_staff("alice", roles.AGENT)
        bob = make_staff("bob", roles.AGENT)
        finance = Department.objects.create(code="finance", name="Finance")
        legal = Department.objects.create(code="legal", name="Legal")
        due = at(2026, 11, 10)
        _escalation(alice, finance, due=due, answered=due - timedelta(hours=3))  # in time
        _escalation(alice, finance, due=due, answered=due)  # at the deadline itself: in time
        late_by_a_second = due + timedelta(seconds=1)
        _escalation(alice, legal, due=due, answered=late_by_a_second, breached=late_by_a_second)  # late
        _escalation(bob, finance, due=due, breached=late_by_a_second)  # never answered, breach recorded
        _escalation(bob, legal, due=at(2026, 11, 30, 23, 59), answered=at(2026, 11, 30, 12))  # last minute: in time
        _escalation(bob, finance, due=at(2026, 12, 11))  # due in December, still open: no outcome yet
        _escalation(alice, finance, due=at(2026, 10, 31, 23, 59), answered=at(2026, 10, 31))  # October
        inquiry(received_at=at(2026, 11, 12), assigned_to=alice, response_minutes=2)  # never escalated
    return {"alice": alice, "bob": bob, "finance": finance, "legal": legal}


@pytest.mark.parametrize("rolled_up", [False, True], ids=["live", "rolled-up"])
def test_escalation_sla_dashboard_records_and_xlsx_agree(rolled_up, escalations, client, manager):
    kpi = kpis.KPI_BY_CODE["escalation_sla"]
    with time_machine.travel(NOW, tick=False):
        client.force_login(manager)
        if rolled_up:
            rollup.rollup_rebuild(days_back=60)
        cards = {c["kpi"].code: c for c in client.get(reverse("staff:dashboard"), MONTH).context["cards"]}
        figure = cards["escalation_sla"]["value"]
        expected = _expected_from_records(client, kpi)
        exported = _xlsx_totals(client)[str(kpi.label)]
        rows = _records(client, "escalation_sla").count()
    # 3 of 5 November escalations with a known outcome were answered by their deadline
    assert figure == expected == Decimal("60.0")
    assert exported == float(figure)
    assert cards["escalation_sla"]["count"] == rows == 5


def test_escalation_sla_per_agent_and_per_department(escalations):
    period = kpis.Period.month(date(2026, 11, 1))
    with time_machine.travel(NOW, tick=False):
        report = kpis.kpi_report(period=period)
        by_department = kpi_sources.escalations_by_department(period=period)
    per_agent = {row.username: row.figures.value("escalation_sla") for row in report.rows}
    assert per_agent["alice"] == Decimal("66.7")  # 2 of 3
    assert per_agent["bob"] == Decimal("50.0")  # 1 of 2
    finance, legal = escalations["finance"], escalations["legal"]
    assert by_department[finance.pk] == {"esc_total": 3, "esc_met": 2}
    assert by_department[legal.pk] == {"esc_total": 2, "esc_met": 1}
