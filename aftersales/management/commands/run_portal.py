"""Run the web server, a Celery worker and Celery beat together; Ctrl-C stops all three."""

import os
import signal
import subprocess
import sys
import time

from django.conf import settings
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Start the portal (web), the Celery worker and beat together; Ctrl-C stops all of them."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", default="8000")
        parser.add_argument("--prod", action="store_true", help="gunicorn instead of runserver")

    def handle(self, *args, **options):
        for folder in ("queue", "processed"):
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
        processes = {name: subprocess.Popen(cmd, cwd=settings.BASE_DIR) for name, cmd in commands.items()}
        stopping = False

        def stop(*_args):
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        try:
            while not stopping:
                for name, proc in processes.items():
                    if proc.poll() is not None:
                        self.stderr.write(f"{name} exited with code {proc.returncode}; stopping the others")
                        stopping = True
                time.sleep(0.5)
        finally:
            for proc in processes.values():
                if proc.poll() is None:
                    proc.terminate()
            deadline = time.monotonic() + 10
            for proc in processes.values():
                try:
                    proc.wait(timeout=max(0.1, deadline - time.monotonic()))
                except subprocess.TimeoutExpired:
                    proc.kill()
            self.stdout.write("stopped web, worker and beat")

    def print_logins(self, bind: str) -> None:
        from aftersales.demo import DEMO_PASSWORD, DEMO_USERS

        self.stdout.write(self.style.SUCCESS(f"\nPortal: http://{bind}/   (admin: http://{bind}/admin/)"))
        self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD}):")
        for username, role, _first, _last in DEMO_USERS:
            self.stdout.write(f"  {username:<14} {role}")
        self.stdout.write("Ctrl-C stops the web server, the worker and beat.\n")
