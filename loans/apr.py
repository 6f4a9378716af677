"""The comprehensive annualised cost of a loan (综合年化成本): monthly IRR of the customer's cash flows × 12."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, localcontext

FOUR_PLACES = Decimal("0.0001")


def _present_value(rate: Decimal, payments: list[Decimal]) -> tuple[Decimal, Decimal]:
    """PV of monthly payments at `rate` (first payment one month out) and its derivative in the rate."""
    value = Decimal(0)
    slope = Decimal(0)
    discount = 1 / (1 + rate)
    factor = Decimal(1)
    for month, amount in enumerate(payments, start=1):
        factor *= discount
        value += amount * factor
        slope -= month * amount * factor * discount
    return value, slope


def monthly_irr(*, amount_received: Decimal, payments: list[Decimal]) -> Decimal:
    """The monthly rate i with Σ payment_k / (1+i)^k = amount_received (Newton, bisection as a safety net)."""
    if amount_received <= 0:
        raise ValueError("the customer must receive a positive amount")
    if not payments or sum(payments) <= 0:
        raise ValueError("a loan needs at least one positive payment")
    with localcontext() as ctx:
        ctx.prec = 40
        received = Decimal(amount_received)
        flows = [Decimal(p) for p in payments]
        tolerance = Decimal("1e-20")
        rate = Decimal("0.01")
        for _ in range(60):
            value, slope = _present_value(rate, flows)
            gap = value - received
            if abs(gap) < tolerance:
                return rate
            if slope == 0:
                break
            step = gap / slope
            new_rate = rate - step
            if new_rate <= Decimal("-0.99") or new_rate > 100:
                break
            if abs(step) < tolerance:
                return new_rate
            rate = new_rate
        # Bisection: PV falls as the rate rises, so bracket and halve.
        low, high = Decimal("-0.99"), Decimal("100")
        for _ in range(400):
            mid = (low + high) / 2
            value, _slope = _present_value(mid, flows)
            if value > received:
                low = mid
            else:
                high = mid
            if high - low < tolerance:
                break
        return (low + high) / 2


def comprehensive_apr(*, amount_received: Decimal, payments: list[Decimal]) -> Decimal:
    """Monthly IRR × 12, half-up to 4 places (0.2400 = 24% a year)."""
    rate = monthly_irr(amount_received=amount_received, payments=payments)
    with localcontext() as ctx:
        ctx.prec = 40
        return (rate * 12).quantize(FOUR_PLACES, rounding=ROUND_HALF_UP)
