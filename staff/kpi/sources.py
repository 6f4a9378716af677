"""The components per staff member for a set of periods, gathered from the data sources that own them.

Each source table is read once over the span of all the periods, with one conditional aggregate per period, so
comparing with the previous period costs no extra query; whole past days of the inquiry and survey components
come from the daily roll-ups (staff.rollup). The query count is fixed whatever the data size.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date
from decimal import Decimal

from django.db.models import Q, QuerySet, Sum
from django.utils import timezone

from complaints import kpi_sources as complaint_sources
from inquiries import kpi_sources as inquiry_sources
from loans import kpi_sources as loan_sources
from reminders import kpi_sources as reminder_sources
from staff import rollup
from staff.kpi import staff_sources
from staff.kpi.catalogue import COMPLAINTS, INQUIRIES, REMINDERS, STAFF, Kpi
from staff.kpi.periods import Period
from staff.models import KpiRollup

ROLLED_UP = inquiry_sources.ROLLED_UP + staff_sources.SURVEYS
PerStaff = dict[int | None, dict[str, Decimal]]


def _merge(results: list[PerStaff], rows: Iterable[dict]) -> None:
    """Add {"staff": id, "<period index>:<name>": value} rows into the per-period results."""
    for row in rows:
        who = row.pop("staff") or None
        for label, value in row.items():
            if not value:
                continue
            index, name = label.split(":", 1)
            bucket = results[int(index)][who]
            bucket[name] = bucket.get(name, Decimal(0)) + Decimal(value)


def _rolled_rows(periods: list[Period], span: Period, ids: list[int] | None) -> list[dict]:
    """The rolled-up components of whole past days, per staff member and period (1 query)."""
    rows = KpiRollup.objects.filter(day__gte=span.start, day__lt=span.end).order_by()
    if ids is not None:
        rows = rows.filter(staff_id__in=ids)
    annotations = {
        f"{i}:{name}": Sum(name, filter=Q(day__gte=p.start, day__lt=p.end))
        for i, p in enumerate(periods)
        for name in ROLLED_UP
    }
    return [{"staff": row.pop("staff_id"), **row} for row in rows.values("staff_id").annotate(**annotations)]


def staff_components_for(*, periods: list[Period], staff_ids: Iterable[int] | None = None) -> list[PerStaff]:
    """Components per staff member (key None: records not attributed to anyone) for each period."""
    ids = list(staff_ids) if staff_ids is not None else None
    span = Period.spanning(periods)
    results: list[PerStaff] = [defaultdict(dict) for _ in periods]
    rolled = rollup.rolled_days(span.start, span.end)
    live_days = [d for d in span.dates() if d not in rolled]
    live = (lambda field: rollup.days_q(field, live_days)) if live_days else None
    if rolled:
        _merge(results, _rolled_rows(periods, span, ids))
    _merge(results, inquiry_sources.components(periods=periods, span=span, staff_ids=ids, live=live))
    _merge(results, complaint_sources.components(periods=periods, span=span, staff_ids=ids))
    _merge(results, staff_sources.components(periods=periods, span=span, staff_ids=ids, live=live))
    return results


def staff_components(*, period: Period, staff_ids: Iterable[int] | None = None) -> PerStaff:
    """Components per staff member for one period."""
    return staff_components_for(periods=[period], staff_ids=staff_ids)[0]


def service_components_for(*, periods: list[Period], today: date | None = None) -> list[dict[str, Decimal]]:
    """The service-wide components (reminder effectiveness, active loans) for each period (1 query + a cached count)."""
    span = Period.spanning(periods)
    row = reminder_sources.components(periods=periods, span=span, today=today)
    active = Decimal(loan_sources.active_loans_count())
    result = []
    for i in range(len(periods)):
        result.append(
            {"rem_paid": Decimal(row[f"{i}:rem_paid"]), "rem_due": Decimal(row[f"{i}:rem_due"]), "active_loans": active}
        )
    return result


def records(kpi: Kpi, *, period: Period, staff_ids: list[int] | None) -> QuerySet:
    """The records the KPI's figure counts (its record component), from the source that owns them."""
    name = kpi.record_component
    if kpi.source == INQUIRIES:
        return inquiry_sources.records(name=name, period=period, staff_ids=staff_ids)
    if kpi.source == COMPLAINTS:
        return complaint_sources.records(name=name, period=period, staff_ids=staff_ids)
    if kpi.source == REMINDERS:
        return reminder_sources.records(name=name, period=period)
    if kpi.source == STAFF:
        return staff_sources.records(name=name, period=period, staff_ids=staff_ids)
    raise KeyError(kpi.source)


def numerator_filter(kpi: Kpi, *, period: Period) -> Q:
    """The condition that puts one of the KPI's records into its numerator (for the drill-down outcome filters)."""
    if kpi.source == INQUIRIES:
        return inquiry_sources.component_filter(kpi.numerator, period)
    if kpi.source == COMPLAINTS:
        return complaint_sources.component_filter(kpi.numerator, period)
    if kpi.source == REMINDERS:
        return reminder_sources.component_filter(kpi.numerator, period, timezone.localdate())
    return staff_sources.component_filter(kpi.numerator, period)
