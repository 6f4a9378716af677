"""KPI selectors: service-quality figures per staff member, team and the whole service for a period.

Every figure is computed in the database with (conditional) aggregation, grouped by staff member: each query
returns the numerator and denominator ("components") per member, so team and service figures are exact sums
of the same components, never averages of ratios. The query count per period is fixed whatever the data size.

Data owned by other apps (complaints, reminders) is looked up with `apps.get_model`: until an app's model
exists, its KPIs say "no data".
"""

from __future__ import annotations

import calendar
import logging
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.apps import apps
from django.core.exceptions import FieldError
from django.db import connection
from django.db.models import Aggregate, Count, DurationField, ExpressionWrapper, F, FloatField, Func, Q, Sum, Window
from django.db.models.functions import RowNumber, TruncDate
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

logger = logging.getLogger(__name__)

PERCENT = "percent"
MINUTES = "minutes"
COUNT = "count"
RATING = "rating"
SCORE = "score"
PER_MILLE = "per_mille"
MONEY = "money"
HOURS = "hours"


@dataclass(frozen=True)
class Kpi:
    code: str
    label: str
    definition: str
    unit: str
    higher_is_better: bool = True
    staff_level: bool = True  # False: a service-wide figure that is not attributed to staff members
    scoreable: bool = False  # may carry a weight in the performance score (normalised to 0–100)


KPIS: list[Kpi] = [
    Kpi(
        "sla",
        _("First-response SLA"),
        _(
            "Share of inquiries received in the period whose first response reached the customer by the first-response "
            "deadline. Counts inquiries whose SLA outcome is known (answered, or deadline passed), by assigned agent."
        ),
        PERCENT,
        scoreable=True,
    ),
    Kpi(
        "frt",
        _("Median first response"),
        _(
            "Median time in minutes from receipt to the first response that reached the customer, over inquiries "
            "received in the period that have been answered. Half were answered faster."
        ),
        MINUTES,
        higher_is_better=False,
    ),
    Kpi(
        "resolution",
        _("Resolution rate"),
        _("Share of inquiries received in the period and assigned to the staff member that are resolved."),
        PERCENT,
        scoreable=True,
    ),
    Kpi(
        "complaint_timeliness",
        _("Complaint timeliness"),
        _(
            "Share of complaints acknowledged by the acknowledgement deadline and with the customer informed of the "
            "decision by the decision deadline. Counts complaints informed in the period, and complaints whose "
            "decision deadline passed in the period without the customer being informed (late)."
        ),
        PERCENT,
        scoreable=True,
    ),
    Kpi(
        "csat",
        _("Customer satisfaction"),
        _(
            "Average rating (1–5) of the satisfaction surveys answered in the period, credited to the staff member "
            "who resolved the inquiry or handled the complaint; the number of answers is shown beside it."
        ),
        RATING,
        scoreable=True,
    ),
    Kpi(
        "inquiries_handled",
        _("Inquiries handled"),
        _("Number of inquiries the staff member resolved in the period."),
        COUNT,
    ),
    Kpi(
        "complaints_handled",
        _("Complaints handled"),
        _("Number of complaints closed in the period, by the staff member they were assigned to."),
        COUNT,
    ),
    Kpi(
        "qa",
        _("QA score"),
        _(
            "Average QA scorecard (mean of accuracy, attitude, compliance and timeliness, 0–100) of the sampled "
            "records reviewed in the period."
        ),
        SCORE,
        scoreable=True,
    ),
    Kpi(
        "reminder_effectiveness",
        _("Reminder effectiveness"),
        _(
            "Share of installments due in the period that received at least one sent reminder and were fully paid "
            "by their due date. A service-wide figure (reminders are sent automatically)."
        ),
        PERCENT,
        staff_level=False,
    ),
    Kpi(
        "complaint_rate",
        _("Complaints per 1,000 active loans"),
        _("Complaints received in the period per 1,000 loans active now. A service-wide figure."),
        PER_MILLE,
        higher_is_better=False,
        staff_level=False,
    ),
    Kpi(
        "cost_per_resolved",
        _("Communication cost per resolved inquiry"),
        _(
            "Provider price of the SMS and calls sent as inquiry replies in the period, divided by the inquiries "
            "resolved in the period (provider currency)."
        ),
        MONEY,
        higher_is_better=False,
    ),
    Kpi(
        "training_hours",
        _("Training hours"),
        _("Hours of training sessions held in the period that the staff member attended."),
        HOURS,
    ),
]
KPI_BY_CODE = {k.code: k for k in KPIS}
SCOREABLE = [k for k in KPIS if k.scoreable]

