"""In-app notifications: the header shows the unread count, the notification page lists them."""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction

from aftersales.models import Notification


def notification_send(
    *, recipients: Iterable, message: str, link: str = "", level: str = Notification.Level.INFO, dedupe_key: str = ""
) -> int:
    """Create one notification per recipient; with a dedupe_key a recipient gets it at most once. Returns how many were new."""
    created = 0
    for user in recipients:
        try:
            with transaction.atomic():
                Notification.objects.create(
                    recipient=user, message=message[:300], link=link, level=level, dedupe_key=dedupe_key
                )
                created += 1
        except IntegrityError:
            continue
    return created


def users_with_role(*roles: str):
    """Active users holding any of the roles."""
    return get_user_model().objects.filter(is_active=True, groups__name__in=roles).distinct()
