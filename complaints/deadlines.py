"""Complaint deadlines: business days on the holiday calendar, and the statutory periods.

Pure date arithmetic (no database): callers pass the calendar exceptions as sets of dates.

- Acknowledgement: by the end of the next business day after the day of receipt.
- Decision and notice: within 15 calendar days of receipt; a supervisor may extend to 30, a manager by a further 30.
  When the last day of a period falls on a day off, the period ends on the next business day
  (the Civil Code's rule for periods, art. 203).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

ACKNOWLEDGE_BUSINESS_DAYS = 1
DECISION_DAYS = 15
# Days from receipt after each extension level: 0 = none, 1 = supervisor (30), 2 = manager (a further 30).
DECISION_DAYS_BY_LEVEL = {0: 15, 1: 30, 2: 60}
END_OF_DAY = time(23, 59, 59)


@dataclass(frozen=True)
class BusinessCalendar:
    """Monday–Friday working week with public holidays off and some weekend days worked (调休)."""

    holidays: Collection[date] = field(default_factory=frozenset)
    workdays: Collection[date] = field(default_factory=frozenset)

    def is_business_day(self, day: date) -> bool:
        if day in self.workdays:
            return True
        if day in self.holidays:
            return False
        return day.weekday() < 5

    def next_business_day(self, day: date) -> date:
        """The first business day strictly after `day`."""
        day += timedelta(days=1)
        while not self.is_business_day(day):
            day += timedelta(days=1)
        return day

    def on_or_after(self, day: date) -> date:
        """`day` when it is a business day, otherwise the next one."""
        return day if self.is_business_day(day) else self.next_business_day(day)

    def add_business_days(self, day: date, count: int) -> date:
        for _ in range(count):
            day = self.next_business_day(day)
        return day


def end_of_day(day: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, END_OF_DAY, tzinfo=tz)


def acknowledge_due_date(received: date, calendar: BusinessCalendar) -> date:
    """The last day to acknowledge: the next business day after the day of receipt."""
    return calendar.add_business_days(received, ACKNOWLEDGE_BUSINESS_DAYS)


def decision_due_date(received: date, calendar: BusinessCalendar, extension_level: int = 0) -> date:
    """The last day for the decision and its notice: 15/30/60 days after receipt, moved off a day off."""
    return calendar.on_or_after(received + timedelta(days=DECISION_DAYS_BY_LEVEL[extension_level]))


def is_late(done_at: datetime, due: datetime) -> bool:
    return done_at > due
