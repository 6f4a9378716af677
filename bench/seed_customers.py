#!/usr/bin/env python
"""Seed N demo customers into the configured database and print how long it took.

    createdb -h 127.0.0.1 -U postgres h_customers_bench
    export DJANGO_DEBUG=1 DATABASE_URL=postgres://postgres@127.0.0.1:5432/h_customers_bench
    .venv/bin/python manage.py migrate
    .venv/bin/python bench/seed_customers.py 100000 [--reset]

--reset empties the customer tables first (TRUNCATE ... CASCADE on PostgreSQL: use a bench database).
"""

from __future__ import annotations

import argparse
import io
import os
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aftersales.settings")
os.environ.setdefault("DJANGO_DEBUG", "1")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("customers", type=int, nargs="?", default=100_000)
    parser.add_argument("--reset", action="store_true", help="empty the customer tables first")
    args = parser.parse_args()

    import django

    django.setup()
    from django.db import connection

    from aftersales.demo import DemoContext
    from customers import demo
    from customers.models import ConsentRecord, Customer

    if args.reset:
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("TRUNCATE customers_consentrecord, customers_customer RESTART IDENTITY CASCADE")
        else:
            ConsentRecord.objects.all().delete()
            Customer.objects.all().delete()
    existing = Customer.objects.count()
    if existing:
        sys.exit(f"{existing} customers already in {connection.settings_dict['NAME']}: use a fresh database or --reset")

    ctx = DemoContext(customers=args.customers, stdout=io.StringIO())
    before = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu_before = sum(r.ru_utime + r.ru_stime for r in before)
    started = time.monotonic()
    demo.seed(ctx)
    elapsed = time.monotonic() - started
    count = Customer.objects.count()
    phases = ", ".join(f"{name} {seconds:.1f}s" for name, seconds in ctx.extra["customers_timings"].items())
    own = resource.getrusage(resource.RUSAGE_SELF)
    pool = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = own.ru_utime + own.ru_stime + pool.ru_utime + pool.ru_stime - cpu_before
    print(ctx.stdout.getvalue().strip())
    print(
        f"{count} customers on {connection.vendor} ({connection.settings_dict['NAME']}) in {elapsed:.1f}s "
        f"({count / elapsed:,.0f}/s; {phases}; {os.cpu_count()} CPUs)"
    )
    print(f"Python CPU time {cpu:.1f}s (main process and encryption pool); load average {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
