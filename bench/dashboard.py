#!/usr/bin/env python
"""Server time of the manager KPI dashboard for one month, on the database in DATABASE_URL.

    createdb h_staff_bench   # then, once:
    DJANGO_DEBUG=1 DATABASE_URL=postgres://postgres@127.0.0.1:5432/h_staff_bench .venv/bin/python manage.py migrate
    DJANGO_DEBUG=1 DATABASE_URL=postgres://postgres@127.0.0.1:5432/h_staff_bench .venv/bin/python manage.py seed_demo --customers 100000
    DJANGO_DEBUG=1 DATABASE_URL=postgres://postgres@127.0.0.1:5432/h_staff_bench .venv/bin/python bench/dashboard.py [--month 2026-11] [--runs 15]

The daily roll-ups must exist (the demo seed and the beat task keep them):
    DJANGO_DEBUG=1 DATABASE_URL=... .venv/bin/python -c "import django,os; os.environ.setdefault('DJANGO_SETTINGS_MODULE',
        'aftersales.settings'); django.setup(); from staff import rollup; rollup.rollup_rebuild()"

Prints the data size, the query count and the server time (the whole request through Django's handler, as a
signed-in manager; no network, no browser) — median, p90 and best of the runs after one warm-up. Target: < 200 ms.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aftersales.settings")
os.environ.setdefault("DJANGO_DEBUG", "1")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--month", help="YYYY-MM (default: the current month)")
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--user", default="manager")
    args = parser.parse_args()

    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.urls import reverse
    from django.utils import timezone

    from complaints.models import Complaint
    from customers.models import Customer
    from inquiries.models import Inquiry
    from reminders.models import Reminder

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    settings.TWO_FACTOR_REQUIRED = False  # the bench measures the page, not the sign-in
    month = args.month or timezone.localdate().strftime("%Y-%m")
    params = {"period": "month", "date": f"{month}-01"}

    print(f"database: {connection.vendor} {connection.settings_dict['NAME']}")
    print(
        f"data: customers={Customer.objects.count()} inquiries={Inquiry.objects.count()} complaints={Complaint.objects.count()} reminders={Reminder.objects.count()}"
    )
    start = f"{month}-01"
    in_month = Inquiry.objects.filter(received_at__date__gte=start, received_at__date__lt=_next_month(month)).count()
    from staff.models import KpiRollupDay

    rolled = KpiRollupDay.objects.filter(day__gte=start, day__lt=_next_month(month)).count()
    print(f"inquiries received in {month}: {in_month}; days rolled up: {rolled} (run staff.tasks.kpi_rollup_rebuild)")

    user = get_user_model().objects.get(username=args.user)
    client = Client()
    client.force_login(user)
    url = reverse("staff:dashboard")

    response = client.get(url, params)  # warm-up
    if response.status_code != 200:
        raise SystemExit(f"dashboard answered {response.status_code}")
    executed = []

    def count(execute, sql, params, many, context):
        executed.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        client.get(url, params)
    timings = []
    for _ in range(args.runs):
        t0 = time.perf_counter()
        response = client.get(url, params)
        timings.append((time.perf_counter() - t0) * 1000)
        assert response.status_code == 200
    timings.sort()
    p90 = timings[min(len(timings) - 1, int(round(0.9 * (len(timings) - 1))))]
    print(f"queries per request: {len(executed)}")
    print(
        f"dashboard {month} as {args.user}: median {statistics.median(timings):.0f} ms, p90 {p90:.0f} ms, "
        f"best {timings[0]:.0f} ms over {args.runs} runs (target < 200 ms)"
    )


def _next_month(month: str) -> str:
    year, mon = (int(x) for x in month.split("-"))
    return f"{year + (mon == 12)}-{(mon % 12) + 1:02d}-01"


if __name__ == "__main__":
    main()
