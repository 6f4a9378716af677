"""Exactly one Celery beat: the scheduler holds a lock for as long as it runs.

On PostgreSQL the lock is a session-level advisory lock on a connection of its own: it is released by
the server the moment the beat process or its machine dies, so a standby beat started elsewhere takes
over without manual cleanup. On SQLite (development) a file lock on var/beat.lock does the same on one
machine. A second beat either waits as a standby (BEAT_LOCK_WAIT=True, the default) or exits.

Configured in settings: CELERY_BEAT_SCHEDULER = "aftersales.security.beat:LockedDatabaseScheduler".
"""

from __future__ import annotations

import logging
import time
import zlib

from django.conf import settings
from django.db import connections
from django_celery_beat.schedulers import DatabaseScheduler
from psycopg2 import DatabaseError

logger = logging.getLogger(__name__)

LOCK_NAME = "aftersales-celery-beat"
# pg_advisory_lock takes a bigint; derive a stable one from the name.
LOCK_KEY = zlib.crc32(LOCK_NAME.encode())
CHECK_EVERY_SECONDS = 30


class BeatLockHeld(SystemExit):
    """Another beat holds the lock and we were told not to wait."""


class BeatLock:
    """A process-wide exclusive lock for the beat (PostgreSQL advisory lock or a file lock)."""

    def __init__(self, alias: str = "default"):
        self.alias = alias
        self._pg = None
        self._file = None

    @property
    def vendor(self) -> str:
        return connections[self.alias].vendor

    def try_acquire(self) -> bool:
        """Take the lock if free; True when this process holds it."""
        if self.vendor == "postgresql":
            if self._pg is None:
                wrapper = connections[self.alias]
                # A dedicated connection Django never closes or recycles (the lock lives as long as it).
                self._pg = wrapper.get_new_connection(wrapper.get_connection_params())
                self._pg.autocommit = True
            with self._pg.cursor() as cursor:
                cursor.execute("SELECT pg_try_advisory_lock(%s)", [LOCK_KEY])
                return bool(cursor.fetchone()[0])
        import fcntl

        path = settings.VAR_DIR / "beat.lock" if hasattr(settings, "VAR_DIR") else settings.BASE_DIR / "beat.lock"
        path.parent.mkdir(parents=True, exist_ok=True)
        if self._file is None:
            self._file = open(path, "a+")  # noqa: SIM115 - held open for the life of the process
        try:
            fcntl.flock(self._file.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True

    def still_held(self) -> bool:
        """False when the lock's connection was lost (the server may have handed the lock to another beat)."""
        if self._pg is None:
            return self._file is not None
        try:
            with self._pg.cursor() as cursor:
                cursor.execute(
                    "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND objid = %s AND pid = pg_backend_pid()",
                    [LOCK_KEY & 0xFFFFFFFF],
                )
                return cursor.fetchone()[0] > 0
        except DatabaseError:  # the lock's own connection is gone (psycopg2's errors are DB-API errors)
            return False

    def release(self) -> None:
        if self._pg is not None:
            try:
                self._pg.close()  # closing the session releases the advisory lock
            finally:
                self._pg = None
        if self._file is not None:
            self._file.close()
            self._file = None


def acquire_or_wait(lock: BeatLock, *, wait: bool, poll_seconds: float = 5.0) -> None:
    """Block until the lock is ours (standby beat), or raise BeatLockHeld when not waiting."""
    announced = False
    while not lock.try_acquire():
        if not wait:
            raise BeatLockHeld("another celery beat is running (lock held); not starting a second one")
        if not announced:
            logger.warning("another celery beat holds the lock; waiting as a standby")
            announced = True
        time.sleep(poll_seconds)
    logger.info("celery beat lock acquired (%s)", lock.vendor)


# One lock per process: celery beat also builds a "lazy" scheduler just to print its start-up banner.
_process_lock: BeatLock | None = None


class LockedDatabaseScheduler(DatabaseScheduler):
    """django-celery-beat's DatabaseScheduler that only runs while it holds the single-beat lock."""

    def __init__(self, *args, **kwargs):
        global _process_lock
        if not kwargs.get("lazy"):
            if _process_lock is None:
                lock = BeatLock()
                acquire_or_wait(lock, wait=settings.BEAT_LOCK_WAIT)
                _process_lock = lock
        self._lock_checked_at = time.monotonic()
        super().__init__(*args, **kwargs)

    def tick(self, *args, **kwargs):
        if _process_lock is not None and time.monotonic() - self._lock_checked_at > CHECK_EVERY_SECONDS:
            self._lock_checked_at = time.monotonic()
            if not _process_lock.still_held():
                # Lost the database session (e.g. PostgreSQL restarted): another beat may own the lock now.
                # Stop; the process supervisor restarts us and we queue for the lock again.
                logger.error("celery beat lost its lock; stopping so that only one beat runs")
                raise SystemExit(3)
        return super().tick(*args, **kwargs)

    def close(self):
        global _process_lock
        try:
            super().close()
        finally:
            if _process_lock is not None:
                _process_lock.release()
                _process_lock = None
