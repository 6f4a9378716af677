"""Writes of the shared package: heartbeats and role permissions."""

from __future__ import annotations

from django.contrib.auth.models import Group, Permission
from django.core.cache import cache
from django.utils import timezone

from aftersales.models import Heartbeat
from aftersales.permissions import (
    BACK_OFFICE,
    BACK_OFFICE_ADMIN_MODELS,
    BACK_OFFICE_VIEW_MODELS,
    ROLE_PERMISSIONS,
    ROLES,
)
from aftersales.selectors import HEARTBEATS_CACHE_KEY


def heartbeat_record(*, name: str) -> None:
    """Record that a background component is alive now."""
    Heartbeat.objects.update_or_create(name=name, defaults={"last_seen": timezone.now()})
    cache.delete(HEARTBEATS_CACHE_KEY)


def sync_role_permissions() -> None:
    """Create the role groups and give each the permissions of ROLE_PERMISSIONS that exist."""
    wanted: dict[str, set[tuple[str, str]]] = {}
    for role in ROLES:
        wanted[role] = {tuple(p.split(".", 1)) for p in ROLE_PERMISSIONS.get(role, [])}
    perms = Permission.objects.select_related("content_type")
    by_key = {(p.content_type.app_label, p.codename): p for p in perms}
    for label in BACK_OFFICE_ADMIN_MODELS:
        app_label, model = label.split(".")
        for action in ("add", "change", "delete", "view"):
            wanted[BACK_OFFICE].add((app_label, f"{action}_{model}"))
    for label in BACK_OFFICE_VIEW_MODELS:
        app_label, model = label.split(".")
        wanted[BACK_OFFICE].add((app_label, f"view_{model}"))
    for role in ROLES:
        group, _ = Group.objects.get_or_create(name=role)
        group.permissions.add(*[by_key[k] for k in wanted[role] if k in by_key])
