"""Celery tasks of the messaging app: thin; the rows decide what still needs doing (safe to run twice)."""

from __future__ import annotations

from celery import shared_task

from messaging import held


@shared_task(ignore_result=True)
def messages_send_held() -> int:
    """Beat: send the held messages the contact policy now allows (a bounded batch; the next run takes the rest)."""
    return held.messages_send_held()
