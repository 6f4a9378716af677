"""The one rule of which rows fall in a KPI period: from its first instant, up to but not including its end."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from aftersales.models import Heartbeat
from aftersales.periods import between

SH = ZoneInfo("Asia/Shanghai")


@dataclass(frozen=True)
class Month:
    start: date
    end: date

    @property
    def start_dt(self) -> datetime:
        return datetime(self.start.year, self.start.month, self.start.day, tzinfo=SH)

    @property
    def end_dt(self) -> datetime:
        return datetime(self.end.year, self.end.month, self.end.day, tzinfo=SH)


@pytest.mark.django_db
def test_a_row_at_the_first_instant_counts_and_one_at_the_end_belongs_to_the_next_period():
    november = Month(date(2026, 11, 1), date(2026, 12, 1))
    one_microsecond = timedelta(microseconds=1)
    stamps = {
        "before": november.start_dt - one_microsecond,
        "first": november.start_dt,
        "last": november.end_dt - one_microsecond,
        "end": november.end_dt,
    }
    for name, at in stamps.items():
        Heartbeat.objects.create(name=name, last_seen=at)
    inside = set(Heartbeat.objects.filter(between("last_seen", november)).values_list("name", flat=True))
    assert inside == {"first", "last"}


@pytest.mark.django_db
def test_local_midnight_not_utc_midnight_starts_the_period():
    november = Month(date(2026, 11, 1), date(2026, 12, 1))
    # 2026-12-01 00:30 UTC is 08:30 in Shanghai on 1 December: already December.
    Heartbeat.objects.create(name="utc-midnight", last_seen=datetime(2026, 12, 1, 0, 30, tzinfo=ZoneInfo("UTC")))
    # 2026-11-30 16:30 UTC is 00:30 in Shanghai on 1 December too; 15:59 UTC is still November.
    Heartbeat.objects.create(name="shanghai-november", last_seen=datetime(2026, 11, 30, 15, 59, tzinfo=ZoneInfo("UTC")))
    inside = set(Heartbeat.objects.filter(between("last_seen", november)).values_list("name", flat=True))
    assert inside == {"shanghai-november"}
