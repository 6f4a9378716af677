"""Celery tasks: thin, take ids, safe to run twice. The database rows decide what still needs doing.

The dependency runs one way: tasks use planning and services; planning returns the claimed ids to the `enqueue`
it is given (`enqueue_send` here), so it never imports the tasks.
"""

from __future__ import annotations

import logging

from celery import shared_task
from django.conf import settings
from kombu.exceptions import OperationalError as BrokerError

from messaging.api import get_backend
from reminders import planning, services

logger = logging.getLogger(__name__)


def enqueue_send(ids: list[int]) -> None:
    """Hand ids to the worker in batches; a broker outage is logged and left to the sweeper."""
    queue = settings.REMINDER_QUEUE or None
    for start in range(0, len(ids), planning.BATCH_SIZE):
        chunk = ids[start : start + planning.BATCH_SIZE]
        try:
            reminders_send_batch.apply_async(args=[chunk], queue=queue) if queue else reminders_send_batch.delay(chunk)
        except (BrokerError, OSError):  # broker down: the rows stay `sending` and the sweeper enqueues them again
            logger.exception("could not enqueue %d reminders; the sweeper will retry", len(chunk))
            return


@shared_task(ignore_result=True)
def reminders_plan() -> int:
    """Beat: plan the reminders whose step dates fall due."""
    return planning.reminders_plan()


@shared_task(ignore_result=True)
def reminders_dispatch() -> int:
    """Beat: hand due reminders to the worker in batches."""
    return planning.reminders_dispatch(enqueue=enqueue_send)


@shared_task(ignore_result=True)
def reminders_sweep() -> int:
    """Beat: enqueue again reminders left in `sending` (worker killed, broker down)."""
    return planning.reminders_sweep(enqueue=enqueue_send)


@shared_task(ignore_result=True)
def reminders_send_batch(reminder_ids: list[int]) -> None:
    """Send a batch of reminders (checks and attempts of the batch in one transaction). If the batch as a whole
    fails (database error), each reminder is tried on its own; what still fails is left to the sweeper."""
    backend = get_backend()
    try:
        services.reminders_send_many(reminder_ids=reminder_ids, backend=backend)
        return
    except Exception:  # noqa: BLE001 — the worker survives any batch failure and tries each reminder on its own
        logger.exception("batch of %d reminders failed; sending them one by one", len(reminder_ids))
    for reminder_id in reminder_ids:
        try:
            services.reminder_send(reminder_id=reminder_id, backend=backend)
        except Exception:  # noqa: BLE001 — one bad reminder must not stop the batch; the sweeper takes it up again
            logger.exception("reminder %s could not be sent; the sweeper will take it up again", reminder_id)