# Components summed per group; the KPI values are ratios of these.
COMPONENTS = [
    "sla_total",
    "sla_met",
    "inq_assigned",
    "inq_resolved",
    "inq_handled",
    "cmp_due",
    "cmp_timely",
    "cmp_handled",
    "cmp_received",
    "csat_sum",
    "csat_count",
    "qa_sum",
    "qa_count",
    "cost_sum",
    "cost_count",
    "training_hours",
]


# ---- periods -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    """A range of local dates [start, end) with its kind (day, week, month, custom)."""

    start: date
    end: date  # exclusive
    kind: str = "custom"

    @classmethod
    def day(cls, day: date) -> Period:
        return cls(day, day + timedelta(days=1), "day")

    @classmethod
    def week(cls, day: date) -> Period:
        monday = day - timedelta(days=day.weekday())
        return cls(monday, monday + timedelta(days=7), "week")

    @classmethod
    def month(cls, day: date) -> Period:
        first = day.replace(day=1)
        days = calendar.monthrange(first.year, first.month)[1]
        return cls(first, first + timedelta(days=days), "month")

    @classmethod
    def custom(cls, start: date, last_day: date) -> Period:
        if last_day < start:
            start, last_day = last_day, start
        return cls(start, last_day + timedelta(days=1), "custom")

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
        return [self.start + timedelta(days=n) for n in range(self.days)]

    def previous(self) -> Period:
        if self.kind == "month":
            return Period.month(self.start - timedelta(days=1))
        return Period(self.start - timedelta(days=self.days), self.start, self.kind)

    def label(self) -> str:
        if self.kind == "day":
            return self.start.isoformat()
        if self.kind == "month":
            return self.start.strftime("%Y-%m")
        return f"{self.start.isoformat()} – {self.last_day.isoformat()}"


# ---- results -----------------------------------------------------------------------------------


@dataclass
class Figures:
    """The KPI figures of one staff member, team or the whole service."""

    components: dict[str, Decimal] = field(default_factory=dict)
    frt_seconds: float | None = None
    service: dict[str, Decimal | None] = field(default_factory=dict)  # service-only figures, already computed

    def get(self, name: str) -> Decimal:
        return Decimal(self.components.get(name) or 0)

    def value(self, code: str) -> Decimal | None:
        """The KPI value, or None ("no data") when its denominator is zero."""
        if code in self.service:
            return self.service[code]
        if code == "complaints_handled" and model_or_none("complaints.Complaint") is None:
            return None
        g = self.get
        if code == "sla":
            return _ratio(g("sla_met"), g("sla_total"), 100)
        if code == "frt":
            if self.frt_seconds is None:
                return None
            return _q(Decimal(self.frt_seconds) / 60, "0.1")
        if code == "resolution":
            return _ratio(g("inq_resolved"), g("inq_assigned"), 100)
        if code == "complaint_timeliness":
            return _ratio(g("cmp_timely"), g("cmp_due"), 100)
        if code == "csat":
            return _ratio(g("csat_sum"), g("csat_count"), 1, "0.01")
        if code == "inquiries_handled":
            return g("inq_handled")
        if code == "complaints_handled":
            return g("cmp_handled")
        if code == "qa":
            return _ratio(g("qa_sum"), g("qa_count"), 1)
        if code == "cost_per_resolved":
            if not g("cost_count"):
                return None  # no priced message: the provider reports no cost (e.g. the outbox backend)
            return _ratio(g("cost_sum"), g("inq_handled"), 1, "0.0001")
        if code == "training_hours":
            return _q(g("training_hours"), "0.1")
        return None

    def count(self, code: str) -> int:
        """How many records the figure rests on (shown beside averages)."""
        key = {
            "sla": "sla_total",
            "resolution": "inq_assigned",
            "complaint_timeliness": "cmp_due",
            "csat": "csat_count",
            "qa": "qa_count",
            "cost_per_resolved": "inq_handled",
        }.get(code)
        return int(self.get(key)) if key else 0

    def values(self) -> dict[str, Decimal | None]:
        return {k.code: self.value(k.code) for k in KPIS}


def _q(value: Decimal, quantum: str = "0.1") -> Decimal:
    return value.quantize(Decimal(quantum), rounding=ROUND_HALF_UP)


def _ratio(numerator: Decimal, denominator: Decimal, scale: int, quantum: str = "0.1") -> Decimal | None:
    if not denominator:
        return None
    return _q(Decimal(numerator) * scale / Decimal(denominator), quantum)


