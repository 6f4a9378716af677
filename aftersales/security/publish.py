"""Publishing Celery tasks from web requests without failing when the broker (Redis) is down.

The work itself is driven by database rows (reminders planned, inquiries due) and periodic sweepers
enqueue whatever is still pending, so a publish that fails during an outage is retried by the sweeper
later; the request that caused it must still succeed. Two ways to use it:

* call sites: ``enqueue_on_commit(reminder_send, reminder.pk)`` instead of ``reminder_send.delay(...)``;
* project-wide: ``Celery("aftersales", task_cls="aftersales.security.publish:ResilientTask")`` makes every
  ``.delay()`` / ``.apply_async()`` log and return None instead of raising when the broker is unreachable.
"""

from __future__ import annotations

import logging

import kombu.exceptions
import redis
from celery import Task
from django.db import transaction

logger = logging.getLogger(__name__)


def _broker_errors() -> tuple[type[BaseException], ...]:
    """What a publish may raise when the broker is down: kombu's, redis's (REDIS_URL) or the OS's connection errors."""
    return (kombu.exceptions.OperationalError, redis.exceptions.RedisError, ConnectionError, OSError, TimeoutError)


def enqueue(task, *args, **kwargs):
    """Publish `task` now; on a broker outage log it and return None (the sweeper catches up)."""
    try:
        return task.apply_async(args=args, kwargs=kwargs)
    except _broker_errors() as exc:
        logger.warning(
            "broker unavailable, %s not published now (%s)", getattr(task, "name", task), exc.__class__.__name__
        )
        return None


def enqueue_on_commit(task, *args, **kwargs) -> None:
    """Publish `task` after the current transaction commits (never for rolled-back work), never raising."""
    transaction.on_commit(lambda: enqueue(task, *args, **kwargs))


class ResilientTask(Task):
    """Task class whose apply_async survives a broker outage (returns None and logs)."""

    def apply_async(self, *args, **kwargs):
        try:
            return super().apply_async(*args, **kwargs)
        except _broker_errors() as exc:
            logger.warning("broker unavailable, %s not published now (%s)", self.name, exc.__class__.__name__)
            return None
