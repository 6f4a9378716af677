"""For every KPI of the catalogue, on one dataset full of edge cases: the dashboard figure, the drill-down's row
counts (numerator and denominator) and the XLSX export figure agree — computed live and from the roll-ups."""

from __future__ import annotations

import io
import statistics
from datetime import date, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.db.models import Sum
from django.urls import reverse
from openpyxl import load_workbook

from aftersales import permissions as roles
from complaints.models import Complaint
from inquiries.models import Inquiry
from loans import kpi_sources as loan_sources
from org.models import Department
from reminders.models import Reminder
from staff import kpi as kpis
from staff import rollup
from staff.kpi.formulas import quantize, ratio
from staff.training import training_session_create
from tests.reminders.factories import make_customer, make_installment
from tests.staff.builders import at, inquiry, qa_review, reply_cost, survey

pytestmark = pytest.mark.django_db

MONTH = {"period": "month", "date": "2026-11-01"}
NOW = "2026-12-10 12:00 +0800"


def _complaint(n: int, who, *, received, informed=None, on_time=None, closed=None):
    return Complaint.objects.create(
        reference=f"AG{n}",
        source="hotline",
        category="fees",
        summary="Fee",
        language="en",
        assigned_to=who,
        received_at=received,
        acknowledge_due=received + timedelta(days=1),
        acknowledged_at=received + timedelta(hours=2),
        decision_due=received + timedelta(days=15),
        informed_at=informed,
        on_time=on_time,
        closed_at=closed,
        status="closed" if closed else ("informed" if informed else "investigating"),
    )


def _reminded(due: date, paid_at=None, *, sent=True, current=True):
    inst = make_installment(due_date=due)
    inst.paid_at, inst.is_current = paid_at, current
    inst.status = "paid" if paid_at else "pending"
    inst.save(update_fields=["paid_at", "status", "is_current"])
    Reminder.objects.create(
        installment=inst,
        loan=inst.loan,
        customer=inst.loan.customer,
        channel="sms",
        status="sent" if sent else "planned",
        planned_for=at(2026, 11, 1),
        created_at=at(2026, 11, 1),
        sent_at=at(2026, 11, 1) if sent else None,
        status_changed_at=at(2026, 11, 1),
    )


def _inquiries(alice, bob):
    for i in range(6):
        inquiry(received_at=at(2026, 11, 2 + i), assigned_to=alice, response_minutes=3 + i)  # in time
    inquiry(received_at=at(2026, 11, 9), assigned_to=alice, response_minutes=25)  # breached
    inquiry(received_at=at(2026, 11, 10), assigned_to=alice)  # outcome unknown
    inquiry(received_at=at(2026, 11, 30, 23, 59), assigned_to=bob, response_minutes=2)  # last minute of the month
    inquiry(received_at=at(2026, 10, 31, 23, 59), assigned_to=bob, response_minutes=40)  # October
    inquiry(received_at=at(2026, 11, 12), response_minutes=12)  # unassigned
    inquiry(received_at=at(2026, 11, 12), assigned_to=bob, sla_met=False)  # breached, never answered
    resolved = [
        inquiry(received_at=at(2026, 11, 3), assigned_to=alice, resolved_at=at(2026, 11, 3, 15), resolved_by=alice),
        inquiry(received_at=at(2026, 11, 4), assigned_to=alice, resolved_at=at(2026, 11, 4, 15), resolved_by=bob),
        inquiry(received_at=at(2026, 10, 30), assigned_to=bob, resolved_at=at(2026, 11, 1, 9), resolved_by=bob),
        inquiry(received_at=at(2026, 11, 28), assigned_to=bob, resolved_at=at(2026, 12, 1, 9), resolved_by=bob),
    ]
    reply_cost(inquiry=resolved[0], author=alice, price="0.05", created_at=at(2026, 11, 3, 11))
    reply_cost(inquiry=resolved[1], author=bob, price="0.03", created_at=at(2026, 11, 4, 11))
    reply_cost(inquiry=resolved[2], author=bob, price="0.07", created_at=at(2026, 10, 31, 11))  # October


