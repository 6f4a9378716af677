#!/usr/bin/env python
"""Chat load (#16): N customers chatting with M agents over real WebSockets against the production web server.

    .venv/bin/python bench/chat_load.py                        # 200 customers, 20 agents, 120 s, one Daphne
    .venv/bin/python bench/chat_load.py --servers 2 --duration 120 --customers 200 --agents 20

What it does, all on the loopback:

1. A database of its own (PostgreSQL, `--database-url`, default h_chatbench): created, migrated and lightly seeded
   (`seed_demo --customers 50`) when missing, reused otherwise (`--fresh` drops it first). Redis db 13 is the
   channel layer, cache and broker (`--redis-url`; flushed at the start). Settings are the production ones (no
   DEBUG) with bench-only keys, plain HTTP, the chat start limit raised, 24-hour service and auto-assign off (the
   agents claim the chats themselves).
2. `--agents` on-duty agents (bench_agent01…) created once with staff.services.staff_member_create, each signed in
   **through the login form** (GET /accounts/login/ for the CSRF cookie, POST the form: a real session cookie).
3. The web server as `scripts/run_prod.sh web` runs it: `serve_asgi` (Daphne; `--servers N` processes sharing one
   socket) with CONN_MAX_AGE=0, on a free port. With redis-py 8 the channel layer needs `socket_timeout` above its
   5 s blocking read (channels_redis#422): unless the settings already give one, the bench serves a settings module
   that adds it (var/chatbench/chatbench_settings.py, printed at the start); `--as-configured` runs the settings as
   they are.
4. Each agent opens /ws/staff/ (the queue pushes arrive there). Each customer GETs /chat/, POSTs /chat/start/
   (name, mainland mobile, topic, text, CSRF), follows the redirect to /chat/<token>/ and opens /ws/chat/<token>/.
   The chats are dealt round-robin to the agents, who claim each one (POST /inquiries/<pk>/claim/) and open its
   panel socket /ws/chat/agent/<pk>/: --agents × (--customers / --agents) chat sockets on the agents' side.
5. For --duration seconds every customer sends a message every 5–10 s (typing first); the agent of the chat
   answers each one after 1–3 s (typing first). Each message carries a unique client_id; delivery latency is the
   time from the send on one socket to its arrival on the other side's socket (both in this process, one clock).
6. Then 10 s to drain: a message not received by the other side within 10 s of its send is lost. The chats are
   ended and rated. The thread is checked in the database (every sent message stored once).

It prints a table and one JSON line (`chat_load {...}`) with the figures, the server processes' CPU and the load
average. The client runs on the same cores: the "client loop lag" line says how late this process itself was.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import http.client
import json
import os
import random
import re
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from html import unescape
from pathlib import Path
from urllib.parse import urlencode, urlparse

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

AGENT_PASSWORD = "bench-pass-2026"
LOST_AFTER = 10.0  # seconds: a message not received by the other side by then is lost
CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
TOPICS = ["repayment", "fees", "early_settlement", "account", "certificate", "other"]
CUSTOMER_LINES = [
    "请问我这个月的还款日是哪天？",
    "提前还款需要收手续费吗？",
    "我想改一下预留的手机号。",
    "上个月的扣款好像扣了两次。",
    "能帮我开一份结清证明吗？",
    "利息是怎么算的？",
]
AGENT_LINES = [
    "您好，我帮您查一下，请稍等。",
    "已经为您查到了，还款日是每月15日。",
    "提前还款不收取额外费用。",
    "好的，我这边为您登记一下。",
    "请问还有其他可以帮您的吗？",
]


def bench_env(args, port: int) -> dict[str, str]:
    """Production settings (no DEBUG) for the bench: bench-only keys, the bench's own database and Redis db."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PYTEST"))}
    env.update(
        DJANGO_SETTINGS_MODULE="aftersales.settings",
        SECRET_KEY="chat-bench-only-" + "k" * 50,
        FIELD_ENCRYPTION_KEYS=base64.urlsafe_b64encode(b"chat-bench-only-not-a-secret-32b").decode(),
        PII_HASH_KEY="chat-bench-only-hash-key-" + "h" * 30,
        DATABASE_URL=args.database_url,
        REDIS_URL=args.redis_url,
        CHANNEL_LAYER_PREFIX="chatbench",
        ALLOWED_HOSTS="127.0.0.1,localhost",
        CSRF_TRUSTED_ORIGINS=f"http://127.0.0.1:{port}",
        SECURE_SSL_REDIRECT="0",
        SECURE_HSTS_SECONDS="0",
        STATIC_ROOT=str(ROOT / "var" / "chatbench" / "static"),
        CELERY_BROKER_DIR=str(ROOT / "var" / "chatbench" / "broker"),
        MESSAGING_BACKEND="outbox",
        LIVECHAT_START_RATE="100000/h",  # every customer comes from 127.0.0.1 here
        LOGIN_RATE_LIMIT="1000/m",
        INQUIRY_SERVICE_HOURS="",  # around the clock: the bench may run at night in Shanghai
        INQUIRY_AUTO_ASSIGN="0",  # the agents claim the chats (POST /inquiries/<pk>/claim/)
        LOG_LEVEL="WARNING",
        PORT=str(port),
        PYTHONUNBUFFERED="1",
    )
    return env


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def say(text: str) -> None:
    print(f"[{time.strftime('%H:%M:%S', time.gmtime())} UTC] {text}", flush=True)


