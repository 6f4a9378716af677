"""The ASGI side (#16): the application routes the staff socket to signed-in staff only, and production serves it
with Daphne (scripts/run_prod.sh web), static files through whitenoise included."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from asgiref.sync import async_to_sync
from channels.testing import WebsocketCommunicator
from django.conf import settings

from aftersales.asgi import application
from aftersales.management.commands.run_portal import daphne_command

ROOT = Path(__file__).resolve().parents[2]


def session_cookie(user) -> bytes:
    """A signed-in session for `user`, as the sign-in page would leave it, as a Cookie header value."""
    from django.contrib.sessions.backends.db import SessionStore

    session = SessionStore()
    session["_auth_user_id"] = str(user.pk)
    session["_auth_user_backend"] = settings.AUTHENTICATION_BACKENDS[-1]
    session["_auth_user_hash"] = user.get_session_auth_hash()
    session.create()
    return f"{settings.SESSION_COOKIE_NAME}={session.session_key}".encode()


def open_socket(path: str, *, origin: bytes = b"http://testserver", cookie: bytes | None = None):
    """Connect to the whole ASGI application (origin check, sessions, routing) as a browser would."""
    headers = [(b"host", b"testserver"), (b"origin", origin)]
    if cookie:
        headers.append((b"cookie", cookie))

    async def connect():
        communicator = WebsocketCommunicator(application, path, headers=headers)
        connected, code = await communicator.connect(timeout=5)
        if connected:
            await communicator.disconnect()
        return connected, code

    return async_to_sync(connect)()


@pytest.mark.django_db(transaction=True)
def test_the_application_routes_ws_staff_to_signed_in_staff_and_refuses_an_anonymous_socket(agent):
    # given the ASGI application as the server runs it
    # when an anonymous browser opens /ws/staff/ from the portal's own origin
    # then the staff consumer refuses it with its "not signed in" code
    assert open_socket("/ws/staff/") == (False, 4401)
    # and a signed-in agent's socket is accepted on the same path
    assert open_socket("/ws/staff/", cookie=session_cookie(agent)) == (True, None)
    # and a page on another site cannot open it with the agent's cookie (origin check before anything else)
    assert open_socket("/ws/staff/", origin=b"https://evil.example", cookie=session_cookie(agent))[0] is False


def test_the_production_web_command_is_daphne_on_the_asgi_application():
    # when run_portal --prod / scripts/run_prod.sh web build the web server's command line
    on_port = daphne_command("/venv/python", host="0.0.0.0", port=8000)
    on_socket = daphne_command("/venv/python", fd=3)
    # then it is Daphne serving aftersales.asgi:application (not gunicorn over WSGI), on the port or a shared socket
    assert on_port[:7] == ["/venv/python", "-m", "daphne", "-b", "0.0.0.0", "-p", "8000"]
    assert on_socket[:5] == ["/venv/python", "-m", "daphne", "--fd", "3"]
    assert on_port[-1] == on_socket[-1] == "aftersales.asgi:application"
    # and Daphne does not rewrite the client address from X-Forwarded-For (TRUSTED_PROXIES decides, in the app)
    assert "--proxy-headers" not in on_port
    assert "application" in settings.ASGI_APPLICATION and settings.ASGI_APPLICATION.startswith("aftersales.asgi")
    script = (ROOT / "scripts" / "run_prod.sh").read_text()
    assert "gunicorn" not in script and "serve_asgi" in script
    assert "web: scripts/run_prod.sh web" in (ROOT / "Procfile").read_text()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, b""
    except OSError:  # not listening yet
        return 0, b""


def command_lines(pid: int) -> list[str]:
    """The command lines of a process and its children."""
    out = subprocess.run(["ps", "-o", "args=", "-p", str(pid), "--ppid", str(pid)], capture_output=True, text=True)
    return out.stdout.splitlines()


def websocket_handshake_status(port: int, path: str) -> int:
    """The HTTP status of a raw WebSocket upgrade request (101 accepted, 403 refused)."""
    request = (
        f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        f"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
        f"Origin: http://127.0.0.1:{port}\r\n\r\n"
    )
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(request.encode())
        status_line = sock.recv(4096).split(b"\r\n", 1)[0]
    return int(status_line.split()[1])


@pytest.mark.slow
def test_run_prod_web_serves_static_files_the_favicon_and_websockets_with_daphne(tmp_path):
    # given the production settings (no DEBUG) with collected static files and `scripts/run_prod.sh web`
    from cryptography.fernet import Fernet

    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PYTEST", "REDIS_URL", "DATABASE_URL"))}
    env.update(
        ENV_FILE=str(tmp_path / "none.env"),
        SECRET_KEY="x" * 60,
        FIELD_ENCRYPTION_KEYS=Fernet.generate_key().decode(),
        PII_HASH_KEY="h" * 40,
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        ALLOWED_HOSTS="127.0.0.1",
        SECURE_SSL_REDIRECT="0",
        STATIC_ROOT=str(tmp_path / "static"),
        WEB_CONCURRENCY="2",
        HOST="127.0.0.1",
        PORT=str(free_port()),
    )
    if os.environ.get("REDIS_URL"):  # two processes on one socket need the Redis layer; one process otherwise
        env["REDIS_URL"] = os.environ["REDIS_URL"]
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True
    )
    port = int(env["PORT"])
    log = tmp_path / "web.log"
    server = subprocess.Popen(
        ["bash", "scripts/run_prod.sh", "web"], cwd=ROOT, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT
    )
    try:
        deadline = time.monotonic() + 60
        while get(f"http://127.0.0.1:{port}/favicon.ico")[0] != 200:
            assert server.poll() is None and time.monotonic() < deadline, log.read_text()
            time.sleep(0.3)
        # when a browser asks for the favicon, a hashed static file and the staff socket without signing in
        favicon = get(f"http://127.0.0.1:{port}/favicon.ico")
        hashed = next((tmp_path / "static").glob("favicon.*.ico")).name
        static = get(f"http://127.0.0.1:{port}/static/{hashed}")
        refused = websocket_handshake_status(port, "/ws/staff/")
        # then the icon and the static file are served (whitenoise under ASGI), the socket refused (403)
        assert favicon == static and favicon[0] == 200 and favicon[1][:4] == b"\x00\x00\x01\x00"
        assert refused == 403
        # and what listens is Daphne: the script's own process (one) or its children (several on one socket)
        assert any(" -m daphne " in command for command in command_lines(server.pid)), command_lines(server.pid)
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
