"""Periodic tasks of the online chat (collected by aftersales.celery)."""

BEAT_SCHEDULE = {
    "livechat-abandon-sweep": {"task": "livechat.tasks.abandon_sweep", "schedule": 30.0},
}
