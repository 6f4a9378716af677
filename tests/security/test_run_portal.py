"""run_portal restarts a child that dies, with back-off, and keeps the others running (issue 12, item 11)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

from aftersales.management.commands.run_portal import Supervisor

ROOT = Path(__file__).resolve().parents[2]
SLEEPER = [sys.executable, "-c", "import time; time.sleep(120)"]


def crasher(counter: Path, *, after: float = 0.0, code: int = 1) -> list[str]:
    """A child that appends a line to `counter`, waits `after` seconds and exits with `code`."""
    script = f"import time; open({str(counter)!r}, 'a').write('x\\n'); time.sleep({after}); raise SystemExit({code})"
    return [sys.executable, "-c", script]


def wait_for(condition, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.02)


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.fixture
def supervise():
    """Run a Supervisor in a thread; stop it (and its children) at the end."""
    running = []

    def start(commands, **kwargs):
        lines: list[str] = []
        kwargs.setdefault("poll_interval", 0.02)
        sup = Supervisor(commands, write=lines.append, **kwargs)
        thread = threading.Thread(target=sup.run, kwargs={"install_signals": False}, daemon=True)
        thread.start()
        running.append((sup, thread))
        wait_for(lambda: len(sup.processes) == len(commands))
        return sup, lines

    yield start
    for sup, thread in running:
        sup.stop()
        thread.join(timeout=15)


def test_a_child_that_exits_is_restarted_with_doubling_back_off_and_the_others_keep_running(supervise, tmp_path):
    # given web and beat that stay up and a worker that exits with code 1 right after starting
    counter = tmp_path / "worker-starts"
    sup, lines = supervise(
        {"web": SLEEPER, "worker": crasher(counter), "beat": SLEEPER}, backoff_start=0.1, backoff_cap=0.4
    )
    web_pid, beat_pid = sup.processes["web"].pid, sup.processes["beat"].pid
    # when it has died five times
    wait_for(lambda: counter.exists() and len(counter.read_text().splitlines()) >= 5)
    wait_for(lambda: sum("worker stopped" in line for line in lines) >= 5)
    # then each death was announced with the wait before the restart: 0.1, 0.2, 0.4 s, then capped at 0.4 s
    stops = [line for line in lines if line.startswith("worker stopped")]
    assert stops[:5] == [
        "worker stopped (exit 1); restarting in 0.1 s",
        "worker stopped (exit 1); restarting in 0.2 s",
        "worker stopped (exit 1); restarting in 0.4 s",
        "worker stopped (exit 1); restarting in 0.4 s",
        "worker stopped (exit 1); restarting in 0.4 s",
    ]
    assert sup.restarts["worker"] >= 4
    # and web and beat are the same processes as at the start, still running
    assert (sup.processes["web"].pid, sup.processes["beat"].pid) == (web_pid, beat_pid)
    assert alive(web_pid) and alive(beat_pid)
    assert not any(line.startswith(("web stopped", "beat stopped")) for line in lines)


def test_back_off_resets_after_a_child_stayed_up_long_enough(supervise, tmp_path):
    # given a worker that runs 0.3 s before exiting with code 3, and "stable" meaning up for 0.2 s
    counter = tmp_path / "worker-starts"
    sup, lines = supervise(
        {"worker": crasher(counter, after=0.3, code=3)}, backoff_start=0.1, backoff_cap=5, stable_after=0.2
    )
    # when it has exited three times
    wait_for(lambda: sum("worker stopped" in line for line in lines) >= 3)
    # then every restart waits the first step again (no 0.2, 0.4 s growth)
    stops = [line for line in lines if line.startswith("worker stopped")]
    assert stops[:3] == ["worker stopped (exit 3); restarting in 0.1 s"] * 3


def test_sigterm_stops_every_child_and_nothing_is_restarted():
    # given run_portal's supervisor in its own process with two long-running children
    script = textwrap.dedent(
        f"""
        import sys
        from aftersales.management.commands.run_portal import Supervisor
        def write(line):
            print(line, flush=True)
        sup = Supervisor({{"web": {SLEEPER!r}, "worker": {SLEEPER!r}}}, write=write, poll_interval=0.05)
        sup.run()
        print("all stopped", flush=True)
        """
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT), "DJANGO_SETTINGS_MODULE": "aftersales.settings_test"}
    proc = subprocess.Popen([sys.executable, "-c", script], cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True)
    started = [proc.stdout.readline(), proc.stdout.readline()]
    assert all(" started (pid " in line for line in started), started
    child_pids = [int(line.rsplit("pid ", 1)[1].rstrip(")\n")) for line in started]
    # when it receives SIGTERM
    proc.send_signal(signal.SIGTERM)
    out, _ = proc.communicate(timeout=20)
    # then it exits cleanly after stopping both children, without restarting either
    assert proc.returncode == 0
    assert "all stopped" in out and "restarting" not in out
    for pid in child_pids:
        wait_for(lambda pid=pid: not alive(pid), timeout=5)


def test_children_given_the_listening_socket_serve_it_together(supervise):
    # given one listening socket (as serve_asgi binds the port once for several Daphne processes, --fd N)
    from aftersales.management.commands.run_portal import listening_socket

    sock = listening_socket("127.0.0.1", 0)
    port, fd = sock.getsockname()[1], sock.fileno()
    # and two children that inherit it, each answering one connection with its pid and then staying up
    child = [
        sys.executable,
        "-c",
        f"import os, socket, time; s = socket.socket(fileno={fd}); c, _ = s.accept(); "
        "c.sendall(str(os.getpid()).encode()); c.close(); time.sleep(120)",
    ]
    sup, _ = supervise({"web1": child, "web2": child}, pass_fds={"web1": (fd,), "web2": (fd,)})
    try:
        # when two clients connect to the port
        answers = set()
        for _ in range(2):
            with socket.create_connection(("127.0.0.1", port), timeout=10) as client:
                answers.add(int(client.recv(32)))
        # then each child served one of them (the kernel hands a connection to whichever waits in accept)
        assert answers == {sup.processes["web1"].pid, sup.processes["web2"].pid}
    finally:
        sock.close()
