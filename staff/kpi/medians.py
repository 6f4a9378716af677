"""Median first-response times per staff member, team or the whole scope: exact, with a bounded number of queries.

Whole past days come from the roll-up histograms (staff.rollup); other days from the inquiries themselves
(inquiries.kpi_sources.answered): an ordered-set aggregate on PostgreSQL, a window query elsewhere.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from django.db import connection
from django.db.models import Aggregate, Count, DurationField, ExpressionWrapper, F, FloatField, Func, Q, Window
from django.db.models.functions import RowNumber
from django.utils import timezone

from inquiries import kpi_sources as inquiry_sources
from org.models import StaffProfile
from staff import rollup
from staff.kpi.formulas import median_from_histogram
from staff.kpi.periods import Period


class Median(Aggregate):
    """PostgreSQL's exact median: percentile_cont(0.5) WITHIN GROUP (ORDER BY x)."""

    function = "percentile_cont"
    name = "Median"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()


def _duration() -> ExpressionWrapper:
    return ExpressionWrapper(F("first_responded_at") - F("received_at"), output_field=DurationField())


def _seconds() -> Func:
    return Func(_duration(), template="EXTRACT(EPOCH FROM %(expressions)s)", output_field=FloatField())


def _memoised(memo: dict | None, key: tuple, compute):
    if memo is not None and key in memo:
        return memo[key]
    value = compute()
    if memo is not None:
        memo[key] = value
    return value


def _group_by_team(per_staff: dict, partition: str | None) -> dict:
    """Merge per-staff histograms into one per team (partition set) or one overall (key None)."""
    team_of = (
        dict(StaffProfile.objects.filter(user_id__in=list(per_staff)).values_list("user_id", "team_id"))
        if partition
        else {}
    )
    groups: dict = defaultdict(lambda: defaultdict(int))
    for staff_id, counts in per_staff.items():
        key = team_of.get(staff_id) if partition else None
        if partition and key is None:
            continue
        for seconds, n in counts.items():
            groups[key][seconds] += n
    return groups


def _medians_from_histograms(*, period: Period, rolled: set, partition: str | None, staff_ids, memo: dict | None):
    """Medians (seconds) from the roll-up histograms plus live days, grouped like first_response_medians."""
    scope = tuple(staff_ids) if staff_ids is not None else None
    today = timezone.localdate()
    if all(d in rolled or d > today for d in period.dates()) and partition in ("assigned_to", None):
        # Every day with data is rolled up: the medians come straight from the database (one query, memoised).
        medians = _memoised(
            memo,
            ("sql", period.start, period.end, scope),
            lambda: rollup.rolled_medians(start=period.start, end=period.end, staff_ids=staff_ids),
        )
        if partition is None:
            return {None: medians[-1]} if -1 in medians else {}
        return {k: v for k, v in medians.items() if k != -1}
    per_staff = _memoised(
        memo,
        (period.start, period.end, scope),
        lambda: rollup.histograms(start=period.start, end=period.end, rolled=rolled, staff_ids=staff_ids),
    )
    groups = per_staff if partition == "assigned_to" else _group_by_team(per_staff, partition)
    medians = {key: median_from_histogram(counts) for key, counts in groups.items()}
    return {key: value for key, value in medians.items() if value is not None}


def _window_medians(qs, partition: str | None) -> dict:
    """The middle one or two rows per group by a window query (databases without an exact median aggregate)."""
    duration = _duration()
    partition_by = [F(partition)] if partition else None
    qs = qs.annotate(
        response=duration,
        position=Window(RowNumber(), partition_by=partition_by, order_by=[duration.asc(), F("id").asc()]),
        group_size=Window(Count("id"), partition_by=partition_by),
    ).filter(Q(position=(F("group_size") + 1) / 2) | Q(position=(F("group_size") + 2) / 2))
    fields = ["response"] + ([partition] if partition else [])
    middles: dict = defaultdict(list)
    for row in qs.values(*fields):
        middles[row.get(partition) if partition else None].append(row["response"])
    return {
        key: sum((v.total_seconds() for v in values), 0.0) / len(values) for key, values in middles.items() if values
    }


def first_response_medians(
    *, period: Period, partition: str | None, staff_ids: Iterable[int] | None = None, memo: dict | None = None
) -> dict:
    """Median first-response time (seconds) per `partition` value (None: one median for all), in one query."""
    rolled = rollup.rolled_days(period.start, period.end)
    if rolled:
        return _medians_from_histograms(
            period=period, rolled=rolled, partition=partition, staff_ids=staff_ids, memo=memo
        )
    qs = inquiry_sources.answered(period=period, staff_ids=list(staff_ids) if staff_ids is not None else None)
    if connection.vendor != "postgresql":
        return _window_medians(qs, partition)
    # PostgreSQL has the exact median as an ordered-set aggregate: one pass, one row per group.
    if partition:
        rows = qs.order_by().values(partition).annotate(median=Median(_seconds()))
        return {row[partition]: row["median"] for row in rows if row["median"] is not None}
    median = qs.aggregate(median=Median(_seconds()))["median"]
    return {None: median} if median is not None else {}


def overall_medians(
    *, periods: list[Period], staff_ids: Iterable[int] | None = None, memo: dict | None = None
) -> list[float | None]:
    """The median first response of the whole scope for each period (one query on PostgreSQL)."""
    span = Period.spanning(periods)
    span_rolled = rollup.rolled_days(span.start, span.end)
    if span_rolled or connection.vendor != "postgresql" or len(periods) == 1:
        return [
            first_response_medians(period=p, partition=None, staff_ids=staff_ids, memo=memo).get(None) for p in periods
        ]
    qs = inquiry_sources.answered(period=span, staff_ids=list(staff_ids) if staff_ids is not None else None)
    row = qs.aggregate(
        **{f"m{i}": Median(_seconds(), filter=inquiry_sources.between("received_at", p)) for i, p in enumerate(periods)}
    )
    return [row[f"m{i}"] for i in range(len(periods))]
