"""The embedded broker never delivers, nor dies on, a half-written message file (issue 12, item 11).

Every test goes through the project's configured broker (settings.CELERY_BROKER_URL and its transport
options, re-pointed at a temporary folder), so each of them failed with kombu's stock filesystem transport.
"""

from __future__ import annotations

import builtins
import json
import os
import threading
import time
from pathlib import Path
from queue import Empty

import pytest
from django.conf import settings
from kombu import Exchange, Queue
from kombu.exceptions import ChannelError


def broker_options(root: Path) -> dict:
    """Transport options for an embedded broker whose folders are all under `root`."""
    options = {"store_processed": False}
    for name in ("queue", "processed", "tmp", "quarantine", "control"):
        (root / name).mkdir(parents=True, exist_ok=True)
        options[f"{name}_folder"] = str(root / name)
    options["data_folder_in"] = options["data_folder_out"] = options.pop("queue_folder")
    return options


@pytest.fixture
def broker(tmp_path):
    """A connection to the configured embedded broker (settings without REDIS_URL), folders under tmp_path."""
    from aftersales.celery import app

    options = broker_options(tmp_path / "broker")
    url = "atomicfs://" if settings.REDIS_URL else settings.CELERY_BROKER_URL
    with app.connection_for_write(url, transport_options=options) as conn:
        conn.options = options
        yield conn


def queue_dir(conn) -> Path:
    return Path(conn.options["data_folder_in"])


def test_the_embedded_broker_is_not_the_stock_filesystem_transport():
    # given the settings without REDIS_URL (the README's `make run`)
    if settings.REDIS_URL:
        pytest.skip("the embedded broker is configured only without REDIS_URL")
    # then the broker is the atomic transport and kombu's control folder lives under the broker folder
    assert settings.CELERY_BROKER_URL == "atomicfs://"
    options = settings.CELERY_BROKER_TRANSPORT_OPTIONS
    assert Path(options["control_folder"]) == settings.CELERY_BROKER_DIR / "control"
    assert Path(options["tmp_folder"]).parent == Path(options["data_folder_in"]).parent


def test_a_message_file_created_but_not_yet_written_is_never_consumed(broker):
    # given a sender that has created its message file but not written it yet (what kombu's stock
    # transport does between open() and write()), next to an older half-written one
    channel = broker.default_channel
    (queue_dir(broker) / "0000000001_a.celery.msg").write_bytes(b"")
    (queue_dir(broker) / "0000000002_b.celery.msg").write_bytes(b'{"body": "eyJ')
    # when the worker polls the queue
    # then nothing is delivered and nothing is raised (stock: JSONDecodeError, the worker's "Unrecoverable error")
    with pytest.raises(Empty):
        channel._get("celery")
    # and both files are still there, waiting for their writer
    assert sorted(p.name for p in queue_dir(broker).iterdir()) == ["0000000001_a.celery.msg", "0000000002_b.celery.msg"]


def test_a_file_being_written_slowly_is_delivered_once_complete(broker):
    # given a writer that creates a message file and completes it 0.3 s later
    channel = broker.default_channel
    path = queue_dir(broker) / "0000000003_c.celery.msg"
    payload = json.dumps({"body": "x" * 5000, "headers": {"id": "slow-1"}}).encode()
    handle = open(path, "wb", buffering=0)
    handle.write(payload[:100])

    def finish():
        time.sleep(0.3)
        handle.write(payload[100:])
        handle.close()

    writer = threading.Thread(target=finish)
    writer.start()
    # when a consumer polls while it is being written and afterwards
    got = []
    deadline = time.monotonic() + 3
    while time.monotonic() < deadline and not got:
        try:
            got.append(channel._get("celery"))
        except Empty:
            time.sleep(0.02)
    writer.join()
    # then it receives the complete message exactly once
    assert [m["headers"]["id"] for m in got] == ["slow-1"]
    assert len(got[0]["body"]) == 5000
    with pytest.raises(Empty):
        channel._get("celery")


def test_an_old_unreadable_file_is_quarantined_and_the_next_message_delivered(broker):
    # given a corrupt message file that nobody has touched for a minute, followed by a good message
    channel = broker.default_channel
    bad = queue_dir(broker) / "0000000004_d.celery.msg"
    bad.write_bytes(b"{not json")
    os.utime(bad, (time.time() - 60, time.time() - 60))
    channel._put("celery", {"body": "ok", "headers": {"id": "good-1"}})
    # when the worker polls
    message = channel._get("celery")
    # then the good message arrives and the corrupt one sits in quarantine, out of the queue
    assert message["headers"]["id"] == "good-1"
    assert list(queue_dir(broker).iterdir()) == []
    assert [p.name for p in Path(broker.options["quarantine_folder"]).iterdir()] == [bad.name]


def test_a_write_that_fails_half_way_leaves_no_partial_message_in_the_queue(broker, monkeypatch):
    # given a disk that fills up after the first 10 bytes of a message
    channel = broker.default_channel
    real_open = builtins.open

    class HalfFull:
        def __init__(self, handle):
            self.handle = handle

        def write(self, data):
            self.handle.write(data[:10])
            raise OSError(28, "No space left on device")

        def __getattr__(self, name):
            return getattr(self.handle, name)

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.handle.close()

    def failing_open(file, mode="r", *args, **kwargs):
        handle = real_open(file, mode, *args, **kwargs)
        return HalfFull(handle) if "w" in mode else handle

    # when a task is published
    monkeypatch.setattr(builtins, "open", failing_open)
    with pytest.raises(ChannelError):
        channel._put("celery", {"body": "y" * 100, "headers": {"id": "lost-1"}})
    monkeypatch.setattr(builtins, "open", real_open)
    # then the publisher sees the error and the queue holds no partial file for a worker to choke on
    assert list(queue_dir(broker).iterdir()) == []
    assert list(Path(broker.options["tmp_folder"]).iterdir()) == []


def test_fanout_bindings_live_in_the_broker_control_folder(broker, tmp_path, monkeypatch):
    # given a process whose working directory is not the broker folder
    workdir = tmp_path / "cwd"
    workdir.mkdir()
    monkeypatch.chdir(workdir)
    channel = broker.default_channel
    exchange = Exchange("portal.broadcast", type="fanout")
    # when two queues bind to a fanout exchange and a message is broadcast
    for name in ("q1", "q2"):
        Queue(name, exchange=exchange)(channel).declare()
    channel._put_fanout("portal.broadcast", {"body": "b", "headers": {"id": "fan-1"}}, "")
    # then the exchange table is under the broker's control folder (not ./control) and both queues got it
    assert not (workdir / "control").exists()
    table = json.loads((Path(broker.options["control_folder"]) / "portal.broadcast.exchange").read_text())
    assert sorted(row[2] for row in table) == ["q1", "q2"]
    assert channel._get("q1")["headers"]["id"] == "fan-1"
    assert channel._get("q2")["headers"]["id"] == "fan-1"


def test_a_task_published_through_the_resilient_path_reaches_a_consumer(broker):
    # given the project's Celery app and a task published the way web requests do (ResilientTask)
    from aftersales.celery import app

    @app.task(name="tests.security.broker_probe", shared=False)
    def probe(n):
        return n

    probe.apply_async(args=[7], connection=broker)
    # when a consumer reads the default queue
    with broker.SimpleQueue("celery", no_ack=True) as queue:
        message = queue.get(timeout=3)
    # then it is the whole task message
    assert message.headers["task"] == "tests.security.broker_probe"
    assert message.decode()[0] == [7]
