"""Run the web server, a Celery worker and Celery beat together; Ctrl-C stops all three.

A child that dies is started again after a back-off (1 s, 2 s, 4 s ... at most 30 s; back to 1 s once it
has stayed up for a minute) while the others keep running.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand


class Supervisor:
    """Start named child processes, restart each one that exits (with back-off), stop all on request."""

    def __init__(
        self,
        commands: dict[str, list[str]],
        *,
        cwd: Path | str | None = None,
        write: Callable[[str], None] = print,
        backoff_start: float = 1.0,
        backoff_cap: float = 30.0,
        stable_after: float = 60.0,
        poll_interval: float = 0.5,
    ):
        self.commands = commands
        self.cwd = cwd
        self.write = write
        self.backoff_start = backoff_start
        self.backoff_cap = backoff_cap
        self.stable_after = stable_after
        self.poll_interval = poll_interval
        self.processes: dict[str, subprocess.Popen] = {}
        self.started_at: dict[str, float] = {}
        self.failures: dict[str, int] = dict.fromkeys(commands, 0)
        self.restart_at: dict[str, float] = {}
        self.restarts: dict[str, int] = dict.fromkeys(commands, 0)
        self.stopping = False

    def start(self, name: str) -> None:
        """Start (or restart) the child `name`."""
        self.processes[name] = subprocess.Popen(self.commands[name], cwd=self.cwd)
        self.started_at[name] = time.monotonic()
        self.write(f"{name} started (pid {self.processes[name].pid})")

    def backoff(self, name: str) -> float:
        """Seconds to wait before restarting `name` after its latest exit: doubles per failure, capped."""
        return min(self.backoff_cap, self.backoff_start * 2 ** max(0, self.failures[name] - 1))

    def check(self) -> None:
        """One supervision round: note exits, schedule and perform restarts, reset back-off of stable children."""
        now = time.monotonic()
        for name, proc in list(self.processes.items()):
            if name in self.restart_at:
                if now >= self.restart_at[name] and not self.stopping:
                    del self.restart_at[name]
                    self.restarts[name] += 1
                    self.start(name)
                continue
            code = proc.poll()
            if code is None:
                if now - self.started_at[name] >= self.stable_after:
                    self.failures[name] = 0
                continue
            if self.stopping:
                continue
            if now - self.started_at[name] >= self.stable_after:
                self.failures[name] = 0
            self.failures[name] += 1
            delay = self.backoff(name)
            self.write(f"{name} stopped (exit {code}); restarting in {delay:g} s")
            self.restart_at[name] = now + delay

    def stop(self, *_args) -> None:
        """Ask the supervision loop to stop every child (safe from a signal handler or another thread)."""
        self.stopping = True

    def run(self, *, install_signals: bool = True) -> None:
        """Start every child and supervise them until stop() (SIGINT/SIGTERM), then stop them all."""
        if install_signals:
            signal.signal(signal.SIGINT, self.stop)
            signal.signal(signal.SIGTERM, self.stop)
        try:
            for name in self.commands:
                self.start(name)
            while not self.stopping:
                self.check()
                time.sleep(self.poll_interval)
        finally:
            self.terminate_all()

    def terminate_all(self, timeout: float = 10.0) -> None:
        """SIGTERM every running child, wait up to `timeout` seconds, then SIGKILL what is left."""
        self.stopping = True
        self.restart_at.clear()
        running = [proc for proc in self.processes.values() if proc.poll() is None]
        for proc in running:
            proc.terminate()
        deadline = time.monotonic() + timeout
        for proc in running:
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def _starts_at(roles) -> dict[str, str]:
    """Where each demo login starts (aftersales.views.HOME_BY_ROLE), and which ones enrol a second factor first."""
    return {
        roles.AGENT: "inquiry queue",
        roles.SUPERVISOR: "SLA watch (second factor)",
        roles.MANAGER: "KPI dashboard (second factor)",
        roles.RISK_ASSESSOR: "post-loan review queue",
        roles.LEGAL_ADVISOR: "department queue",
        roles.FINANCE: "department queue",
        roles.BACK_OFFICE: "customers, /admin/ (second factor)",
    }


def demo_logins() -> list[tuple[str, str, str]]:
    """(username, role, start page) of every demo account: admin, agent, agent2…agent5, then the other roles."""
    # imported here: the supervisor part of this module runs before Django is set up (tests/security/test_run_portal)
    from aftersales import permissions as roles
    from aftersales.demo import DEMO_USERS, EXTRA_AGENTS

    starts_at = _starts_at(roles)
    by_role = {username: role for username, role, *_ in DEMO_USERS}
    rows = [("admin", "superuser", "KPI dashboard, /admin/ (second factor)")]
    rows.append(("agent", roles.AGENT, starts_at[roles.AGENT]))
    rows += [(username, roles.AGENT, starts_at[roles.AGENT]) for username, *_ in EXTRA_AGENTS]
    rows += [(u, r, starts_at.get(r, "")) for u, r in by_role.items() if u != "agent"]
    return rows


class Command(BaseCommand):
    help = "Start the portal (web), the Celery worker and beat together; Ctrl-C stops all of them."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", default="8000")
        parser.add_argument("--prod", action="store_true", help="gunicorn instead of runserver")

    def handle(self, *args, **options):
        for folder in ("queue", "processed", "tmp", "quarantine", "control"):
            (settings.CELERY_BROKER_DIR / folder).mkdir(parents=True, exist_ok=True)
        python = sys.executable
        bind = f"{options['host']}:{options['port']}"
        if options["prod"]:
            workers = str(2 * (os.cpu_count() or 1) + 1)
            web = [python, "-m", "gunicorn", "aftersales.wsgi", "-b", bind, "-w", workers, "--access-logfile", "-"]
        else:
            web = [python, "manage.py", "runserver", bind, "--noreload"]
        commands = {
            "web": web,
            "worker": [
                python,
                "-m",
                "celery",
                "-A",
                "aftersales",
                "worker",
                "-l",
                "INFO",
                "-c",
                "2",
                "-n",
                "worker@%h",
            ],
            "beat": [python, "-m", "celery", "-A", "aftersales", "beat", "-l", "INFO"],
        }
        self.print_logins(bind)
        supervisor = Supervisor(commands, cwd=settings.BASE_DIR, write=self.log_line)
        supervisor.run()
        self.stdout.write("stopped web, worker and beat")

    def log_line(self, line: str) -> None:
        self.stdout.write(line)
        self.stdout.flush()

    def print_logins(self, bind: str) -> None:
        """The demo logins, once and complete, in the README's order (Demo logins)."""
        from aftersales.demo import DEMO_PASSWORD

        self.stdout.write(self.style.SUCCESS(f"\nPortal: http://{bind}/   (admin: http://{bind}/admin/)"))
        self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD}):")
        for username, role, starts_at in demo_logins():
            self.stdout.write(f"  {username:<11} {role:<15} {starts_at}")
        self.stdout.write("Ctrl-C stops the web server, the worker and beat.\n")
