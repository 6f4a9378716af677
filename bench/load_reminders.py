#!/usr/bin/env python
"""Reminders sent during the load run (bench/load.py): a fake Twilio on the loopback and a stream of due reminders.

    # 1. start this first (it serves the fake Twilio on --port and keeps running for --duration seconds):
    DJANGO_DEBUG=1 DATABASE_URL=postgres://postgres@127.0.0.1:5432/h_full \
        .venv/bin/python bench/load_reminders.py --port 8765 --reminders 3000 --duration 150
    # 2. start the production run with the fake as its Twilio (docs/DEPLOY.md, "Load test"):
    TWILIO_ACCOUNT_SID=ACfake00000000000000000000000000 TWILIO_AUTH_TOKEN=fake-token \
        TWILIO_FROM_NUMBER=+15005550006 TWILIO_API_BASE_URL=http://127.0.0.1:8765 ... scripts/run_prod.sh
    # 3. run bench/load.py against it.

It moves --reminders planned reminders (SMS and voice) so that they fall due evenly over the first two
thirds of --duration; the production beat dispatches them every 10 seconds and the worker sends them while
the agents work. At the end it reports what the fake Twilio received, how many reminders were sent,
skipped or held by the send-time rules, and any destination + text that arrived twice (must be none).
Loopback only; touches only the chosen reminders.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_DEBUG", "1")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aftersales.settings")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--reminders", type=int, default=3000)
    parser.add_argument("--duration", type=float, default=150.0, help="seconds to serve (bounded to 1 hour)")
    parser.add_argument("--wait", type=float, default=8.0, help="seconds before the first reminder falls due")
    args = parser.parse_args()

    import django

    django.setup()
    from django.db import connection
    from django.db.models import Case, DateTimeField, F, Value, When
    from django.utils import timezone

    from messaging.models import OutboundMessage
    from reminders.models import Reminder
    from tests.fakes.twilio_server import FakeTwilio

    fake = FakeTwilio().start(port=args.port)
    print(f"fake Twilio at {fake.base_url} (account {fake.account_sid})", flush=True)

    duration = min(args.duration, 3600.0)
    start = timezone.now() + timedelta(seconds=args.wait)
    spread = max(1.0, duration * 2 / 3 - args.wait)
    chosen = list(
        Reminder.objects.filter(status=Reminder.Status.PLANNED)
        .order_by("planned_for", "id")
        .values_list("id", flat=True)[: args.reminders]
    )
    # Due evenly over the spread: the n-th chosen reminder at start + n/N × spread (one UPDATE).
    step = spread / max(1, len(chosen))
    whens = [When(id=pk, then=Value(start + timedelta(seconds=i * step))) for i, pk in enumerate(chosen)]
    for offset in range(0, len(whens), 1000):
        batch = whens[offset : offset + 1000]
        ids = chosen[offset : offset + 1000]
        Reminder.objects.filter(id__in=ids).update(
            planned_for=Case(*batch, default=F("planned_for"), output_field=DateTimeField())
        )
    by_channel = Counter(Reminder.objects.filter(id__in=chosen).values_list("channel", flat=True))
    print(f"{len(chosen)} reminders due from {start:%H:%M:%S} over {spread:.0f} s: {dict(by_channel)}", flush=True)

    started = time.monotonic()
    last = -1
    while time.monotonic() - started < duration:
        time.sleep(5)
        sent = len(fake.messages) + len(fake.calls)
        if sent != last:
            print(f"{time.monotonic() - started:5.0f} s: {len(fake.messages)} SMS, {len(fake.calls)} calls", flush=True)
            last = sent
    fake.stop()

    connection.close()  # a drill may have restarted PostgreSQL meanwhile
    statuses = Counter(Reminder.objects.filter(id__in=chosen).values_list("status", flat=True))
    received = [r["sid"] for r in fake.messages + fake.calls]
    recorded = set(OutboundMessage.objects.filter(provider_id__in=received).values_list("provider_id", flat=True))
    # Every message the provider created (reminders and the agents' SMS replies) must be recorded on exactly one
    # outbound message (provider_id is unique): one sent twice shows as a provider id nothing holds.
    unrecorded = [sid for sid in received if sid not in recorded]
    print(f"\nprovider received: {len(fake.messages)} SMS, {len(fake.calls)} calls")
    print(f"reminder statuses: {dict(statuses)}")
    print(f"provider messages not recorded on an outbound message (sent twice): {len(unrecorded)}")
    twice = unrecorded
    return 1 if twice else 0


if __name__ == "__main__":
    raise SystemExit(main())
