"""Celery tasks: thin, take ids, safe to run twice. The database rows decide what still needs doing."""

from __future__ import annotations

import logging

from celery import shared_task

logger = logging.getLogger(__name__)


@shared_task(ignore_result=True)
def reminders_plan() -> int:
    """Beat: plan the reminders whose step dates fall due."""
    from reminders.planning import reminders_plan as plan

    return plan()


@shared_task(ignore_result=True)
def reminders_dispatch() -> int:
    """Beat: hand due reminders to the worker in batches."""
    from reminders.planning import reminders_dispatch as dispatch

    return dispatch()


@shared_task(ignore_result=True)
def reminders_sweep() -> int:
    """Beat: enqueue again reminders left in `sending` (worker killed, broker down)."""
    from reminders.planning import reminders_sweep as sweep

    return sweep()


@shared_task(ignore_result=True)
def reminders_send_batch(reminder_ids: list[int]) -> None:
    """Send a batch of reminders (checks and attempts of the batch in one transaction). If the batch as a whole
    fails (database error), each reminder is tried on its own; what still fails is left to the sweeper."""
    from reminders.backends import get_backend
    from reminders.services import reminder_send, reminders_send_many

    backend = get_backend()
    try:
        reminders_send_many(reminder_ids=reminder_ids, backend=backend)
        return
    except Exception:
        logger.exception("batch of %d reminders failed; sending them one by one", len(reminder_ids))
    for reminder_id in reminder_ids:
        try:
            reminder_send(reminder_id=reminder_id, backend=backend)
        except Exception:
            logger.exception("reminder %s could not be sent; the sweeper will take it up again", reminder_id)
