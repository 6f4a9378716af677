#!/usr/bin/env python
"""Server time and queries of every main page of every role, in-process, on the database in DATABASE_URL.

    DJANGO_DEBUG=1 DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_full .venv/bin/python bench/pages.py [--runs 20]
        [--only loans]   # pages whose name contains the text

Each page is requested through Django's handler by a signed-in user of the role that works there (Django's test
Client with force_login: no network, no browser), once to warm up, then --runs times. Detail pages use the worst
case the database holds: the loan with the most installment rows, the customer with the most loans, the inquiry
with the most messages, the complaint of the customer with the most complaints. Prints per page the median, p90
and max in milliseconds and the queries of one request (CaptureQueriesContext), then a summary line.
Target for every loans page: median < 100 ms.
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

LOANS_TARGET_MS = 100.0


def _worst_cases() -> dict[str, int | str | None]:
    """Primary keys of the detail pages' worst cases (the objects with the most rows behind them)."""
    from django.db.models import Count

    from complaints.models import Complaint
    from customers.models import Customer
    from inquiries.models import Inquiry, InquiryMessage
    from loans.models import Installment, Loan

    def top(queryset, key):
        row = queryset.values(key).annotate(n=Count("id")).order_by("-n", key).first()
        return row[key] if row else None

    customer_id = top(Loan.objects.all(), "customer_id")
    complaint_customer = top(Complaint.objects.filter(customer__isnull=False), "customer_id")
    complaint = Complaint.objects.filter(customer_id=complaint_customer).order_by("-id").first()
    customer = Customer.objects.filter(pk=customer_id).only("name").first()
    return {
        "loan": top(Installment.objects.all(), "loan_id"),
        "customer": customer_id,
        "search": customer.name if customer else "",
        "inquiry": top(InquiryMessage.objects.all(), "inquiry_id")
        or Inquiry.objects.values_list("pk", flat=True).first(),
        "complaint": complaint.pk if complaint else Complaint.objects.values_list("pk", flat=True).first(),
    }


def _pages(objects) -> list[tuple[str, str, str, dict]]:
    """(page name, username, URL, query parameters) for every main page."""
    from django.urls import reverse

    pages = [
        ("inquiries: queue", "agent", reverse("inquiries:queue"), {}),
        ("inquiries: inquiry page", "agent", reverse("inquiries:detail", args=[objects["inquiry"]]), {}),
        ("inquiries: SLA watch", "supervisor", reverse("inquiries:supervisor"), {}),
        ("inquiries: finance queue", "finance", reverse("inquiries:department_queue", args=["finance"]), {}),
        (
            "inquiries: risk queue, past the deadline",
            "risk",
            reverse("inquiries:department_queue", args=["risk"]),
            {"state": "breached"},
        ),
        ("customers: list", "agent", reverse("customers:list"), {}),
        ("customers: search", "agent", reverse("customers:list"), {"q": objects["search"]}),
        ("customers: 360", "agent", reverse("customers:detail", args=[objects["customer"]]), {}),
        ("loans: list", "agent", reverse("loans:list"), {}),
        ("loans: list, M3+ filter", "risk", reverse("loans:list"), {"bucket": "M3+"}),
        ("loans: loan page", "agent", reverse("loans:detail", args=[objects["loan"]]), {}),
        ("loans: review queue", "risk", reverse("loans:review_queue"), {}),
        (
            "loans: review queue, overdue, by next due",
            "risk",
            reverse("loans:review_queue"),
            {"trigger": "overdue", "sort": "next_due"},
        ),
        ("loans: review queue, page 100", "risk", reverse("loans:review_queue"), {"page": 100}),
        ("loans: review form", "risk", reverse("loans:review_new", args=[objects["loan"]]), {}),
        ("loans: revenue", "manager", reverse("loans:revenue_report"), {}),
        ("loans: reconciliation", "manager", reverse("loans:reconciliation"), {}),
        ("complaints: list", "agent", reverse("complaints:list"), {}),
        ("complaints: complaint page", "agent", reverse("complaints:detail", args=[objects["complaint"]]), {}),
        ("staff: manager KPI dashboard", "manager", reverse("staff:dashboard"), {}),
        ("staff: my KPIs", "agent", reverse("staff:my_kpis"), {}),
        ("reminders: dashboard", "supervisor", reverse("reminders:dashboard"), {}),
        ("audit log", "manager", reverse("audit_log"), {}),
    ]
    return pages


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--only", default="", help="only pages whose name contains this text")
    args = parser.parse_args()

    import django

    django.setup()
    import logging

    logging.getLogger("axes").setLevel(logging.WARNING)  # one sign-in line per page would drown the table
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.db import connection, reset_queries
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from customers.models import Customer
    from inquiries.models import Inquiry
    from loans.models import Installment, Loan

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    settings.TWO_FACTOR_REQUIRED = False  # the bench measures the pages, not the sign-in
    print(f"database: {connection.vendor} {connection.settings_dict['NAME']}")
    print(
        f"data: customers={Customer.objects.count()} loans={Loan.objects.count()} "
        f"installments={Installment.objects.count()} inquiries={Inquiry.objects.count()}"
    )
    objects = _worst_cases()
    print("worst cases: " + ", ".join(f"{k}={v}" for k, v in objects.items() if k != "search"))
    users = {
        u.username: u
        for u in get_user_model().objects.filter(username__in=["agent", "supervisor", "manager", "risk", "finance"])
    }
    clients: dict[str, Client] = {}
    results = []
    header = f"{'page':<44} {'user':<10} {'median':>8} {'p90':>8} {'max':>8} {'queries':>8}"
    print(header)
    print("-" * len(header))
    for name, username, url, params in _pages(objects):
        if args.only and args.only not in name:
            continue
        if username not in clients:
            clients[username] = Client()
            clients[username].force_login(users[username])
        client = clients[username]
        response = client.get(url, params)  # warm-up (caches, connections, templates)
        if response.status_code != 200:
            print(f"{name:<44} {username:<10} answered {response.status_code}")
            continue
        reset_queries()  # each request resets the log (request_started); start the capture from empty
        with CaptureQueriesContext(connection) as captured:
            client.get(url, params)
        timings = []
        for _ in range(args.runs):
            started = time.perf_counter()
            response = client.get(url, params)
            timings.append((time.perf_counter() - started) * 1000)
        median = statistics.median(timings)
        results.append((name, median))
        print(
            f"{name:<44} {username:<10} {median:>6.1f}ms {_percentile(timings, 0.9):>6.1f}ms "
            f"{max(timings):>6.1f}ms {len(captured.captured_queries):>8}"
        )
    loans = [(name, median) for name, median in results if name.startswith("loans:")]
    slow = [name for name, median in loans if median >= LOANS_TARGET_MS]
    print("-" * len(header))
    print(
        f"{len(results)} pages, {args.runs} runs each; slowest {max(results, key=lambda r: r[1])[0] if results else '-'}; "
        f"loans pages under {LOANS_TARGET_MS:.0f} ms median: {len(loans) - len(slow)}/{len(loans)}"
        + (f" (over: {', '.join(slow)})" if slow else "")
    )


if __name__ == "__main__":
    main()
