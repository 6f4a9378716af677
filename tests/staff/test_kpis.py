"""KPIs on hand-built data with hand-computed answers; empty periods say "no data"."""

from datetime import date, timedelta
from decimal import Decimal

import pytest

from aftersales import permissions as roles
from complaints.models import Complaint
from org.models import Department, Team
from reminders.models import Reminder
from staff import kpi as kpis
from staff.models import TrainingSession
from staff.training import training_session_create
from tests.reminders.factories import make_customer, make_installment
from tests.staff.builders import at, inquiry, qa_review, reply_cost, survey

pytestmark = pytest.mark.django_db

NOVEMBER = kpis.Period.month(date(2026, 11, 15))


def test_sla_seven_of_eight_in_time_is_87_5_percent(make_staff):
    # given: 8 inquiries of one agent in November with a known SLA outcome, 7 in time, plus records that must not count
    alice = make_staff("alice", roles.AGENT)
    for i in range(7):
        inquiry(received_at=at(2026, 11, 2 + i), assigned_to=alice, response_minutes=4)
    inquiry(received_at=at(2026, 11, 20), assigned_to=alice, response_minutes=25)  # breached
    inquiry(received_at=at(2026, 11, 21), assigned_to=alice)  # still open, outcome unknown: not counted
    inquiry(received_at=at(2026, 10, 31, 23), assigned_to=alice, response_minutes=30)  # October
    # when
    report = kpis.kpi_report(period=NOVEMBER)
    # then
    row = next(r for r in report.rows if r.username == "alice")
    assert row.figures.value("sla") == Decimal("87.5")
    assert row.figures.count("sla") == 8
    assert report.total.value("sla") == Decimal("87.5")


def test_empty_period_is_no_data_not_zero(make_staff):
    # given: data in October only
    alice = make_staff("alice", roles.AGENT)
    inquiry(received_at=at(2026, 10, 5), assigned_to=alice, response_minutes=3, resolved_at=at(2026, 10, 5, 11))
    # when: November is asked for
    report = kpis.kpi_report(period=NOVEMBER)
    # then: ratios and averages have no data; counts are a true zero
    values = report.total.values()
    for code in ("sla", "frt", "resolution", "csat", "qa", "cost_per_resolved", "complaint_timeliness"):
        assert values[code] is None, code
    assert values["inquiries_handled"] == 0
    row = next(r for r in report.rows if r.username == "alice")
    assert row.figures.value("sla") is None


def test_median_first_response_odd_and_even(make_staff):
    # given: alice answered in 2, 4, 6, 8, 30 minutes (median 6); bob in 2, 4, 6, 8 (median 5)
    alice = make_staff("alice", roles.AGENT)
    bob = make_staff("bob", roles.AGENT)
    for minutes in (30, 2, 8, 4, 6):
        inquiry(received_at=at(2026, 11, 3), assigned_to=alice, response_minutes=minutes)
    for minutes in (8, 2, 6, 4):
        inquiry(received_at=at(2026, 11, 4), assigned_to=bob, response_minutes=minutes)
    # when
    report = kpis.kpi_report(period=NOVEMBER)
    # then: all nine together: 2,2,4,4,6,6,8,8,30 -> 6
    by_name = {r.username: r.figures for r in report.rows}
    assert by_name["alice"].value("frt") == Decimal("6.0")
    assert by_name["bob"].value("frt") == Decimal("5.0")
    assert report.total.value("frt") == Decimal("6.0")


