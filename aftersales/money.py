"""Money helpers: Decimal in CNY, rounded half-up to the cent. Never float."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
ZERO = Decimal("0.00")


def money(value: Decimal | int | str) -> Decimal:
    """Round a value half-up to the cent."""
    if isinstance(value, float):
        raise TypeError("money must not be built from float")
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def format_cny(value: Decimal | None) -> str:
    """Format an amount as ¥1,234.56 (negative amounts keep their sign)."""
    if value is None:
        return "—"
    amount = money(value)
    sign = "-" if amount < 0 else ""
    return f"{sign}¥{abs(amount):,.2f}"
