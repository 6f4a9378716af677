"""Periodic tasks of the staff app (django-celery-beat copies them into its tables at start)."""

from celery.schedules import crontab

BEAT_SCHEDULE = {
    "staff-kpi-rollup": {"task": "staff.tasks.kpi_rollup_keep_current", "schedule": 300.0},
    "staff-kpi-rollup-rebuild": {"task": "staff.tasks.kpi_rollup_rebuild", "schedule": crontab(minute=15, hour=2)},
    "staff-qa-sample-weekly": {
        "task": "staff.tasks.qa_sample_last_week",
        "schedule": crontab(minute=30, hour=6, day_of_week=1),
    },
    "staff-surveys": {"task": "staff.tasks.surveys_create_and_send", "schedule": 300.0},
    "staff-infosec-reminders": {
        "task": "staff.tasks.infosec_training_reminders",
        "schedule": crontab(minute=0, hour=8),
    },
}
