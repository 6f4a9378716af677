"""The period every KPI data source is asked about, and the one rule of which rows fall in it.

A period is local dates [start, end) with their aware datetimes (`staff.kpi` builds them); a row falls in the
period when its datetime is at or after the start and before the end. The apps' `kpi_sources.py` use these,
so a month means the same rows in every app.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Protocol

from django.db.models import Q


class PeriodLike(Protocol):
    """What a period must offer: local dates [start, end) and their aware datetimes."""

    @property
    def start(self) -> date: ...
    @property
    def end(self) -> date: ...
    @property
    def start_dt(self) -> datetime: ...
    @property
    def end_dt(self) -> datetime: ...


def between(field_name: str, period: PeriodLike) -> Q:
    """Rows whose datetime `field_name` falls in the period: from its start (inclusive) to its end (exclusive)."""
    return Q(**{f"{field_name}__gte": period.start_dt, f"{field_name}__lt": period.end_dt})
