"""Load test: N simulated agents working the inquiry queue against the production run (loopback only).

Each agent signs in through the real login form, then until the time is up: opens the queue, opens an
inquiry from it, opens that inquiry's customer, and now and then replies (a real POST with CSRF), with a
think time between steps (--think, mean seconds; while an agent looks at the queue for longer than 5 seconds,
the page's htmx refresh runs every 5 seconds, as in the browser). Reports requests per second, median and
95th-percentile latency per page for the whole run and for the steady state (every agent signed in), and every
error. Standard library only (threads + http.client with keep-alive).

    # production run on PostgreSQL with demo data (see docs/DEPLOY.md), then:
    .venv/bin/python bench/load.py --base http://127.0.0.1:8007 --agents 50 --duration 120

Outage drills (optional): --cut-cmd / --restore-cmd run the operator's commands that really stop and start a
service (e.g. `pg_ctlcluster 15 main stop -m immediate` / `... start`, `redis-cli shutdown nosave` /
`redis-server --daemonize yes ...`) at --outage-at and --outage-seconds later. Or, with --pg-switch /
--redis-switch, the script opens a TCP forwarder on the given local port to PostgreSQL/Redis (start the portal
with DATABASE_URL/REDIS_URL pointing at that port) and cuts only the portal's connections. Responses during
the outage are counted per status (503 expected for PostgreSQL; none for Redis) and the recovery is reported.
"""

from __future__ import annotations

import argparse
import http.client
import random
import re
import socket
import statistics
import subprocess
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from html import unescape
from urllib.parse import urlencode, urlparse

DEMO_AGENTS = ["agent", "agent2", "agent3", "agent4", "agent5"]
DEMO_PASSWORD = "demo-pass-2026"
POLL_SECONDS = 5.0  # the queue page's htmx refresh
INQUIRY_LINK = re.compile(r'href="(/inquiries/(\d+)/)"')
CUSTOMER_LINK = re.compile(r'href="(/customers/(\d+)/)"')
CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
VIA_OPTION = re.compile(r'<select name="via"[^>]*>\s*(?:<option value="([^"]+)")', re.S)


@dataclass
class Stats:
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    statuses: dict[str, Counter] = field(default_factory=lambda: defaultdict(Counter))
    errors: list[str] = field(default_factory=list)
    timeline: list[tuple[float, str, int]] = field(default_factory=list)
    samples: list[tuple[float, str, float]] = field(default_factory=list)  # (started at, page, seconds)
    signed_in: list[float] = field(default_factory=list)  # when each agent's sign-in finished
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, page: str, seconds: float, status: int, at: float, note: str = "") -> None:
        with self.lock:
            self.latencies[page].append(seconds)
            self.statuses[page][status] += 1
            self.timeline.append((at, page, status))
            if status and status < 400:
                self.samples.append((at - seconds, page, seconds))
            if (status >= 400 or status == 0) and len(self.errors) < 200:
                self.errors.append(f"{page} {status} {note}")


