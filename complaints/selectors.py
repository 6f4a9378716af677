"""Reads of the complaints app: calendar, the work list with its due figures, queues and registers."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.contrib.auth.models import AbstractBaseUser
from django.core.cache import cache
from django.db.models import Case, Count, IntegerField, Q, QuerySet, Value, When
from django.utils import timezone

from complaints.deadlines import BusinessCalendar
from complaints.models import CalendarDay, CallbackVisit, Complaint, Incident

# The longest period a deadline can reach (60 days) plus a margin for days off at its end.
CALENDAR_HORIZON_DAYS = 90

OPEN_STATUSES = [
    Complaint.Status.RECEIVED,
    Complaint.Status.ACKNOWLEDGED,
    Complaint.Status.INVESTIGATING,
    Complaint.Status.DECIDED,
    Complaint.Status.REOPENED,
]
# Statuses in which the decision deadline still runs (the customer has not been told).
DECISION_PENDING = [
    Complaint.Status.ACKNOWLEDGED,
    Complaint.Status.INVESTIGATING,
    Complaint.Status.DECIDED,
    Complaint.Status.REOPENED,
]


def calendar_load(start: date, days: int = CALENDAR_HORIZON_DAYS) -> BusinessCalendar:
    """The holiday calendar from `start` for `days` days, in one query."""
    holidays, workdays = set(), set()
    for day, kind in CalendarDay.objects.filter(date__gte=start, date__lte=start + timedelta(days=days)).values_list(
        "date", "kind"
    ):
        (workdays if kind == CalendarDay.Kind.WORKDAY else holidays).add(day)
    return BusinessCalendar(holidays=frozenset(holidays), workdays=frozenset(workdays))


def local_day_bounds(day: date) -> tuple[datetime, datetime]:
    """The first moment of that local day and of the next one."""
    tz = timezone.get_current_timezone()
    start = datetime.combine(day, datetime.min.time(), tzinfo=tz)
    return start, start + timedelta(days=1)


def _due_filters(now: datetime) -> tuple[Q, Q]:
    """(due today, overdue) for whichever deadline applies in the complaint's status."""
    today_start, tomorrow_start = local_day_bounds(timezone.localdate(now))
    ack_pending = Q(status=Complaint.Status.RECEIVED)
    decision_pending = Q(status__in=DECISION_PENDING)
    overdue = (ack_pending & Q(acknowledge_due__lt=now)) | (decision_pending & Q(decision_due__lt=now))
    due_today = (ack_pending & Q(acknowledge_due__gte=now, acknowledge_due__lt=tomorrow_start)) | (
        decision_pending & Q(decision_due__gte=now, decision_due__lt=tomorrow_start)
    )
    return due_today, overdue


def complaint_list_for_staff(
    *,
    status: str = "",
    category: str = "",
    source: str = "",
    severity: str = "",
    due: str = "",
    assigned_to: AbstractBaseUser | None = None,
    q: str = "",
    include_closed: bool = False,
    now: datetime | None = None,
) -> QuerySet[Complaint]:
    """The work list: regulator referrals and high severity first, then the nearest deadline."""
    now = now or timezone.now()
    qs = Complaint.objects.select_related("customer", "product", "assigned_to", "legal_advisor")
    if status:
        qs = qs.filter(status=status)
    elif not include_closed:
        qs = qs.exclude(status=Complaint.Status.CLOSED)
    if category:
        qs = qs.filter(category=category)
    if source:
        qs = qs.filter(source=source)
    if severity:
        qs = qs.filter(severity=severity)
    if assigned_to is not None:
        qs = qs.filter(assigned_to=assigned_to)
    if q:
        qs = qs.filter(Q(reference__iexact=q.strip()) | Q(summary__icontains=q) | Q(customer__name__icontains=q))
    due_today, overdue = _due_filters(now)
    if due == "today":
        qs = qs.filter(due_today)
    elif due == "overdue":
        qs = qs.filter(overdue)
    elif due == "attention":
        qs = qs.filter(due_today | overdue)
    return qs.annotate(
        priority=Case(
            When(source=Complaint.Source.REGULATOR, then=Value(0)),
            When(severity=Complaint.Severity.HIGH, then=Value(1)),
            default=Value(2),
            output_field=IntegerField(),
        ),
        # Work waiting on us first; informed (waiting on the customer) next; closed last.
        open_rank=Case(
            When(status=Complaint.Status.CLOSED, then=Value(2)),
            When(status=Complaint.Status.INFORMED, then=Value(1)),
            default=Value(0),
            output_field=IntegerField(),
        ),
    ).order_by("open_rank", "priority", "decision_due", "id")


