"""Daily (or weekly) series for the dashboard charts: inquiries handled, complaints received, SLA %, CSAT."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import Count, Sum
from django.db.models.functions import TruncDate

from complaints import kpi_sources as complaint_sources
from inquiries import kpi_sources as inquiry_sources
from staff import rollup
from staff.kpi import staff_sources
from staff.kpi.catalogue import KPI_BY_CODE
from staff.kpi.formulas import ratio
from staff.kpi.periods import Period
from staff.models import KpiRollup

SERIES = {"handled": "inq_handled", "sla_met": "sla_met", "sla_total": "sla_total"}
SERIES.update({"csat_sum": "csat_sum", "csat_count": "csat_count"})


def _labels(period: Period, key) -> list[date]:
    labels: list[date] = []
    for day in period.dates():
        if key(day) not in labels:
            labels.append(key(day))
    return labels


def _daily_sums(period: Period, staff_ids: list[int] | None) -> list[dict]:
    """{"day", component: value} rows: whole past days from the roll-ups, the other days live (up to 5 queries)."""
    rolled = rollup.rolled_days(period.start, period.end)
    live_days = [d for d in period.dates() if d not in rolled]
    rows: list[dict] = []
    if rolled:
        qs = KpiRollup.objects.filter(day__gte=period.start, day__lt=period.end).order_by()
        if staff_ids is not None:
            qs = qs.filter(staff_id__in=staff_ids)
        rows += list(qs.values("day").annotate(**{name: Sum(name) for name in SERIES.values()}))
    if live_days:

        def within(field: str):
            return rollup.days_q(field, live_days)

        rows += inquiry_sources.daily_components(within=within, staff_ids=staff_ids)
        rows += staff_sources.daily_components(within=within, staff_ids=staff_ids)
    return rows


def kpi_trend(*, period: Period, bucket: str = "day", staff_ids: list[int] | None = None) -> dict:
    """Series per day (or week) for the charts, from the same components as the figures."""

    def key(day: date) -> date:
        return day - timedelta(days=day.weekday()) if bucket == "week" else day

    labels = _labels(period, key)
    sums: dict[str, dict[date, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for row in _daily_sums(period, staff_ids):
        for series, component in SERIES.items():
            if row.get(component):
                sums[series][key(row["day"])] += Decimal(row[component])
    received = complaint_sources.records(name="cmp_received", period=period, staff_ids=staff_ids).order_by()
    for row in received.annotate(d=TruncDate("received_at")).values("d").annotate(n=Count("id")):
        sums["complaints"][key(row["d"])] += row["n"]

    def series_ratio(code: str, numerator: str, denominator: str) -> list[float | None]:
        kpi = KPI_BY_CODE[code]
        values = [ratio(sums[numerator][d], sums[denominator][d], kpi.scale, kpi.quantum) for d in labels]
        return [float(v) if v is not None else None for v in values]

    return {
        "labels": [d.isoformat() for d in labels],
        "handled": [int(sums["handled"][d]) for d in labels],
        "complaints": [int(sums["complaints"][d]) for d in labels],
        "sla": series_ratio("sla", "sla_met", "sla_total"),
        "csat": series_ratio("csat", "csat_sum", "csat_count"),
    }
