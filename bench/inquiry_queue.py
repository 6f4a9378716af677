#!/usr/bin/env python
"""Server time of the agents' inquiry queue at 300,000 inquiries on PostgreSQL.

    createdb -h 127.0.0.1 -U postgres h_inquiries
    export DJANGO_DEBUG=1 DATABASE_URL=postgres://postgres@127.0.0.1:5432/h_inquiries
    .venv/bin/python manage.py migrate
    .venv/bin/python bench/inquiry_queue.py --seed 100000     # staff, 100,000 customers, ~300,000 inquiries (once)
    .venv/bin/python bench/inquiry_queue.py [--runs 200]

Measures the whole request through Django's handler as a signed-in agent (middleware, the queue queries,
template rendering; no network, no browser): the full page, the htmx refresh the page polls every 5 seconds,
the filtered views, the search box (#15), the supervisor's SLA watch and the inquiry page with the agent's side panel
(its worst case: the inquiry with the most messages). Prints median, p95 and best after warm-up, Python CPU time,
PostgreSQL time and the queries per request, and the query plan of the main query. Targets: median < 25 ms for the
queue page, < 50 ms for the SLA watch and the inquiry page (#15). On a loaded machine read the cpu and sql columns:
wall time then includes waiting for a CPU.
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aftersales.settings")
os.environ.setdefault("DJANGO_DEBUG", "1")


def seed(customers: int) -> None:
    """Only what the queue needs: staff, customers and inquiries (the other apps' demo data is not read here)."""
    from aftersales.demo import DemoContext, seed_staff
    from customers import demo as customers_demo
    from inquiries import demo as inquiries_demo

    ctx = DemoContext(customers=customers, stdout=sys.stdout)
    started = time.monotonic()
    seed_staff(ctx)
    customers_demo.seed(ctx)
    inquiries_demo.seed(ctx)
    print(f"seeded in {time.monotonic() - started:.1f}s")


def measure(client, url: str, params: dict, runs: int, headers: dict | None = None) -> tuple[list[float], list[float]]:
    """Wall-clock and CPU time (this process: Django and templates, not PostgreSQL) per request, in ms."""
    headers = headers or {}
    for _ in range(10):  # warm-up: connections, template and translation caches
        client.get(url, params, headers=headers)
    wall, cpu = [], []
    for _ in range(runs):
        started, started_cpu = time.perf_counter(), time.process_time()
        response = client.get(url, params, headers=headers)
        wall.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
        assert response.status_code == 200, response.status_code
    return wall, cpu


def sql_time(client, url: str, params: dict, headers: dict) -> float:
    """Milliseconds one request spends waiting on the database (summed over its queries)."""
    from django.db import connection

    spent = [0.0]

    def timed(execute, sql, params_, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params_, many, context)
        finally:
            spent[0] += (time.perf_counter() - started) * 1000

    with connection.execute_wrapper(timed):
        client.get(url, params, headers=headers)
    return spent[0]


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--seed", type=int, metavar="CUSTOMERS", help="seed this many customers (×3 inquiries) first")
    parser.add_argument("--user", default="agent")
    parser.add_argument("--supervisor", default="supervisor")
    args = parser.parse_args()

    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.db.models import Count
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from inquiries import selectors
    from inquiries.models import Inquiry

    if args.seed:
        seed(args.seed)

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    settings.TWO_FACTOR_REQUIRED = False  # the bench measures the page, not the sign-in
    settings.DEBUG = False  # no query log kept in memory, as in production
    user = get_user_model().objects.get(username=args.user)
    client = Client()
    client.force_login(user)
    url = reverse("inquiries:queue")

    total = Inquiry.objects.count()
    open_count = Inquiry.objects.filter(status__in=selectors.OPEN_STATUSES).count()
    print(f"database: {connection.vendor} {connection.settings_dict['NAME']}")
    print(
        f"data: inquiries={total:,} open={open_count:,} messages={Inquiry.messages.rel.related_model.objects.count():,}"
    )
    if connection.vendor != "postgresql":
        print("warning: the target is for PostgreSQL")

    with CaptureQueriesContext(connection) as cold:
        client.get(url)
    with CaptureQueriesContext(connection) as warm:
        client.get(url)
    print(
        f"queries per page: {len(warm.captured_queries)} "
        f"({len(cold.captured_queries)} on the first: session stamp and the shared caches filled)"
    )

    supervisor = Client()
    supervisor.force_login(get_user_model().objects.get(username=args.supervisor))
    # The inquiry page's worst case: the inquiry with the most messages whose customer has the most loans.
    busiest = (
        Inquiry.objects.filter(customer__isnull=False)
        .annotate(n=Count("messages"))
        .order_by("-n", "-id")
        .values_list("pk", "customer__customer_number", "reference")
        .first()
    )
    detail = reverse("inquiries:detail", args=[busiest[0]]) if busiest else url
    cases = [
        ("queue page (all open, first 25 rows)", url, {}, {}, client),
        ("htmx refresh (table only)", url, {}, {"HX-Request": "true"}, client),
        ("view=mine", url, {"view": "mine"}, {}, client),
        ("view=unassigned", url, {"view": "unassigned"}, {}, client),
        ("view=breached", url, {"view": "breached"}, {}, client),
        ("channel=sms&category=hardship", url, {"channel": "sms", "category": "hardship"}, {}, client),
        ("page 3", url, {"page": "3"}, {}, client),
        ("search: reference", url, {"q": busiest[2] if busiest else "INQ-000000-AAAAA"}, {}, client),
        ("search: customer number", url, {"q": busiest[1] if busiest else "C0"}, {}, client),
        ("search: mobile", url, {"q": "138 0000 0000"}, {}, client),
        ("search: name", url, {"q": "王晓"}, {}, client),
        ("SLA watch (supervisor)", reverse("inquiries:supervisor"), {}, {}, supervisor),
        ("inquiry page (most messages) + side panel", detail, {}, {}, client),
    ]
    load = os.getloadavg()[0]
    print(f"\nserver time after warm-up (ms); load average {load:.1f} on {os.cpu_count()} CPUs")
    print("wall = the whole request as a client waits for it; cpu = Python time in this process (excludes PostgreSQL);")
    print("sql = time spent in PostgreSQL (the queries' wall time)")
    print(f"{'case':44} {'runs':>5} {'median':>8} {'p95':>8} {'best':>8} {'cpu med':>8} {'sql med':>8} {'queries':>7}")
    for label, case_url, params, headers, case_client in cases:
        runs = args.runs if not params and not headers and case_url == url else max(50, args.runs // 4)
        wall, cpu = measure(case_client, case_url, params, runs, headers)
        with CaptureQueriesContext(connection) as captured:
            case_client.get(case_url, params, headers=headers)
        sql_ms = [sql_time(case_client, case_url, params, headers) for _ in range(min(runs, 20))]
        print(
            f"{label:44} {runs:5d} {statistics.median(wall):8.1f} {p95(wall):8.1f} {min(wall):8.1f} "
            f"{statistics.median(cpu):8.1f} {statistics.median(sql_ms):8.1f} {len(captured.captured_queries):7d}"
        )

    qs = selectors.queue_list(user=user).values_list("id", flat=True)[:25]
    sql, sql_params = qs.query.sql_with_params()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, sql_params)
            plan = io.StringIO()
            for (line,) in cursor.fetchall():
                plan.write(line + "\n")
        print("\nplan of the query choosing the first page:\n" + plan.getvalue())


if __name__ == "__main__":
    main()
