"""Per-address rate limits for public pages (online inquiry form, surveys, webhooks) and sign-in.

Usage::

    from aftersales.security.ratelimit import ratelimit

    @ratelimit("online_inquiry", rate="10/m", methods=("POST",))
    def inquiry_online(request): ...

Counters live in the cache (Redis in production, shared by every web process) in fixed windows.
When the cache is unavailable the limit is not enforced (the page keeps working).
Over the limit the client gets 429 with the "try again later" page and a Retry-After header.
"""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Callable, Iterable

from django.conf import settings
from django.core.cache import cache
from django.template.loader import render_to_string

from aftersales.security.client_address import client_ip

logger = logging.getLogger(__name__)

PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_rate(rate: str) -> tuple[int, int]:
    """'10/m' -> (10, 60); '100/5m' -> (100, 300)."""
    count, _slash, period = rate.partition("/")
    period = period.strip() or "m"
    multiplier = int(period[:-1]) if len(period) > 1 else 1
    return int(count), multiplier * PERIODS[period[-1]]


def hit(scope: str, key: str, rate: str) -> tuple[bool, int]:
    """Count one request of `key` in `scope`; returns (allowed, seconds until the window resets)."""
    limit, window = parse_rate(rate)
    now = int(time.time())
    window_start = now - now % window
    retry_after = window_start + window - now
    cache_key = f"rl:{scope}:{key}:{window_start}"
    try:
        cache.add(cache_key, 0, timeout=window + 1)
        count = cache.incr(cache_key)
    except ValueError:  # the key vanished between add and incr (eviction, outage): count this one
        count = 1
    except Exception:  # noqa: BLE001 — the cache is down (any backend's error): do not block the public
        logger.warning("rate limit cache unavailable for scope %s", scope)
        return True, 0
    if count is None:  # a resilient cache swallowed an outage
        return True, 0
    return count <= limit, retry_after


def too_many_requests_response(request, retry_after: int):
    """The 429 'try again later' page."""
    from django.http import HttpResponse

    html = render_to_string(
        "429.html", {"retry_after": retry_after, "retry_minutes": max(1, (retry_after + 59) // 60)}, request=None
    )
    response = HttpResponse(html, status=429)
    response["Retry-After"] = str(max(1, retry_after))
    return response


def ratelimit(
    scope: str,
    *,
    rate: str | Callable[[], str] = "20/m",
    methods: Iterable[str] | None = None,
    key: Callable | None = None,
) -> Callable:
    """View decorator: at most `rate` requests per client address (or `key(request)`) to this view.

    `rate` may be a callable returning the rate (to read a setting at request time).
    `methods`: only these methods count (e.g. ("POST",) to let people read the form but limit submissions).
    Turned off entirely by settings.RATELIMIT_ENABLED = False (the test settings do this).
    """
    counted = {m.upper() for m in methods} if methods else None

    def decorator(view):
        @functools.wraps(view)
        def wrapped(request, *args, **kwargs):
            if settings.RATELIMIT_ENABLED and (counted is None or request.method in counted):
                who = key(request) if key else (client_ip(request) or "unknown")
                allowed, retry_after = hit(scope, str(who), rate() if callable(rate) else rate)
                if not allowed:
                    logger.warning("rate limit reached for scope %s", scope)
                    return too_many_requests_response(request, retry_after)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
