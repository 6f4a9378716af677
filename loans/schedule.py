"""Repayment schedule arithmetic (pure Python, no Django).

The loans app's periodic tasks are in `loans/beat.py`.

Rules (SPEC §3–4): r = annual rate / 12; every installment's interest = principal outstanding before it × r,
rounded half-up to the cent; the equal-installment payment A and the equal-principal share P/n are rounded
half-up to the cent; the last installment pays exactly the principal still outstanding with its own interest;
a 0% loan has no interest and A = P/n. Due dates keep the first due date's day of month, clamped to month end.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, localcontext

CENT = Decimal("0.01")
ZERO = Decimal("0.00")

EQUAL_INSTALLMENT = "equal_installment"
EQUAL_PRINCIPAL = "equal_principal"
INTEREST_ONLY = "interest_only"
METHODS = (EQUAL_INSTALLMENT, EQUAL_PRINCIPAL, INTEREST_ONLY)


@dataclass(frozen=True)
class ScheduleLine:
    number: int
    due_date: date
    principal: Decimal
    interest: Decimal
    payment: Decimal
    balance: Decimal


def round_cent(value: Decimal) -> Decimal:
    """Half-up to the cent."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def add_months(start: date, months: int, day: int | None = None) -> date:
    """`start` moved by whole months, keeping `day` (default start's day) clamped to the month's last day."""
    month_index = start.month - 1 + months
    year, month = start.year + month_index // 12, month_index % 12 + 1
    wanted = day if day is not None else start.day
    return date(year, month, min(wanted, calendar.monthrange(year, month)[1]))


def due_dates(first_due_date: date, count: int) -> list[date]:
    """`count` monthly due dates from the first, each on the first due date's day of month (clamped)."""
    return [add_months(first_due_date, i, first_due_date.day) for i in range(count)]


def level_payment(principal: Decimal, monthly_rate: Decimal, term_months: int) -> Decimal:
    """The equal-installment payment A = P·r·(1+r)^n / ((1+r)^n − 1), rounded half-up; P/n at 0%."""
    if monthly_rate == 0:
        return round_cent(principal / term_months)
    with localcontext() as ctx:
        ctx.prec = 50
        growth = (1 + monthly_rate) ** term_months
        exact = principal * monthly_rate * growth / (growth - 1)
    return round_cent(exact)


def generate_schedule(
    *, principal: Decimal, annual_rate: Decimal, term_months: int, method: str, first_due_date: date
) -> list[ScheduleLine]:
    """The installment lines of a loan; the principal column sums exactly to `principal`."""
    if method not in METHODS:
        raise ValueError(f"unknown amortization method: {method}")
    if term_months < 1:
        raise ValueError("term must be at least one month")
    principal = Decimal(principal)
    if principal <= 0:
        raise ValueError("principal must be positive")
    with localcontext() as ctx:
        ctx.prec = 50
        monthly_rate = Decimal(annual_rate) / 12
    share = round_cent(principal / term_months) if method == EQUAL_PRINCIPAL else None
    if method != EQUAL_INSTALLMENT:
        return _lines(principal, monthly_rate, term_months, method, first_due_date, None, share)
    payment = level_payment(principal, monthly_rate, term_months)
    lines = _lines(principal, monthly_rate, term_months, method, first_due_date, payment, share)
    # Long terms at high rates magnify A's rounding (its future value grows like (1+r)^n): when the rounded-up A
    # would repay everything before the last line, A is taken one cent lower so every line but the last stays equal.
    while term_months > 1 and lines[-2].balance == 0 and payment > CENT:
        payment -= CENT
        lines = _lines(principal, monthly_rate, term_months, method, first_due_date, payment, share)
    return lines


def _lines(
    principal: Decimal,
    monthly_rate: Decimal,
    term_months: int,
    method: str,
    first_due_date: date,
    payment: Decimal | None,
    share: Decimal | None,
) -> list[ScheduleLine]:
    lines: list[ScheduleLine] = []
    balance = principal
    for number, due in enumerate(due_dates(first_due_date, term_months), start=1):
        with localcontext() as ctx:
            ctx.prec = 50
            interest = round_cent(balance * monthly_rate)
        if number == term_months:
            part = balance
        elif method == EQUAL_INSTALLMENT:
            part = payment - interest
        elif method == EQUAL_PRINCIPAL:
            part = share
        else:
            part = ZERO
        # Rounding can never make a line repay more than is owed, nor a negative amount.
        part = max(min(part, balance), ZERO)
        balance -= part
        lines.append(ScheduleLine(number, due, part, interest, part + interest, balance))
    return lines


def schedule_totals(lines: list[ScheduleLine]) -> dict[str, Decimal]:
    """Sums of the principal, interest and payment columns."""
    return {
        "principal": sum((line.principal for line in lines), ZERO),
        "interest": sum((line.interest for line in lines), ZERO),
        "payment": sum((line.payment for line in lines), ZERO),
    }