LAYER_FIX = '''"""The portal's settings with the redis-py 8 fix for the channel layer (written by bench/chat_load.py)."""

from aftersales.settings import *  # noqa: F403

# redis-py 8 reads with a 5 s socket timeout by default; channels_redis blocks 5 s in BZPOPMIN, so an idle
# consumer's receive raised TimeoutError and its socket was closed (django/channels_redis#422). No read timeout.
CHANNEL_LAYERS["default"]["CONFIG"]["hosts"] = [  # noqa: F405
    {"address": host, "socket_timeout": None} if isinstance(host, str) else host
    for host in CHANNEL_LAYERS["default"]["CONFIG"]["hosts"]  # noqa: F405
]
# group_send drops a message for a process whose queue holds `capacity` messages and only says so at INFO.
LOGGING["loggers"]["channels_redis"] = {"level": "INFO"}  # noqa: F405
'''


PUBSUB = """
# --layer pubsub: channels_redis' Pub/Sub layer (one PUBLISH per group send, one subscription stream per process)
# instead of the list-based RedisChannelLayer (three round trips per message received, a capacity per process).
CHANNEL_LAYERS["default"]["BACKEND"] = "channels_redis.pubsub.RedisPubSubChannelLayer"  # noqa: F405
CHANNEL_LAYERS["default"]["CONFIG"].pop("capacity", None)  # noqa: F405
"""

WHAT_IF_POOL = """
# --what-if-thread-pool: the consumers' database calls on a pool of threads instead of the one thread that
# channels.db.database_sync_to_async (thread_sensitive=True) shares between every consumer of the process.
import channels.db as _channels_db  # noqa: E402

_DatabaseSyncToAsync = _channels_db.DatabaseSyncToAsync


def _database_sync_to_async(func=None, *, thread_sensitive=False):
    if func is None:
        return lambda f: _DatabaseSyncToAsync(f, thread_sensitive=thread_sensitive)
    return _DatabaseSyncToAsync(func, thread_sensitive=thread_sensitive)


_channels_db.database_sync_to_async = _database_sync_to_async
"""


