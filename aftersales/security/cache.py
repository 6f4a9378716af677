"""A Redis cache that degrades to cache misses when Redis is down, instead of failing the request.

Django's RedisCache raises redis.exceptions.ConnectionError for every call while Redis is unreachable,
which would turn each page using the cache (rate limits, counters) into a 500. Here reads return the
default, writes report failure, and an outage is logged at most once a minute per process. Short socket
timeouts (OPTIONS in settings) keep a dead Redis from stalling requests.
"""

from __future__ import annotations

import functools
import logging
import time

from django.core.cache.backends.redis import RedisCache

logger = logging.getLogger(__name__)

_last_warning = 0.0


def _warn(operation: str, exc: Exception) -> None:
    global _last_warning
    now = time.monotonic()
    if now - _last_warning > 60:
        _last_warning = now
        logger.warning("cache unavailable (%s: %s); serving without it", operation, exc.__class__.__name__)


def _redis_errors() -> tuple[type[BaseException], ...]:
    import redis

    return (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError, OSError)


def _resilient(default_factory):
    def decorator(method):
        @functools.wraps(method)
        def wrapped(self, *args, **kwargs):
            try:
                return method(self, *args, **kwargs)
            except _redis_errors() as exc:
                _warn(method.__name__, exc)
                return default_factory(*args, **kwargs)

        return wrapped

    return decorator


def _get_default(key, default=None, version=None):
    return default


class ResilientRedisCache(RedisCache):
    """RedisCache that never raises on a Redis outage."""

    get = _resilient(_get_default)(RedisCache.get)
    set = _resilient(lambda *a, **k: False)(RedisCache.set)
    add = _resilient(lambda *a, **k: False)(RedisCache.add)
    touch = _resilient(lambda *a, **k: False)(RedisCache.touch)
    delete = _resilient(lambda *a, **k: False)(RedisCache.delete)
    has_key = _resilient(lambda *a, **k: False)(RedisCache.has_key)
    get_many = _resilient(lambda *a, **k: {})(RedisCache.get_many)
    set_many = _resilient(lambda keys, *a, **k: list(keys))(RedisCache.set_many)
    delete_many = _resilient(lambda *a, **k: None)(RedisCache.delete_many)
    clear = _resilient(lambda *a, **k: False)(RedisCache.clear)
    # incr/decr answer None on an outage (callers such as the rate limiter treat None as "unknown").
    incr = _resilient(lambda *a, **k: None)(RedisCache.incr)
    decr = _resilient(lambda *a, **k: None)(RedisCache.decr)

    def get_or_set(self, key, default, timeout=None, version=None):
        value = self.get(key, version=version)
        if value is None:
            value = default() if callable(default) else default
            if value is not None:
                self.add(key, value, timeout=timeout, version=version)
        return value
