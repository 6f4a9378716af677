"""Celery tasks: thin wrappers around services, safe to run twice."""

from celery import shared_task

from inquiries import mailbox, services


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
