from celery import shared_task

from aftersales.services import heartbeat_record


@shared_task(ignore_result=True)
def heartbeat() -> None:
    """Record that the worker is alive (beat records its side when it publishes this task)."""
    heartbeat_record(name="worker")
