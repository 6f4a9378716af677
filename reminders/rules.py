"""Pure rules for reminders: quiet hours and status order. No database access here."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone


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
MESSAGE_RANK = {
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


def message_status(provider_status: str) -> str:
    """The OutboundMessage status for a provider status (unknown ones count as queued)."""
    status = MESSAGE_STATUS_ALIASES.get(provider_status, provider_status)
    return status if status in MESSAGE_RANK else "queued"


def moves_forward(rank: dict[str, int], current: str, new: str) -> bool:
    """True when `new` is later in the life cycle than `current`."""
    return rank.get(new, -1) > rank.get(current, -1)


def retry_delay_seconds(attempts: int) -> int:
    """Short exponential backoff driven by database rows: 10 s, 20 s, 40 s … at most 10 minutes."""
    base = settings.REMINDER_RETRY_BASE_SECONDS
    return int(min(base * 2 ** max(attempts - 1, 0), 600))
