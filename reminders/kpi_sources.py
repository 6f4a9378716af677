"""KPI data of the reminders app: reminder effectiveness, a service-wide figure (reminders go out automatically).

Effectiveness = reminded installments paid by their due date / reminded installments that fell due. An
installment falls due when its due date is over, so only installments due before both the period end and today
count: one due later can still be paid in time and says nothing yet. The aggregate and the drill-down records are
both built from `component_filter`, so the figure and its records can never disagree.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Protocol

from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone

from loans.models import Installment
from reminders.models import Reminder


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


def fell_due(period: PeriodLike, today: date) -> Q:
    """Installments whose due date is in the period and already over (before today)."""
    return Q(due_date__gte=period.start, due_date__lt=min(period.end, today))


def paid_by_due_date(period: PeriodLike, today: date) -> Q:
    """Of those, the installments fully paid by the end of their due date (local time)."""
    return fell_due(period, today) & Q(paid_at__isnull=False, paid_at__date__lte=F("due_date"))


FILTERS: dict[str, Callable[[PeriodLike, date], Q]] = {"rem_due": fell_due, "rem_paid": paid_by_due_date}


def component_filter(name: str, period: PeriodLike, today: date) -> Q:
    """The installments component `name` counts for the period: the one definition behind figure and drill-down."""
    return FILTERS[name](period, today)


def reminded_installments(span: PeriodLike) -> QuerySet[Installment]:
    """Current installments due in the span that got at least one sent reminder.

    Driven from the (few) sent reminders rather than from every installment due: a semi-join on the reminders'
    installment ids instead of an EXISTS probe per installment.
    """
    sent = Reminder.objects.filter(
        sent_at__isnull=False, installment__due_date__gte=span.start, installment__due_date__lt=span.end
    ).values("installment_id")
    return Installment.objects.filter(pk__in=sent, is_current=True)


def components(*, periods: list[PeriodLike], span: PeriodLike, today: date | None = None) -> dict[str, int]:
    """{"<period index>:<name>": count} of reminded installments due and paid in time, for each period (1 query)."""
    today = today or timezone.localdate()
    annotations = {
        f"{i}:{name}": Count("id", filter=make(p, today))
        for i, p in enumerate(periods)
        for name, make in FILTERS.items()
    }
    return reminded_installments(span).aggregate(**annotations)


def records(*, name: str, period: PeriodLike, today: date | None = None) -> QuerySet[Installment]:
    """The reminded installments component `name` counts for the period (the drill-down)."""
    today = today or timezone.localdate()
    return reminded_installments(period).filter(component_filter(name, period, today))