def layer_needs_fix(env: dict[str, str]) -> bool:
    """True when the configured Redis channel layer has no socket_timeout of its own (redis-py 8 default: 5 s)."""
    out = subprocess.run(
        [
            sys.executable,
            "-c",
            "from django.conf import settings; import json; "
            "print(json.dumps(settings.CHANNEL_LAYERS['default'].get('CONFIG', {}).get('hosts', [])))",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    hosts = json.loads(out.stdout.strip().splitlines()[-1])
    return any(isinstance(host, str) or "socket_timeout" not in host for host in hosts)


# ---- database, agents, server ---------------------------------------------------------------------------


def prepare_database(args, env: dict[str, str]) -> None:
    """Create, migrate and lightly seed the bench database when missing (or with --fresh); flush the Redis db."""
    import psycopg2
    import redis

    url = urlparse(args.database_url)
    name = url.path.lstrip("/")
    admin = psycopg2.connect(
        host=url.hostname, port=url.port or 5432, user=url.username or "postgres", dbname="postgres"
    )
    admin.autocommit = True
    with admin.cursor() as cursor:
        if args.fresh:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        created = cursor.fetchone() is None
        if created:
            cursor.execute(f'CREATE DATABASE "{name}"')
    admin.close()
    redis.Redis.from_url(args.redis_url).flushdb()
    say(f"database {name}: {'created' if created else 'reused'}; migrating")
    run_manage(["migrate", "--noinput", "-v", "0"], env)
    if created:
        say("seeding (seed_demo --customers 50)")
        run_manage(["seed_demo", "--customers", "50"], env)
    if not (Path(env["STATIC_ROOT"]) / "staticfiles.json").exists():
        run_manage(["collectstatic", "--noinput", "-v", "0"], env)


def run_manage(command: list[str], env: dict[str, str]) -> None:
    subprocess.run([sys.executable, "manage.py", *command], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)


def ensure_agents(count: int) -> list[str]:
    """bench_agent01… as on-duty agents (created once); returns their user names."""
    import django

    django.setup()
    from django.contrib.auth import get_user_model

    from aftersales import permissions as roles
    from org.models import StaffProfile
    from staff.services import staff_member_create

    names = [f"bench_agent{i:02d}" for i in range(1, count + 1)]
    existing = set(get_user_model().objects.filter(username__in=names).values_list("username", flat=True))
    for i, username in enumerate(names, start=1):
        if username not in existing:
            staff_member_create(
                username=username,
                password=AGENT_PASSWORD,
                role=roles.AGENT,
                first_name=f"坐席{i:02d}",
                last_name="",
                on_duty=True,
                language="zh-hans",
            )
    StaffProfile.objects.filter(user__username__in=names).update(on_duty=True)
    return names


def inquiry_ids(tokens: list[str]) -> dict[str, int]:
    """The inquiry behind each chat token (what the agents' queue shows them)."""
    from livechat.models import ChatSession

    return dict(ChatSession.objects.filter(token__in=tokens).values_list("token", "inquiry_id"))


def stored_counts(client_ids: list[str]) -> Counter:
    """How many thread entries each sent client_id became (1 expected)."""
    from inquiries.models import InquiryMessage

    counts: Counter = Counter()
    for start in range(0, len(client_ids), 1000):
        chunk = client_ids[start : start + 1000]
        counts.update(InquiryMessage.objects.filter(external_id__in=chunk).values_list("external_id", flat=True))
    return counts


def start_server(env: dict[str, str], log: Path, servers: int) -> subprocess.Popen:
    """What `scripts/run_prod.sh web` runs (serve_asgi, CONN_MAX_AGE=0), with the bench's environment as given."""
    code = (
        "import sys; from aftersales.management.commands.run_portal import serve_asgi; "
        f"serve_asgi(host='127.0.0.1', port={env['PORT']}, processes={servers})"
    )
    return subprocess.Popen(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=env,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def server_pids(pid: int) -> list[int]:
    """The web server's process and its children (the Daphne processes)."""
    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True).stdout.split()
    return [pid, *map(int, out)]


def cpu_seconds(pids: list[int]) -> dict[int, float]:
    ticks = os.sysconf("SC_CLK_TCK")
    result = {}
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        result[pid] = (int(fields[11]) + int(fields[12])) / ticks
    return result


# ---- HTTP (standard library, one connection per call: these are few) ----------------------------------


class Browser:
    """Cookies by hand (the production cookies are Secure, which http.cookiejar would not send over plain HTTP)."""

    def __init__(self, port: int):
        self.port = port
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, form: dict | None = None, headers: dict | None = None):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        body = urlencode(form).encode() if form is not None else None
        send = {"Host": f"127.0.0.1:{self.port}", **(headers or {})}
        if body is not None:
            send["Content-Type"] = "application/x-www-form-urlencoded"
        if self.cookies:
            send["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        started = time.perf_counter()
        conn.request(method, path, body=body, headers=send)
        response = conn.getresponse()
        text = response.read().decode("utf-8", "replace")
        seconds = time.perf_counter() - started
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                self.cookies[name.strip()] = rest.split(";", 1)[0]
        conn.close()
        return response.status, response.getheader("Location") or "", text, seconds

    def csrf_from(self, html: str) -> str:
        found = CSRF_INPUT.search(html)
        return unescape(found.group(1)) if found else self.cookies.get("csrftoken", "")

    def cookie_header(self) -> str:
        return "; ".join(f"{k}={v}" for k, v in self.cookies.items())


def agent_sign_in(port: int, username: str) -> Browser:
    browser = Browser(port)
    status, _, html, _ = browser.request("GET", "/accounts/login/")
    assert status == 200, f"login page answered {status}"
    form = {"csrfmiddlewaretoken": browser.csrf_from(html), "username": username, "password": AGENT_PASSWORD}
    status, location, _, _ = browser.request("POST", "/accounts/login/", form, {"Referer": "/accounts/login/"})
    assert status == 302 and "sessionid" in browser.cookies, f"{username}: sign-in answered {status} {location}"
    return browser


def chat_start(port: int, index: int, stats: Stats) -> tuple[str, Browser]:
    """A customer opens /chat/, starts a chat and loads its window: returns the chat token."""
    browser = Browser(port)
    status, _, html, _ = browser.request("GET", "/chat/")
    assert status == 200, f"/chat/ answered {status}"
    form = {
        "csrfmiddlewaretoken": browser.csrf_from(html),
        "name": f"测试客户{index:03d}",
        "mobile": f"1380013{index:04d}",
        "topic": TOPICS[index % len(TOPICS)],
        "text": "你好，我想咨询一下我的贷款。",
        "website": "",
    }
    status, location, body, seconds = browser.request("POST", "/chat/start/", form, {"Referer": "/chat/"})
    stats.http["start"].append(seconds)
    match = re.search(r"/chat/([A-Za-z0-9_-]{16,})/", location)
    assert status == 302 and match, f"chat start answered {status} {location} {body[:300]}"
    status, _, _, seconds = browser.request("GET", location)
    stats.http["window"].append(seconds)
    assert status == 200, f"chat window answered {status}"
    return match.group(1), browser


def claim(agent: Browser, inquiry_id: int, stats: Stats) -> None:
    headers = {"X-CSRFToken": agent.cookies.get("csrftoken", ""), "Referer": "/inquiries/"}
    status, location, _, seconds = agent.request("POST", f"/inquiries/{inquiry_id}/claim/", {}, headers)
    stats.http["claim"].append(seconds)
    assert status == 302 and location.rstrip("/").endswith(str(inquiry_id)), f"claim {inquiry_id}: {status} {location}"


# ---- WebSockets ---------------------------------------------------------------------------------------


@dataclass
class Sent:
    at: float
    direction: str  # "c2a" customer to agent, "a2c" agent to customer
    chat: int
    received_at: float | None = None
    echoed_at: float | None = None


@dataclass
class Stats:
    sent: dict[str, Sent] = field(default_factory=dict)
    duplicates: int = 0
    replayed: int = 0
    states: Counter = field(default_factory=Counter)
    errors: Counter = field(default_factory=Counter)
    events: Counter = field(default_factory=Counter)
    drops: Counter = field(default_factory=Counter)
    refused: Counter = field(default_factory=Counter)
    handshake_retries: Counter = field(default_factory=Counter)
    http: dict[str, list[float]] = field(default_factory=lambda: {"start": [], "window": [], "claim": []})
    loop_lag: list[float] = field(default_factory=list)
    queue_pushes: int = 0
    client_cpu: float = 0.0


class Socket:
    """One WebSocket that reconnects after an unexpected close (as the pages' scripts do), with a handler."""

    def __init__(self, url: str, origin: str, cookie: str, on_event, stats: Stats, kind: str):
        self.url, self.origin, self.cookie = url, origin, cookie
        self.on_event, self.stats, self.kind = on_event, stats, kind
        self.ws: ClientConnection | None = None
        self.reconnected = 0
        self.ready = asyncio.Event()
        self.closing = False
        self.task: asyncio.Task | None = None

    async def open(self, attempts: int = 5) -> None:
        """Connect; a refused or timed-out handshake is tried again after a second (as the pages' scripts do)."""
        for attempt in range(1, attempts + 1):
            try:
                self.ws = await self.connect()
                break
            except (OSError, InvalidHandshake, TimeoutError):
                self.stats.handshake_retries[self.kind] += 1
                if attempt == attempts:
                    raise
                await asyncio.sleep(1.0)
        self.ready.set()
        self.task = asyncio.create_task(self.read())

    async def connect(self) -> ClientConnection:
        return await connect(
            self.url,
            origin=self.origin,
            additional_headers={"Cookie": self.cookie} if self.cookie else None,
            open_timeout=60,
            max_queue=None,
        )

    async def read(self) -> None:
        while True:
            try:
                async for frame in self.ws:
                    self.on_event(json.loads(frame), time.perf_counter())
            except ConnectionClosed:
                pass
            if self.closing:
                return
            self.stats.drops[self.kind] += 1
            self.ready.clear()
            while not self.closing:
                await asyncio.sleep(1.0)
                try:
                    self.ws = await self.connect()
                    self.reconnected += 1
                    self.ready.set()
                    break
                except (OSError, InvalidHandshake, TimeoutError):
                    self.stats.refused[self.kind] += 1

    async def send(self, event: dict) -> bool:
        await self.ready.wait()
        try:
            await self.ws.send(json.dumps(event, ensure_ascii=False))
        except ConnectionClosed:
            return False
        return True

    async def close(self) -> None:
        self.closing = True
        if self.ws is not None:
            await self.ws.close()
        if self.task is not None:
            await asyncio.gather(self.task, return_exceptions=True)


class Chat:
    """One chat: the customer's socket and the agent's panel socket, with the traffic between them."""

    def __init__(self, index: int, token: str, stats: Stats):
        self.index, self.token, self.stats = index, token, stats
        self.customer: Socket | None = None
        self.agent: Socket | None = None
        self.running = False
        self.tasks: set[asyncio.Task] = set()
        self.states: list[str] = []

    def on_customer(self, event: dict, now: float) -> None:
        self.note(event, now, me="customer", replays=bool(self.customer.reconnected))

    def on_agent(self, event: dict, now: float) -> None:
        if self.note(event, now, me="agent", replays=bool(self.agent.reconnected)) and self.running:
            task = asyncio.create_task(self.answer())
            self.tasks.add(task)
            task.add_done_callback(self.tasks.discard)

    def note(self, event: dict, now: float, *, me: str, replays: bool = False) -> bool:
        """Record an event on `me`'s socket; True when it is the other side's message arriving for the first time."""
        kind = event.get("type")
        self.stats.events[f"{me}:{kind}"] += 1
        if kind == "error":
            self.stats.errors[event.get("code", "?")] += 1
        if kind == "state":
            self.states.append(event.get("state", ""))
            self.stats.states[f"{me}:{event.get('state', '')}"] += 1
        if kind != "message":
            return False
        sent = self.stats.sent.get(event.get("client_id") or "")
        if sent is None:  # the transcript replayed on connecting (the first message came from the start form)
            return False
        if event.get("author") == me:
            sent.echoed_at = sent.echoed_at or now
            return False
        if sent.received_at is not None:  # after a reconnect the transcript comes again (the windows dedupe by id)
            if replays:
                self.stats.replayed += 1
            else:
                self.stats.duplicates += 1
            return False
        sent.received_at = now
        return True

    async def say(self, socket_: Socket, direction: str, text: str) -> None:
        await socket_.send({"type": "typing"})
        await asyncio.sleep(random.uniform(0.3, 0.8))
        client_id = str(uuid.uuid4())
        self.stats.sent[client_id] = Sent(at=time.perf_counter(), direction=direction, chat=self.index)
        await socket_.send({"type": "message", "client_id": client_id, "text": text})

    async def customer_loop(self, until: float, interval: tuple[float, float]) -> None:
        await asyncio.sleep(random.uniform(0, interval[1]))  # customers do not all start in the same second
        while time.perf_counter() < until:
            await self.say(self.customer, "c2a", random.choice(CUSTOMER_LINES))
            await asyncio.sleep(random.uniform(*interval))

    async def answer(self) -> None:
        await asyncio.sleep(random.uniform(1.0, 3.0))
        if self.running:
            await self.say(self.agent, "a2c", random.choice(AGENT_LINES))


async def loop_lag_probe(stats: Stats, stop: asyncio.Event) -> None:
    """How late this process's own event loop wakes up (the client's share of a measured latency)."""
    while not stop.is_set():
        before = time.perf_counter()
        await asyncio.sleep(0.1)
        stats.loop_lag.append(time.perf_counter() - before - 0.1)


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered) + 0.5) - 1))]


