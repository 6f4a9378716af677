"""KPI data of the complaints app: which complaints each service-quality component counts, per handler.

Timeliness is the outcome recorded on the complaint (`Complaint.on_time`, set once when the customer is informed
or the decision deadline passes), never recomputed here. The per-staff aggregates and the drill-down records are
both built from `component_filter`, so a figure and its records can never disagree.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from django.db.models import Count, Q, QuerySet

from aftersales.periods import PeriodLike, between
from complaints.models import Complaint

STAFF_FIELD = "assigned_to"


def timeliness_counted(period: PeriodLike) -> Q:
    """Complaints whose timeliness outcome belongs to the period: informed in it, or (never informed) with the
    decision deadline in it and recorded late."""
    outcome_known = Q(on_time__isnull=False)
    informed = between("informed_at", period)
    missed = Q(informed_at__isnull=True) & between("decision_due", period)
    return outcome_known & (informed | missed)


def timely(period: PeriodLike) -> Q:
    """Of those, the complaints recorded as decided and told on time."""
    return timeliness_counted(period) & Q(on_time=True)


FILTERS: dict[str, Callable[[PeriodLike], Q]] = {
    "cmp_due": timeliness_counted,
    "cmp_timely": timely,
    "cmp_handled": lambda p: between("closed_at", p),
    "cmp_received": lambda p: between("received_at", p),
}


def component_filter(name: str, period: PeriodLike) -> Q:
    """The complaints component `name` counts for the period: the one definition behind figure and drill-down."""
    return FILTERS[name](period)


def _scoped(qs: QuerySet, staff_ids: Iterable[int] | None) -> QuerySet:
    return qs.filter(**{f"{STAFF_FIELD}__in": list(staff_ids)}) if staff_ids is not None else qs


def components(*, periods: list[PeriodLike], span: PeriodLike, staff_ids: Iterable[int] | None = None) -> list[dict]:
    """Per-handler aggregates {"staff": id, "<period index>:<name>": count} of every component (1 query)."""
    touched = Q(pk__in=[])
    for make in FILTERS.values():
        touched |= make(span)
    qs = _scoped(Complaint.objects.filter(touched), staff_ids).order_by().values(STAFF_FIELD)
    annotations = {
        f"{i}:{name}": Count("id", filter=make(p)) for i, p in enumerate(periods) for name, make in FILTERS.items()
    }
    return [{"staff": row.pop(STAFF_FIELD), **row} for row in qs.annotate(**annotations)]


def records(*, name: str, period: PeriodLike, staff_ids: Iterable[int] | None = None) -> QuerySet:
    """The complaints component `name` counts for the period (the drill-down), for these handlers."""
    return _scoped(Complaint.objects.filter(component_filter(name, period)), staff_ids)
