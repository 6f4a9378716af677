"""Planning and dispatching: set-based SQL that turns policy steps into reminder rows and hands them to the worker.

- `reminders_plan` (beat, every few minutes): one INSERT … SELECT per step and step date, ON CONFLICT DO NOTHING
  on the unique (installment, step, channel): running it twice plans nothing twice.
- `reminders_dispatch` (beat, every few seconds): claims due rows (FOR UPDATE SKIP LOCKED on PostgreSQL), marks
  them `sending` and hands their ids to `enqueue` (the caller's: tasks.py enqueues worker tasks in batches).
- `reminders_sweep` (beat, every minute): rows left in `sending` (worker killed, broker down) are enqueued again.
  Sending twice is impossible: the send service decides from the row and its message (see services.py).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, models, transaction
from django.db.models import F, Value
from django.utils import timezone

from loans.models import Installment, Loan
from reminders import rules
from reminders.models import Reminder, ReminderStep

logger = logging.getLogger(__name__)

# A planner outage of up to this many days is caught up (for steps that existed then: `catch_up_allowed`); older
# step dates are not sent any more.
LOOKBACK_DAYS = 2
# Rows claimed per dispatcher run: bounded so one run stays short and other dispatchers can take the rest.
DISPATCH_LIMIT = 5000
# Ids per worker task: large enough to keep the queue short, small enough that a killed worker loses little.
BATCH_SIZE = 20

UNPAID = ("pending", "partially_paid", "overdue")
LIVE_LOANS = Loan.Status.open_statuses()

INSERT_COLUMNS = (
    "installment_id",
    "loan_id",
    "customer_id",
    "step_id",
    "channel",
    "status",
    "planned_for",
    "skip_reason",
    "hold_reason",
    "attempts",
    "last_error",
    "created_at",
    "status_changed_at",
)


def catch_up_allowed(step: ReminderStep, step_date, today) -> bool:
    """A past step date is caught up only when the step existed on that day (the planner missed it); a step added
    later never sends for a date already past ("T−2" added today does not go out for an installment due today)."""
    if step_date >= today or step.created_at is None:
        return True
    return timezone.localdate(step.created_at) <= step_date


def planned_time(step: ReminderStep, step_date, now: datetime) -> tuple[datetime, bool]:
    """When a step planned for `step_date` is sent (its local send time, not in the past, inside the window),
    and whether the quiet hours moved it."""
    tz = timezone.get_default_timezone()
    at = max(datetime.combine(step_date, step.send_time, tzinfo=tz), now)
    planned_for = rules.next_window_open(at)
    return planned_for, planned_for != at


def _insert_select(queryset, columns: Iterable[str]) -> int:
    """INSERT INTO reminders_reminder (columns) <queryset's SELECT> ON CONFLICT DO NOTHING; returns rows inserted."""
    sql, params = queryset.query.get_compiler(using=queryset.db).as_sql()
    table = Reminder._meta.db_table
    quoted = ", ".join(connection.ops.quote_name(c) for c in columns)
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {table} ({quoted}) {sql} ON CONFLICT DO NOTHING", params)  # noqa: S608
        return max(cursor.rowcount, 0)


def reminders_plan(*, now: datetime | None = None) -> int:
    """Plan reminders for current unpaid installments whose step date is today (or missed in the last days)."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    steps = list(ReminderStep.objects.filter(policy__active=True).order_by("id"))
    planned = 0
    for step in steps:
        for back in range(LOOKBACK_DAYS, -1, -1):
            step_date = today - timedelta(days=back)
            if not catch_up_allowed(step, step_date, today):
                continue
            due_date = step_date - timedelta(days=step.offset_days)
            planned_for, held = planned_time(step, step_date, now)
            queryset = (
                Installment.objects.filter(
                    is_current=True,
                    due_date=due_date,
                    status__in=UNPAID,
                    loan__status__in=LIVE_LOANS,
                    loan__product__reminder_policy_link__policy_id=step.policy_id,
                )
                .annotate(
                    r_installment=F("id"),
                    r_loan=F("loan_id"),
                    r_customer=F("loan__customer_id"),
                    r_step=Value(step.pk, output_field=models.BigIntegerField()),
                    r_channel=Value(step.channel, output_field=models.CharField()),
                    r_status=Value(Reminder.Status.PLANNED, output_field=models.CharField()),
                    r_planned_for=Value(planned_for, output_field=models.DateTimeField()),
                    r_skip=Value("", output_field=models.CharField()),
                    r_hold=Value(Reminder.HoldReason.QUIET_HOURS if held else "", output_field=models.CharField()),
                    r_attempts=Value(0, output_field=models.IntegerField()),
                    r_error=Value("", output_field=models.CharField()),
                    r_created=Value(now, output_field=models.DateTimeField()),
                    r_changed=Value(now, output_field=models.DateTimeField()),
                )
                .values_list(
                    "r_installment",
                    "r_loan",
                    "r_customer",
                    "r_step",
                    "r_channel",
                    "r_status",
                    "r_planned_for",
                    "r_skip",
                    "r_hold",
                    "r_attempts",
                    "r_error",
                    "r_created",
                    "r_changed",
                )
                .order_by()
            )
            planned += _insert_select(queryset, INSERT_COLUMNS)
    if planned:
        logger.info("planned %d reminders", planned)
    return planned


def _claim(queryset, *, limit: int, now: datetime) -> list[int]:
    with transaction.atomic():
        if connection.features.has_select_for_update_skip_locked:
            queryset = queryset.select_for_update(skip_locked=True)
        ids = list(queryset.values_list("id", flat=True)[:limit])
        if ids:
            Reminder.objects.filter(id__in=ids).update(
                status=Reminder.Status.SENDING, dispatched_at=now, status_changed_at=now
            )
    return ids


def reminders_dispatch(
    *, enqueue: Callable[[list[int]], None], now: datetime | None = None, limit: int = DISPATCH_LIMIT
) -> int:
    """Claim planned reminders that are due, mark them `sending` and hand their ids to `enqueue` (tasks.enqueue_send)."""
    now = now or timezone.now()
    due = Reminder.objects.filter(status=Reminder.Status.PLANNED, planned_for__lte=now).order_by("planned_for", "id")
    ids = _claim(due, limit=limit, now=now)
    if ids:
        enqueue(ids)
    return len(ids)


def stale_seconds() -> int:
    """How long a row may stay `sending` (or an attempt stay unanswered) before it is taken up again."""
    return int(settings.REMINDER_SENDING_STALE_SECONDS)


def reminders_sweep(
    *, enqueue: Callable[[list[int]], None], now: datetime | None = None, limit: int = DISPATCH_LIMIT
) -> int:
    """Enqueue again the rows left in `sending` longer than the stale time (worker killed, message lost)."""
    now = now or timezone.now()
    stuck = Reminder.objects.filter(
        status=Reminder.Status.SENDING, dispatched_at__lt=now - timedelta(seconds=stale_seconds())
    ).order_by("dispatched_at", "id")
    ids = _claim(stuck, limit=limit, now=now)
    if ids:
        logger.warning("re-enqueued %d reminders stuck in sending", len(ids))
        enqueue(ids)
    return len(ids)
