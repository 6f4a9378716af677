"""The response deadlines (the first response, the next response to a follow-up): received + N minutes, the clock
running only inside service hours. A live online chat (channel "chat", #16) has its own rule: received +
LIVECHAT_FIRST_RESPONSE_SECONDS (chats run only inside service hours; one left outside them is an ordinary inquiry).

Pure domain logic. Service hours are local (Asia/Shanghai, no daylight saving) windows such as
``"08:00-21:00"`` (every day), several windows separated by commas (``"08:00-12:00,13:00-21:00"``)
or one running past midnight (``"20:00-02:00"``). ``None`` or ``""`` means 24×7.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings

DAY = timedelta(days=1)
CHAT = "chat"  # inquiries.models.Inquiry.Channel.CHAT (this module imports no models)


def parse_service_hours(spec: str | None) -> list[tuple[timedelta, timedelta]]:
    """Parse "HH:MM-HH:MM[,HH:MM-HH:MM]" into (start, end) offsets from midnight; [] means 24×7."""
    if not spec or not spec.strip():
        return []
    windows = []
    for part in spec.split(","):
        start_text, end_text = (t.strip() for t in part.split("-", 1))
        start, end = _offset(start_text), _offset(end_text)
        if end == start:
            raise ValueError(f"empty service hours window: {part!r}")
        if end < start:  # runs past midnight
            end += DAY
        if end - start > DAY:
            raise ValueError(f"invalid service hours window: {part!r}")
        windows.append((start, end))
    return sorted(windows)


def _offset(text: str) -> timedelta:
    hours, minutes = text.split(":")
    value = timedelta(hours=int(hours), minutes=int(minutes))
    if not timedelta(0) <= value <= DAY:
        raise ValueError(f"invalid time of day: {text!r}")
    return value


def _windows_from(day: date, windows: list[tuple[timedelta, timedelta]], tz: ZoneInfo):
    """Yield the service windows as aware datetimes in order, starting with those of `day`."""
    while True:
        midnight = datetime.combine(day, time(0), tzinfo=tz)
        for start, end in windows:
            yield midnight + start, midnight + end
        day += DAY


def first_response_due(
    received_at: datetime,
    *,
    minutes: int | None = None,
    service_hours: str | None = "settings",
    tz: ZoneInfo | None = None,
    channel: str = "",
) -> datetime:
    """When the first response is due for an inquiry received at `received_at` (aware); a live chat (channel "chat")
    is due LIVECHAT_FIRST_RESPONSE_SECONDS after it started."""
    if received_at.tzinfo is None:
        raise ValueError("received_at must be timezone-aware")
    if channel == CHAT and minutes is None:
        return received_at + timedelta(seconds=settings.LIVECHAT_FIRST_RESPONSE_SECONDS)
    if minutes is None:
        minutes = settings.INQUIRY_FIRST_RESPONSE_MINUTES
    if service_hours == "settings":
        service_hours = settings.INQUIRY_SERVICE_HOURS
    tz = tz or ZoneInfo(settings.TIME_ZONE)
    remaining = timedelta(minutes=minutes)
    windows = parse_service_hours(service_hours)
    if not windows:
        return received_at + remaining
    local = received_at.astimezone(tz)
    # Start one day earlier: a window that runs past midnight may still be open.
    for start, end in _windows_from(local.date() - DAY, windows, tz):
        if end <= local:
            continue
        begin = max(start, local)
        available = end - begin
        if remaining <= available:
            return begin + remaining
        remaining -= available
    raise AssertionError("unreachable")  # pragma: no cover


def next_response_due(
    received_at: datetime,
    *,
    minutes: int | None = None,
    service_hours: str | None = "settings",
    tz: ZoneInfo | None = None,
) -> datetime:
    """When the answer to a customer's follow-up (on an answered or resolved inquiry) is due: the same rule as the
    first response, with INQUIRY_NEXT_RESPONSE_MINUTES."""
    if minutes is None:
        minutes = settings.INQUIRY_NEXT_RESPONSE_MINUTES
    return first_response_due(received_at, minutes=minutes, service_hours=service_hours, tz=tz)


def within_service_hours(
    moment: datetime, *, service_hours: str | None = "settings", tz: ZoneInfo | None = None
) -> bool:
    """True when `moment` lies inside a service window (window ends included)."""
    if service_hours == "settings":
        service_hours = settings.INQUIRY_SERVICE_HOURS
    windows = parse_service_hours(service_hours)
    if not windows:
        return True
    tz = tz or ZoneInfo(settings.TIME_ZONE)
    local = moment.astimezone(tz)
    midnight_today = datetime.combine(local.date(), time(0), tzinfo=tz)
    for midnight in (midnight_today - DAY, midnight_today):
        for start, end in windows:
            if midnight + start <= local <= midnight + end:
                return True
    return False


def service_opens_at(
    moment: datetime, *, service_hours: str | None = "settings", tz: ZoneInfo | None = None
) -> datetime:
    """The start of service at or after `moment`: `moment` itself inside service hours (and always when 24×7)."""
    return first_response_due(moment, minutes=0, service_hours=service_hours, tz=tz)
