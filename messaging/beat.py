"""Periodic messaging jobs (django-celery-beat copies them into its tables at start)."""

BEAT_SCHEDULE = {
    # held messages (quiet hours, caps) go out once the contact policy allows them
    "messaging-send-held": {"task": "messaging.tasks.messages_send_held", "schedule": 60.0},
}
