"""The daily overdue run: overdue marking after grace, late fees, penalty interest, DPD and buckets; idempotent."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command

from loans import jobs
from loans.models import FeeCharge, Installment, Loan
from loans.services import bucket_for
from loans.tasks import overdue_daily
from tests.loans.factories import make_loan

D = Decimal
pytestmark = pytest.mark.django_db


def _loan(**kw):
    # 12,000.00 at 12% equal principal: installment 1 due 2026-02-01 has principal 1,000.00;
    # penalty per day = 1000 × 0.12 × (1 + 0.5) / 360 = 0.50
    values = {"late_fee": D("30.00"), "grace_days": 3, "penalty_markup": D("0.5")}
    values.update(kw)
    return make_loan(principal="12000.00", annual_rate="0.12", term_months=12, method="equal_principal", **values)


def _row(loan, number):
    return Installment.objects.get(loan=loan, number=number, is_current=True)


def _state(loan):
    loan.refresh_from_db()
    rows = Installment.objects.filter(loan=loan).order_by("number")
    return (
        loan.dpd,
        loan.bucket,
        [(r.status, r.fees_due, r.penalty_due, r.penalty_accrued_through) for r in rows],
        FeeCharge.objects.filter(loan=loan).count(),
    )


def test_within_grace_nothing_happens():
    loan = _loan()
    jobs.overdue_run(date(2026, 2, 4))  # due 02-01 + 3 grace days = 02-04, not yet overdue
    assert _row(loan, 1).status == "pending"
    assert _state(loan)[:2] == (0, "M0")


def test_after_grace_overdue_late_fee_penalty_and_bucket():
    loan = _loan()
    run = jobs.overdue_run(date(2026, 2, 5))
    first = _row(loan, 1)
    # 4 days since the due date × 0.50 = 2.00 penalty; the late fee once; DPD 4 → M1
    assert (first.status, first.fees_due, first.penalty_due) == ("overdue", D("30.00"), D("2.00"))
    assert first.penalty_accrued_through == date(2026, 2, 5)
    fee = FeeCharge.objects.get(loan=loan, installment=first)
    assert (fee.clause.kind, fee.amount, fee.charged_on) == ("late_fee", D("30.00"), date(2026, 2, 5))
    loan.refresh_from_db()
    assert (loan.dpd, loan.bucket) == (4, "M1")
    assert (run.marked_overdue, run.late_fees, run.penalties) == (1, 1, 1)


def test_running_the_same_day_twice_changes_nothing():
    loan = _loan()
    jobs.overdue_run(date(2026, 2, 5))
    before = _state(loan)
    run = jobs.overdue_run(date(2026, 2, 5))
    assert _state(loan) == before
    assert (run.marked_overdue, run.late_fees, run.penalties, run.loans_updated) == (0, 0, 0, 0)


def test_penalty_accrues_per_day_and_catches_up_missed_days():
    loan = _loan()
    jobs.overdue_run(date(2026, 2, 5))
    jobs.overdue_run(date(2026, 2, 6))
    assert _row(loan, 1).penalty_due == D("2.50")  # + one day × 0.50
    # a missed month: from 02-06 to 03-05 = 27 days × 0.50 = 13.50 more; installment 2 (due 03-01) 4 days × 0.50
    jobs.overdue_run(date(2026, 3, 5))
    assert _row(loan, 1).penalty_due == D("16.00")
    assert _row(loan, 2).penalty_due == D("2.00")
    loan.refresh_from_db()
    assert (loan.dpd, loan.bucket) == (32, "M2")  # counted from the oldest overdue due date (02-01)


def test_actual_365_day_count():
    # 1000 × 0.146 × 1.5 / 365 = 0.60 a day; 5 days (02-01 → 02-06) = 3.00
    loan = _loan(day_count="act365", late_fee=D("0"))
    Loan.objects.filter(pk=loan.pk).update(annual_rate=D("0.146"))
    jobs.overdue_run(date(2026, 2, 6))
    assert _row(loan, 1).penalty_due == D("3.00")


def test_no_late_fee_without_the_clause():
    loan = _loan(late_fee=D("0"))
    jobs.overdue_run(date(2026, 2, 10))
    assert _row(loan, 1).fees_due == 0
    assert not FeeCharge.objects.filter(loan=loan).exists()


def test_paid_loans_get_back_to_m0_and_closed_loans_are_left_alone():
    loan = _loan()
    jobs.overdue_run(date(2026, 2, 10))
    Installment.objects.filter(loan=loan, number=1).update(status="paid")
    jobs.overdue_run(date(2026, 2, 11))
    loan.refresh_from_db()
    assert (loan.dpd, loan.bucket) == (0, "M0")
    closed = _loan()
    Loan.objects.filter(pk=closed.pk).update(status="closed")
    jobs.overdue_run(date(2026, 6, 1))
    assert _row(closed, 1).status == "pending"


def test_buckets():
    assert [bucket_for(d) for d in (0, 1, 30, 31, 60, 61, 90, 91)] == ["M0", "M1", "M1", "M2", "M2", "M3", "M3", "M3+"]


def test_task_and_command_run_the_same_job(capsys):
    loan = _loan()
    overdue_daily("2026-02-05")
    overdue_daily("2026-02-05")
    assert _row(loan, 1).penalty_due == D("2.00")
    call_command("loans_overdue", "--date", "2026-02-06")
    assert _row(loan, 1).penalty_due == D("2.50")
    assert "marked overdue" in capsys.readouterr().out


def test_beat_schedule_runs_the_task_daily():
    from aftersales.celery import collect_beat_schedule

    entry = collect_beat_schedule()["loans-overdue-daily"]
    assert entry["task"] == "loans.tasks.overdue_daily"


# ---- exact penalties: the total never depends on how often the job ran (SPEC §10) -------------------------


def _odd_loan():
    # one installment of 7,777.77 due 2026-02-01 at 17.3%, markup 50%: 5.606475875 a day, never a round cent
    return make_loan(
        principal="7777.77", annual_rate="0.173", term_months=1, method="equal_principal", penalty_markup=D("0.5")
    )


def test_91_daily_runs_equal_one_catch_up_run_to_the_cent():
    # given two identical loans, 91 days past due on 2026-05-03
    daily, once = _odd_loan(), _odd_loan()
    # when one is run every day and the other once
    day = date(2026, 2, 5)
    while day <= date(2026, 5, 3):
        jobs.overdue_run(day)  # runs both loans; `once` is reset below
        day += timedelta(days=1)
    Installment.objects.filter(loan=once).update(
        penalty_due=D("0"), penalty_accrued=D("0"), penalty_accrued_through=None
    )
    jobs.overdue_run(date(2026, 5, 3))
    # then both hold 91 × 5.606475875 = 510.189… → 510.19 (the old job gave 510.50 daily, 510.19 at once)
    assert _row(daily, 1).penalty_due == _row(once, 1).penalty_due == D("510.19")


def test_two_runs_equal_one_run():
    # 35.87 in two runs and 35.88 in one was reported; here 7,777.77: 02-11 (10 days) then 05-03 vs 05-03 alone.
    # Rounding each run gave 56.06 + 454.12 (81 × 5.606475875 = 454.1245) = 510.18; the exact total is 510.19.
    first, second = _odd_loan(), _odd_loan()
    jobs.overdue_run(date(2026, 2, 11))
    Installment.objects.filter(loan=second).update(
        penalty_due=D("0"), penalty_accrued=D("0"), penalty_accrued_through=None
    )
    assert _row(first, 1).penalty_due == D("56.06")  # 10 × 5.606475875 = 56.06476
    jobs.overdue_run(date(2026, 5, 3))
    assert _row(first, 1).penalty_due == _row(second, 1).penalty_due == D("510.19")


def test_a_waiver_stays_waived_when_the_job_runs_again():
    loan = _odd_loan()
    jobs.overdue_run(date(2026, 2, 5))
    Installment.objects.filter(loan=loan).update(penalty_due=D("0"))  # 22.43 waived
    jobs.overdue_run(date(2026, 2, 6))  # one more day: 5 × 5.606475875 = 28.03 accrued, 28.03 − 22.43 = 5.60 new
    row = _row(loan, 1)
    assert (row.penalty_due, row.penalty_accrued) == (D("5.60"), D("28.03"))