class Agent:
    """One browser-like client: cookies, keep-alive connection, CSRF token."""

    def __init__(self, base: str, stats: Stats, started: float):
        url = urlparse(base)
        self.host, self.port = url.hostname, url.port or 80
        self.stats = stats
        self.started = started
        self.cookies: dict[str, str] = {}
        self.conn: http.client.HTTPConnection | None = None

    def _connection(self) -> http.client.HTTPConnection:
        if self.conn is None:
            self.conn = http.client.HTTPConnection(self.host, self.port, timeout=30)
        return self.conn

    def request(
        self, page: str, method: str, path: str, data: dict | None = None, headers: dict | None = None
    ) -> tuple[int, str, dict]:
        headers = {"Host": f"{self.host}:{self.port}", "User-Agent": "bench-load/1", **(headers or {})}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if data is not None:
            body = urlencode(data)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Referer"] = f"http://{self.host}:{self.port}{path}"
            headers["Origin"] = f"http://{self.host}:{self.port}"
        t0 = time.perf_counter()
        status, text, response_headers = 0, "", {}
        for attempt in range(2):  # one retry on a dropped keep-alive connection
            try:
                conn = self._connection()
                conn.request(method, path, body=body, headers=headers)
                response = conn.getresponse()
                text = response.read().decode("utf-8", errors="replace")
                status = response.status
                response_headers = {k.lower(): v for k, v in response.getheaders()}
                for key, value in response.getheaders():
                    if key.lower() == "set-cookie":
                        name, _eq, rest = value.partition("=")
                        self.cookies[name.strip()] = rest.split(";", 1)[0]
                break
            except (OSError, http.client.HTTPException) as exc:
                self.conn = None
                status, text = 0, exc.__class__.__name__
                if attempt:
                    break
        elapsed = time.perf_counter() - t0
        self.stats.record(
            page,
            elapsed,
            status,
            time.monotonic() - self.started,
            note=f"{method} {path} {text[:80]!r}" if status >= 400 or status == 0 else "",
        )
        return status, text, response_headers

    def csrf(self) -> str:
        return self.cookies.get("csrftoken", "")

    def login(self, username: str, password: str) -> bool:
        self.request("login_form", "GET", "/accounts/login/")
        status, _text, headers = self.request(
            "login",
            "POST",
            "/accounts/login/",
            {"username": username, "password": password, "csrfmiddlewaretoken": self.csrf(), "next": "/inquiries/"},
        )
        return status == 302


def agent_loop(agent: Agent, username: str, password: str, deadline: float, think: float, reply_share: float):
    rng = random.Random(hash(username) ^ id(agent))
    if not agent.login(username, password):
        return
    with agent.stats.lock:
        agent.stats.signed_in.append(time.monotonic() - agent.started)
    while time.monotonic() < deadline:
        status, page, _ = agent.request("queue", "GET", "/inquiries/")
        links = [path for path, _pk in INQUIRY_LINK.findall(page)] if status == 200 else []
        # Looking at the queue: the page refreshes its table every 5 seconds (htmx) while the agent reads it.
        looking = rng.uniform(0.5, 1.5) * think
        until = time.monotonic() + looking
        while time.monotonic() + POLL_SECONDS <= until and time.monotonic() < deadline:
            time.sleep(POLL_SECONDS)
            agent.request("queue_poll", "GET", "/inquiries/", headers={"HX-Request": "true"})
        time.sleep(max(0.0, until - time.monotonic()))
        if not links or time.monotonic() >= deadline:
            continue
        inquiry = rng.choice(links[:30])
        status, detail, _ = agent.request("inquiry", "GET", inquiry)
        time.sleep(rng.uniform(0.5, 1.5) * think)
        customers = [path for path, _pk in CUSTOMER_LINK.findall(detail)] if status == 200 else []
        if customers and time.monotonic() < deadline:
            agent.request("customer", "GET", customers[0])
            time.sleep(rng.uniform(0.5, 1.5) * think)
        if status == 200 and rng.random() < reply_share and f'action="{inquiry}reply/"' in detail:
            token = CSRF_INPUT.search(detail)
            via = VIA_OPTION.search(detail)
            agent.request(
                "reply",
                "POST",
                f"{inquiry}reply/",
                {
                    "csrfmiddlewaretoken": unescape(token.group(1)) if token else agent.csrf(),
                    "via": via.group(1) if via else "sms",
                    "body": "您好，您的问题已收到，我们正在处理。",
                },
            )
            time.sleep(rng.uniform(0.5, 1.5) * think)