def add_components(target: dict, source: dict) -> None:
    for key in COMPONENTS:
        if source.get(key):
            target[key] = target.get(key, Decimal(0)) + Decimal(source[key])


# ---- other apps' models ------------------------------------------------------------------------


_READY_TABLES: set[str] = set()


def model_or_none(label: str):
    """The model if its app has defined and migrated it yet, else None (its KPIs then say "no data")."""
    try:
        model = apps.get_model(label)
    except LookupError:
        return None
    table = model._meta.db_table
    if table not in _READY_TABLES:
        if table not in connection.introspection.table_names():
            return None
        _READY_TABLES.add(table)
    return model


# ---- the component queries ---------------------------------------------------------------------


def _in(prefix: str, period: Period) -> Q:
    return Q(**{f"{prefix}__gte": period.start_dt, f"{prefix}__lt": period.end_dt})


def _merge(result: dict, rows: Iterable[dict], key: str) -> None:
    for row in rows:
        who = row.pop(key)
        bucket = result[who]
        for name, value in row.items():
            if value:
                bucket[name] = bucket.get(name, Decimal(0)) + Decimal(value)


def staff_components(*, period: Period, staff_ids: Iterable[int] | None = None) -> dict[int | None, dict]:
    """Components per staff member (key None: records not attributed to anyone). A fixed number of queries."""
    return staff_components_for(periods=[period], staff_ids=staff_ids)[0]


