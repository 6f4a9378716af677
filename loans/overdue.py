"""The overdue rules, once: days past due, bucket, installment status and penalty interest (SPEC §4, §10).

Pure functions (no database). The daily job's SQL (loans/jobs.py) is generated from the constants here, and
tests run both on the same data and compare row by row.

Penalty interest (罚息) accrues per calendar day on that day's overdue principal. Day `d` (after the due date)
is charged on the principal still owed at the start of `d`, i.e. after every principal allocation booked
before `d` (a payment on `d` still owes day `d`). The grace days are charged too, but only when principal is
still owed at the start of the first overdue day (`due date + grace days + 1`): paying within the grace
period costs nothing. The accrued total to date is rounded half-up to the cent once; each run posts the
difference to what was posted before, so daily, catch-up and mixed runs agree to the cent.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal, localcontext

CENT = Decimal("0.01")
ZERO = Decimal("0.00")

# Upper DPD bound (inclusive) of each bucket; above the last bound the loan is in ABOVE_LAST_BUCKET.
BUCKET_BOUNDS: tuple[tuple[int, str], ...] = ((0, "M0"), (30, "M1"), (60, "M2"), (90, "M3"))
ABOVE_LAST_BUCKET = "M3+"

# Day-count bases of the penalty (Loan.day_count values).
DAY_BASIS = {"act360": 360, "act365": 365}

# Installment statuses (Installment.Status values; a test keeps them equal).
PENDING, PARTIALLY_PAID, PAID, OVERDUE = "pending", "partially_paid", "paid", "overdue"
MARKABLE_STATUSES = (PENDING, PARTIALLY_PAID)


def days_past_due(*, oldest_overdue_due_date: date | None, as_of: date) -> int:
    """DPD counts from the due date of the oldest overdue installment (0 when nothing is overdue)."""
    if oldest_overdue_due_date is None or oldest_overdue_due_date >= as_of:
        return 0
    return (as_of - oldest_overdue_due_date).days


def bucket_for(dpd: int) -> str:
    """M0 current, M1 1–30, M2 31–60, M3 61–90, M3+ over 90 days past due."""
    for upper, bucket in BUCKET_BOUNDS:
        if dpd <= upper:
            return bucket
    return ABOVE_LAST_BUCKET


def is_past_grace(*, due_date: date, grace_days: int, as_of: date) -> bool:
    """An unpaid installment is overdue once `grace_days` after its due date have passed."""
    return due_date + timedelta(days=grace_days) < as_of


def first_overdue_day(*, due_date: date, grace_days: int) -> date:
    """The first day on which an unpaid installment counts as overdue."""
    return due_date + timedelta(days=grace_days + 1)


def installment_status(
    *, outstanding: Decimal, total_paid: Decimal, due_date: date, grace_days: int, as_of: date
) -> str:
    """Paid when nothing is outstanding; overdue after the grace days; partially paid; pending."""
    if outstanding <= ZERO:
        return PAID
    if is_past_grace(due_date=due_date, grace_days=grace_days, as_of=as_of):
        return OVERDUE
    if total_paid > ZERO:
        return PARTIALLY_PAID
    return PENDING


def day_basis(day_count: str) -> int:
    """360 for actual/360 (the default), 365 for actual/365."""
    return DAY_BASIS.get(day_count, 360)


def penalty_of_day(*, principal: Decimal, annual_rate: Decimal, markup: Decimal, basis: int) -> Decimal:
    """One day's penalty on `principal`, unrounded: principal × rate × (1 + markup) / basis."""
    with localcontext() as ctx:
        ctx.prec = 60
        return principal * annual_rate * (1 + markup) / basis


def penalty_total(*, principal_days: Decimal, annual_rate: Decimal, markup: Decimal, basis: int) -> Decimal:
    """The accrued penalty over `principal_days` (Σ of each day's overdue principal), rounded once, half-up."""
    with localcontext() as ctx:
        ctx.prec = 60
        exact = penalty_of_day(principal=principal_days, annual_rate=annual_rate, markup=markup, basis=basis)
        return exact.quantize(CENT, rounding=ROUND_HALF_UP)


def overdue_principal_by_day(
    *,
    principal_due: Decimal,
    principal_payments: Iterable[tuple[date, Decimal]],
    due_date: date,
    grace_days: int,
    through: date,
) -> list[tuple[date, Decimal]]:
    """Each charged day after the due date up to `through`, with the principal overdue on it.

    `principal_payments` are (booked day, amount) of principal allocations, reversals negative.
    """
    payments = list(principal_payments)

    def owed_at_start(day: date) -> Decimal:
        return principal_due - sum((amount for booked, amount in payments if booked < day), ZERO)

    start_of_overdue = first_overdue_day(due_date=due_date, grace_days=grace_days)
    if through < start_of_overdue:
        return []
    charge_grace = owed_at_start(start_of_overdue) > ZERO
    days = []
    day = due_date + timedelta(days=1)
    while day <= through:
        if day >= start_of_overdue or charge_grace:
            days.append((day, owed_at_start(day)))
        day += timedelta(days=1)
    return days


def penalty_accrued(
    *,
    principal_due: Decimal,
    principal_payments: Iterable[tuple[date, Decimal]],
    due_date: date,
    grace_days: int,
    through: date,
    annual_rate: Decimal,
    markup: Decimal,
    basis: int,
) -> Decimal:
    """The penalty accrued on one installment up to and including `through`, by the day-level definition."""
    days = overdue_principal_by_day(
        principal_due=principal_due,
        principal_payments=principal_payments,
        due_date=due_date,
        grace_days=grace_days,
        through=through,
    )
    principal_days = sum((max(owed, ZERO) for _day, owed in days), ZERO)
    return penalty_total(principal_days=principal_days, annual_rate=annual_rate, markup=markup, basis=basis)