async def gather_limited(coroutines, limit: int):
    gate = asyncio.Semaphore(limit)

    async def one(coroutine):
        async with gate:
            return await coroutine

    return await asyncio.gather(*(one(c) for c in coroutines))


async def run(args, port: int, agents: list[str], server: subprocess.Popen) -> dict:
    stats = Stats()
    loop = asyncio.get_running_loop()
    pool = ThreadPoolExecutor(max_workers=8)
    base = f"http://127.0.0.1:{port}"
    ws_base = f"ws://127.0.0.1:{port}"

    say(f"signing in {len(agents)} agents through the login form")
    browsers = await asyncio.gather(*(loop.run_in_executor(pool, agent_sign_in, port, name) for name in agents))

    def on_staff(event: dict, now: float) -> None:
        stats.events[f"staff:{event.get('type')}"] += 1
        if event.get("type") == "queue":
            stats.queue_pushes += 1

    staff_sockets = [
        Socket(f"{ws_base}/ws/staff/", base, b.cookie_header(), on_staff, stats, "staff") for b in browsers
    ]
    await gather_limited([s.open() for s in staff_sockets], 10)
    say(f"{len(staff_sockets)} staff sockets open; starting {args.customers} chats through /chat/start/")

    started = await asyncio.gather(
        *(loop.run_in_executor(pool, chat_start, port, i, stats) for i in range(1, args.customers + 1))
    )
    chats = [Chat(i, token, stats) for i, (token, _) in enumerate(started, start=1)]
    for chat in chats:
        chat.customer = Socket(f"{ws_base}/ws/chat/{chat.token}/", base, "", chat.on_customer, stats, "customer")
    await gather_limited([c.customer.open() for c in chats], 10)
    say(f"{len(chats)} customer sockets open (waiting); the agents claim their chats")

    ids = await loop.run_in_executor(pool, inquiry_ids, [c.token for c in chats])
    owner = {chat.index: browsers[(chat.index - 1) % len(browsers)] for chat in chats}
    await asyncio.gather(*(loop.run_in_executor(pool, claim, owner[c.index], ids[c.token], stats) for c in chats))
    for chat in chats:
        chat.agent = Socket(
            f"{ws_base}/ws/chat/agent/{ids[chat.token]}/",
            base,
            owner[chat.index].cookie_header(),
            chat.on_agent,
            stats,
            "agent",
        )
    await gather_limited([c.agent.open() for c in chats], 5)
    await asyncio.sleep(1.0)
    active = sum(1 for c in chats if "active" in c.states)
    say(f"{len(chats)} agent chat sockets open; {active} chats active; messages for {args.duration:g} s")

    pids = server_pids(server.pid)
    cpu_before = cpu_seconds(pids)
    client_before = time.process_time()
    load_before = os.getloadavg()
    stop_probe = asyncio.Event()
    probe = asyncio.create_task(loop_lag_probe(stats, stop_probe))
    began = time.perf_counter()
    until = began + args.duration
    for chat in chats:
        chat.running = True
    await asyncio.gather(*(c.customer_loop(until, (args.min_interval, args.max_interval)) for c in chats))
    for chat in chats:
        chat.running = False
    elapsed = time.perf_counter() - began
    say(f"sending stopped after {elapsed:.0f} s; draining for {LOST_AFTER:g} s")
    await asyncio.sleep(LOST_AFTER + 3.5)  # the last answers are sent up to 3 s after the last question
    stop_probe.set()
    await probe
    cpu_after = cpu_seconds(pids)
    stats.client_cpu = time.process_time() - client_before
    load_after = os.getloadavg()

    say("ending and rating the chats")
    for chat in chats:
        await chat.customer.send({"type": "end"})
    await asyncio.sleep(1.0)
    for chat in chats:
        await chat.customer.send({"type": "rate", "score": 5})
    await asyncio.sleep(2.0)
    ended = sum(1 for c in chats if "ended" in c.states)
    await asyncio.gather(*(s.close() for c in chats for s in (c.customer, c.agent)), return_exceptions=True)
    await asyncio.gather(*(s.close() for s in staff_sockets), return_exceptions=True)

    counts = await loop.run_in_executor(pool, stored_counts, list(stats.sent))
    pool.shutdown()
    return summarise(args, stats, chats, elapsed, cpu_before, cpu_after, load_before, load_after, counts, ended)


