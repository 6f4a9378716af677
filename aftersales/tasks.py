from celery import shared_task

from aftersales.services import heartbeat_record


@shared_task(ignore_result=True)
def heartbeat() -> None:
    """Record that the worker is alive (beat records its side when it publishes this task)."""
    heartbeat_record(name="worker")


@shared_task(ignore_result=True, acks_late=True)
def export_job_run(job_id: int) -> None:
    """Write a long list export's file (#17); the service skips a job already done."""
    from aftersales.export_jobs import export_job_run as run

    run(job_id=job_id)
