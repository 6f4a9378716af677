"""A real Celery worker process on Redis and PostgreSQL, killed with SIGKILL mid-run: every reminder exactly once."""

from __future__ import annotations

import time
from collections import Counter
from datetime import time as dtime
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from reminders import planning
from reminders.models import Reminder
from tests.reminders import workerproc
from tests.reminders.factories import bulk_installments, make_policy, make_product

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.slow, pytest.mark.django_db(transaction=True)]
N = 2000


def database_url() -> str:
    """The test database (test_<name>) as a URL for the worker process, credentials included."""
    from urllib.parse import quote

    s = connection.settings_dict
    auth = quote(s["USER"] or "postgres") + (":" + quote(s["PASSWORD"]) if s.get("PASSWORD") else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


@pytest.fixture
def redis_broker():
    proc = workerproc.start_redis()
    yield f"redis://127.0.0.1:{workerproc.REDIS_PORT}/0"
    if proc is not None:
        proc.terminate()
        proc.wait(timeout=10)


def test_sigkill_mid_run_sends_every_reminder_exactly_once(fake_twilio, redis_broker, settings, tmp_path):
    settings.REMINDER_QUIET_START = settings.REMINDER_QUIET_END = "00:00"  # the test runs at any hour
    settings.REMINDER_SENDING_STALE_SECONDS = 5
    # given 2,000 unpaid installments whose T−3 SMS falls due now
    product = make_product(make_policy(steps=[(-3, "sms")], send_time=dtime(0, 0)))
    bulk_installments(N, product=product, due_date=timezone.localdate() + timedelta(days=3))
    assert planning.reminders_plan() == N
    enqueue = workerproc.redis_enqueue(redis_broker)
    fake_twilio.response_delay = 0.01  # a little provider latency, so the kill lands mid-run
    log = tmp_path / "worker.log"
    worker = workerproc.start_worker(database_url=database_url(), broker_url=redis_broker, fake=fake_twilio, log=log)
    try:
        # when the dispatcher hands everything to the worker and the worker is SIGKILLed mid-run
        assert planning.reminders_dispatch(enqueue=enqueue) == N
        deadline = time.monotonic() + 60
        while len(fake_twilio.messages) < N // 4 and time.monotonic() < deadline:
            time.sleep(0.05)
        workerproc.kill_worker(worker)
        sent_before_kill = len(fake_twilio.messages)
        assert N // 4 <= sent_before_kill < N, log.read_text()[-2000:]
        time.sleep(0.5)
        # and a new worker starts, with beat's sweeper and dispatcher running
        worker = workerproc.start_worker(
            database_url=database_url(), broker_url=redis_broker, fake=fake_twilio, log=log
        )
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            if not Reminder.objects.exclude(status="sent").exists():
                break
            planning.reminders_sweep(enqueue=enqueue)
            planning.reminders_dispatch(enqueue=enqueue)
            time.sleep(1)
    finally:
        workerproc.stop_worker(worker)
    # then the fake Twilio received every reminder exactly once: 0 missing, 0 duplicates
    per_number = Counter(message["To"] for message in fake_twilio.messages)
    expected = {f"+86137{i:08d}" for i in range(N)}
    missing = expected - set(per_number)
    duplicates = {number: count for number, count in per_number.items() if count > 1}
    assert (len(missing), len(duplicates)) == (0, 0), log.read_text()[-2000:]
    assert len(fake_twilio.messages) == N
    assert Counter(Reminder.objects.values_list("status", flat=True)) == {"sent": N}
    print(f"sent before the kill: {sent_before_kill}; provider look-ups after it: {fake_twilio.lookups}")
