"""One copy of each overdue rule: the Python functions (loans/overdue.py) and the daily job's SQL agree row by row."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from loans import jobs, overdue, services
from loans.models import Allocation, Installment, Loan
from tests.loans.factories import make_loan

D = Decimal
SH = ZoneInfo("Asia/Shanghai")


def test_constants_are_the_model_choices():
    assert [bucket for _upper, bucket in overdue.BUCKET_BOUNDS] + [overdue.ABOVE_LAST_BUCKET] == Loan.Bucket.values
    assert {overdue.PENDING, overdue.PARTIALLY_PAID, overdue.PAID, overdue.OVERDUE} == set(Installment.Status.values)
    assert set(overdue.DAY_BASIS) == {"act360", "act365"}
    assert set(Loan.Status.open_statuses()) | set(Loan.Status.closed_statuses()) == set(Loan.Status.values)
    assert not set(Loan.Status.open_statuses()) & set(Loan.Status.closed_statuses())


@pytest.mark.parametrize(
    ("dpd", "bucket"),
    [(0, "M0"), (1, "M1"), (30, "M1"), (31, "M2"), (60, "M2"), (61, "M3"), (90, "M3"), (91, "M3+"), (400, "M3+")],
)
def test_bucket_bounds(dpd, bucket):
    assert overdue.bucket_for(dpd) == bucket


def test_installment_status_edges():
    due = date(2026, 2, 1)
    kw = {"due_date": due, "grace_days": 3}
    assert overdue.installment_status(outstanding=D("1"), total_paid=D("0"), as_of=date(2026, 2, 4), **kw) == "pending"
    assert overdue.installment_status(outstanding=D("1"), total_paid=D("0"), as_of=date(2026, 2, 5), **kw) == "overdue"
    assert (
        overdue.installment_status(outstanding=D("1"), total_paid=D("5"), as_of=date(2026, 2, 4), **kw)
        == "partially_paid"
    )
    assert overdue.installment_status(outstanding=D("0"), total_paid=D("5"), as_of=date(2027, 1, 1), **kw) == "paid"
    assert overdue.days_past_due(oldest_overdue_due_date=due, as_of=date(2026, 5, 3)) == 91


def test_penalty_of_a_day_and_rounding_once():
    # 7,777.77 × 17.3% × 1.5 / 360 = 5.606475875 a day; 91 days = 510.189300… → 510.19 (not 91 × 5.61 = 510.51)
    day = overdue.penalty_of_day(principal=D("7777.77"), annual_rate=D("0.173"), markup=D("0.5"), basis=360)
    assert day == D("5.606475875")
    total = overdue.penalty_total(principal_days=D("7777.77") * 91, annual_rate=D("0.173"), markup=D("0.5"), basis=360)
    assert total == D("510.19")
    # an exact half cent rounds up: 1.00 × 0.36 × 1.5 / 360 × 1/… → 0.0015 × 3 days = 0.0045 → 0.00; 0.005 → 0.01
    assert overdue.penalty_total(principal_days=D("1.00"), annual_rate=D("1.2"), markup=D("0.5"), basis=360) == D(
        "0.01"
    )


SH_NOON = 12

scenario = st.lists(
    st.fixed_dictionaries(
        {
            "principal": st.integers(100_000, 2_000_000).map(lambda cents: str(D(cents) / 100)),
            "annual_rate": st.integers(60_000, 200_000).map(lambda micro: str(D(micro) / 1_000_000)),
            "grace_days": st.integers(0, 6),
            "day_count": st.sampled_from(["act360", "act365"]),
            "payments": st.lists(
                st.tuples(st.integers(0, 100), st.integers(100, 300_000).map(lambda c: D(c) / 100)), max_size=3
            ),
        }
    ),
    min_size=1,
    max_size=4,
)


def _compare(loans_terms, as_of_offset):
    start = date(2026, 1, 20)
    as_of = start + timedelta(days=as_of_offset)
    with transaction.atomic():
        loans = []
        for n, terms in enumerate(loans_terms):
            with time_machine.travel(datetime(2026, 1, 1, 9, tzinfo=SH), tick=False):
                loan = make_loan(
                    principal=terms["principal"],
                    annual_rate=terms["annual_rate"],
                    term_months=4,
                    method="equal_principal",
                    grace_days=terms["grace_days"],
                    day_count=terms["day_count"],
                    late_fee=D("15.00"),
                )
            for k, (offset, amount) in enumerate(sorted(terms["payments"])):
                day = start + timedelta(days=min(offset, as_of_offset))
                with time_machine.travel(datetime(day.year, day.month, day.day, SH_NOON, tzinfo=SH), tick=False):
                    services.repayment_post(
                        loan=loan,
                        amount=amount,
                        received_at=timezone.now(),
                        channel="app",
                        external_id=f"R{loan.pk}-{n}-{k}",
                    )
            loans.append(loan)
        # when the SQL job runs for the day
        jobs.overdue_run(as_of)
        # then every installment and loan matches the Python rules
        for loan in loans:
            loan.refresh_from_db()
            rows = list(Installment.objects.filter(loan=loan, is_current=True).order_by("number"))
            for row in rows:
                expected_status = overdue.installment_status(
                    outstanding=row.outstanding,
                    total_paid=row.total_paid,
                    due_date=row.due_date,
                    grace_days=loan.grace_days,
                    as_of=as_of,
                )
                assert (row.number, row.status) == (row.number, expected_status)
                payments = [
                    (timezone.localdate(a.booked_at), a.amount)
                    for a in Allocation.objects.filter(installment=row, income_type="principal")
                ]
                expected_penalty = (
                    overdue.penalty_accrued(
                        principal_due=row.principal_due,
                        principal_payments=payments,
                        due_date=row.due_date,
                        grace_days=loan.grace_days,
                        through=as_of,
                        annual_rate=loan.annual_rate,
                        markup=loan.penalty_markup,
                        basis=overdue.day_basis(loan.day_count),
                    )
                    if overdue.is_past_grace(due_date=row.due_date, grace_days=loan.grace_days, as_of=as_of)
                    else D("0.00")
                )
                assert (row.number, row.penalty_accrued) == (row.number, expected_penalty)
            oldest = min((r.due_date for r in rows if r.status == overdue.OVERDUE), default=None)
            dpd = overdue.days_past_due(oldest_overdue_due_date=oldest, as_of=as_of)
            assert (loan.dpd, loan.bucket) == (dpd, overdue.bucket_for(dpd))
        transaction.set_rollback(True)


SETTINGS = settings(
    max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)


@pytest.mark.django_db
@SETTINGS
@given(loans_terms=scenario, as_of_offset=st.integers(0, 140))
def test_sql_job_and_python_rules_agree_row_by_row(loans_terms, as_of_offset):
    _compare(loans_terms, as_of_offset)


@pytest.mark.postgres
@pytest.mark.django_db
@SETTINGS
@given(loans_terms=scenario, as_of_offset=st.integers(0, 140))
def test_sql_job_and_python_rules_agree_row_by_row_on_postgres(loans_terms, as_of_offset):
    _compare(loans_terms, as_of_offset)
