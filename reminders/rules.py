"""Pure rules for reminders: quiet hours and status order. No database access here.

A message's own status rules (provider status as ours, MESSAGE_RANK) live in messaging (`messaging.api`)."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone

from messaging.api import moves_forward  # noqa: F401 — the same forward-only rule, for reminder statuses


def _parse(value: str) -> time:
    hours, minutes = value.split(":")
    return time(int(hours), int(minutes))


def quiet_window() -> tuple[time, time]:
    """(quiet start, quiet end) in local time, from REMINDER_QUIET_START / REMINDER_QUIET_END."""
    return _parse(settings.REMINDER_QUIET_START), _parse(settings.REMINDER_QUIET_END)


def is_quiet(moment: datetime) -> bool:
    """True when `moment` (aware) falls in the quiet hours, in the portal's time zone (Asia/Shanghai)."""
    start, end = quiet_window()
    local = timezone.localtime(moment).time()
    if start > end:  # over midnight, e.g. 21:00–08:00
        return local >= start or local < end
    return start <= local < end


def next_window_open(moment: datetime) -> datetime:
    """`moment` itself when contact is allowed, else the end of the current quiet period (aware)."""
    if not is_quiet(moment):
        return moment
    _start, end = quiet_window()
    tz = ZoneInfo(settings.TIME_ZONE)
    local = timezone.localtime(moment, tz)
    candidate = datetime.combine(local.date(), end, tzinfo=tz)
    if candidate <= local:
        candidate = datetime.combine(local.date() + timedelta(days=1), end, tzinfo=tz)
    return candidate


def local_day_start(moment: datetime) -> datetime:
    """Midnight (aware) of `moment`'s local day: caps count per local calendar day."""
    tz = ZoneInfo(settings.TIME_ZONE)
    local = timezone.localtime(moment, tz)
    return datetime.combine(local.date(), time(0, 0), tzinfo=tz)


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