def test_resolution_rate_and_inquiries_handled(make_staff):
    # given: alice has 4 inquiries received in November, 3 resolved (one of them resolved by bob)
    alice = make_staff("alice", roles.AGENT)
    bob = make_staff("bob", roles.AGENT)
    inquiry(received_at=at(2026, 11, 2), assigned_to=alice, resolved_at=at(2026, 11, 2, 12), resolved_by=alice)
    inquiry(received_at=at(2026, 11, 3), assigned_to=alice, resolved_at=at(2026, 11, 3, 12), resolved_by=alice)
    inquiry(received_at=at(2026, 11, 4), assigned_to=alice, resolved_at=at(2026, 11, 4, 12), resolved_by=bob)
    inquiry(received_at=at(2026, 11, 5), assigned_to=alice)
    # when
    report = kpis.kpi_report(period=NOVEMBER)
    by_name = {r.username: r.figures for r in report.rows}
    # then
    assert by_name["alice"].value("resolution") == Decimal("75.0")
    assert by_name["alice"].value("inquiries_handled") == 2
    assert by_name["bob"].value("inquiries_handled") == 1
    assert by_name["bob"].value("resolution") is None  # nothing assigned to bob


def test_csat_qa_training_and_cost(make_staff):
    # given
    alice = make_staff("alice", roles.AGENT)
    customer = make_customer()
    for rating in (5, 4, 3):
        survey(staff=alice, rating=rating, answered_at=at(2026, 11, 10), customer=customer)
    survey(staff=alice, rating=None, answered_at=None, customer=customer)  # sent, never answered
    survey(staff=alice, rating=1, answered_at=at(2026, 10, 10), customer=customer)  # October
    qa_review(agent=alice, score=Decimal("80"), reviewed_at=at(2026, 11, 9))
    qa_review(agent=alice, score=Decimal("90"), reviewed_at=at(2026, 11, 16))
    qa_review(agent=alice, score=None, reviewed_at=None)  # sampled, not reviewed
    training_session_create(
        title="Law", topic="law", held_on=date(2026, 11, 3), hours=Decimal("2.5"), trainer="T", attendees=[alice]
    )
    training_session_create(
        title="Fin", topic="finance", held_on=date(2026, 11, 20), hours=Decimal("1.5"), trainer="T", attendees=[alice]
    )
    training_session_create(
        title="Old", topic="finance", held_on=date(2026, 10, 20), hours=Decimal("8"), trainer="T", attendees=[alice]
    )
    resolved = [
        inquiry(
            received_at=at(2026, 11, 2 + i), assigned_to=alice, resolved_at=at(2026, 11, 2 + i, 15), resolved_by=alice
        )
        for i in range(4)
    ]
    reply_cost(inquiry=resolved[0], author=alice, price="0.05", created_at=at(2026, 11, 2, 11))
    reply_cost(inquiry=resolved[1], author=alice, price="0.03", created_at=at(2026, 11, 3, 11))
    # when
    figures = next(r for r in kpis.kpi_report(period=NOVEMBER).rows if r.username == "alice").figures
    # then: CSAT (5+4+3)/3, QA (80+90)/2, hours 2.5+1.5, cost 0.08 / 4 resolved
    assert figures.value("csat") == Decimal("4.00")
    assert figures.count("csat") == 3
    assert figures.value("qa") == Decimal("85.0")
    assert figures.value("training_hours") == Decimal("4.0")
    assert figures.value("cost_per_resolved") == Decimal("0.0200")
    assert TrainingSession.objects.count() == 3


def test_team_figures_are_sums_of_members_not_averages(make_staff):
    # given: alice 1 of 1 in time, bob 1 of 3 in time, both in one team: team = 2/4 = 50% (not the mean 66.7%)
    dept = Department.objects.create(code="svc", name="Service")
    team = Team.objects.create(name="Hotline 1", department=dept)
    alice = make_staff("alice", roles.AGENT, team=team)
    bob = make_staff("bob", roles.AGENT, team=team)
    inquiry(received_at=at(2026, 11, 2), assigned_to=alice, response_minutes=3)
    inquiry(received_at=at(2026, 11, 2), assigned_to=bob, response_minutes=3)
    inquiry(received_at=at(2026, 11, 2), assigned_to=bob, response_minutes=30)
    inquiry(received_at=at(2026, 11, 2), assigned_to=bob, response_minutes=40)
    # when
    report = kpis.kpi_report(period=NOVEMBER, team_medians=True)
    # then
    assert report.teams[team.pk].value("sla") == Decimal("50.0")
    assert report.teams[team.pk].value("frt") == Decimal("16.5")  # 3, 3, 30, 40 -> (3 + 30) / 2


