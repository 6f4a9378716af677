from celery import shared_task

from complaints import services


@shared_task
def complaints_deadlines_sweep() -> dict:
    """Daily: record missed decision deadlines and tell handlers what is due today and overdue (safe to run twice)."""
    return services.complaint_deadlines_sweep()
