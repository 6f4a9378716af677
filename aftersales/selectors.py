"""Reads of the shared package: health of the background components."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.utils import timezone

from aftersales.models import Heartbeat


@dataclass
class ComponentHealth:
    name: str
    last_seen: datetime | None
    healthy: bool


def background_health() -> list[ComponentHealth]:
    """Worker and beat health from their heartbeats (silent longer than HEARTBEAT_STALE_SECONDS = unhealthy)."""
    seen = dict(Heartbeat.objects.values_list("name", "last_seen"))
    now = timezone.now()
    result = []
    for name in ("worker", "beat"):
        last = seen.get(name)
        healthy = last is not None and (now - last).total_seconds() <= settings.HEARTBEAT_STALE_SECONDS
        result.append(ComponentHealth(name=name, last_seen=last, healthy=healthy))
    return result
