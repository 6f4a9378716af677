"""Soak: the embedded stack (`run_portal`: web, worker, beat) stays up under a steady stream of tasks.

Real processes on a SQLite file, the atomic filesystem broker and the outbox, fed by two producer
processes. Finds 0 worker crashes (one worker start, no "Unrecoverable error"), 0 lost and 0 duplicated
tasks (each id recorded exactly once). SOAK_SECONDS sets how long the producers run (default 180).
"""

from __future__ import annotations

import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections import Counter
from pathlib import Path

import pytest

from tests.security.soak import RECEIPT_TABLE_SQL

ROOT = Path(__file__).resolve().parents[2]
SOAK_SECONDS = float(os.environ.get("SOAK_SECONDS", "180"))
INTERVAL = 0.2  # per producer: two producers send about 10 tasks a second together

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        bool(os.environ.get("REDIS_URL")), reason="soaks the embedded stack; the SQLite run (no REDIS_URL) covers it"
    ),
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(condition, timeout: float, what: str, log: Path, *, fail: bool = True) -> bool:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            if not fail:
                return False
            raise AssertionError(f"{what} not within {timeout} s\n" + log.read_text(errors="replace")[-3000:])
        time.sleep(0.5)
    return True


def web_answers(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/accounts/login/", timeout=5) as response:
            return response.status < 500
    except urllib.error.HTTPError as exc:
        return exc.code < 500
    except OSError:
        return False


@pytest.fixture
def stack_env(tmp_path):
    """Environment for the stack's processes: their own SQLite file, broker folder and beat lock folder."""
    env = {k: v for k, v in os.environ.items() if k not in {"REDIS_URL", "DATABASE_URL", "DJANGO_SETTINGS_MODULE"}}
    env.update(
        DJANGO_SETTINGS_MODULE="tests.security.soak_settings",
        DJANGO_DEBUG="1",
        DATABASE_URL=f"sqlite:///{tmp_path / 'soak.sqlite3'}",
        CELERY_BROKER_DIR=str(tmp_path / "broker"),
        SOAK_VAR_DIR=str(tmp_path / "var"),
        MESSAGING_BACKEND="outbox",
        PYTHONPATH=str(ROOT),
        PYTHONUNBUFFERED="1",
    )
    (tmp_path / "var").mkdir()
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True, timeout=300)
    with sqlite3.connect(tmp_path / "soak.sqlite3") as db:
        db.execute(RECEIPT_TABLE_SQL)
    return env


def test_the_embedded_stack_runs_a_steady_stream_of_tasks_without_crash_loss_or_duplicate(stack_env, tmp_path):
    # given run_portal (web, worker, beat) on a SQLite file and the embedded broker
    port = free_port()
    log = tmp_path / "portal.log"
    portal = subprocess.Popen(
        [sys.executable, "manage.py", "run_portal", "--port", str(port)],
        cwd=ROOT,
        env=stack_env,
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    producers = []
    started = time.monotonic()
    try:
        wait_for(lambda: " ready." in log.read_text(errors="replace"), 120, "worker ready", log)
        wait_for(lambda: web_answers(port), 60, "web server answering", log)
        # when two producer processes publish a task every 0.2 s each for SOAK_SECONDS
        for name in ("p1", "p2"):
            cmd = [sys.executable, "-m", "tests.security.soak", name, str(SOAK_SECONDS), str(INTERVAL)]
            producers.append(
                subprocess.Popen(
                    [*cmd, str(tmp_path / f"{name}.sent")], cwd=ROOT, env=stack_env, start_new_session=True
                )
            )
        web_failures = 0
        while any(p.poll() is None for p in producers):
            web_failures += not web_answers(port)
            time.sleep(2)
        assert [p.returncode for p in producers] == [0, 0]
        sent = [line for name in ("p1", "p2") for line in (tmp_path / f"{name}.sent").read_text().split()]
        refused = [line for name in ("p1", "p2") for line in (tmp_path / f"{name}.sent.failed").read_text().split()]

        def received() -> Counter:
            with sqlite3.connect(tmp_path / "soak.sqlite3", timeout=20) as db:
                return Counter(row[0] for row in db.execute("SELECT task_id FROM soak_receipt"))

        # and the worker has had time to drain the queue
        drain_started = time.monotonic()
        wait_for(lambda: set(sent) <= set(received()), 120, "every sent task recorded", log, fail=False)
        drain_seconds = time.monotonic() - drain_started
        time.sleep(3)  # a late duplicate would show up now
        counts = received()
        still_up = portal.poll() is None and web_answers(port)
    finally:
        for proc in producers:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
        if portal.poll() is None:
            portal.send_signal(signal.SIGTERM)
            try:
                portal.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(portal.pid, signal.SIGKILL)
    text = log.read_text(errors="replace")
    worker_starts = text.count("worker started (pid ")
    stops = [line for line in text.splitlines() if " stopped (exit " in line]
    unrecoverable = text.count("Unrecoverable error")
    lost = sorted(set(sent) - set(counts))
    duplicates = {task_id: n for task_id, n in counts.items() if n > 1}
    quarantined = list((tmp_path / "broker" / "quarantine").iterdir())
    print(
        f"\nsoak: {SOAK_SECONDS / 60:.1f} min of producing ({(time.monotonic() - started) / 60:.1f} min in all), "
        f"tasks sent {len(sent)}, refused at publish {len(refused)}, received {sum(counts.values())} "
        f"({len(counts)} distinct), lost {len(lost)}, duplicated {len(duplicates)}, worker starts {worker_starts}, "
        f"child restarts {len(stops)}, unrecoverable errors {unrecoverable}, web failures {web_failures}, "
        f"quarantined files {len(quarantined)}, queue drained {drain_seconds:.0f} s after the producers stopped"
    )
    # then nothing crashed: one worker process all along, no child restarted, the web server still answering
    assert (worker_starts, stops, unrecoverable, still_up) == (1, [], 0, True), text[-3000:]
    # and every task published was recorded exactly once, none refused, none set aside
    assert len(sent) >= 2 * (SOAK_SECONDS / INTERVAL) * 0.9
    assert (refused, lost, duplicates, quarantined) == ([], [], {}, [])
    assert web_failures == 0
    # and beat kept publishing its periodic tasks through the same broker
    assert "Sending due task" in text
