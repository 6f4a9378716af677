"""The comprehensive annualised cost of a loan (综合年化成本) on the cash flows' actual dates (SPEC §4, §10).

The customer receives `received` on `received_on` (the principal less any upfront fee) and pays every scheduled
amount (principal + interest + scheduled fees) on its due date. The daily rate `d` solves

    Σ amount_k / (1 + d)^(days_k) = received,    days_k = due date_k − received_on, in days,

and the cost is reported as the nominal annual rate `12 × ((1 + d)^(365/12) − 1)`: a regular monthly schedule
reads as its monthly IRR × 12, and a short first period (a full month's interest a few days after disbursement)
costs what it really costs. docs/COST.md works one example through by hand.

Pure Python on Decimal (40 significant digits), no Django.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, localcontext

# The stored cost is a rate with six decimal places (0.269123 = 26.9123% a year).
RATE_PLACES = Decimal("0.000001")
DAYS_PER_MONTH = Decimal(365) / Decimal(12)
PRECISION = 40
TOLERANCE = Decimal("1e-24")
NEWTON_STEPS = 50
BISECTION_STEPS = 300


@dataclass(frozen=True)
class CashFlow:
    """An amount the customer pays on a date."""

    on: date
    amount: Decimal


def _npv_and_slope(rate: Decimal, flows: list[tuple[int, Decimal]]) -> tuple[Decimal, Decimal]:
    """Σ a/(1+d)^t and its derivative in d."""
    value = Decimal(0)
    slope = Decimal(0)
    base = 1 + rate
    for days, amount in flows:
        discounted = amount / base**days
        value += discounted
        slope -= days * discounted / base
    return value, slope


def daily_irr(*, received: Decimal, received_on: date, payments: Iterable[CashFlow]) -> Decimal:
    """The daily rate d with Σ amount / (1+d)^days = received (Newton, with bisection when Newton strays)."""
    received = Decimal(received)
    if received <= 0:
        raise ValueError("the customer must receive a positive amount")
    payments = [p for p in payments if p.amount]
    if not payments or sum(p.amount for p in payments) <= 0:
        raise ValueError("a loan needs at least one positive payment")
    if any(p.on < received_on for p in payments):
        raise ValueError("a payment cannot fall before the money was received")
    flows = [((p.on - received_on).days, Decimal(p.amount)) for p in payments]
    with localcontext() as ctx:
        ctx.prec = PRECISION
        if sum(a for _, a in flows) == received:
            return Decimal(0)  # nothing is paid beyond what was received: a 0% loan without fees
        if all(days == 0 for days, _ in flows):
            raise ValueError("every payment falls on the day the money was received")
        rate = Decimal("0.0005")  # about 18% a year: a good start for consumer loans
        for _ in range(NEWTON_STEPS):
            value, slope = _npv_and_slope(rate, flows)
            gap = value - received
            if abs(gap) < TOLERANCE:
                return rate
            if slope == 0:
                break
            new_rate = rate - gap / slope
            if new_rate <= Decimal("-0.5") or new_rate > 1:
                break  # left the sensible range: bisect instead
            if abs(new_rate - rate) < TOLERANCE:
                return new_rate
            rate = new_rate
        # Bisection: the present value falls as the rate rises; widen the bracket until it holds the root.
        low, high = Decimal("-0.01"), Decimal("0.01")
        while _npv_and_slope(low, flows)[0] < received and low > Decimal("-0.5"):
            low *= 2
        while _npv_and_slope(high, flows)[0] > received and high < 1:
            high *= 2
        for _ in range(BISECTION_STEPS):
            middle = (low + high) / 2
            if _npv_and_slope(middle, flows)[0] > received:
                low = middle
            else:
                high = middle
            if high - low < TOLERANCE:
                break
        return (low + high) / 2


def annualised(daily_rate: Decimal) -> Decimal:
    """12 × ((1 + d)^(365/12) − 1), half-up to six places as a rate."""
    with localcontext() as ctx:
        ctx.prec = PRECISION
        yearly = 12 * ((1 + Decimal(daily_rate)) ** DAYS_PER_MONTH - 1)
        result = yearly.quantize(RATE_PLACES, rounding=ROUND_HALF_UP)
    return result if result else Decimal("0.000000")  # never "-0.000000"


def comprehensive_cost(*, received: Decimal, received_on: date, payments: Iterable[CashFlow]) -> Decimal:
    """The comprehensive annual cost of these dated cash flows (0.240000 = 24% a year)."""
    return annualised(daily_irr(received=received, received_on=received_on, payments=payments))


def schedule_cash_flows(lines: Iterable) -> list[CashFlow]:
    """Cash flows of schedule lines (anything with `due_date` and `payment`, or principal + interest + fees)."""
    flows = []
    for line in lines:
        amount = getattr(line, "payment", None)
        if amount is None:
            amount = line.principal + line.interest + getattr(line, "fees", 0)
        flows.append(CashFlow(line.due_date, Decimal(amount)))
    return flows
