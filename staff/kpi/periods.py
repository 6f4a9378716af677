"""Reporting periods: a range of local dates [start, end) with its kind (day, week, month, custom)."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.utils import timezone


@dataclass(frozen=True)
class Period:
    """A range of local dates [start, end) with its kind (day, week, month, custom)."""

    start: date
    end: date  # exclusive
    kind: str = "custom"

    @classmethod
    def day(cls, day: date) -> Period:
        """The one local day."""
        return cls(day, day + timedelta(days=1), "day")

    @classmethod
    def week(cls, day: date) -> Period:
        """The Monday-to-Sunday week holding the day."""
        monday = day - timedelta(days=day.weekday())
        return cls(monday, monday + timedelta(days=7), "week")

    @classmethod
    def month(cls, day: date) -> Period:
        """The calendar month holding the day."""
        first = day.replace(day=1)
        days = calendar.monthrange(first.year, first.month)[1]
        return cls(first, first + timedelta(days=days), "month")

    @classmethod
    def custom(cls, start: date, last_day: date) -> Period:
        """From `start` to `last_day` inclusive (either order)."""
        if last_day < start:
            start, last_day = last_day, start
        return cls(start, last_day + timedelta(days=1), "custom")

    @classmethod
    def spanning(cls, periods: list[Period]) -> Period:
        """The smallest period covering all of them."""
        return cls(min(p.start for p in periods), max(p.end for p in periods))

    @property
    def last_day(self) -> date:
        return self.end - timedelta(days=1)

    @property
    def days(self) -> int:
        return (self.end - self.start).days

    @property
    def start_dt(self) -> datetime:
        return timezone.make_aware(datetime.combine(self.start, time.min))

    @property
    def end_dt(self) -> datetime:
        return timezone.make_aware(datetime.combine(self.end, time.min))

    def dates(self) -> list[date]:
        """Every local day of the period."""
        return [self.start + timedelta(days=n) for n in range(self.days)]

    def previous(self) -> Period:
        """The period of the same kind and length just before."""
        if self.kind == "month":
            return Period.month(self.start - timedelta(days=1))
        return Period(self.start - timedelta(days=self.days), self.start, self.kind)

    def label(self) -> str:
        """How the period is named on pages and exports."""
        if self.kind == "day":
            return self.start.isoformat()
        if self.kind == "month":
            return self.start.strftime("%Y-%m")
        return f"{self.start.isoformat()} – {self.last_day.isoformat()}"