def complaint_due_counts(*, now: datetime | None = None, assigned_to: AbstractBaseUser | None = None) -> dict[str, int]:
    """How many open complaints are due today and overdue, in one query."""
    now = now or timezone.now()
    due_today, overdue = _due_filters(now)
    qs = Complaint.objects.filter(status__in=OPEN_STATUSES)
    if assigned_to is not None:
        qs = qs.filter(assigned_to=assigned_to)
    return qs.aggregate(
        due_today=Count("id", filter=due_today),
        overdue=Count("id", filter=overdue),
        priority=Count("id", filter=Q(source=Complaint.Source.REGULATOR) | Q(severity=Complaint.Severity.HIGH)),
        open=Count("id"),
    )


def complaint_legal_queue(*, legal_advisor: AbstractBaseUser | None = None) -> QuerySet[Complaint]:
    """Complaints escalated to legal that are still open, oldest escalation first."""
    qs = Complaint.objects.filter(legal_escalated_at__isnull=False).exclude(status=Complaint.Status.CLOSED)
    if legal_advisor is not None:
        qs = qs.filter(legal_advisor=legal_advisor)
    return qs.select_related("customer", "legal_advisor", "assigned_to").order_by("legal_escalated_at", "id")


OPEN_INCIDENTS_CACHE_KEY = "complaints:open-incidents"
BANNER_CACHE_SECONDS = 10


def incidents_for_banner() -> list[Incident]:
    """The three latest open incidents for every page's banner, read at most every 10 seconds.

    The incident services forget the cached list when one opens, changes or closes.
    """
    incidents = cache.get(OPEN_INCIDENTS_CACHE_KEY)
    if incidents is None:
        incidents = list(
            Incident.objects.filter(status=Incident.Status.OPEN)
            .only("pk", "reference", "title", "kind", "severity")
            .order_by("-opened_at")[:3]
        )
        cache.set(OPEN_INCIDENTS_CACHE_KEY, incidents, BANNER_CACHE_SECONDS)
    return incidents


def incidents_open() -> list[Incident]:
    """The five most recent open incidents."""
    return list(Incident.objects.filter(status=Incident.Status.OPEN).order_by("-opened_at")[:5])


def incident_list(*, status: str = "", kind: str = "") -> QuerySet[Incident]:
    """The incident register with each incident's complaint count, filtered by status and kind when given."""
    qs = Incident.objects.select_related("owner").annotate(complaint_count=Count("complaints", distinct=True))
    if status:
        qs = qs.filter(status=status)
    if kind:
        qs = qs.filter(kind=kind)
    return qs.order_by(
        Case(When(status=Incident.Status.OPEN, then=Value(0)), default=Value(1), output_field=IntegerField()),
        "-opened_at",
        "-id",
    )


def callback_visits(*, staff_ids: list[int] | None = None) -> QuerySet[CallbackVisit]:
    """Callback visits with their complaint, customer and assignee; limited to those of `staff_ids` when given.

    A visit belongs to the staff listed when it is assigned to one of them, or unassigned, or its complaint is
    handled by one of them. `None` is every visit (managers).
    """
    qs = CallbackVisit.objects.select_related("complaint", "assigned_to", "complaint__customer")
    if staff_ids is not None:
        qs = qs.filter(
            Q(assigned_to__in=staff_ids) | Q(assigned_to__isnull=True) | Q(complaint__assigned_to__in=staff_ids)
        )
    return qs


def customer_open_complaints(*, customer_id: int, limit: int = 5) -> list[Complaint]:
    """A customer's complaints not yet closed, earliest decision deadline first (one query; `limit` + 1 rows)."""
    return list(
        Complaint.objects.filter(customer_id=customer_id)
        .exclude(status=Complaint.Status.CLOSED)
        .only("pk", "reference", "category", "status", "received_at", "decision_due", "customer_id")
        .order_by("decision_due", "id")[: limit + 1]
    )
