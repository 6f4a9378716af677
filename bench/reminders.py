#!/usr/bin/env python
"""Benchmark the reminders pipeline on PostgreSQL: plan 100,000 reminders, then send with one real worker.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/h_reminders .venv/bin/python bench/reminders.py [--plan 100000] [--send 3000]

Planning must take under 30 s (set-based INSERT … SELECT). Sending goes through one Celery worker process
(prefork, -c 4) on a dedicated Redis (port 6391) against the fake Twilio server, real SDK; it must reach
100 messages per second.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from datetime import time as dtime
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_DEBUG", "1")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aftersales.settings")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--plan", type=int, default=100_000)
    parser.add_argument("--send", type=int, default=3000)
    parser.add_argument("--concurrency", type=int, default=4)
    args = parser.parse_args()

    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    if connection.vendor != "postgresql":
        sys.exit("run on PostgreSQL: DATABASE_URL=postgres://postgres@127.0.0.1:5432/h_reminders")
    call_command("migrate", verbosity=0)
    settings.REMINDER_QUIET_START = settings.REMINDER_QUIET_END = "00:00"  # measure at any hour

    from customers.models import Customer
    from reminders import planning
    from reminders.models import Reminder
    from tests.fakes.twilio_server import FakeTwilio
    from tests.reminders import workerproc
    from tests.reminders.factories import bulk_installments, make_policy, make_product

    run = f"bench-{int(time.time())}"
    product = make_product(make_policy(steps=[(-3, "sms")], send_time=dtime(0, 0), name=run), code=run)
    start = Customer.objects.count() + 1
    t0 = time.perf_counter()
    due = timezone.localdate() + timedelta(days=3)
    for offset in range(0, args.plan, 10_000):
        bulk_installments(min(10_000, args.plan - offset), product=product, due_date=due, start=start + offset)
    print(f"data: {args.plan:,} customers, loans and installments in {time.perf_counter() - t0:.1f} s")
    with connection.cursor() as cursor:  # what autovacuum does after a bulk load: fresh statistics
        cursor.execute("ANALYZE")

    t0 = time.perf_counter()
    planned = planning.reminders_plan()
    plan_seconds = time.perf_counter() - t0
    print(f"planning: {planned:,} reminders in {plan_seconds:.2f} s ({planned / plan_seconds:,.0f}/s)")
    t0 = time.perf_counter()
    again = planning.reminders_plan()
    print(f"planning again: {again} new rows in {time.perf_counter() - t0:.2f} s (idempotent)")

    # Sending: leave only `--send` of this run's reminders due, hand them to one worker.
    mine = Reminder.objects.filter(step__policy=product.reminder_policy)
    keep = list(mine.order_by("id").values_list("id", flat=True)[: args.send])
    mine.exclude(id__in=keep).update(status=Reminder.Status.SKIPPED, skip_reason="cap")
    fake = FakeTwilio().start()
    redis = workerproc.start_redis()
    broker = f"redis://127.0.0.1:{workerproc.REDIS_PORT}/0"
    db_url = os.environ["DATABASE_URL"]
    log = Path(tempfile.gettempdir()) / "bench-reminders-worker.log"
    worker = workerproc.start_worker(
        database_url=db_url, broker_url=broker, fake=fake, concurrency=args.concurrency, log=log
    )
    try:
        time.sleep(4)  # worker start-up is not part of the throughput
        t0 = time.perf_counter()
        planning.reminders_dispatch(enqueue=workerproc.redis_enqueue(broker), limit=args.send)
        while len(fake.messages) < len(keep) and time.perf_counter() - t0 < 300:
            time.sleep(0.05)
        seconds = time.perf_counter() - t0
        done = Reminder.objects.filter(id__in=keep, status="sent").count()
    finally:
        workerproc.stop_worker(worker)
        fake.stop()
        if redis is not None:
            redis.terminate()
    print(
        f"sending: {len(fake.messages):,} SMS through one worker (-c {args.concurrency}) in {seconds:.1f} s "
        f"= {len(fake.messages) / seconds:,.0f} messages/s; {done:,} reminders marked sent; "
        f"duplicates at the provider: {len(fake.messages) - len({m['To'] for m in fake.messages})}"
    )
    ok = plan_seconds < 30 and len(fake.messages) / seconds >= 100
    print("PASS" if ok else "FAIL: planning must take < 30 s and sending reach 100 messages/s")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