class TcpSwitch:
    """A TCP forwarder (listen_port -> target) that can be cut and restored, for outage drills."""

    def __init__(self, listen_port: int, target: tuple[str, int]):
        self.target = target
        self.server = socket.socket()
        self.server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.server.bind(("127.0.0.1", listen_port))
        self.server.listen(200)
        self.up = True
        self.pairs: list[tuple[socket.socket, socket.socket]] = []
        self.lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                client, _ = self.server.accept()
            except OSError:
                return
            if not self.up:
                client.close()
                continue
            try:
                upstream = socket.create_connection(self.target, timeout=5)
                upstream.settimeout(None)
            except OSError:
                client.close()
                continue
            with self.lock:
                self.pairs.append((client, upstream))
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(a, b):
        try:
            while data := a.recv(65536):
                b.sendall(data)
        except OSError:
            pass
        finally:
            for s in (a, b):
                try:
                    s.close()
                except OSError:
                    pass

    def cut(self):
        self.up = False
        with self.lock:
            for a, b in self.pairs:
                for s in (a, b):
                    try:
                        s.shutdown(socket.SHUT_RDWR)
                        s.close()
                    except OSError:
                        pass
            self.pairs.clear()

    def restore(self):
        self.up = True


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return 0.0
    index = max(0, min(len(ordered) - 1, int(round(q * len(ordered) + 0.5)) - 1))
    return ordered[index]


def _table(rows: dict[str, list[float]], seconds: float, statuses: dict[str, Counter] | None = None) -> None:
    print(f"{'page':<12}{'count':>8}{'req/s':>8}{'median ms':>11}{'p95 ms':>9}{'max ms':>9}  statuses")
    for page in sorted(rows):
        values = rows[page]
        if not values:
            continue
        status_text = ", ".join(f"{k}:{v}" for k, v in sorted(statuses[page].items())) if statuses else ""
        print(
            f"{page:<12}{len(values):>8}{len(values) / seconds:>8.1f}{statistics.median(values) * 1000:>11.0f}"
            f"{percentile(values, 0.95) * 1000:>9.0f}{max(values) * 1000:>9.0f}  {status_text}"
        )


