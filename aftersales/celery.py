"""The Celery app: tasks autodiscovered from every app, periodic tasks collected from `<app>/beat.py`."""

import importlib
import os

from celery import Celery

from aftersales import broker

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aftersales.settings")

# The embedded broker (no REDIS_URL) is "atomicfs://": kombu's filesystem transport with atomic writes.
broker.register()

# ResilientTask: publishing from a web request survives a dead broker (the database-driven sweepers catch up).
app = Celery("aftersales", task_cls="aftersales.security.publish:ResilientTask")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

SCHEDULE_MODULES = ["aftersales", "staff", "customers", "loans", "inquiries", "reminders", "complaints"]


def collect_beat_schedule() -> dict:
    """Merge the BEAT_SCHEDULE dicts of every app's `beat.py` (pure data, safe to import early)."""
    schedule: dict = {}
    for name in SCHEDULE_MODULES:
        try:
            module = importlib.import_module(f"{name}.beat")
        except ModuleNotFoundError as exc:
            if exc.name != f"{name}.beat":
                raise
            continue
        schedule.update(getattr(module, "BEAT_SCHEDULE", {}))
    return schedule


app.conf.beat_schedule = collect_beat_schedule()
