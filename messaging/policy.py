"""The contact policy: when a proactive message may go out. Pure rules, no database (tests/messaging/test_policy.py).

One policy for every proactive SMS and call, whoever sends it (reminders, surveys, complaint notices and decision
letters, campaigns):

- quiet hours: nothing between REMINDER_QUIET_START and REMINDER_QUIET_END (local time, Asia/Shanghai);
- at most REMINDER_MAX_CONTACTS_PER_CUSTOMER_PER_DAY proactive contacts with one customer per local day;
- at most REMINDER_MAX_CALLS_PER_NUMBER_PER_DAY call attempts to one number per local day;
- the same text to the same number at most REMINDER_MAX_SAME_TEXT_PER_24H times in any 24 hours;
- nothing on a channel the customer opted out of.

Replies to the customer's own message inside a conversation (an inquiry reply, the confirmation of an opt-out the
customer just sent) are not proactive: they are exempt and recorded as such (`OutboundMessage.proactive=False`).
A message the policy holds gets the moment it may go next (`Decision.not_before`): it is held, never dropped.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings

SMS = "sms"
VOICE = "voice"

# Why a message is held (or refused, for an opt-out). The values are OutboundMessage.HoldReason's.
QUIET_HOURS = "quiet_hours"
DAILY_CAP = "daily_cap"
CALL_CAP = "call_cap"
SAME_TEXT = "same_text"
OPTED_OUT = "opted_out"


def _parse(value: str) -> time:
    hours, minutes = value.split(":")
    return time(int(hours), int(minutes))


@dataclass(frozen=True)
class Limits:
    """The policy's figures (settings): quiet window, daily cap, call-attempt cap, same-text cap."""

    quiet_start: time
    quiet_end: time
    per_customer_per_day: int
    calls_per_number_per_day: int
    same_text_per_24h: int
    tz: ZoneInfo

    @classmethod
    def from_settings(cls) -> Limits:
        """The limits as configured now (read at call time, never at import)."""
        return cls(
            quiet_start=_parse(settings.REMINDER_QUIET_START),
            quiet_end=_parse(settings.REMINDER_QUIET_END),
            per_customer_per_day=settings.REMINDER_MAX_CONTACTS_PER_CUSTOMER_PER_DAY,
            calls_per_number_per_day=settings.REMINDER_MAX_CALLS_PER_NUMBER_PER_DAY,
            same_text_per_24h=settings.REMINDER_MAX_SAME_TEXT_PER_24H,
            tz=ZoneInfo(settings.TIME_ZONE),
        )


@dataclass(frozen=True)
class History:
    """What was sent already, as the policy counts it (messages the provider accepted or may have)."""

    contacts_today: int = 0  # proactive messages to the customer (or number) since local midnight
    calls_today: int = 0  # call attempts to the number since local midnight
    same_text_at: tuple[datetime, ...] = ()  # when the same text went to the number in the last 24 hours


@dataclass(frozen=True)
class Decision:
    """The policy's answer: allowed now, or held (with why and from when), or refused (opted out)."""

    allowed: bool
    reason: str = ""  # "" when allowed; QUIET_HOURS, DAILY_CAP, CALL_CAP, SAME_TEXT, OPTED_OUT
    not_before: datetime | None = None  # when it is allowed next (None: now, or never for an opt-out)
    exempt: bool = False  # a reply inside a conversation: the policy does not apply
    notes: tuple[str, ...] = field(default=())

    @property
    def held(self) -> bool:
        """Held for later (not refused): it goes out at `not_before`."""
        return not self.allowed and self.reason != OPTED_OUT


ALLOWED = Decision(allowed=True)
EXEMPT = Decision(allowed=True, exempt=True)


def quiet_window(limits: Limits | None = None) -> tuple[time, time]:
    """(quiet start, quiet end) in local time."""
    limits = limits or Limits.from_settings()
    return limits.quiet_start, limits.quiet_end


def is_quiet(moment: datetime, limits: Limits | None = None) -> bool:
    """True when `moment` (aware) falls in the quiet hours, in the portal's time zone."""
    limits = limits or Limits.from_settings()
    local = moment.astimezone(limits.tz).time()
    start, end = limits.quiet_start, limits.quiet_end
    if start > end:  # over midnight, e.g. 21:00–08:00
        return local >= start or local < end
    return start <= local < end


def next_window_open(moment: datetime, limits: Limits | None = None) -> datetime:
    """`moment` itself when contact is allowed, else the end of the current quiet period (aware)."""
    limits = limits or Limits.from_settings()
    if not is_quiet(moment, limits):
        return moment
    local = moment.astimezone(limits.tz)
    candidate = datetime.combine(local.date(), limits.quiet_end, tzinfo=limits.tz)
    if candidate <= local:
        candidate = datetime.combine(local.date() + timedelta(days=1), limits.quiet_end, tzinfo=limits.tz)
    return candidate


def local_day_start(moment: datetime, limits: Limits | None = None) -> datetime:
    """Midnight (aware) of `moment`'s local day: the caps count per local calendar day."""
    limits = limits or Limits.from_settings()
    local = moment.astimezone(limits.tz)
    return datetime.combine(local.date(), time(0, 0), tzinfo=limits.tz)


def next_day_open(moment: datetime, limits: Limits | None = None) -> datetime:
    """The first allowed moment of the next local day (the daily caps start again at midnight, quiet until 08:00)."""
    limits = limits or Limits.from_settings()
    return next_window_open(local_day_start(moment, limits) + timedelta(days=1), limits)


def decide(
    *,
    now: datetime,
    channel: str,
    history: History,
    proactive: bool = True,
    opted_out: bool = False,
    limits: Limits | None = None,
) -> Decision:
    """May this message go out `now`? Exempt when not proactive; else opt-out, quiet hours, then the caps."""
    if not proactive:
        return EXEMPT
    if opted_out:
        return Decision(allowed=False, reason=OPTED_OUT)
    limits = limits or Limits.from_settings()
    if is_quiet(now, limits):
        return Decision(allowed=False, reason=QUIET_HOURS, not_before=next_window_open(now, limits))
    reason, not_before = cap_reached(now=now, channel=channel, history=history, limits=limits)
    if reason:
        return Decision(allowed=False, reason=reason, not_before=not_before)
    return ALLOWED


def cap_reached(
    *, now: datetime, channel: str, history: History, limits: Limits | None = None
) -> tuple[str, datetime | None]:
    """The frequency cap reached, if any (DAILY_CAP, CALL_CAP, SAME_TEXT or ""), and when it frees up."""
    limits = limits or Limits.from_settings()
    if history.contacts_today >= limits.per_customer_per_day:
        return DAILY_CAP, next_day_open(now, limits)
    if channel == VOICE and history.calls_today >= limits.calls_per_number_per_day:
        return CALL_CAP, next_day_open(now, limits)
    recent = sorted(at for at in history.same_text_at if at > now - timedelta(hours=24))
    if len(recent) >= limits.same_text_per_24h:
        # allowed again once enough of the earlier ones are more than 24 hours old
        freed = recent[len(recent) - limits.same_text_per_24h] + timedelta(hours=24)
        return SAME_TEXT, next_window_open(freed, limits)
    return "", None
