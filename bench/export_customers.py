#!/usr/bin/env python
"""Time and peak memory of the customer list export (XLSX, masked PII), on the database in DATABASE_URL.

    createdb h_doc   # then, once:
    DJANGO_DEBUG=1 DATABASE_URL=postgres://postgres@127.0.0.1:5432/h_doc .venv/bin/python manage.py migrate
    DJANGO_DEBUG=1 DATABASE_URL=postgres://postgres@127.0.0.1:5432/h_doc .venv/bin/python manage.py seed_demo --customers 100000
    DJANGO_DEBUG=1 DATABASE_URL=postgres://postgres@127.0.0.1:5432/h_doc .venv/bin/python bench/export_customers.py [--check]

The whole request goes through Django's handler as a signed-in agent (no network, no browser): the
filter form, the query (a server-side cursor on PostgreSQL, 2,000 rows a fetch), decrypting and masking each mobile
and ID number, openpyxl's write-only workbook in a temporary file, and reading the streamed response to the end.
The sign-in and everything else the run writes are rolled back at the end (the database is left as it was).
`--background` runs the export as the worker does (an ExportJob written in this process, then downloaded).
Prints the row count, the file size, the wall and CPU time (the database's time is in the wall time only), the process's peak resident memory (getrusage; the whole
Python process with Django loaded) and the growth of the peak over the baseline before the export. Targets for
100,000 customers: under 30 s and below 200 MB. `--check` opens the file afterwards and counts its rows.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aftersales.settings")
os.environ.setdefault("DJANGO_DEBUG", "1")


def peak_rss_mb() -> float:
    """The process's peak resident set size so far, in MB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--user", default="agent", help="a demo user with a staff role and no second factor to pass (default agent)"
    )
    parser.add_argument("--query", default="", help="a query string for the list's filters, e.g. language=en")
    parser.add_argument("--check", action="store_true", help="count the rows of the file afterwards")
    parser.add_argument(
        "--background",
        action="store_true",
        help="export as the worker does (an ExportJob run in this process) instead of during the request",
    )
    args = parser.parse_args()

    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.db import connection, transaction
    from django.test import Client

    settings.ALLOWED_HOSTS = ["*"]
    # Nothing is kept: the sign-in, the session and any export job are rolled back at the end, so the script may
    # run against a shared benchmark database. Without --background the file is written during the request
    # (the threshold raised above any row count), which is also what the worker does for a long list.
    settings.EXPORT_BACKGROUND_ROWS = 0 if args.background else 10**12
    with transaction.atomic():
        _measure(args, client_factory=Client, user_model=get_user_model(), connection=connection)
        transaction.set_rollback(True)


def _measure(args, *, client_factory, user_model, connection) -> None:
    from django.urls import reverse

    from customers.models import Customer

    user = user_model.objects.get(username=args.user)
    client = client_factory()
    client.force_login(user)
    total = Customer.objects.count()
    url = reverse("customers:list_xlsx") + (f"?{args.query}" if args.query else "")
    print(f"database: {connection.vendor} {connection.settings_dict['NAME']}; customers: {total:,}; GET {url}")

    baseline = peak_rss_mb()
    cpu_started = time.process_time()
    started = time.perf_counter()
    response = client.get(url)
    if args.background and response.status_code == 302:
        from aftersales.export_jobs import export_job_path, export_job_run
        from aftersales.models import ExportJob

        job = export_job_run(job_id=ExportJob.objects.latest("id").pk)
        response = client.get(reverse("export_job_download", args=[job.token]))
        job_file = export_job_path(job)
    if response.status_code != 200:
        sys.exit(f"the export answered {response.status_code} {response.get('Location', '')}: use another --user")
    size = 0
    with tempfile.NamedTemporaryFile(suffix=".xlsx", delete=False) as out:
        for chunk in response.streaming_content:
            size += len(chunk)
            out.write(chunk)
    elapsed = time.perf_counter() - started
    cpu = time.process_time() - cpu_started
    peak = peak_rss_mb()
    print(f"status {response.status_code}; {size / 1e6:.1f} MB written to {out.name}")
    load = os.getloadavg()[0]
    print(
        f"time: {elapsed:.1f} s wall, {cpu:.1f} s CPU in this process (load average {load:.1f} on {os.cpu_count()} CPUs)"
    )
    print(f"peak memory: {peak:.0f} MB resident for the whole process ({peak - baseline:+.0f} MB during the export)")

    if args.check:
        from openpyxl import load_workbook

        workbook = load_workbook(out.name, read_only=True)
        sheet = workbook.worksheets[0]
        rows = sum(1 for _row in sheet.iter_rows(values_only=True)) - 1
        print(f"check: sheet {sheet.title!r}, {rows:,} data rows (+ header)")
    os.unlink(out.name)
    if args.background:
        job_file.unlink()


if __name__ == "__main__":
    main()