def staff_components_for(
    *, periods: list[Period], staff_ids: Iterable[int] | None = None
) -> list[dict[int | None, dict]]:
    """Components per staff member for several adjacent periods at once (e.g. this month and the previous one).

    Each source table is read once over the span of all the periods, with one conditional aggregate per period,
    so comparing with the previous period costs no extra query.
    """
    from inquiries.models import Inquiry, InquiryMessage
    from staff.models import KpiRollup, QaReview, Survey, TrainingAttendance

    ids = list(staff_ids) if staff_ids is not None else None
    span = Period(min(p.start for p in periods), max(p.end for p in periods))
    results: list[dict[int | None, dict]] = [defaultdict(dict) for _ in periods]

    def scoped(qs, field_name):
        return qs.filter(**{f"{field_name}__in": ids}) if ids is not None else qs

    def per_period(make: dict) -> dict:
        """{name: callable(period) -> aggregate} -> {"<i>:<name>": aggregate} for every period."""
        return {f"{i}:{name}": build(p) for i, p in enumerate(periods) for name, build in make.items()}

    def merge(rows, key: str) -> None:
        for row in rows:
            who = row.pop(key)
            for label, value in row.items():
                if not value:
                    continue
                index, name = label.split(":", 1)
                bucket = results[int(index)][who]
                bucket[name] = bucket.get(name, Decimal(0)) + Decimal(value)

    # Inquiry components: whole past days from the daily roll-ups, the other days live.
    from staff import rollup

    rolled = rollup.rolled_days(span.start, span.end)
    live_days = [d for d in span.dates() if d not in rolled]
    if rolled:
        rows = KpiRollup.objects.filter(day__gte=span.start, day__lt=span.end).order_by()
        if ids is not None:
            rows = rows.filter(staff_id__in=ids)

        def on(p: Period) -> Q:
            return Q(day__gte=p.start, day__lt=p.end)

        merge(
            (
                {**row, "staff_id": row["staff_id"] or None}
                for row in rows.values("staff_id").annotate(
                    **per_period(
                        {
                            name: (lambda field: lambda p: Sum(field, filter=on(p)))(name)
                            for name in (
                                "sla_total",
                                "sla_met",
                                "inq_assigned",
                                "inq_resolved",
                                "inq_handled",
                                "csat_sum",
                                "csat_count",
                            )
                        }
                    )
                )
            ),
            "staff_id",
        )
    if live_days:
        # Inquiries received in the period, by assigned agent: SLA outcome and resolution.
        received = scoped(Inquiry.objects.filter(rollup.days_q("received_at", live_days)), "assigned_to").order_by()
        merge(
            received.values("assigned_to").annotate(
                **per_period(
                    {
                        "sla_total": lambda p: Count("id", filter=_in("received_at", p) & Q(sla_met__isnull=False)),
                        "sla_met": lambda p: Count("id", filter=_in("received_at", p) & Q(sla_met=True)),
                        "inq_assigned": lambda p: Count(
                            "id", filter=_in("received_at", p) & Q(assigned_to__isnull=False)
                        ),
                        "inq_resolved": lambda p: Count(
                            "id",
                            filter=_in("received_at", p) & Q(assigned_to__isnull=False, resolved_at__isnull=False),
                        ),
                    }
                )
            ),
            "assigned_to",
        )
        # Inquiries resolved in the period, by who resolved them.
        resolved = scoped(Inquiry.objects.filter(rollup.days_q("resolved_at", live_days)), "resolved_by").order_by()
        merge(
            resolved.values("resolved_by").annotate(
                **per_period({"inq_handled": lambda p: Count("id", filter=_in("resolved_at", p))})
            ),
            "resolved_by",
        )

    # Complaints.
    Complaint = model_or_none("complaints.Complaint")
    if Complaint is not None:
        now = timezone.now()
        timely = Q(informed_at__lte=F("decision_due")) & Q(acknowledged_at__lte=F("acknowledge_due"))

        def overdue(p: Period) -> Q:
            return Q(informed_at__isnull=True, decision_due__gte=p.start_dt, decision_due__lt=min(p.end_dt, now))

        try:
            qs = scoped(
                Complaint.objects.filter(
                    _in("informed_at", span) | overdue(span) | _in("closed_at", span) | _in("received_at", span)
                ),
                "assigned_to",
            ).order_by()
            merge(
                qs.values("assigned_to").annotate(
                    **per_period(
                        {
                            "cmp_due": lambda p: Count("id", filter=_in("informed_at", p) | overdue(p)),
                            "cmp_timely": lambda p: Count("id", filter=_in("informed_at", p) & timely),
                            "cmp_handled": lambda p: Count("id", filter=_in("closed_at", p)),
                            "cmp_received": lambda p: Count("id", filter=_in("received_at", p)),
                        }
                    )
                ),
                "assigned_to",
            )
        except FieldError:
            logger.exception("complaints.Complaint lacks a field the KPIs need")

    # Satisfaction surveys answered in the period (live days; whole past days come from the roll-ups).
    if live_days:
        surveys = scoped(
            Survey.objects.filter(rollup.days_q("answered_at", live_days), rating__isnull=False), "staff"
        ).order_by()
        merge(
            surveys.values("staff").annotate(
                **per_period(
                    {
                        "csat_sum": lambda p: Sum("rating", filter=_in("answered_at", p)),
                        "csat_count": lambda p: Count("id", filter=_in("answered_at", p)),
                    }
                )
            ),
            "staff",
        )
    # QA scorecards reviewed in the period.
    qa = scoped(QaReview.objects.filter(_in("reviewed_at", span), score__isnull=False), "agent").order_by()
    merge(
        qa.values("agent").annotate(
            **per_period(
                {
                    "qa_sum": lambda p: Sum("score", filter=_in("reviewed_at", p)),
                    "qa_count": lambda p: Count("id", filter=_in("reviewed_at", p)),
                }
            )
        ),
        "agent",
    )
    # Cost of the SMS and calls sent as inquiry replies, by the reply's author.
    cost = scoped(
        # Starting from the outbound messages of the span (their own created_at index) keeps PostgreSQL from
        # scanning every thread message of the period; a reply and its message are created together.
        InquiryMessage.objects.filter(
            _in("created_at", span),
            _in("outbound_message__created_at", Period(span.start - timedelta(days=1), span.end + timedelta(days=1))),
            outbound_message__price__isnull=False,
        ),
        "author",
    ).order_by()
    merge(
        cost.values("author").annotate(
            **per_period(
                {
                    "cost_sum": lambda p: Sum("outbound_message__price", filter=_in("created_at", p)),
                    "cost_count": lambda p: Count("id", filter=_in("created_at", p)),
                }
            )
        ),
        "author",
    )
    # Training attended.
    training = scoped(
        TrainingAttendance.objects.filter(session__held_on__gte=span.start, session__held_on__lt=span.end), "staff"
    ).order_by()

    def held(p: Period) -> Q:
        return Q(session__held_on__gte=p.start, session__held_on__lt=p.end)

    merge(
        training.values("staff").annotate(
            **per_period({"training_hours": lambda p: Sum("session__hours", filter=held(p))})
        ),
        "staff",
    )
    return results


class Median(Aggregate):
    """PostgreSQL's exact median: percentile_cont(0.5) WITHIN GROUP (ORDER BY x)."""

    function = "percentile_cont"
    name = "Median"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()


