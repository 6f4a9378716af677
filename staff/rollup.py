"""Daily roll-ups of the inquiry and survey KPI components, kept by a task, so a month's dashboard reads a few
thousand small rows instead of every inquiry.

Exactness: every five minutes the task re-rolls today, yesterday and every day touched by a change since its last
run (a new inquiry, a response, an SLA deadline passing, an assignment, a resolution, a survey answer, or any thread
event such as a reopening); a nightly run recomputes the last three months from scratch. A rolled-up day therefore
equals the live computation as of the last run (at most five minutes old). Days without a roll-up (never rolled, or
future) are computed live from the inquiries. The first-response median comes from a histogram of whole
seconds, so it is exact to the second (the dashboard shows tenths of a minute).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, time, timedelta

from django.db import connection, transaction
from django.db.models import Count, Exists, F, Func, IntegerField, OuterRef, Q, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from inquiries import kpi_sources as inquiry_sources
from inquiries.models import Inquiry, InquiryMessage
from staff.kpi import staff_sources
from staff.kpi.formulas import median_from_histogram
from staff.models import KpiResponseHistogram, KpiResponseMinutes, KpiRollup, KpiRollupDay, Survey

__all__ = ["median_from_histogram"]  # re-exported: the histogram median is a pure formula (staff.kpi.formulas)

UNASSIGNED = 0
REBUILD_DAYS = 92  # the nightly rebuild covers this month, last month and the month before
SAFETY_MARGIN = timedelta(minutes=5)  # changes written while the last run was reading are picked up again


class ResponseSeconds(Func):
    """Whole seconds from receipt to first response."""

    output_field = IntegerField()

    def __init__(self, **extra):
        super().__init__(F("first_responded_at"), F("received_at"), **extra)

    def as_postgresql(self, compiler, connection, **extra):
        return self.as_sql(
            compiler,
            connection,
            template="FLOOR(EXTRACT(EPOCH FROM (%(expressions)s)))::integer",
            arg_joiner=" - ",
            **extra,
        )

    def as_sqlite(self, compiler, connection, **extra):
        return self.as_sql(
            compiler,
            connection,
            template="CAST((julianday(%(expressions)s)) * 86400 AS INTEGER)",
            arg_joiner=") - julianday(",
            **extra,
        )


def day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def runs(days: list[date]) -> list[tuple[date, date]]:
    """Contiguous runs [first, last] of sorted days."""
    result: list[tuple[date, date]] = []
    for day in sorted(days):
        if result and result[-1][1] + timedelta(days=1) == day:
            result[-1] = (result[-1][0], day)
        else:
            result.append((day, day))
    return result


def days_q(field: str, days: list[date]) -> Q:
    """Rows whose `field` falls on one of the local days."""
    q = Q(pk__in=[])
    for first, last in runs(days):
        q |= Q(**{f"{field}__gte": day_start(first), f"{field}__lt": day_start(last + timedelta(days=1))})
    return q


def rolled_days(start: date, end: date) -> set[date]:
    """Days of [start, end) that are rolled up (1 query)."""
    return set(KpiRollupDay.objects.filter(day__gte=start, day__lt=end).values_list("day", flat=True))


def _rollup_rows(days: list[date]) -> list[KpiRollup]:
    """The roll-up rows of the days, from the same component definitions as the live figures (3 queries)."""
    rows: dict[tuple[date, int], KpiRollup] = {}

    def within(field: str) -> Q:
        return days_q(field, days)

    for item in inquiry_sources.daily_components(within=within) + staff_sources.daily_components(within=within):
        key = (item.pop("day"), item.pop("staff") or UNASSIGNED)
        target = rows.setdefault(key, KpiRollup(day=key[0], staff_id=key[1]))
        for name, value in item.items():
            setattr(target, name, (getattr(target, name) or 0) + (value or 0))
    return list(rows.values())


def _histogram_rows(days: list[date]) -> None:
    """Per-second and per-minute response-time histograms of the days (2 queries + inserts)."""
    answered = inquiry_sources.answered_on(within=lambda field: days_q(field, days)).order_by()
    histogram = (
        answered.annotate(d=TruncDate("received_at"), s=ResponseSeconds())
        .values("d", "assigned_to", "s")
        .annotate(n=Count("id"))
    )
    KpiResponseHistogram.objects.bulk_create(
        [
            KpiResponseHistogram(
                day=h["d"], staff_id=h["assigned_to"] or UNASSIGNED, seconds=max(h["s"], 0), count=h["n"]
            )
            for h in histogram.iterator(chunk_size=5000)
        ],
        batch_size=5000,
    )
    minutes = (
        KpiResponseHistogram.objects.filter(day__in=days)
        .annotate(m=F("seconds") / 60)
        .values("day", "staff_id", "m")
        .annotate(n=Sum("count"))
        .order_by()
    )
    KpiResponseMinutes.objects.bulk_create(
        [KpiResponseMinutes(day=r["day"], staff_id=r["staff_id"], minute=r["m"], count=r["n"]) for r in minutes],
        batch_size=5000,
    )


@transaction.atomic
def rollup_refresh(*, days: list[date]) -> int:
    """(Re)compute the roll-ups of the given days (up to today), set-based; later days are never rolled up."""
    today = timezone.localdate()
    days = sorted({d for d in days if d <= today})
    if not days:
        return 0
    KpiRollup.objects.filter(day__in=days).delete()
    KpiResponseHistogram.objects.filter(day__in=days).delete()
    KpiResponseMinutes.objects.filter(day__in=days).delete()
    KpiRollupDay.objects.filter(day__in=days).delete()
    KpiRollup.objects.bulk_create(_rollup_rows(days), batch_size=2000)
    _histogram_rows(days)
    now = timezone.now()
    KpiRollupDay.objects.bulk_create([KpiRollupDay(day=d, refreshed_at=now) for d in days])
    return len(days)


def touched_days(*, since: datetime) -> set[date]:
    """Local days whose roll-up a change since `since` may have altered (3 queries)."""
    now = timezone.now()
    changed = Inquiry.objects.filter(
        Q(received_at__gte=since)
        | Q(created_at__gte=since)
        | Q(first_responded_at__gte=since)
        | Q(resolved_at__gte=since)
        | Q(assigned_at__gte=since)
        | Q(first_response_due__gte=since, first_response_due__lte=now)
        | Exists(InquiryMessage.objects.filter(inquiry=OuterRef("pk"), created_at__gte=since))
    ).order_by()
    days = set(changed.annotate(d=TruncDate("received_at")).values_list("d", flat=True).distinct())
    days |= set(
        changed.filter(resolved_at__isnull=False)
        .annotate(d=TruncDate("resolved_at"))
        .values_list("d", flat=True)
        .distinct()
    )
    days |= set(
        Survey.objects.filter(answered_at__gte=since)
        .annotate(d=TruncDate("answered_at"))
        .values_list("d", flat=True)
        .distinct()
    )
    return days


def rollup_keep_current() -> int:
    """Every few minutes: re-roll today, yesterday (until it has been rolled after midnight) and every day touched
    by a change since the last run."""
    today = timezone.localdate()
    last = KpiRollupDay.objects.order_by("-refreshed_at").values_list("refreshed_at", flat=True).first()
    if last is None:
        return rollup_rebuild()
    days = touched_days(since=last - SAFETY_MARGIN)
    days.add(today)
    days.add(today - timedelta(days=1))
    return rollup_refresh(days=sorted(days))


def rollup_rebuild(*, days_back: int = REBUILD_DAYS) -> int:
    """Nightly: recompute today and the last `days_back` days from scratch."""
    today = timezone.localdate()
    return rollup_refresh(days=[today - timedelta(days=n) for n in range(0, days_back + 1)])


# ---- reading -------------------------------------------------------------------------------------


def histograms(*, start: date, end: date, rolled: set[date], staff_ids) -> dict[int | None, dict[int, int]]:
    """{staff id (None: unassigned): {seconds: count}} for [start, end): roll-ups plus live days (2 queries)."""
    result: dict[int | None, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    days = [start + timedelta(days=n) for n in range((end - start).days)]
    in_rollup = [d for d in days if d in rolled]
    live = [d for d in days if d not in rolled]
    if in_rollup:
        qs = KpiResponseHistogram.objects.filter(day__in=in_rollup)
        if staff_ids is not None:
            qs = qs.filter(staff_id__in=list(staff_ids))
        for item in qs.values("staff_id", "seconds").annotate(n=Sum("count")).order_by():
            result[item["staff_id"] or None][item["seconds"]] += item["n"]
    if live:
        scope = list(staff_ids) if staff_ids is not None else None
        qs = inquiry_sources.answered_on(within=lambda field: days_q(field, live), staff_ids=scope).order_by()
        for item in qs.annotate(s=ResponseSeconds()).values("assigned_to", "s").annotate(n=Count("id")):
            result[item["assigned_to"]][max(item["s"], 0)] += item["n"]
    return result


BUCKETS_SQL = """
WITH h AS (
    SELECT staff_id, minute, SUM("count") AS n
    FROM staff_kpiresponseminutes
    WHERE day >= %s AND day < %s {scope}
    GROUP BY staff_id, minute
),
u AS (
    SELECT staff_id, minute, n FROM h
    UNION ALL
    SELECT -1 AS staff_id, minute, SUM(n) AS n FROM h GROUP BY minute
),
c AS (
    SELECT staff_id, minute, n,
           CAST(SUM(n) OVER (PARTITION BY staff_id ORDER BY minute) AS BIGINT) AS running,
           CAST(SUM(n) OVER (PARTITION BY staff_id) AS BIGINT) AS total
    FROM u
)
SELECT staff_id, minute, running - n, total
FROM c
WHERE running >= (total + 1) / 2 AND running - CAST(n AS BIGINT) < (total + 2) / 2
"""


def rolled_medians(*, start: date, end: date, staff_ids) -> dict[int | None, float]:
    """Medians per staff member and overall (key -1) over [start, end), from the roll-ups, exact to the second.

    Two small queries: a running sum over the per-minute histograms finds, per member, the minute(s) holding the
    middle rank(s); then only those minutes' per-second counts are read to pick the exact middle value(s).
    """
    params: list = [start, end]
    scope = ""
    ids = None
    if staff_ids is not None:
        ids = list(staff_ids)
        if not ids:
            return {}
        scope = "AND staff_id IN ({})".format(", ".join(["%s"] * len(ids)))
        params += ids
    with connection.cursor() as cursor:
        cursor.execute(BUCKETS_SQL.format(scope=scope), params)
        buckets = cursor.fetchall()
    if not buckets:
        return {}
    # (member, minute) -> rows before that minute; member -> total
    before = {(member, minute): int(prior) for member, minute, prior, _total in buckets}
    totals = {member: int(total) for member, _minute, _prior, total in buckets}
    minutes_needed = {minute for _member, minute, _p, _t in buckets}
    q = Q(pk__in=[])
    for minute in minutes_needed:
        q |= Q(seconds__gte=minute * 60, seconds__lt=(minute + 1) * 60)
    fine = KpiResponseHistogram.objects.filter(q, day__gte=start, day__lt=end).order_by()
    if ids is not None:
        fine = fine.filter(staff_id__in=ids)
    counts: dict[tuple[int, int], dict[int, int]] = defaultdict(lambda: defaultdict(int))
    for row in fine.values("staff_id", "seconds").annotate(n=Sum("count")):
        minute = row["seconds"] // 60
        for member in (row["staff_id"], -1):
            if (member, minute) in before:
                counts[(member, minute)][row["seconds"]] += row["n"]
    result: dict[int | None, float] = {}
    for member, total in totals.items():
        member_buckets = sorted((minute, prior) for (m, minute), prior in before.items() if m == member)
        found = [_value_at(rank, member_buckets, counts, member) for rank in ((total + 1) // 2, (total + 2) // 2)]
        if None not in found:
            result[member or None] = (found[0] + found[1]) / 2
    return result


def _value_at(rank: int, buckets: list[tuple[int, int]], counts, member) -> int | None:
    """The response time (seconds) at `rank` (1-based) given the member's candidate minutes and what precedes them."""
    for minute, prior in buckets:
        seen = prior
        for seconds in sorted(counts[(member, minute)]):
            seen += counts[(member, minute)][seconds]
            if seen >= rank:
                return seconds
    return None
