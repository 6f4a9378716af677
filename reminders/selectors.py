"""Reads for the reminder pages: the manager dashboard, per-loan and per-customer lists.

The outbox and the cost per channel and month are messaging's (messaging.selectors)."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import TruncDate
from django.utils import timezone

from messaging.models import OutboundMessage
from reminders.models import ContactDataTask, Reminder

DELIVERED = (Reminder.Status.DELIVERED, Reminder.Status.COMPLETED)
NOT_REACHED = (
    Reminder.Status.FAILED,
    Reminder.Status.UNDELIVERED,
    Reminder.Status.NO_ANSWER,
    Reminder.Status.BUSY,
)
DASHBOARD_DAYS = 14


def _per_day(queryset: QuerySet, field: str, since) -> dict[tuple[date, str], int]:
    tz = timezone.get_current_timezone()
    rows = (
        queryset.filter(**{f"{field}__gte": since})
        .annotate(day=TruncDate(field, tzinfo=tz))
        .values("day", "channel")
        .annotate(n=Count("id"))
        .order_by()
    )
    return {(row["day"], row["channel"]): row["n"] for row in rows}


def reminder_daily_figures(*, days: int = DASHBOARD_DAYS, today: date | None = None) -> list[dict]:
    """Per day (newest first) and channel: reminders planned, sent, delivered (or call completed), not reached."""
    today = today or timezone.localdate()
    first = today - timedelta(days=days - 1)
    since = timezone.make_aware(timezone.datetime.combine(first, timezone.datetime.min.time()))
    planned = _per_day(Reminder.objects.all(), "created_at", since)
    sent = _per_day(Reminder.objects.exclude(sent_at=None), "sent_at", since)
    delivered = _per_day(Reminder.objects.filter(status__in=DELIVERED), "finished_at", since)
    failed = _per_day(Reminder.objects.filter(status__in=NOT_REACHED), "finished_at", since)
    rows = []
    for offset in range(days):
        day = today - timedelta(days=offset)
        for channel, label in OutboundMessage.Channel.choices:
            key = (day, channel)
            row = {
                "day": day,
                "channel": channel,
                "channel_label": label,
                "planned": planned.get(key, 0),
                "sent": sent.get(key, 0),
                "delivered": delivered.get(key, 0),
                "failed": failed.get(key, 0),
            }
            rows.append(row)
    return rows


def chart_data(rows: list[dict]) -> dict:
    """Chart.js input: days ascending, sent / delivered / not reached per channel."""
    days = sorted({row["day"] for row in rows})
    series = defaultdict(lambda: dict.fromkeys(days, 0))
    for row in rows:
        for measure in ("sent", "delivered", "failed"):
            series[(measure, row["channel"])][row["day"]] = row[measure]
    return {
        "labels": [d.strftime("%m-%d") for d in days],
        "series": [
            {"measure": measure, "channel": channel, "data": [series[(measure, channel)][d] for d in days]}
            for measure in ("sent", "delivered", "failed")
            for channel in OutboundMessage.Channel.values
        ],
    }


def reminder_status_totals() -> dict[str, int]:
    """Reminders waiting now: planned (due or later), held for quiet hours, retrying, with the worker."""
    now = timezone.now()
    return Reminder.objects.aggregate(
        due_now=Count("id", filter=Q(status=Reminder.Status.PLANNED, planned_for__lte=now)),
        later=Count("id", filter=Q(status=Reminder.Status.PLANNED, planned_for__gt=now)),
        quiet=Count("id", filter=Q(status=Reminder.Status.PLANNED, hold_reason=Reminder.HoldReason.QUIET_HOURS)),
        retrying=Count("id", filter=Q(status=Reminder.Status.PLANNED, hold_reason=Reminder.HoldReason.RETRY)),
        sending=Count("id", filter=Q(status=Reminder.Status.SENDING)),
    )


def failures_to_fix(*, limit: int = 10) -> dict:
    """Open contact-data tasks and recent reminders that did not reach the customer."""
    open_tasks = ContactDataTask.objects.filter(status=ContactDataTask.Status.OPEN)
    week_ago = timezone.now() - timedelta(days=7)
    failed = Reminder.objects.filter(status__in=NOT_REACHED, finished_at__gte=week_ago)
    return {
        "open_task_count": open_tasks.count(),
        "open_tasks": list(open_tasks.select_related("customer").order_by("-created_at")[:limit]),
        "failed_count": failed.count(),
        "failed": list(
            failed.select_related("loan", "customer", "step", "outbound_message").order_by("-finished_at")[:limit]
        ),
    }


def reminders_for_loan(*, loan_id: int, limit: int = 100) -> list[Reminder]:
    """A loan's reminders with their step and message (one query)."""
    return list(
        Reminder.objects.filter(loan_id=loan_id)
        .select_related("step", "outbound_message", "installment", "requested_by")
        .order_by("-planned_for", "-id")[:limit]
    )


def reminders_for_customer(*, customer_id: int, limit: int = 20) -> list[Reminder]:
    """A customer's latest reminders across loans (one query)."""
    return list(
        Reminder.objects.filter(customer_id=customer_id)
        .select_related("step", "outbound_message", "loan", "installment")
        .order_by("-planned_for", "-id")[:limit]
    )


def reminder_contacts_for_customer(*, customer_id: int, limit: int = 20) -> list[tuple]:
    """A customer's latest reminders as (planned for, channel label, status label, contract number): the few
    columns a contact list shows, read in one narrow query."""
    channels = dict(Reminder._meta.get_field("channel").flatchoices)
    statuses = dict(Reminder._meta.get_field("status").flatchoices)
    rows = (
        Reminder.objects.filter(customer_id=customer_id)
        .order_by("-planned_for", "-id")
        .values_list("planned_for", "channel", "status", "loan__contract_number")[:limit]
    )
    return [
        (planned_for, channels.get(channel, channel), statuses.get(status, status), contract)
        for planned_for, channel, status, contract in rows
    ]


def contact_tasks_open() -> QuerySet[ContactDataTask]:
    """Open contact-data tasks with what the list shows (customer, reminder, loan)."""
    return ContactDataTask.objects.filter(status=ContactDataTask.Status.OPEN).select_related(
        "customer", "reminder", "reminder__loan"
    )