def summarise(args, stats, chats, elapsed, cpu_before, cpu_after, load_before, load_after, counts, ended) -> dict:
    result: dict = {
        "customers": args.customers,
        "agents": args.agents,
        "servers": args.servers,
        "duration_s": round(elapsed, 1),
    }
    for direction in ("c2a", "a2c"):
        messages = [s for s in stats.sent.values() if s.direction == direction]
        latencies = [s.received_at - s.at for s in messages if s.received_at is not None]
        on_time = [x for x in latencies if x <= LOST_AFTER]
        result[direction] = {
            "sent": len(messages),
            "received": len(on_time),
            "lost": len(messages) - len(on_time),
            "p50_ms": round(percentile(latencies, 50) * 1000, 1),
            "p95_ms": round(percentile(latencies, 95) * 1000, 1),
            "p99_ms": round(percentile(latencies, 99) * 1000, 1),
            "max_ms": round(max(latencies, default=float("nan")) * 1000, 1),
            "echo_p95_ms": round(
                percentile([s.echoed_at - s.at for s in messages if s.echoed_at is not None], 95) * 1000, 1
            ),
        }
    result["messages_per_s"] = round(len(stats.sent) / elapsed, 1) if elapsed else 0
    result["stored_once"] = sum(1 for cid in stats.sent if counts.get(cid) == 1)
    result["stored_twice_or_more"] = sum(1 for cid in stats.sent if counts.get(cid, 0) > 1)
    result["duplicates_received"] = stats.duplicates
    result["replayed_after_reconnect"] = stats.replayed
    result["states_seen"] = dict(stats.states)
    result["errors"] = dict(stats.errors)
    result["socket_drops"] = dict(stats.drops)
    result["reconnects_refused"] = dict(stats.refused)
    result["handshake_retries"] = dict(stats.handshake_retries)
    result["queue_pushes_on_staff_sockets"] = stats.queue_pushes
    result["chats_ended"] = ended
    result["http_ms"] = {
        name: {"p50": round(percentile(v, 50) * 1000), "p95": round(percentile(v, 95) * 1000)}
        for name, v in stats.http.items()
    }
    result["client_loop_lag_ms"] = {
        "p95": round(percentile(stats.loop_lag, 95) * 1000, 1),
        "max": round(max(stats.loop_lag, default=0) * 1000, 1),
    }
    result["server_cpu_pct"] = {
        str(pid): round(100 * (cpu_after.get(pid, 0) - cpu_before.get(pid, 0)) / (elapsed + LOST_AFTER + 3.5), 1)
        for pid in cpu_before
    }
    result["client_cpu_pct"] = round(100 * stats.client_cpu / (elapsed + LOST_AFTER + 3.5), 1)
    result["loadavg_before"] = [round(x, 2) for x in load_before]
    result["loadavg_after"] = [round(x, 2) for x in load_after]
    return result


