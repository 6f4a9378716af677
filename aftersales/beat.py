"""Periodic tasks of the shared package; django-celery-beat copies them into its tables at start."""

BEAT_SCHEDULE = {
    "heartbeat": {"task": "aftersales.tasks.heartbeat", "schedule": 60.0},
}