def _escalations(alice, bob):
    """Escalations (#15): answered in time, at the deadline, a second late, never answered; one due in December."""
    finance = Department.objects.create(code="finance", name="Finance")
    due = at(2026, 11, 10)
    cases = [
        (alice, due, due - timedelta(hours=2), None),
        (alice, due, due, None),
        (bob, due, due + timedelta(seconds=1), due + timedelta(seconds=1)),
        (bob, due, None, due + timedelta(seconds=1)),
        (bob, at(2026, 12, 11), None, None),
    ]
    for who, deadline, answered, breached in cases:
        record = inquiry(received_at=deadline - timedelta(days=1), assigned_to=who)  # no SLA outcome: sla stays 70%
        Inquiry.objects.filter(pk=record.pk).update(
            escalated_to=finance,
            escalated_at=deadline - timedelta(hours=24),
            escalation_due=deadline,
            escalation_answered_at=answered,
            escalation_breached_at=breached,
        )


def _complaints(alice, bob):
    _complaint(1, alice, received=at(2026, 10, 25), informed=at(2026, 11, 3), on_time=True, closed=at(2026, 11, 4))
    _complaint(2, alice, received=at(2026, 11, 1), informed=at(2026, 11, 20), on_time=False)  # informed late
    _complaint(3, bob, received=at(2026, 10, 20), on_time=False)  # deadline 4 Nov passed, never informed
    _complaint(4, bob, received=at(2026, 11, 25))  # deadline in December: no outcome yet
    _complaint(5, bob, received=at(2026, 9, 1), informed=at(2026, 9, 5), on_time=True, closed=at(2026, 9, 6))
    _complaint(6, None, received=at(2026, 11, 5))  # unassigned


def _reminders():
    _reminded(date(2026, 11, 5), at(2026, 11, 4))
    _reminded(date(2026, 11, 6), at(2026, 11, 6, 23, 30))  # late evening of the due date counts
    _reminded(date(2026, 11, 8), at(2026, 11, 9, 0, 30))  # after the due date
    _reminded(date(2026, 11, 9))  # never paid
    _reminded(date(2026, 11, 10), at(2026, 11, 1), sent=False)  # reminder never sent: not counted
    _reminded(date(2026, 11, 11), at(2026, 11, 1), current=False)  # superseded schedule: not counted
    _reminded(date(2026, 12, 20), at(2026, 12, 1))  # December
    make_installment(due_date=date(2026, 11, 12))  # never reminded


def _people_data(alice, bob):
    customer = make_customer()
    for rating in (5, 4, 2):
        survey(staff=alice, rating=rating, answered_at=at(2026, 11, 10), customer=customer)
    survey(staff=bob, rating=3, answered_at=at(2026, 11, 30, 23, 30), customer=customer)
    survey(staff=alice, rating=None, answered_at=None, customer=customer)  # never answered
    survey(staff=alice, rating=1, answered_at=at(2026, 10, 10), customer=customer)  # October
    qa_review(agent=alice, score=Decimal("80"), reviewed_at=at(2026, 11, 9))
    qa_review(agent=bob, score=Decimal("95"), reviewed_at=at(2026, 11, 16))
    qa_review(agent=alice, score=None, reviewed_at=None)  # not reviewed
    for title, held, hours in (("Law", date(2026, 11, 3), "2.5"), ("Old", date(2026, 10, 20), "8")):
        training_session_create(
            title=title, topic="law", held_on=held, hours=Decimal(hours), trainer="T", attendees=[alice, bob]
        )


@pytest.fixture
def dataset(make_staff):
    with time_machine.travel(NOW, tick=False):
        alice = make_staff("alice", roles.AGENT)
        bob = make_staff("bob", roles.AGENT)
        _inquiries(alice, bob)
        _escalations(alice, bob)
        _complaints(alice, bob)
        _reminders()
        _people_data(alice, bob)