def _medians_from_histograms(
    *, period: Period, rolled: set, partition: str | None, staff_ids, memo: dict | None = None
) -> dict:
    """Medians (seconds) from the roll-up histograms plus live days, grouped like first_response_medians."""
    from org.models import StaffProfile
    from staff import rollup

    today = timezone.localdate()
    fully_rolled = all(d in rolled or d > today for d in period.dates())
    if fully_rolled and partition in ("assigned_to", None):
        # Every day with data is rolled up: the medians come straight from the database (one query, memoised).
        key = ("sql", period.start, period.end, tuple(staff_ids) if staff_ids is not None else None)
        if memo is not None and key in memo:
            medians = memo[key]
        else:
            medians = rollup.rolled_medians(start=period.start, end=period.end, staff_ids=staff_ids)
            if memo is not None:
                memo[key] = medians
        if partition is None:
            return {None: medians[-1]} if -1 in medians else {}
        return {k: v for k, v in medians.items() if k != -1}
    key = (period.start, period.end, tuple(staff_ids) if staff_ids is not None else None)
    if memo is not None and key in memo:
        per_staff = memo[key]
    else:
        per_staff = rollup.histograms(start=period.start, end=period.end, rolled=rolled, staff_ids=staff_ids)
        if memo is not None:
            memo[key] = per_staff
    if partition == "assigned_to":
        groups = per_staff
    else:
        team_of = (
            dict(StaffProfile.objects.filter(user_id__in=list(per_staff)).values_list("user_id", "team_id"))
            if partition
            else {}
        )
        groups = defaultdict(lambda: defaultdict(int))
        for staff_id, counts in per_staff.items():
            key = team_of.get(staff_id) if partition else None
            if partition and key is None:
                continue
            for seconds, n in counts.items():
                groups[key][seconds] += n
    medians = {key: rollup.median_from_histogram(counts) for key, counts in groups.items()}
    return {key: value for key, value in medians.items() if value is not None}


def first_response_medians(
    *, period: Period, partition: str | None, staff_ids: Iterable[int] | None = None, memo: dict | None = None
) -> dict:
    """Median first-response time (seconds) per `partition` value (None: one median for all), in one query.

    A window query numbers the answered inquiries by response time within each group and keeps only the one or
    two middle rows, so at most two rows per group leave the database whatever the data size.
    """
    from inquiries.models import Inquiry
    from staff import rollup

    rolled = rollup.rolled_days(period.start, period.end)
    if rolled:
        return _medians_from_histograms(
            period=period, rolled=rolled, partition=partition, staff_ids=staff_ids, memo=memo
        )
    duration = ExpressionWrapper(F("first_responded_at") - F("received_at"), output_field=DurationField())
    qs = Inquiry.objects.filter(_in("received_at", period), first_responded_at__isnull=False)
    if staff_ids is not None:
        qs = qs.filter(assigned_to__in=list(staff_ids))
    if connection.vendor == "postgresql":
        # PostgreSQL has the exact median as an ordered-set aggregate: one pass, one row per group.
        seconds = Func(duration, template="EXTRACT(EPOCH FROM %(expressions)s)", output_field=FloatField())
        if partition:
            rows = qs.order_by().values(partition).annotate(median=Median(seconds))
            return {row[partition]: row["median"] for row in rows if row["median"] is not None}
        median = qs.aggregate(median=Median(seconds))["median"]
        return {None: median} if median is not None else {}
    partition_by = [F(partition)] if partition else None
    qs = qs.annotate(
        response=duration,
        position=Window(RowNumber(), partition_by=partition_by, order_by=[duration.asc(), F("id").asc()]),
        group_size=Window(Count("id"), partition_by=partition_by),
    ).filter(
        Q(position=(F("group_size") + 1) / 2) | Q(position=(F("group_size") + 2) / 2),
    )
    fields = ["response"] + ([partition] if partition else [])
    middles: dict = defaultdict(list)
    for row in qs.values(*fields):
        middles[row.get(partition) if partition else None].append(row["response"])
    return {
        key: sum((v.total_seconds() for v in values), 0.0) / len(values) for key, values in middles.items() if values
    }