def report(stats: Stats, duration: float, outages: list[tuple[str, float, float]], agents: int) -> int:
    total = sum(len(v) for v in stats.latencies.values())
    print(f"\nwhole run: {total} requests in {duration:.0f} s = {total / duration:.1f} requests/s")
    _table(stats.latencies, duration, stats.statuses)
    # Steady state: every agent signed in (signing in hashes a password: ~0.5 s of CPU each, a burst at the
    # start of a shift), outside any outage and the 10 s after it.
    if len(stats.signed_in) == agents:
        steady_from = max(stats.signed_in)
        steady = defaultdict(list)
        for started, page, seconds in stats.samples:
            if started >= steady_from and not any(a <= started <= b + 10 for _n, a, b in outages):
                steady[page].append(seconds)
        window = duration - steady_from - sum(b - a + 10 for _n, a, b in outages)
        count = sum(len(v) for v in steady.values())
        print(
            f"\nsteady state (from {steady_from:.0f} s, all {agents} agents signed in, outages excluded): "
            f"{count} successful requests = {count / max(window, 1):.1f} requests/s"
        )
        _table(steady, max(window, 1))
        for page in ("queue", "queue_poll", "customer"):
            if steady.get(page):
                p95 = percentile(steady[page], 0.95) * 1000
                print(f"target {page} p95 < 200 ms: {p95:.0f} ms {'met' if p95 < 200 else 'NOT met'}")
    else:
        print(f"\nonly {len(stats.signed_in)} of {agents} agents signed in")
    outside = [
        (at, page, status)
        for at, page, status in stats.timeline
        if (status >= 400 or status == 0) and not any(start <= at <= end + 5 for _n, start, end in outages)
    ]
    for name, start, end in outages:
        during = Counter(status for at, _p, status in stats.timeline if start <= at <= end)
        after = [at for at, _p, status in stats.timeline if at > end and status < 400 and status != 0]
        recovered = (min(after) - end) if after else float("nan")
        print(
            f"{name} cut {start:.0f}-{end:.0f} s: statuses during the cut {dict(during)}; first success {recovered:.1f} s after restore"
        )
    print(f"errors outside outage windows: {len(outside)}")
    for line in stats.errors[:15]:
        print("  ", line)
    return 1 if outside else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--base", default="http://127.0.0.1:8007")
    parser.add_argument("--agents", type=int, default=50)
    parser.add_argument("--duration", type=float, default=120.0, help="seconds (bounded)")
    parser.add_argument("--think", type=float, default=1.0, help="mean think time between steps, seconds")
    parser.add_argument("--ramp", type=float, default=20.0, help="seconds over which the agents arrive")
    parser.add_argument("--reply-share", type=float, default=0.2, help="share of opened inquiries answered")
    parser.add_argument("--users", default=",".join(DEMO_AGENTS))
    parser.add_argument("--password", default=DEMO_PASSWORD)
    parser.add_argument(
        "--pg-switch", type=int, default=0, help="forward this local port to PostgreSQL 5432 and cut it"
    )
    parser.add_argument("--redis-switch", type=int, default=0, help="forward this local port to Redis 6379 and cut it")
    parser.add_argument(
        "--cut-cmd", default="", help="shell command that takes a service down (e.g. stop PostgreSQL) at --outage-at"
    )
    parser.add_argument("--restore-cmd", default="", help="shell command that brings it back after --outage-seconds")
    parser.add_argument("--outage-name", default="outage", help="what --cut-cmd takes down, for the report")
    parser.add_argument("--outage-at", type=float, default=30.0)
    parser.add_argument("--outage-seconds", type=float, default=30.0)
    args = parser.parse_args()
    host = urlparse(args.base).hostname
    if host not in {"127.0.0.1", "localhost", "::1"}:
        parser.error("loopback only")
    duration = min(args.duration, 900.0)

    switches = []
    if args.pg_switch:
        switches.append(("PostgreSQL", TcpSwitch(args.pg_switch, ("127.0.0.1", 5432))))
    if args.redis_switch:
        switches.append(("Redis", TcpSwitch(args.redis_switch, ("127.0.0.1", 6379))))

    stats = Stats()
    started = time.monotonic()
    deadline = started + duration
    users = args.users.split(",")
    threads = []
    for i in range(args.agents):
        agent = Agent(args.base, stats, started)
        thread = threading.Thread(
            target=agent_loop,
            args=(agent, users[i % len(users)], args.password, deadline, args.think, args.reply_share),
            daemon=True,
        )
        threads.append(thread)
        thread.start()
        time.sleep(args.ramp / max(1, args.agents))  # people arriving over --ramp seconds

    outages = []
    if switches or args.cut_cmd:
        time.sleep(max(0.0, started + args.outage_at - time.monotonic()))
        cut_at = time.monotonic() - started
        for _name, switch in switches:
            switch.cut()
        if args.cut_cmd:
            subprocess.run(args.cut_cmd, shell=True, check=False)  # noqa: S602 - the operator's own command
        names = [n for n, _s in switches] + ([args.outage_name] if args.cut_cmd else [])
        print(f"cut {', '.join(names)} at {cut_at:.0f} s", flush=True)
        time.sleep(max(0.0, started + cut_at + args.outage_seconds - time.monotonic()))
        for _name, switch in switches:
            switch.restore()
        if args.restore_cmd:
            subprocess.run(args.restore_cmd, shell=True, check=False)  # noqa: S602 - the operator's own command
        restored_at = time.monotonic() - started
        print(f"restored at {restored_at:.0f} s", flush=True)
        outages = [(name, cut_at, restored_at) for name in names]
    for thread in threads:
        thread.join(timeout=max(1.0, deadline - time.monotonic() + 35))
    return report(stats, time.monotonic() - started, outages, args.agents)


if __name__ == "__main__":
    raise SystemExit(main())
