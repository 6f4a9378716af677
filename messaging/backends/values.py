"""Numbers a provider reports (price, call duration), checked before anything stores them.

A signed callback is authentic, not necessarily sane: `Price=1e999` is a valid Decimal (Infinity) that the
database stores and the cost report then cannot add up. A value that is not a finite number in range is
logged and dropped (None); the rest of the update (the status) still applies.
"""

from __future__ import annotations

import logging
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

logger = logging.getLogger("messaging.backends")

# OutboundMessage.price is DecimalField(max_digits=10, decimal_places=5). No SMS or call costs anywhere near
# this much; anything above is a provider or attacker error, not a price.
MAX_PRICE = Decimal("1000")
PRICE_QUANTUM = Decimal("0.00001")
# Twilio ends every call after 24 hours at the latest.
MAX_CALL_SECONDS = 24 * 3600


def _decimal(value) -> Decimal | None:
    if isinstance(value, Decimal):
        return value
    text = str(value).strip()
    if not text or len(text) > 40:
        return None
    try:
        return Decimal(text)
    except (InvalidOperation, ValueError):
        return None


def price_value(value, *, provider_id: str = "") -> Decimal | None:
    """The provider's price as a cost (sign dropped, 5 places), or None when missing, not finite or out of range."""
    if value in (None, ""):
        return None
    number = _decimal(value)
    if number is None or not number.is_finite() or abs(number) > MAX_PRICE:
        logger.warning("ignored price %r from the provider (message %s)", str(value)[:40], provider_id[:40])
        return None
    return abs(number).quantize(PRICE_QUANTUM, rounding=ROUND_HALF_UP)


def duration_seconds(value, *, provider_id: str = "") -> int | None:
    """A call duration in whole seconds (0 to 24 h), or None when missing, not a number or out of range."""
    if value in (None, ""):
        return None
    number = _decimal(value)
    if (
        number is None
        or not number.is_finite()
        or number != number.to_integral_value()
        or not 0 <= number <= MAX_CALL_SECONDS
    ):
        logger.warning("ignored call duration %r from the provider (call %s)", str(value)[:40], provider_id[:40])
        return None
    return int(number)
