"""KPI data of the online chat: the customers' ratings at the end of a chat (1–5), counted in CSAT beside the
satisfaction surveys (staff.kpi reads the same component names, csat_sum and csat_count, from both).

A rating falls in the period it was given (rated_at) and is credited to the agent who held the chat (claimed_by).
Like the surveys, whole past days come from staff's daily roll-ups (`daily_components`) and the other days live
(`components` with `live`). Periods are duck-typed (aftersales.periods).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import TruncDate

from aftersales.periods import PeriodLike, between
from livechat.models import ChatSession

STAFF_FIELD = "claimed_by"
RATED = Q(rating__isnull=False)
COMPONENTS = ("csat_sum", "csat_count")


def component_filter(name: str, period: PeriodLike) -> Q:
    """The chats component `name` counts for the period (rated in it)."""
    if name not in COMPONENTS:
        raise KeyError(name)
    return between("rated_at", period) & RATED


def components(
    *,
    periods: list[PeriodLike],
    span: PeriodLike,
    staff_ids: Iterable[int] | None = None,
    live: Callable[[str], Q] | None = None,
) -> list[dict]:
    """Rows {"staff": id, "<period index>:csat_sum": total, "<period index>:csat_count": n} of the chats rated in the
    span (on the days `live` keeps, when given), per agent (1 query)."""
    qs = ChatSession.objects.filter(component_filter("csat_count", span))
    if live is not None:
        qs = qs.filter(live("rated_at"))
    if staff_ids is not None:
        qs = qs.filter(claimed_by__in=list(staff_ids))
    annotations = {}
    for i, period in enumerate(periods):
        condition = component_filter("csat_count", period)
        annotations[f"{i}:csat_sum"] = Sum("rating", filter=condition)
        annotations[f"{i}:csat_count"] = Count("id", filter=condition)
    rows = qs.order_by().values(STAFF_FIELD).annotate(**annotations)
    return [{"staff": row.pop(STAFF_FIELD), **row} for row in rows]


def daily_components(*, within: Callable[[str], Q], staff_ids: Iterable[int] | None = None) -> list[dict]:
    """Rows {"day", "staff", csat_sum, csat_count} of the chats rated on the given days (1 query), for the roll-ups."""
    qs = ChatSession.objects.filter(within("rated_at"), RATED)
    if staff_ids is not None:
        qs = qs.filter(claimed_by__in=list(staff_ids))
    rows = (
        qs.order_by()
        .annotate(day=TruncDate("rated_at"))
        .values("day", STAFF_FIELD)
        .annotate(csat_sum=Sum("rating"), csat_count=Count("id"))
    )
    return [
        {"day": r["day"], "staff": r[STAFF_FIELD], "csat_sum": r["csat_sum"], "csat_count": r["csat_count"]}
        for r in rows
    ]


def records(*, period: PeriodLike, staff_ids: Iterable[int] | None = None) -> QuerySet[ChatSession]:
    """The rated chats of the period (for these staff members): the records behind the chat part of CSAT."""
    qs = ChatSession.objects.filter(component_filter("csat_count", period)).select_related("inquiry", "claimed_by")
    return qs.filter(claimed_by__in=list(staff_ids)) if staff_ids is not None else qs
