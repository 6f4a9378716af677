"""Periodic tasks of the inquiries app (collected by aftersales.celery)."""

BEAT_SCHEDULE = {
    "inquiries-sla-watch": {"task": "inquiries.tasks.sla_watch", "schedule": 60.0},
    "inquiries-fetch-mail": {"task": "inquiries.tasks.fetch_mail", "schedule": 60.0},
    "inquiries-escalation-watch": {"task": "inquiries.tasks.escalation_watch", "schedule": 300.0},
    # Callbacks owed after missed hotline calls (#16): the owner is told once when one is late.
    "inquiries-callbacks-watch": {"task": "inquiries.tasks.callbacks_watch", "schedule": 60.0},
}
