"""Pure rules for reminders: status order and retries. No database access here.

Quiet hours and the caps are the contact policy's (messaging.policy, through messaging.api), the one copy every
sender follows; the helpers below only name them for the reminders code.

A message's own status rules (provider status as ours, MESSAGE_RANK) live in messaging (`messaging.api`)."""

from __future__ import annotations

from datetime import datetime, time

from django.conf import settings

from messaging.api import (
    Limits,
    moves_forward,  # noqa: F401 — the same forward-only rule, for reminder statuses
)
from messaging.api import is_quiet as policy_is_quiet
from messaging.api import local_day_start as policy_local_day_start
from messaging.api import next_window_open as policy_next_window_open


def quiet_window() -> tuple[time, time]:
    """(quiet start, quiet end) in local time: the contact policy's (messaging.policy)."""
    limits = Limits.from_settings()
    return limits.quiet_start, limits.quiet_end


def is_quiet(moment: datetime) -> bool:
    """True when `moment` (aware) falls in the quiet hours: the contact policy's rule, the one copy."""
    return policy_is_quiet(moment)


def next_window_open(moment: datetime) -> datetime:
    """`moment` itself when contact is allowed, else the end of the current quiet period (the contact policy's)."""
    return policy_next_window_open(moment)


def local_day_start(moment: datetime) -> datetime:
    """Midnight (aware) of `moment`'s local day: caps count per local calendar day (the contact policy's)."""
    return policy_local_day_start(moment)


# Reminder statuses only move forward: a duplicate or late callback never moves one back.
REMINDER_RANK = {
    "planned": 0,
    "sending": 1,
    "sent": 2,
    "delivered": 3,
    "undelivered": 3,
    "failed": 3,
    "completed": 3,
    "no_answer": 3,
    "busy": 3,
    "skipped": 3,
}
# Provider status -> reminder status.
REMINDER_STATUS_FOR = {
    "queued": "sent",
    "sent": "sent",
    "initiated": "sent",
    "ringing": "sent",
    "in-progress": "sent",
    "delivered": "delivered",
    "undelivered": "undelivered",
    "failed": "failed",
    "completed": "completed",
    "no-answer": "no_answer",
    "busy": "busy",
    "canceled": "failed",
}
FINAL_REMINDER_STATUSES = {"delivered", "undelivered", "failed", "completed", "no_answer", "busy", "skipped"}
UNANSWERED_CALL_STATUSES = {"no_answer", "busy", "failed"}


def retry_delay_seconds(attempts: int) -> int:
    """Short exponential backoff driven by database rows: 10 s, 20 s, 40 s … at most 10 minutes."""
    base = settings.REMINDER_RETRY_BASE_SECONDS
    return int(min(base * 2 ** max(attempts - 1, 0), 600))
