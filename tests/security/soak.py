"""The soak test's task and producer (tests/security/test_soak.py).

`soak_record` inserts its id into the table `soak_receipt` (no unique constraint, so a task delivered
twice shows up as two rows). Run as a producer:

    python -m tests.security.soak NAME SECONDS INTERVAL OUTFILE

publishes `NAME-0`, `NAME-1`, ... every INTERVAL seconds for SECONDS seconds and appends each id that
was published to OUTFILE (an id whose publish failed is written to OUTFILE.failed instead).
"""

from __future__ import annotations

import os
import sys
import time

from celery import shared_task
from django.db import connection

RECEIPT_TABLE_SQL = "CREATE TABLE soak_receipt (task_id TEXT NOT NULL, worker_pid INTEGER NOT NULL)"


@shared_task(name="soak.record")
def soak_record(task_id: str) -> None:
    """Record that `task_id` ran (once per delivery)."""
    with connection.cursor() as cursor:
        cursor.execute("INSERT INTO soak_receipt (task_id, worker_pid) VALUES (%s, %s)", [task_id, os.getpid()])


def produce(name: str, seconds: float, interval: float, outfile: str) -> int:
    """Publish soak_record tasks at a steady pace; return how many were published."""
    sent = 0
    deadline = time.monotonic() + seconds
    next_at = time.monotonic()
    with open(outfile, "a") as out, open(outfile + ".failed", "a") as failed:
        while time.monotonic() < deadline:
            task_id = f"{name}-{sent}"
            result = soak_record.apply_async(args=[task_id])  # ResilientTask: None when the broker refused
            (out if result is not None else failed).write(task_id + "\n")
            out.flush()
            failed.flush()
            sent += 1
            next_at += interval
            time.sleep(max(0.0, next_at - time.monotonic()))
    return sent


if __name__ == "__main__":
    import django

    django.setup()
    produce(sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), sys.argv[4])