def print_table(result: dict) -> None:
    print()
    print(
        f"chat load: {result['customers']} customers, {result['agents']} agents, {result['servers']} Daphne "
        f"process(es), {result['duration_s']:g} s, {result['messages_per_s']} messages/s"
    )
    header = f"{'direction':<20} {'sent':>6} {'received':>9} {'lost':>5} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'max ms':>8}"
    print(header)
    print("-" * len(header))
    for direction, label in (("c2a", "customer -> agent"), ("a2c", "agent -> customer")):
        row = result[direction]
        print(
            f"{label:<20} {row['sent']:>6} {row['received']:>9} {row['lost']:>5} {row['p50_ms']:>8} "
            f"{row['p95_ms']:>8} {row['p99_ms']:>8} {row['max_ms']:>8}"
        )
    print(
        f"stored once in the thread: {result['stored_once']} of {result['c2a']['sent'] + result['a2c']['sent']}; "
        f"stored twice: {result['stored_twice_or_more']}; duplicates received: {result['duplicates_received']} "
        f"(plus {result['replayed_after_reconnect']} in transcripts replayed after a reconnect)"
    )
    print(
        f"errors: {result['errors'] or 'none'}; socket drops: {result['socket_drops'] or 'none'}; "
        f"handshakes tried again: {result['handshake_retries'] or 'none'}; "
        f"chats ended: {result['chats_ended']}"
    )
    print(
        "HTTP p50/p95 ms: "
        + ", ".join(f"{k} {v['p50']}/{v['p95']}" for k, v in result["http_ms"].items())
        + f"; staff queue pushes seen: {result['queue_pushes_on_staff_sockets']}"
    )
    print(
        f"server CPU % (per process): {result['server_cpu_pct']}; this client {result['client_cpu_pct']} %; "
        f"client loop lag p95/max ms: "
        f"{result['client_loop_lag_ms']['p95']}/{result['client_loop_lag_ms']['max']}"
    )
    print(f"load average before/after: {result['loadavg_before']} / {result['loadavg_after']}")
    print(
        f"group sends that skipped a full process queue (channels_redis 'over capacity' lines): "
        f"{result['layer_over_capacity_logs']}; experiments: {result['what_if']}"
    )
    print("chat_load " + json.dumps(result, ensure_ascii=False), flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter, allow_abbrev=False
    )
    parser.add_argument("--duration", type=float, default=120.0, help="seconds of messages (default 120)")
    parser.add_argument("--customers", type=int, default=200)
    parser.add_argument("--agents", type=int, default=20)
    parser.add_argument("--servers", type=int, default=1, help="Daphne processes (WEB_CONCURRENCY, one socket)")
    parser.add_argument("--min-interval", type=float, default=5.0, help="seconds between a customer's messages")
    parser.add_argument("--max-interval", type=float, default=10.0)
    parser.add_argument("--port", type=int, default=0, help="default: a free port")
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/h_chatbench")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/13")
    parser.add_argument("--fresh", action="store_true", help="drop and recreate the bench database first")
    parser.add_argument(
        "--web-conn-max-age",
        type=int,
        default=0,
        help="CONN_MAX_AGE of the web server (run_prod.sh web: 0, as Django advises under ASGI); to compare",
    )
    parser.add_argument(
        "--layer",
        choices=["configured", "pubsub"],
        default="configured",
        help="experiment: pubsub = channels_redis.pubsub.RedisPubSubChannelLayer instead of the settings' layer",
    )
    parser.add_argument(
        "--layer-capacity",
        type=int,
        default=0,
        help="experiment: the Redis channel layer's capacity per channel (channels_redis default 100)",
    )
    parser.add_argument(
        "--what-if-thread-pool",
        action="store_true",
        help="experiment: the consumers' database calls on a thread pool (thread_sensitive=False), not one thread",
    )
    parser.add_argument(
        "--as-configured", action="store_true", help="serve the settings as they are (no channel-layer timeout fix)"
    )
    args = parser.parse_args()
    if args.servers > 1 and not args.redis_url:
        parser.error("--servers above 1 needs the Redis channel layer (--redis-url)")

    port = args.port or free_port()
    env = bench_env(args, port)
    (ROOT / "var" / "chatbench").mkdir(parents=True, exist_ok=True)
    prepare_database(args, env)
    experiments = args.what_if_thread_pool or args.layer_capacity or args.layer == "pubsub"
    if experiments or (not args.as_configured and layer_needs_fix(env)):
        fixed = ROOT / "var" / "chatbench" / "chatbench_settings.py"
        capacity = f'\nCHANNEL_LAYERS["default"]["CONFIG"]["capacity"] = {args.layer_capacity}  # noqa: F405\n'
        fixed.write_text(
            LAYER_FIX
            + (capacity if args.layer_capacity else "")
            + (PUBSUB if args.layer == "pubsub" else "")
            + (WHAT_IF_POOL if args.what_if_thread_pool else "")
        )
        env["PYTHONPATH"] = os.pathsep.join([str(fixed.parent), str(ROOT)])
        env["DJANGO_SETTINGS_MODULE"] = "chatbench_settings"
        say(f"serving {fixed}: the channel layer with socket_timeout=None (redis-py 8) and the experiments asked for")
    # this process reads the same database (agents, chat ids, the stored thread) with the portal's own settings
    os.environ.update({k: v for k, v in env.items() if k != "PYTHONPATH"})
    os.environ["DJANGO_SETTINGS_MODULE"] = "aftersales.settings"
    agents = ensure_agents(args.agents)
    log = ROOT / "var" / "chatbench" / "web.log"
    say(f"starting the web server (Daphne x{args.servers}, as scripts/run_prod.sh web) on port {port}; log {log}")
    server = start_server({**env, "CONN_MAX_AGE": str(args.web_conn_max_age)}, log, args.servers)
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                status = Browser(port).request("GET", "/chat/")[0]
                if status == 200:
                    break
            except OSError:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                print(log.read_text(errors="replace")[-3000:])
                return 1
            time.sleep(0.5)
        result = asyncio.run(run(args, port, agents, server))
    finally:
        try:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=20)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            os.killpg(server.pid, signal.SIGKILL)
    result["layer_over_capacity_logs"] = log.read_text(errors="replace").count("over capacity in group")
    result["what_if"] = {
        "thread_pool": args.what_if_thread_pool,
        "layer_capacity": args.layer_capacity or None,
        "web_conn_max_age": args.web_conn_max_age,
        "layer": args.layer,
    }
    print_table(result)
    lost = result["c2a"]["lost"] + result["a2c"]["lost"]
    return 0 if lost == 0 and max(result["c2a"]["p95_ms"], result["a2c"]["p95_ms"]) < 500 else 2  # the #16 target


if __name__ == "__main__":
    sys.exit(main())
