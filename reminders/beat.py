"""Periodic reminder jobs (django-celery-beat copies them into its tables at start)."""

BEAT_SCHEDULE = {
    "reminders-plan": {"task": "reminders.tasks.reminders_plan", "schedule": 120.0},
    "reminders-dispatch": {"task": "reminders.tasks.reminders_dispatch", "schedule": 10.0},
    "reminders-sweep": {"task": "reminders.tasks.reminders_sweep", "schedule": 60.0},
}