def test_periods():
    assert kpis.Period.week(date(2026, 11, 26)).start == date(2026, 11, 23)  # Monday
    assert kpis.Period.month(date(2026, 11, 26)).previous() == kpis.Period.month(date(2026, 10, 1))
    custom = kpis.Period.custom(date(2026, 11, 1), date(2026, 11, 10))
    assert custom.days == 10
    assert custom.previous().start == date(2026, 10, 22)
    assert kpis.Period.day(date(2026, 3, 1)).previous().start == date(2026, 2, 28)


def test_complaint_timeliness_and_rate(make_staff):
    # given: 4 complaints on alice's desk with deadlines in November: 3 informed in time, 1 deadline passed unanswered
    alice = make_staff("alice", roles.AGENT)
    base = {"source": "hotline", "category": "fees", "summary": "Fee", "assigned_to": alice, "language": "en"}

    def complaint(n, received, informed):
        return Complaint.objects.create(
            reference=f"TC{n}",
            received_at=received,
            acknowledge_due=received + timedelta(days=1),
            acknowledged_at=received + timedelta(hours=2),
            decision_due=received + timedelta(days=15),
            informed_at=informed,
            closed_at=informed,
            status="closed" if informed else "investigating",
            # as recorded by the complaints app: on informing, or by the deadline sweep once the deadline passed
            on_time=(informed <= received + timedelta(days=15)) if informed else False,
            **base,
        )

    complaint(1, at(2026, 10, 25), at(2026, 11, 3))
    complaint(2, at(2026, 11, 1), at(2026, 11, 10))
    complaint(3, at(2026, 11, 2), at(2026, 11, 12))
    complaint(4, at(2026, 10, 20), None)  # decision due 4 November, never informed: late
    complaint(5, at(2026, 9, 1), at(2026, 9, 5))  # September: not counted
    # when
    figures = next(r for r in kpis.kpi_report(period=NOVEMBER).rows if r.username == "alice").figures
    # then
    assert figures.value("complaint_timeliness") == Decimal("75.0")
    assert figures.value("complaints_handled") == 3


def test_reminder_effectiveness_three_of_four_paid_by_due_date(make_staff):
    # given: 4 installments due in November with a sent reminder: 3 paid by the due date, 1 paid a day late;
    # a fifth never reminded is not counted
    def reminded(due, paid_at):
        inst = make_installment(due_date=due)
        inst.paid_at = paid_at
        inst.status = "paid" if paid_at else "pending"
        inst.save(update_fields=["paid_at", "status"])
        Reminder.objects.create(
            installment=inst,
            loan=inst.loan,
            customer=inst.loan.customer,
            channel="sms",
            status="sent",
            planned_for=at(2026, 11, 1),
            created_at=at(2026, 11, 1),
            sent_at=at(2026, 11, 1),
            status_changed_at=at(2026, 11, 1),
        )
        return inst

    reminded(date(2026, 11, 5), at(2026, 11, 4))
    reminded(date(2026, 11, 6), at(2026, 11, 6, 23, 30))  # late evening of the due date still counts
    reminded(date(2026, 11, 7), at(2026, 11, 1))
    reminded(date(2026, 11, 8), at(2026, 11, 9, 0, 30))  # after the due date
    make_installment(due_date=date(2026, 11, 9))
    # when
    report = kpis.kpi_report(period=NOVEMBER)
    # then
    assert report.total.value("reminder_effectiveness") == Decimal("75.0")


def test_performance_score_drops_missing_kpis():
    weights = {"sla": Decimal(50), "csat": Decimal(25), "qa": Decimal(25)}
    # sla 80, csat 4.0 -> 75, qa missing: (50*80 + 25*75) / 75 = 78.33
    assert kpis.performance_score({"sla": Decimal(80), "csat": Decimal(4), "qa": None}, weights) == Decimal("78.33")
    assert kpis.performance_score({"sla": None, "csat": None, "qa": None}, weights) is None
