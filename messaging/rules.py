"""Pure rules for outbound messages: a provider's status as ours, and statuses only moving forward. No database."""

from __future__ import annotations

import hashlib

# Message statuses only move forward: a duplicate or late callback never moves one back.
MESSAGE_RANK = {
    "held": 0,
    "pending": 0,
    "queued": 1,
    "sent": 2,
    "initiated": 2,
    "ringing": 3,
    "in-progress": 4,
    "delivered": 5,
    "undelivered": 5,
    "failed": 5,
    "completed": 5,
    "no-answer": 5,
    "busy": 5,
    "canceled": 5,
}
# Provider statuses that OutboundMessage stores under another name.
MESSAGE_STATUS_ALIASES = {
    "accepted": "queued",
    "scheduled": "queued",
    "sending": "queued",
    "answered": "in-progress",
    "read": "delivered",
}


def message_status(provider_status: str) -> str:
    """The OutboundMessage status for a provider status (unknown ones count as queued)."""
    status = MESSAGE_STATUS_ALIASES.get(provider_status, provider_status)
    return status if status in MESSAGE_RANK else "queued"


def moves_forward(rank: dict[str, int], current: str, new: str) -> bool:
    """True when `new` is later in the life cycle than `current`."""
    return rank.get(new, -1) > rank.get(current, -1)


def body_hash(body: str) -> str:
    """The hash a message's text is counted by (no identical text twice)."""
    return hashlib.sha256(body.encode()).hexdigest()
