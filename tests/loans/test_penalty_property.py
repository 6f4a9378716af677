"""Penalty interest never depends on how often the overdue job runs (SPEC §10).

Random loans and random repayments/reversals between runs; the job run daily, once as a catch-up, and on a random
mix of days must leave every installment with the same penalty to the cent, equal to the day-level definition in
loans/overdue.py. On SQLite and (marked `postgres`) on PostgreSQL.
"""

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
from loans.models import Allocation, Installment, Repayment
from tests.loans.factories import make_loan

D = Decimal
SH = ZoneInfo("Asia/Shanghai")
START = date(2026, 1, 25)
END = date(2026, 5, 31)  # 126 days after START
DAYS = (END - START).days

loans_terms = st.fixed_dictionaries(
    {
        "principal": st.integers(100_000, 3_000_000).map(lambda cents: str(D(cents) / 100)),
        "annual_rate": st.integers(60_000, 200_000).map(lambda micro: str(D(micro) / 1_000_000)),
        "penalty_markup": st.integers(300_000, 500_000).map(lambda micro: D(micro) / 1_000_000),
        "grace_days": st.integers(0, 5),
        "day_count": st.sampled_from(["act360", "act365"]),
        "method": st.sampled_from(["equal_principal", "equal_installment"]),
        "late_fee": st.sampled_from([D("0"), D("25.00")]),
    }
)
events = st.lists(
    st.tuples(
        st.integers(0, DAYS),
        st.one_of(st.integers(100, 400_000).map(lambda cents: D(cents) / 100), st.just("reverse")),
    ),
    max_size=6,
)


def _at(day: date, hour: int) -> datetime:
    return datetime(day.year, day.month, day.day, hour, 0, tzinfo=SH)


def _scenario(terms: dict, script: list, run_days: set[int]) -> dict:
    """Sign the loan, walk day by day (the job first, at 00:20 like the beat, then the day's events); return state."""
    with transaction.atomic():
        with time_machine.travel(_at(START, 9), tick=False):
            loan = make_loan(
                principal=terms["principal"],
                annual_rate=terms["annual_rate"],
                term_months=3,
                method=terms["method"],
                penalty_markup=terms["penalty_markup"],
                grace_days=terms["grace_days"],
                day_count=terms["day_count"],
                late_fee=terms["late_fee"],
            )
        posted: list[Repayment] = []
        for offset in range(DAYS + 1):
            day = START + timedelta(days=offset)
            if offset in run_days or offset == DAYS:
                with time_machine.travel(_at(day, 0), tick=False):
                    jobs.overdue_run(day)
            for n, (event_day, what) in enumerate(script):
                if event_day != offset or offset == DAYS:
                    continue
                with time_machine.travel(_at(day, 10), tick=False):
                    try:
                        if what == "reverse":
                            if posted:
                                services.repayment_reverse(repayment=posted.pop(), reason="bounced")
                        else:
                            posted.append(
                                services.repayment_post(
                                    loan=loan,
                                    amount=what,
                                    received_at=timezone.now(),
                                    channel="bank_transfer",
                                    external_id=f"P{loan.pk}-{n}",
                                )
                            )
                    except services.LoanError:
                        pass  # e.g. a reversal whose credit was used: refused the same way in every pattern
        rows = list(Installment.objects.filter(loan=loan).order_by("number", "id"))
        state = {
            "rows": [
                (r.number, r.is_current, r.status, r.penalty_due, r.penalty_paid, r.penalty_accrued, r.fees_due)
                + (r.principal_paid, r.interest_paid)
                for r in rows
            ],
            "definition": [_by_definition(loan, r) for r in rows if r.is_current],
            "accrued": [r.penalty_accrued for r in rows if r.is_current],
        }
        transaction.set_rollback(True)
    return state


def _by_definition(loan, row) -> Decimal:
    """The penalty of the row by the day-level definition (loans/overdue.py), from its principal allocations."""
    payments = [
        (timezone.localdate(a.booked_at), a.amount)
        for a in Allocation.objects.filter(installment=row, income_type="principal")
    ]
    loan.refresh_from_db()
    if not overdue.is_past_grace(due_date=row.due_date, grace_days=loan.grace_days, as_of=END):
        return D("0.00")
    return overdue.penalty_accrued(
        principal_due=row.principal_due,
        principal_payments=payments,
        due_date=row.due_date,
        grace_days=loan.grace_days,
        through=END,
        annual_rate=loan.annual_rate,
        markup=loan.penalty_markup,
        basis=overdue.day_basis(loan.day_count),
    )


def _check(terms, script, mixed):
    daily = _scenario(terms, script, set(range(DAYS + 1)))
    catch_up = _scenario(terms, script, set())
    mix = _scenario(terms, script, mixed)
    assert daily["rows"] == catch_up["rows"] == mix["rows"]
    assert daily["accrued"] == daily["definition"]


SETTINGS = settings(
    max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)


@pytest.mark.django_db
@SETTINGS
@given(terms=loans_terms, script=events, mixed=st.sets(st.integers(0, DAYS), max_size=12))
def test_any_run_pattern_gives_the_same_penalty_to_the_cent(terms, script, mixed):
    _check(terms, script, mixed)


@pytest.mark.postgres
@pytest.mark.django_db
@SETTINGS
@given(terms=loans_terms, script=events, mixed=st.sets(st.integers(0, DAYS), max_size=12))
def test_any_run_pattern_gives_the_same_penalty_to_the_cent_on_postgres(terms, script, mixed):
    _check(terms, script, mixed)


@pytest.mark.django_db
def test_the_reported_case_with_repayments_and_a_reversal_in_between():
    # 7,777.77 at 17.3%, markup 50%, 91 days of penalty with a repayment and a reversal in between
    terms = {
        "principal": "7777.77",
        "annual_rate": "0.173",
        "penalty_markup": D("0.5"),
        "grace_days": 3,
        "day_count": "act360",
        "method": "equal_principal",
        "late_fee": D("0"),
    }
    script = [(20, D("3000.00")), (40, D("1234.56")), (55, "reverse"), (80, D("999.99"))]
    _check(terms, script, {10, 11, 30, 50, 51, 52, 90})