def _records(client, code: str, outcome: str = ""):
    response = client.get(reverse("staff:records"), {"kpi": code, **MONTH, **({"outcome": outcome} if outcome else {})})
    assert response.status_code == 200
    return response.context["record_set"].queryset


def _xlsx_totals(client) -> dict[str, float | None]:
    response = client.get(reverse("staff:dashboard_export"), {**MONTH, "format": "xlsx"})
    sheet = load_workbook(io.BytesIO(response.getvalue()))["Totals"]
    return {row[0]: row[1] for row in sheet.iter_rows(min_row=2, values_only=True)}


def _expected_from_records(client, kpi: kpis.Kpi) -> Decimal | None:
    """The figure recomputed from the drill-down rows alone."""
    rows = _records(client, kpi.code)
    if kpi.formula == kpis.catalogue.MEDIAN:
        durations = [(i.first_responded_at - i.received_at).total_seconds() for i in rows]
        return quantize(Decimal(statistics.median(durations)) / 60, kpi.quantum) if durations else None
    sums = {
        "csat_sum": "rating",
        "qa_sum": "score",
        "cost_sum": "outbound_message__price",
        "training_hours": "session__hours",
    }
    if kpi.outcomes:
        positive = next(value for value, _label, in_numerator in kpi.outcomes if in_numerator)
        negative = next(value for value, _label, in_numerator in kpi.outcomes if not in_numerator)
        numerator = _records(client, kpi.code, positive).count()
        assert numerator + _records(client, kpi.code, negative).count() == rows.count()
    elif kpi.numerator in sums:
        numerator = rows.aggregate(s=Sum(sums[kpi.numerator]))["s"] or 0
    else:
        numerator = rows.count()
    if kpi.formula == kpis.catalogue.TOTAL:
        return quantize(numerator, kpi.quantum)
    if kpi.requires and not rows.exists():
        return None
    if kpi.denominator == "active_loans":
        denominator = loan_sources.active_loans().count()
    elif kpi.denominator == kpi.record_component:
        denominator = rows.count()
    else:  # cost per resolved inquiry: the inquiries handled are another drill-down
        denominator = _records(client, "inquiries_handled").count()
    return ratio(numerator, denominator, kpi.scale, kpi.quantum)


@pytest.mark.parametrize("rolled_up", [False, True], ids=["live", "rolled-up"])
@pytest.mark.parametrize("code", [k.code for k in kpis.KPIS])
def test_dashboard_records_and_xlsx_agree(code, rolled_up, dataset, client, manager):
    kpi = kpis.KPI_BY_CODE[code]
    with time_machine.travel(NOW, tick=False):
        client.force_login(manager)
        client_manager = client
        if rolled_up:
            rollup.rollup_rebuild(days_back=60)
        cards = {c["kpi"].code: c for c in client_manager.get(reverse("staff:dashboard"), MONTH).context["cards"]}
        figure = cards[code]["value"]
        expected = _expected_from_records(client_manager, kpi)
        exported = _xlsx_totals(client_manager)[str(kpi.label)]
        records = _records(client_manager, code).count()
    assert figure is not None, "the dataset gives every KPI a value"
    assert figure == expected
    assert exported == float(figure)
    if kpi.count:
        assert cards[code]["count"] == records


def test_the_dataset_hits_the_edge_cases(dataset):
    # a few hand-computed figures, so the agreement above is not agreement on nonsense
    with time_machine.travel(NOW, tick=False):
        values = kpis.kpi_report(period=kpis.Period.month(date(2026, 11, 1))).total.values()
    assert values["sla"] == Decimal("70.0")  # 7 of 10 with a known outcome (unassigned one included)
    assert values["complaint_timeliness"] == Decimal("33.3")  # 1 of 3 with a recorded outcome in November
    assert values["reminder_effectiveness"] == Decimal("50.0")  # 2 of 4 reminded that fell due
    assert values["inquiries_handled"] == 3
    assert values["csat"] == Decimal("3.50")
