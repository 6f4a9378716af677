"""Reminders on other apps' pages: the customer 360 panel and timeline, and the loan page's list."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _

from aftersales import permissions as roles
from aftersales.portal import Panel, TimelineEvent, once_per_object
from reminders import selectors
from reminders.models import ContactDataTask, Reminder

PANEL_LIMIT = 10
TIMELINE_LIMIT = 20


def loan_reminders(loan, limit: int = 20) -> list[Reminder]:
    """The loan page's reminders (for templates/reminders/_loan_reminders.html as `reminders`); one query."""
    return selectors.reminders_for_loan(loan_id=loan.pk, limit=limit)


def loan_panels(request, loan) -> list[Panel]:
    """The loan page's "Repayment reminders" section (registered with loans.api from ReminderConfig.ready); one query."""
    return [
        Panel(
            title=_("Repayment reminders"),
            template="reminders/_loan_reminders.html",
            context={"reminders": loan_reminders(loan)},
            order=40,
        )
    ]


def _latest(customer) -> list[Reminder]:
    """The customer's latest reminders, read once for both the panel and the timeline."""
    limit = max(PANEL_LIMIT, TIMELINE_LIMIT)
    return once_per_object(
        customer, "reminders", lambda: selectors.reminders_for_customer(customer_id=customer.pk, limit=limit)
    )


def customer_panels(request, customer) -> list[Panel]:
    """The customer 360 panel: latest reminders and open contact-data tasks (two queries, a third past 20)."""
    latest = _latest(customer)
    reminders = latest[:PANEL_LIMIT]
    open_tasks = list(ContactDataTask.objects.filter(customer=customer, status=ContactDataTask.Status.OPEN))
    count = Reminder.objects.filter(customer=customer).count() if len(latest) == TIMELINE_LIMIT else len(latest)
    return [
        Panel(
            title=_("Reminders"),
            template="reminders/_customer_panel.html",
            context={
                "reminders": reminders,
                "open_tasks": open_tasks,
                "can_work_tasks": roles.has_role(request.user, roles.AGENT, roles.SUPERVISOR, roles.MANAGER),
            },
            order=40,
            count=count,
        )
    ]


def customer_timeline(customer) -> list[TimelineEvent]:
    """Reminders that went out (or failed) as dated events; one query."""
    events = []
    for reminder in _latest(customer):
        if reminder.sent_at is None and reminder.status != Reminder.Status.FAILED:
            continue
        failed = reminder.status in selectors.NOT_REACHED
        events.append(
            TimelineEvent(
                at=reminder.sent_at or reminder.finished_at or reminder.status_changed_at,
                kind=_("reminder"),
                text=_("%(channel)s reminder for %(loan)s: %(status)s")
                % {
                    "channel": reminder.get_channel_display(),
                    "loan": reminder.loan.contract_number_masked,
                    "status": reminder.get_status_display(),
                },
                url=reverse("reminders:loan_reminders", args=[reminder.loan_id]),
                level="danger" if failed else "info",
            )
        )
    return events
