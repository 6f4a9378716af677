"""Reads of the shared package: health of the background components."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from aftersales.models import Heartbeat


@dataclass
class ComponentHealth:
    name: str
    last_seen: datetime | None
    healthy: bool


HEARTBEATS_CACHE_KEY = "portal:heartbeats"
LAYOUT_CACHE_SECONDS = 10  # heartbeats and open incidents shown by every page's banners


def background_health(*, cached: bool = False) -> list[ComponentHealth]:
    """Worker and beat health from their heartbeats (silent longer than HEARTBEAT_STALE_SECONDS = unhealthy).

    cached=True (every page's banner) reads heartbeats at most every LAYOUT_CACHE_SECONDS; the status page
    reads them fresh.
    """
    seen = cache.get(HEARTBEATS_CACHE_KEY) if cached else None
    if seen is None:
        seen = dict(Heartbeat.objects.values_list("name", "last_seen"))
        cache.set(HEARTBEATS_CACHE_KEY, seen, LAYOUT_CACHE_SECONDS)
    now = timezone.now()
    result = []
    for name in ("worker", "beat"):
        last = seen.get(name)
        healthy = last is not None and (now - last).total_seconds() <= settings.HEARTBEAT_STALE_SECONDS
        result.append(ComponentHealth(name=name, last_seen=last, healthy=healthy))
    return result
