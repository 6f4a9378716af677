"""Celery tasks of the online chat: thin, safe to run twice."""

from celery import shared_task

from livechat import services


@shared_task(ignore_result=True, soft_time_limit=25, time_limit=30)
def abandon_sweep() -> None:
    """Every 30 s: chats whose customer left (no window for LIVECHAT_ABANDON_SECONDS) become SMS inquiries."""
    services.chats_abandon()
