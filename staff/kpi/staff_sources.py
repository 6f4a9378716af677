"""KPI data of the staff app itself: satisfaction surveys, QA scorecards and training attended, per staff member.

Same shape as the other apps' `kpi_sources` modules: each component declared once, the aggregates and the
drill-down records built from the same `component_filter`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import TruncDate

from livechat import kpi_sources as chat_sources
from staff.kpi.periods import Period
from staff.models import QaReview, Survey, TrainingAttendance


@dataclass(frozen=True)
class Component:
    """One number a KPI is made of: records of `model` in the period, credited to `staff_field`."""

    model: type
    window: Callable[[Period], Q]
    staff_field: str
    condition: Q = field(default_factory=Q)
    total: str = ""  # the field summed; empty: the records are counted


def _between(field_name: str) -> Callable[[Period], Q]:
    return lambda p: Q(**{f"{field_name}__gte": p.start_dt, f"{field_name}__lt": p.end_dt})


def _held(p: Period) -> Q:
    return Q(session__held_on__gte=p.start, session__held_on__lt=p.end)


COMPONENTS: dict[str, Component] = {
    "csat_sum": Component(Survey, _between("answered_at"), "staff", Q(rating__isnull=False), "rating"),
    "csat_count": Component(Survey, _between("answered_at"), "staff", Q(rating__isnull=False)),
    "qa_sum": Component(QaReview, _between("reviewed_at"), "agent", Q(score__isnull=False), "score"),
    "qa_count": Component(QaReview, _between("reviewed_at"), "agent", Q(score__isnull=False)),
    "training_hours": Component(TrainingAttendance, _held, "staff", total="session__hours"),
}
SURVEYS = ("csat_sum", "csat_count")  # rolled up daily with the inquiry components
QA = ("qa_sum", "qa_count")
TRAINING = ("training_hours",)


def component_filter(name: str, period: Period) -> Q:
    """The records component `name` counts for the period: the one definition behind figure and drill-down."""
    spec = COMPONENTS[name]
    return spec.window(period) & spec.condition


def _scoped(qs: QuerySet, staff_field: str, staff_ids: Iterable[int] | None) -> QuerySet:
    return qs.filter(**{f"{staff_field}__in": list(staff_ids)}) if staff_ids is not None else qs


def _aggregate(name: str, condition: Q):
    spec = COMPONENTS[name]
    return Sum(spec.total, filter=condition) if spec.total else Count("id", filter=condition)


def _grouped(names: tuple[str, ...], periods: list[Period], base: QuerySet, staff_ids) -> list[dict]:
    staff_field = COMPONENTS[names[0]].staff_field
    qs = _scoped(base, staff_field, staff_ids).order_by().values(staff_field)
    annotations = {f"{i}:{n}": _aggregate(n, component_filter(n, p)) for i, p in enumerate(periods) for n in names}
    return [{"staff": row.pop(staff_field), **row} for row in qs.annotate(**annotations)]


def components(
    *, periods: list[Period], span: Period, staff_ids: Iterable[int] | None = None, live: Callable[[str], Q] | None
) -> list[dict]:
    """Per-staff aggregates of surveys and chat ratings (live days only), QA and training for each period (up to 4
    queries)."""
    rows: list[dict] = []
    if live is not None:
        surveys = Survey.objects.filter(component_filter("csat_count", span) & live("answered_at"))
        rows += _grouped(SURVEYS, periods, surveys, staff_ids)
        # CSAT also counts the online chats' ratings (#16), credited to the agent who held the chat.
        rows += chat_sources.components(periods=periods, span=span, staff_ids=staff_ids, live=live)
    rows += _grouped(QA, periods, QaReview.objects.filter(component_filter("qa_count", span)), staff_ids)
    training = TrainingAttendance.objects.filter(_held(span))
    rows += _grouped(TRAINING, periods, training, staff_ids)
    return rows


def daily_components(*, within: Callable[[str], Q], staff_ids: Iterable[int] | None = None) -> list[dict]:
    """Rows {"day", "staff", csat_sum, csat_count} of the surveys answered and the chats rated on the given days
    (2 queries)."""
    qs = (
        _scoped(Survey.objects.filter(within("answered_at"), rating__isnull=False), "staff", staff_ids)
        .order_by()
        .annotate(day=TruncDate("answered_at"))
        .values("day", "staff")
        .annotate(csat_sum=Sum("rating"), csat_count=Count("id"))
    )
    return list(qs) + chat_sources.daily_components(within=within, staff_ids=staff_ids)  # chat ratings (#16)


def records(*, name: str, period: Period, staff_ids: Iterable[int] | None = None) -> QuerySet:
    """The records component `name` counts for the period (the drill-down), for these staff members."""
    spec = COMPONENTS[name]
    return _scoped(spec.model.objects.filter(component_filter(name, period)), spec.staff_field, staff_ids)
