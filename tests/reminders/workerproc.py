"""Start and kill a real Celery worker process and a dedicated Redis for it (tests and the benchmark)."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
REDIS_PORT = 6391


def _port_open(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.2)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def start_redis(port: int = REDIS_PORT) -> subprocess.Popen | None:
    """A throw-away redis-server on 127.0.0.1:port (nothing kept on disk); None when one already answers."""
    if _port_open(port):
        subprocess.run(["redis-cli", "-p", str(port), "FLUSHALL"], check=False, capture_output=True)
        return None
    binary = shutil.which("redis-server")
    if binary is None:
        raise RuntimeError("redis-server is not installed")
    proc = subprocess.Popen(
        [binary, "--bind", "127.0.0.1", "--port", str(port), "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _ in range(50):
        if _port_open(port):
            return proc
        time.sleep(0.1)
    raise RuntimeError("redis-server did not start")


def start_worker(*, database_url: str, broker_url: str, fake, concurrency: int = 4, log: Path) -> subprocess.Popen:
    """`celery worker` in its own process group, on the given database and broker, against the fake Twilio."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.reminders.worker_settings",
        "DATABASE_URL": database_url,
        "REDIS_URL": broker_url,
        "FAKE_TWILIO_URL": fake.base_url,
        "FAKE_TWILIO_SID": fake.account_sid,
        "FAKE_TWILIO_TOKEN": fake.auth_token,
        "PYTHONPATH": str(ROOT),
    }
    cmd = [
        sys.executable, "-m", "celery", "-A", "aftersales", "worker", "-l", "WARNING", "-c", str(concurrency),
        "-n", f"reminders-test-{os.getpid()}@%h", "--without-gossip", "--without-mingle", "--without-heartbeat",
    ]  # fmt: skip
    return subprocess.Popen(
        cmd, cwd=ROOT, env=env, stdout=log.open("ab"), stderr=subprocess.STDOUT, start_new_session=True
    )


def kill_worker(proc: subprocess.Popen) -> None:
    """SIGKILL the worker and its pool children at once (no warm shutdown, nothing acknowledged)."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.wait(timeout=10)


def stop_worker(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            kill_worker(proc)


def redis_enqueue(broker_url: str):
    """An enqueue function for reminders_dispatch/sweep that publishes to `broker_url` (batches of ids)."""
    from aftersales.celery import app
    from reminders.planning import BATCH_SIZE
    from reminders.tasks import reminders_send_batch

    def enqueue(ids: list[int]) -> None:
        with app.connection_for_write(broker_url) as conn:
            for start in range(0, len(ids), BATCH_SIZE):
                reminders_send_batch.apply_async(args=[ids[start : start + BATCH_SIZE]], connection=conn)

    return enqueue
