"""The two KPI fixes of issue #14: reminder effectiveness counts only installments that fell due; staff never trained
in information security are flagged as due."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone

from aftersales import permissions as roles
from aftersales.models import Notification
from org.models import Department, Team
from reminders.models import Reminder
from staff import kpi as kpis
from staff import training
from tests.reminders.factories import make_installment
from tests.staff.builders import at

pytestmark = pytest.mark.django_db

DECEMBER = kpis.Period.month(date(2026, 12, 1))


def reminded(due: date, paid_at=None):
    """An installment due on `due` with one sent reminder, fully paid at `paid_at` (or not paid)."""
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
        planned_for=at(2026, 12, 1),
        created_at=at(2026, 12, 1),
        sent_at=at(2026, 12, 1),
        status_changed_at=at(2026, 12, 1),
    )
    return inst


@time_machine.travel("2026-12-10 12:00 +0800", tick=False)
def test_reminder_effectiveness_counts_only_installments_that_fell_due():
    # given: on 10 December, three reminded installments already fell due (2 paid in time, 1 not paid) and three
    # reminded ones are due later in the month (one already paid early): those say nothing yet
    reminded(date(2026, 12, 3), at(2026, 12, 2))
    reminded(date(2026, 12, 5), at(2026, 12, 5, 20))
    reminded(date(2026, 12, 6))
    reminded(date(2026, 12, 20), at(2026, 12, 1))
    reminded(date(2026, 12, 21))
    reminded(date(2026, 12, 22))
    reminded(date(2026, 12, 10))  # due today: can still be paid in time, not counted yet
    # when
    report = kpis.kpi_report(period=DECEMBER)
    # then: 2 of the 3 that fell due (not 2 of 7 = 28.6%)
    assert report.total.value("reminder_effectiveness") == Decimal("66.7")


def test_never_trained_staff_are_flagged_as_due(make_staff, supervisor):
    # given: alice never had information-security training (no record, no due date)
    team = Team.objects.create(
        name="A", department=Department.objects.create(code="s", name="S"), supervisor=supervisor
    )
    alice = make_staff("alice", roles.AGENT, team=team)
    alice.date_joined = timezone.now() - timedelta(days=200)  # joined long ago: the first training is overdue
    alice.save(update_fields=["date_joined"])
    assert alice.staff_profile.infosec_training_due is None
    today = timezone.localdate()
    # when the daily task runs (twice)
    assert training.infosec_due_remind(today=today) == 1
    assert training.infosec_due_remind(today=today) == 0
    # then her supervisor is told, and she is listed as due
    note = Notification.objects.get(recipient=supervisor)
    assert "Alice" in note.message
    assert alice.staff_profile in training.infosec_due(today=today)


def test_trained_staff_not_yet_due_are_not_flagged(make_staff, supervisor):
    team = Team.objects.create(
        name="A", department=Department.objects.create(code="s", name="S"), supervisor=supervisor
    )
    alice = make_staff("alice", roles.AGENT, team=team)
    training.training_session_create(
        title="Infosec",
        topic="information_security",
        held_on=timezone.localdate() - timedelta(days=10),
        hours=Decimal("1"),
        trainer="T",
        attendees=[alice],
    )
    assert training.infosec_due_remind(today=timezone.localdate()) == 0
