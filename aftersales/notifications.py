"""In-app notifications: the header shows the unread count, the notification page lists them."""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import IntegrityError, transaction

from aftersales.models import Notification


def notification_send(
    *, recipients: Iterable, message: str, link: str = "", level: str = Notification.Level.INFO, dedupe_key: str = ""
) -> int:
    """Create one notification per recipient; with a dedupe_key a recipient gets it at most once. Returns how many were new."""
    created = 0
    notified = []
    for user in recipients:
        try:
            with transaction.atomic():
                Notification.objects.create(
                    recipient=user, message=message[:300], link=link, level=level, dedupe_key=dedupe_key
                )
                created += 1
                notified.append(user.pk)
        except IntegrityError:
            continue
    unread_forget(user_ids=notified)
    return created


UNREAD_CACHE_SECONDS = 30


def _unread_key(user_id: int) -> str:
    return f"notifications:unread:{user_id}"


def unread_count(*, user) -> int:
    """The user's unread notifications for the header badge (every page), kept until one arrives or is read."""
    key = _unread_key(user.pk)
    count = cache.get(key)
    if count is None:
        count = Notification.objects.filter(recipient=user, read_at__isnull=True).count()
        cache.set(key, count, UNREAD_CACHE_SECONDS)
    return count


def unread_forget(*, user_ids: Iterable[int]) -> None:
    """Recount these users' unread notifications on their next page (now, and again once the transaction commits)."""
    keys = [_unread_key(pk) for pk in user_ids]
    if keys:
        cache.delete_many(keys)
        transaction.on_commit(lambda: cache.delete_many(keys))


def users_with_role(*roles: str):
    """Active users holding any of the roles."""
    return get_user_model().objects.filter(is_active=True, groups__name__in=roles).distinct()