def overall_medians(
    *, periods: list[Period], staff_ids: Iterable[int] | None = None, memo: dict | None = None
) -> list[float | None]:
    """The median first response of the whole scope for each period (one query on PostgreSQL)."""
    from staff import rollup

    span_rolled = rollup.rolled_days(min(p.start for p in periods), max(p.end for p in periods))
    if span_rolled or connection.vendor != "postgresql" or len(periods) == 1:
        return [
            first_response_medians(period=p, partition=None, staff_ids=staff_ids, memo=memo).get(None) for p in periods
        ]
    from inquiries.models import Inquiry

    span = Period(min(p.start for p in periods), max(p.end for p in periods))
    duration = ExpressionWrapper(F("first_responded_at") - F("received_at"), output_field=DurationField())
    seconds = Func(duration, template="EXTRACT(EPOCH FROM %(expressions)s)", output_field=FloatField())
    qs = Inquiry.objects.filter(_in("received_at", span), first_responded_at__isnull=False)
    if staff_ids is not None:
        qs = qs.filter(assigned_to__in=list(staff_ids))
    row = qs.aggregate(**{f"m{i}": Median(seconds, filter=_in("received_at", p)) for i, p in enumerate(periods)})
    return [row[f"m{i}"] for i in range(len(periods))]


def _reminded_installments(Installment, Reminder, span: Period):
    """Current installments due in the span that got at least one sent reminder.

    Driven from the (few) sent reminders rather than from every installment due: a semi-join on the
    reminders' installment ids instead of an EXISTS probe per installment.
    """
    sent = Reminder.objects.filter(
        sent_at__isnull=False, installment__due_date__gte=span.start, installment__due_date__lt=span.end
    ).values("installment_id")
    return Installment.objects.filter(pk__in=sent, is_current=True)


def _active_loans(Loan) -> int:
    """Active loans now, the denominator of the complaint rate (one COUNT, shared for a minute by all requests)."""
    from django.core.cache import cache

    key = "staff:kpi:active_loans"
    count = cache.get(key)
    if count is None:
        count = Loan.objects.filter(status=Loan.Status.ACTIVE).count()
        cache.set(key, count, 60)
    return count


def service_only_figures_for(
    *, periods: list[Period], complaints_received: list[Decimal | None]
) -> list[dict[str, Decimal | None]]:
    """Reminder effectiveness and complaint rate for each period (2 queries whatever the number of periods)."""
    figures = [{"reminder_effectiveness": None, "complaint_rate": None} for _ in periods]
    Reminder = model_or_none("reminders.Reminder")
    if Reminder is not None:
        from loans.models import Installment

        span = Period(min(p.start for p in periods), max(p.end for p in periods))
        try:
            reminded = _reminded_installments(Installment, Reminder, span)
            paid = Q(paid_at__isnull=False, paid_at__date__lte=F("due_date"))
            aggregates = {}
            for i, p in enumerate(periods):
                due = Q(due_date__gte=p.start, due_date__lt=p.end)
                aggregates[f"total{i}"] = Count("id", filter=due)
                aggregates[f"paid{i}"] = Count("id", filter=due & paid)
            row = reminded.aggregate(**aggregates)
            for i in range(len(periods)):
                figures[i]["reminder_effectiveness"] = _ratio(Decimal(row[f"paid{i}"]), Decimal(row[f"total{i}"]), 100)
        except FieldError:
            logger.exception("reminders.Reminder lacks a field the KPIs need")
    if any(c is not None for c in complaints_received) and model_or_none("complaints.Complaint") is not None:
        from loans.models import Loan

        active = Decimal(_active_loans(Loan))
        for i, received in enumerate(complaints_received):
            if received is not None:
                figures[i]["complaint_rate"] = _ratio(Decimal(received), active, 1000, "0.01")
    return figures


def service_only_figures(*, period: Period, complaints_received: Decimal | None) -> dict[str, Decimal | None]:
    """Reminder effectiveness and complaint rate: service-wide figures (2 queries)."""
    figures: dict[str, Decimal | None] = {"reminder_effectiveness": None, "complaint_rate": None}
    Reminder = model_or_none("reminders.Reminder")
    if Reminder is not None:
        from loans.models import Installment

        try:
            reminded = _reminded_installments(Installment, Reminder, period)
            row = reminded.aggregate(
                total=Count("id"), paid=Count("id", filter=Q(paid_at__isnull=False, paid_at__date__lte=F("due_date")))
            )
            figures["reminder_effectiveness"] = _ratio(Decimal(row["paid"]), Decimal(row["total"]), 100)
        except FieldError:
            logger.exception("reminders.Reminder lacks a field the KPIs need")
    if complaints_received is not None and model_or_none("complaints.Complaint") is not None:
        from loans.models import Loan

        active = _active_loans(Loan)
        figures["complaint_rate"] = _ratio(Decimal(complaints_received), Decimal(active), 1000, "0.01")
    return figures


# ---- the report ----------------------------------------------------------------------------------


@dataclass
class StaffRow:
    user_id: int
    name: str
    username: str
    team_id: int | None
    team_name: str
    role: str
    role_code: str
    figures: Figures


