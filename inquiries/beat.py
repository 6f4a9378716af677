"""Periodic tasks of the inquiries app (collected by aftersales.celery)."""

BEAT_SCHEDULE = {
    "inquiries-sla-watch": {"task": "inquiries.tasks.sla_watch", "schedule": 60.0},
    "inquiries-fetch-mail": {"task": "inquiries.tasks.fetch_mail", "schedule": 60.0},
    "inquiries-escalation-watch": {"task": "inquiries.tasks.escalation_watch", "schedule": 300.0},
}
