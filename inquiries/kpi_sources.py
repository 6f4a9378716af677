"""KPI data of the inquiries app: which inquiries each service-quality component counts, per staff member.

Each component is declared once (the date it falls on, the staff member it is credited to, the condition); the
per-staff aggregates, the daily roll-up rows and the drill-down records are all built from `component_filter`,
so a figure and the records shown behind it can never disagree. Periods are duck-typed (`start`, `end`,
`start_dt`, `end_dt`), so this module needs nothing from the staff app above it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import timedelta

from django.db.models import Count, F, Q, QuerySet, Sum
from django.db.models.functions import TruncDate

from aftersales.periods import PeriodLike, between
from inquiries.models import Inquiry, InquiryMessage


@dataclass(frozen=True)
class Component:
    """One number a KPI is made of: the records of `model` whose `date_field` falls in the period."""

    model: type
    date_field: str
    staff_field: str
    condition: Q = field(default_factory=Q)
    total: str = ""  # the field summed; empty: the records are counted


COMPONENTS: dict[str, Component] = {
    # Inquiries received in the period, credited to the assigned agent.
    "sla_total": Component(Inquiry, "received_at", "assigned_to", Q(sla_met__isnull=False)),
    "sla_met": Component(Inquiry, "received_at", "assigned_to", Q(sla_met=True)),
    "inq_assigned": Component(Inquiry, "received_at", "assigned_to", Q(assigned_to__isnull=False)),
    "inq_resolved": Component(
        Inquiry, "received_at", "assigned_to", Q(assigned_to__isnull=False, resolved_at__isnull=False)
    ),
    "frt_answered": Component(Inquiry, "received_at", "assigned_to", Q(first_responded_at__isnull=False)),
    # Inquiries resolved in the period, credited to whoever resolved them.
    "inq_handled": Component(Inquiry, "resolved_at", "resolved_by", Q(resolved_by__isnull=False)),
    # Priced SMS and calls sent as inquiry replies, credited to the reply's author.
    "cost_count": Component(InquiryMessage, "created_at", "author", Q(outbound_message__price__isnull=False)),
    "cost_sum": Component(
        InquiryMessage, "created_at", "author", Q(outbound_message__price__isnull=False), "outbound_message__price"
    ),
    # Escalations whose deadline fell in the period and whose outcome is known (the department answered, or the
    # deadline was recorded as missed), credited to the agent who owns the inquiry; met: answered by the deadline.
    # An inquiry escalated twice counts with its last escalation.
    "esc_total": Component(
        Inquiry,
        "escalation_due",
        "assigned_to",
        Q(escalated_to__isnull=False)
        & (Q(escalation_answered_at__isnull=False) | Q(escalation_breached_at__isnull=False)),
    ),
    "esc_met": Component(
        Inquiry,
        "escalation_due",
        "assigned_to",
        Q(escalated_to__isnull=False, escalation_answered_at__lte=F("escalation_due")),
    ),
}
RECEIVED = ("sla_total", "sla_met", "inq_assigned", "inq_resolved")
RESOLVED = ("inq_handled",)
COST = ("cost_sum", "cost_count")
ESCALATION = ("esc_total", "esc_met")  # never rolled up: an escalation's outcome is known only days later
ROLLED_UP = RECEIVED + RESOLVED  # the components kept in the staff app's daily roll-ups


def component_filter(name: str, period: PeriodLike) -> Q:
    """The records component `name` counts for the period: the one definition behind figure and drill-down."""
    spec = COMPONENTS[name]
    return between(spec.date_field, period) & spec.condition


def _scoped(qs: QuerySet, staff_field: str, staff_ids: Iterable[int] | None) -> QuerySet:
    return qs.filter(**{f"{staff_field}__in": list(staff_ids)}) if staff_ids is not None else qs


def _aggregate(name: str, condition: Q):
    spec = COMPONENTS[name]
    return Sum(spec.total, filter=condition) if spec.total else Count("id", filter=condition)


def _grouped(
    names: tuple[str, ...], periods: list[PeriodLike], base: QuerySet, staff_ids: Iterable[int] | None
) -> list[dict]:
    """One query: {"staff": id, "<period index>:<name>": value} rows for components sharing a table and staff."""
    staff_field = COMPONENTS[names[0]].staff_field
    qs = _scoped(base, staff_field, staff_ids).order_by().values(staff_field)
    annotations = {f"{i}:{n}": _aggregate(n, component_filter(n, p)) for i, p in enumerate(periods) for n in names}
    return [{"staff": row.pop(staff_field), **row} for row in qs.annotate(**annotations)]


def components(
    *,
    periods: list[PeriodLike],
    span: PeriodLike,
    staff_ids: Iterable[int] | None = None,
    live: Callable[[str], Q] | None = None,
) -> list[dict]:
    """Per-staff aggregates of every inquiry component for each period (4 queries, 2 when `live` is None).

    `live(field)` restricts the rolled-up components (received, resolved) to the days not in the roll-ups; pass
    None to skip them altogether (every day rolled up). The reply cost is never rolled up.
    """
    rows: list[dict] = []
    if live is not None:
        received = Inquiry.objects.filter(between("received_at", span) & live("received_at"))
        rows += _grouped(RECEIVED, periods, received, staff_ids)
        resolved = Inquiry.objects.filter(between("resolved_at", span) & live("resolved_at"))
        rows += _grouped(RESOLVED, periods, resolved, staff_ids)
    # Starting from the outbound messages of the span (their own created_at index) keeps PostgreSQL from scanning
    # every thread message of the period; a reply and its message are created together.
    padded = Q(
        outbound_message__created_at__gte=span.start_dt - timedelta(days=1),
        outbound_message__created_at__lt=span.end_dt + timedelta(days=1),
    )
    cost = InquiryMessage.objects.filter(between("created_at", span), padded)
    rows += _grouped(COST, periods, cost, staff_ids)
    escalated = Inquiry.objects.filter(between("escalation_due", span), escalated_to__isnull=False)
    rows += _grouped(ESCALATION, periods, escalated, staff_ids)
    return rows


def daily_components(*, within: Callable[[str], Q], staff_ids: Iterable[int] | None = None) -> list[dict]:
    """Rows {"day", "staff", <component>: value} of the rolled-up components on the given days (2 queries)."""
    rows: list[dict] = []
    for names in (RECEIVED, RESOLVED):
        spec = COMPONENTS[names[0]]
        qs = (
            _scoped(Inquiry.objects.filter(within(spec.date_field)), spec.staff_field, staff_ids)
            .order_by()
            .annotate(day=TruncDate(spec.date_field))
            .values("day", spec.staff_field)
            .annotate(**{n: _aggregate(n, COMPONENTS[n].condition) for n in names})
        )
        rows += [{"staff": row.pop(spec.staff_field), **row} for row in qs]
    return rows


def records(*, name: str, period: PeriodLike, staff_ids: Iterable[int] | None = None) -> QuerySet:
    """The records component `name` counts for the period (the drill-down), for these staff members."""
    spec = COMPONENTS[name]
    qs = spec.model.objects.filter(component_filter(name, period))
    return _scoped(qs, spec.staff_field, staff_ids)


def answered(*, period: PeriodLike, staff_ids: Iterable[int] | None = None) -> QuerySet[Inquiry]:
    """Inquiries received in the period with a first response that reached the customer (median first response)."""
    return records(name="frt_answered", period=period, staff_ids=staff_ids)


def answered_on(*, within: Callable[[str], Q], staff_ids: Iterable[int] | None = None) -> QuerySet[Inquiry]:
    """The same answered inquiries, received on the days `within(field)` selects (roll-ups and live days)."""
    spec = COMPONENTS["frt_answered"]
    return _scoped(Inquiry.objects.filter(within(spec.date_field) & spec.condition), spec.staff_field, staff_ids)


def escalations_by_department(*, period: PeriodLike) -> dict[int, dict[str, int]]:
    """Per department id: the escalation SLA's components for the period ({"esc_total", "esc_met"}; 1 query)."""
    qs = Inquiry.objects.filter(between("escalation_due", period), escalated_to__isnull=False).order_by()
    rows = qs.values("escalated_to").annotate(
        **{name: _aggregate(name, component_filter(name, period)) for name in ESCALATION}
    )
    return {row.pop("escalated_to"): row for row in rows}