@dataclass
class Report:
    period: Period
    total: Figures
    rows: list[StaffRow]
    teams: dict[int, Figures]
    previous: Figures | None = None


def kpi_report(
    *,
    period: Period,
    staff_ids: list[int] | None = None,
    team_ids: list[int] | None = None,
    team_medians: bool = False,
    with_previous: bool = False,
) -> Report:
    """All KPIs for a period: per staff member, per team, and in total for the scope.

    `staff_ids` limits the report to these members (an agent: themself; a supervisor: their team); the total is then
    the total of those members. Without it the total is the whole service, including unassigned records.
    """
    from org.models import StaffProfile

    profiles = StaffProfile.objects.select_related("user", "team").exclude(role="back_office")
    if staff_ids is not None:
        profiles = profiles.filter(user_id__in=staff_ids)
    if team_ids:
        profiles = profiles.filter(team_id__in=team_ids)
    profiles = list(profiles)
    scope_ids = [p.user_id for p in profiles] if (staff_ids is not None or team_ids) else None

    periods = [period, period.previous()] if with_previous else [period]
    all_components = staff_components_for(periods=periods, staff_ids=scope_ids)
    components = all_components[0]
    memo: dict = {}  # the histograms read once serve the staff, team and overall medians
    medians = first_response_medians(period=period, partition="assigned_to", staff_ids=scope_ids, memo=memo)
    team_median = (
        first_response_medians(
            period=period, partition="assigned_to__staff_profile__team", staff_ids=scope_ids, memo=memo
        )
        if team_medians
        else {}
    )
    service_medians = overall_medians(periods=periods, staff_ids=scope_ids, memo=memo)
    totals = []
    for index in range(len(periods)):
        figures = Figures(frt_seconds=service_medians[index])
        for values in all_components[index].values():
            add_components(figures.components, values)
        totals.append(figures)
    if scope_ids is None:
        has_complaints = model_or_none("complaints.Complaint") is not None
        service = service_only_figures_for(
            periods=periods, complaints_received=[t.get("cmp_received") if has_complaints else None for t in totals]
        )
        for figures, values in zip(totals, service, strict=True):
            figures.service = values
    else:
        for figures in totals:
            figures.service = dict.fromkeys((k.code for k in KPIS if not k.staff_level), None)
    total = totals[0]

    rows = []
    teams: dict[int, Figures] = {}
    for profile in profiles:
        figures = Figures(
            components=dict(components.get(profile.user_id, {})),
            frt_seconds=medians.get(profile.user_id),
            service=dict.fromkeys((k.code for k in KPIS if not k.staff_level), None),
        )
        rows.append(
            StaffRow(
                user_id=profile.user_id,
                name=str(profile),
                username=profile.user.get_username(),
                team_id=profile.team_id,
                team_name=profile.team.name if profile.team else "",
                role=profile.get_role_display(),
                role_code=profile.role,
                figures=figures,
            )
        )
        if profile.team_id:
            team = teams.setdefault(
                profile.team_id,
                Figures(
                    frt_seconds=team_median.get(profile.team_id),
                    service=dict.fromkeys((k.code for k in KPIS if not k.staff_level), None),
                ),
            )
            add_components(team.components, figures.components)
    rows = [r for r in rows if r.role_code in ("agent", "supervisor") or any(r.figures.components.values())]
    rows.sort(key=lambda r: (r.team_name, r.name))
    return Report(period=period, total=total, rows=rows, teams=teams, previous=totals[1] if with_previous else None)


def kpi_totals(*, period: Period, staff_ids: list[int] | None = None) -> Figures:
    """Only the total figures of a scope (for the previous-period comparison)."""
    components = staff_components(period=period, staff_ids=staff_ids)
    total = Figures(frt_seconds=first_response_medians(period=period, partition=None, staff_ids=staff_ids).get(None))
    for values in components.values():
        add_components(total.components, values)
    if staff_ids is None:
        received = total.get("cmp_received") if model_or_none("complaints.Complaint") is not None else None
        total.service = service_only_figures(period=period, complaints_received=received)
    else:
        total.service = dict.fromkeys((k.code for k in KPIS if not k.staff_level), None)
    return total


# ---- trends --------------------------------------------------------------------------------------


