from celery.schedules import crontab

BEAT_SCHEDULE = {
    # Early morning, Beijing time, before the first shift: due-today and overdue alerts for each handler.
    "complaints-deadlines-sweep": {
        "task": "complaints.tasks.complaints_deadlines_sweep",
        "schedule": crontab(hour=7, minute=30),
    },
    # Again at noon so complaints acknowledged late in the morning still show up the same day.
    "complaints-deadlines-sweep-noon": {
        "task": "complaints.tasks.complaints_deadlines_sweep",
        "schedule": crontab(hour=12, minute=0),
    },
}
