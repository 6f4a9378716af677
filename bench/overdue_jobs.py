"""Benchmark: the daily overdue run (mark overdue, late fees, penalty interest, DPD/buckets) at demo scale.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/h_loans .venv/bin/python bench/overdue_jobs.py --customers 100000

Seeds demo customers and loans first when fewer exist (timed separately), then runs the job for today, again for
today (must change nothing), and for tomorrow. Target: each run under 60 s on PostgreSQL.
"""

from __future__ import annotations

import argparse
import io
import os
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aftersales.settings")
os.environ.setdefault("DJANGO_DEBUG", "1")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402

from aftersales.demo import DemoContext  # noqa: E402


class Echo(io.StringIO):
    def write(self, text):
        sys.stdout.write(text)
        return len(text)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--customers", type=int, default=100_000)
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    from customers import demo as customers_demo
    from loans import demo as loans_demo
    from loans import jobs
    from loans.models import Installment, Loan

    ctx = DemoContext(customers=args.customers, stdout=Echo())
    started = time.monotonic()
    customers_demo.seed(ctx)
    seeded_customers = time.monotonic() - started
    started = time.monotonic()
    loans_demo.seed(ctx)
    seeded_loans = time.monotonic() - started
    print(f"seed: customers {seeded_customers:.1f}s, loans {seeded_loans:.1f}s")
    print(f"data: {Loan.objects.count()} loans, {Installment.objects.count()} installments ({connection.vendor})")
    today = timezone.localdate()
    limit = 60.0
    results = []
    for label, day in [("today", today), ("today again", today), ("tomorrow", today + timedelta(days=1))]:
        started = time.monotonic()
        run = jobs.overdue_run(day)
        elapsed = time.monotonic() - started
        results.append(elapsed)
        print(
            f"overdue run {label} ({day}): {elapsed:.2f}s — {run.marked_overdue} marked overdue, {run.late_fees} late fees, "
            f"{run.penalties} penalty accruals, {run.loans_updated} loans re-bucketed; steps {run.seconds}"
        )
    print(f"slowest run {max(results):.2f}s (limit {limit:.0f}s): {'OK' if max(results) < limit else 'TOO SLOW'}")
    # Leave the data as of today: tomorrow's accrual is undone by re-running from a copy is not possible, so the
    # benchmark database is a throwaway (use your own DATABASE_URL).


if __name__ == "__main__":
    main()