def kpi_trend(*, period: Period, bucket: str = "day", staff_ids: list[int] | None = None) -> dict:
    """Daily (or weekly) series for the charts: inquiries handled, complaints received, SLA %, CSAT. 4 queries."""
    from inquiries.models import Inquiry
    from staff.models import Survey

    def key(day: date) -> date:
        return day - timedelta(days=day.weekday()) if bucket == "week" else day

    labels: list[date] = []
    day = period.start
    while day < period.end:
        if key(day) not in labels:
            labels.append(key(day))
        day += timedelta(days=1)
    series: dict[str, dict[date, list]] = defaultdict(lambda: defaultdict(lambda: [Decimal(0), Decimal(0)]))

    def scoped(qs, field_name):
        return qs.filter(**{f"{field_name}__in": staff_ids}) if staff_ids is not None else qs

    from staff import rollup
    from staff.models import KpiRollup

    rolled = rollup.rolled_days(period.start, period.end)
    live_days = [d for d in period.dates() if d not in rolled]
    if rolled:
        rows = KpiRollup.objects.filter(day__gte=period.start, day__lt=period.end).order_by()
        if staff_ids is not None:
            rows = rows.filter(staff_id__in=staff_ids)
        for row in rows.values("day").annotate(
            h=Sum("inq_handled"), met=Sum("sla_met"), n=Sum("sla_total"), cs=Sum("csat_sum"), cn=Sum("csat_count")
        ):
            series["handled"][key(row["day"])][0] += row["h"] or 0
            series["sla"][key(row["day"])][0] += row["met"] or 0
            series["sla"][key(row["day"])][1] += row["n"] or 0
            series["csat"][key(row["day"])][0] += row["cs"] or 0
            series["csat"][key(row["day"])][1] += row["cn"] or 0
    if live_days:
        handled = scoped(Inquiry.objects.filter(rollup.days_q("resolved_at", live_days)), "resolved_by")
        for row in handled.annotate(d=TruncDate("resolved_at")).values("d").annotate(n=Count("id")):
            series["handled"][key(row["d"])][0] += row["n"]
        sla = scoped(
            Inquiry.objects.filter(rollup.days_q("received_at", live_days), sla_met__isnull=False),
            "assigned_to",
        )
        for row in (
            sla.annotate(d=TruncDate("received_at"))
            .values("d")
            .annotate(met=Count("id", filter=Q(sla_met=True)), n=Count("id"))
        ):
            bucket_row = series["sla"][key(row["d"])]
            bucket_row[0] += row["met"]
            bucket_row[1] += row["n"]
    if live_days:
        csat = scoped(Survey.objects.filter(rollup.days_q("answered_at", live_days), rating__isnull=False), "staff")
        for row in csat.annotate(d=TruncDate("answered_at")).values("d").annotate(s=Sum("rating"), n=Count("id")):
            bucket_row = series["csat"][key(row["d"])]
            bucket_row[0] += row["s"]
            bucket_row[1] += row["n"]
    Complaint = model_or_none("complaints.Complaint")
    if Complaint is not None:
        try:
            cmp = scoped(Complaint.objects.filter(_in("received_at", period)), "assigned_to")
            for row in cmp.annotate(d=TruncDate("received_at")).values("d").annotate(n=Count("id")):
                series["complaints"][key(row["d"])][0] += row["n"]
        except FieldError:
            logger.exception("complaints.Complaint lacks a field the KPIs need")

    def ratio(values, scale, quantum="0.1"):
        value = _ratio(values[0], values[1], scale, quantum)
        return float(value) if value is not None else None

    return {
        "labels": [d.isoformat() for d in labels],
        "handled": [int(series["handled"][d][0]) for d in labels],
        "complaints": [int(series["complaints"][d][0]) for d in labels] if Complaint is not None else [],
        "sla": [ratio(series["sla"][d], 100) for d in labels],
        "csat": [ratio(series["csat"][d], 1, "0.01") for d in labels],
    }


# ---- scoring -------------------------------------------------------------------------------------


def normalised_score(code: str, value: Decimal | None) -> Decimal | None:
    """A KPI value on a 0–100 scale for the performance score (None: no data)."""
    if value is None:
        return None
    if code == "csat":
        return (Decimal(value) - 1) * 25  # 1 → 0, 5 → 100
    return min(max(Decimal(value), Decimal(0)), Decimal(100))


def performance_score(values: dict[str, Decimal | None], weights: dict[str, Decimal]) -> Decimal | None:
    """Weighted score 0–100. KPIs without data drop out and the remaining weights are scaled back to 100%."""
    used = Decimal(0)
    total = Decimal(0)
    for code, weight in weights.items():
        if not weight:
            continue
        score = normalised_score(code, values.get(code))
        if score is None:
            continue
        used += Decimal(weight)
        total += Decimal(weight) * score
    if not used:
        return None
    return _q(total / used, "0.01")
