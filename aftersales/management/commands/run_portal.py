"""Run the web server, a Celery worker and Celery beat together; Ctrl-C stops all three.

A child that dies is started again after a back-off (1 s, 2 s, 4 s ... at most 30 s; back to 1 s once it
has stayed up for a minute) while the others keep running.

The web server is ASGI (HTTP and the live channels' WebSockets, #16): Daphne's `runserver` by default, Daphne
itself with `--prod` (`serve_asgi`, also what `scripts/run_prod.sh web` runs).
"""

from __future__ import annotations

import os
import signal
import socket
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
        pass_fds: dict[str, tuple[int, ...]] | None = None,
    ):
        self.commands = commands
        self.pass_fds = pass_fds or {}
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
        self.processes[name] = subprocess.Popen(self.commands[name], cwd=self.cwd, pass_fds=self.pass_fds.get(name, ()))
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


ASGI_APPLICATION = "aftersales.asgi:application"


def daphne_command(
    python: str, *, host: str = "127.0.0.1", port: int | str = 8000, fd: int | None = None, http_timeout: int = 120
) -> list[str]:
    """The production web server: Daphne serving the ASGI application (HTTP with whitenoise's static files, WebSockets).

    With `fd` it serves an inherited listening socket (several Daphne processes on one port, `serve_asgi`). No
    `--proxy-headers`: the client address stays the TCP peer and `aftersales.security.client_address` reads
    X-Forwarded-For itself, only from TRUSTED_PROXIES (Daphne would believe the header's leftmost entry).
    """
    where = ["--fd", str(fd)] if fd is not None else ["-b", host, "-p", str(port)]
    return [
        python,
        "-m",
        "daphne",
        *where,
        "--http-timeout",
        str(http_timeout),
        "--access-log",
        "-",
        "--no-server-name",
        ASGI_APPLICATION,
    ]


def listening_socket(host: str, port: int) -> socket.socket:
    """A TCP socket listening on host:port that child processes may inherit (Daphne's `--fd`)."""
    sock = socket.create_server((host, int(port)), backlog=2048)
    sock.set_inheritable(True)
    return sock


def serve_asgi(
    *, host: str, port: int | str, processes: int = 1, python: str = sys.executable, http_timeout: int = 120
) -> None:
    """Serve the portal with `processes` Daphne processes on one port; stop them all on SIGTERM/SIGINT.

    One process becomes Daphne itself (exec). Several share one listening socket (the kernel spreads the
    connections, as Channels' deployment guide does with supervisord's fcgi-program) under the Supervisor, which
    restarts one that dies. More than one process needs the Redis channel layer (REDIS_URL): the in-memory
    layer is per process, so a customer and an agent on two processes would not hear each other.
    """
    if processes <= 1:
        command = daphne_command(python, host=host, port=port, http_timeout=http_timeout)
        os.execv(command[0], command)  # noqa: S606 - becomes Daphne: the process manager supervises it directly
    sock = listening_socket(host, int(port))
    fd = sock.fileno()
    names = [f"web{i}" for i in range(1, processes + 1)]
    commands = {name: daphne_command(python, fd=fd, http_timeout=http_timeout) for name in names}
    print(f"daphne x{processes} on http://{host}:{port}/ (one shared socket)", flush=True)
    Supervisor(commands, pass_fds=dict.fromkeys(names, (fd,))).run()


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
        parser.add_argument(
            "--prod", action="store_true", help="Daphne (the production ASGI server) instead of runserver"
        )
        parser.add_argument(
            "--web-processes",
            type=int,
            default=0,
            help="with --prod: Daphne processes on the port (default: the core count with REDIS_URL, else 1)",
        )

    def handle(self, *args, **options):
        for folder in ("queue", "processed", "tmp", "quarantine", "control"):
            (settings.CELERY_BROKER_DIR / folder).mkdir(parents=True, exist_ok=True)
        python = sys.executable
        bind = f"{options['host']}:{options['port']}"
        pass_fds: dict[str, tuple[int, ...]] = {}
        if options["prod"]:
            webs, pass_fds = self.prod_web(python, options)
        else:
            # Daphne's runserver ("daphne" first in INSTALLED_APPS): HTTP and WebSockets in one process, so with the
            # in-memory channel layer (no REDIS_URL) only events sent from this process reach the sockets.
            webs = {"web": [python, "manage.py", "runserver", bind, "--noreload"]}
        commands = {
            **webs,
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
        supervisor = Supervisor(commands, cwd=settings.BASE_DIR, write=self.log_line, pass_fds=pass_fds)
        supervisor.run()
        self.stdout.write("stopped web, worker and beat")

    def prod_web(self, python: str, options) -> tuple[dict[str, list[str]], dict[str, tuple[int, ...]]]:
        """Daphne process(es) and the descriptors they inherit: one on host:port, or several sharing one socket."""
        processes = options["web_processes"] or ((os.cpu_count() or 1) if settings.REDIS_URL else 1)
        if processes > 1 and not settings.REDIS_URL:
            self.stdout.write("the in-memory channel layer is per process: one Daphne process (set REDIS_URL for more)")
            processes = 1
        if processes == 1:
            return {"web": daphne_command(python, host=options["host"], port=options["port"])}, {}
        self.web_socket = listening_socket(options["host"], int(options["port"]))  # kept open while the children run
        fd = self.web_socket.fileno()
        names = [f"web{i}" for i in range(1, processes + 1)]
        return {name: daphne_command(python, fd=fd) for name in names}, dict.fromkeys(names, (fd,))

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
