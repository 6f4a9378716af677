"""Celery tasks: thin wrappers around services, safe to run twice."""

from celery import shared_task

from inquiries import mailbox, services
from inquiries.services import calls, escalation


@shared_task(ignore_result=True)
def sla_watch() -> None:
    """Every minute: record breaches, alert supervisors before breaches, move work off off-duty agents."""
    services.sla_breaches_mark()
    services.sla_alerts_send()
    services.off_duty_reassign()


@shared_task(ignore_result=True, soft_time_limit=110, time_limit=120)
def fetch_mail() -> None:
    """Every minute: read the inquiry mailbox (does nothing without INQUIRY_IMAP_HOST)."""
    mailbox.mailbox_fetch()


@shared_task(ignore_result=True, soft_time_limit=240, time_limit=270)
def escalation_watch() -> None:
    """Every 5 minutes: record missed escalation deadlines, alert departments before theirs (each once)."""
    escalation.escalation_breaches_mark()
    escalation.escalation_alerts_send()


@shared_task(ignore_result=True, soft_time_limit=50, time_limit=55)
def callbacks_watch() -> None:
    """Every minute: tell the owner (once) about each callback owed after a missed call that is now late (#16)."""
    calls.callbacks_overdue_alert()
