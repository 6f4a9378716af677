"""An ASGI live server for the chat's browser test: pytest-django's live_server speaks WSGI only (no WebSockets).

`asgi_live_server` serves `aftersales.asgi.application` (HTTP with the static files, and the WebSockets) with uvicorn
in a background thread on a free 127.0.0.1 port, against the test database (`transactional_db`), with the channel
layer the settings choose: in memory under SQLite (`make test`), Redis when REDIS_URL is set (CI's second run).

All the server's synchronous work (views, the consumers' database calls) runs in asgiref's one thread-sensitive
thread: Django's per-request ThreadSensitiveContext is switched off here. Under SQLite in memory that thread uses the
test's own connection (the database exists only in it), as Django's LiveServerThread shares it with its server.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
import types

import pytest

from tests.conftest import missing


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.asynccontextmanager
async def _one_thread_for_all():
    """Instead of Django's ThreadSensitiveContext: every request shares asgiref's single sync thread."""
    yield


def _reset_channel_layers() -> None:
    """A fresh layer for the server's event loop (the in-memory layer's queues belong to the loop that made them)."""
    from channels.layers import channel_layers

    channel_layers.backends = {}


@pytest.fixture
def asgi_live_server(transactional_db, monkeypatch):
    """`.url` of a running uvicorn serving the portal's ASGI application; stopped after the test."""
    try:
        import uvicorn
    except ModuleNotFoundError:
        missing("needs uvicorn (requirements-dev.txt) for the ASGI live server", browser=True)
    from django.contrib.staticfiles.handlers import ASGIStaticFilesHandler
    from django.core.handlers import asgi as django_asgi
    from django.db import connections

    from aftersales.asgi import application

    monkeypatch.setattr(django_asgi, "ThreadSensitiveContext", _one_thread_for_all)
    connection = connections["default"]
    shared = connection.vendor == "sqlite" and connection.is_in_memory_db()
    if shared:
        connection.ensure_connection()
        connection.inc_thread_sharing()
        # One holder for every thread: the server's thread gets the test's connection (see the module docstring).
        monkeypatch.setattr(connections, "_connections", types.SimpleNamespace(default=connection))
    _reset_channel_layers()
    port = _free_port()
    config = uvicorn.Config(
        ASGIStaticFilesHandler(application),
        host="127.0.0.1",
        port=port,
        log_level="warning",
        lifespan="off",
        ws="websockets-sansio",
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="asgi-live-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail("the ASGI live server did not start")
        time.sleep(0.02)
    yield types.SimpleNamespace(url=f"http://127.0.0.1:{port}", server=server)
    server.should_exit = True
    thread.join(timeout=10)
    _reset_channel_layers()
    if shared:
        connection.dec_thread_sharing()
