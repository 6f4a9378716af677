"""The chat WebSockets (#16): the customer's window at /ws/chat/<token>/, the agent's panel at /ws/chat/agent/<id>/.

Protocol (JSON text frames; a load benchmark is written against exactly this):

client → server
    {"type": "message", "client_id": "<uuid>", "text": "..."}   a message (either side)
    {"type": "typing"}                                          the sender is typing (either side)
    {"type": "rate", "score": 1..5}                             the customer's rating (customer only)
    {"type": "end"}                                             end the chat (either side)

server → client
    {"type": "message", "id": <db id>, "client_id": "<uuid or empty>", "author": "customer"|"agent",
     "name": "...", "text": "...", "at": "ISO"}                 to both sides; the sender's own message coming back is
                                                                its delivery acknowledgement (stored in the thread)
    {"type": "typing", "author": "customer"|"agent"}            the other side is typing
    {"type": "delivered", "id": <db id>}                        the other side's screen received the message
    {"type": "state", "state": "waiting|active|ended|abandoned", "agent": "name", "rating": null|1..5}
    {"type": "error", "code": "too_long|empty|invalid|rate_limited|not_live|claimed|not_yours|rating", "client_id": ...}

On connecting, a window gets the state, then the transcript as "message" events (and, for the agent, "delivered"
for the answers the customer's window has received). Refused sockets are closed before the handshake completes:
4404 unknown token or not a chat, 4401 not signed in, 4403 not allowed to work the inquiry.
Text is sent as stored (ID, card and mobile numbers masked); the windows insert it as text, never as HTML.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import threading
import time
import weakref
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

from asgiref.sync import sync_to_async
from channels.db import database_sync_to_async as _channels_database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import DEFAULT_DB_ALIAS, connections
from django.utils import timezone

from inquiries.models import Inquiry
from livechat import selectors, services
from livechat.models import ChatSession

logger = logging.getLogger(__name__)

CUSTOMER, AGENT = "customer", "agent"
TYPING_EVERY_SECONDS = 2.0  # a side's typing reaches the other side at most this often (the windows show it 3 s)
KEEP_CONNECTION_SECONDS = 300  # a database thread's connection is opened again after this long


def chat_group(session_id: int) -> str:
    """The channel-layer group of one chat: every window of both sides (messages and state)."""
    return f"chat.{int(session_id)}"


def side_group(session_id: int, side: str) -> str:
    """The windows of one side of a chat (typing and delivery go to one side only)."""
    return f"chat.{int(session_id)}.{side}"


# ---- the consumers' database calls ----------------------------------------------------------------------------------
# channels' database_sync_to_async runs every consumer's call of a process on ONE shared thread, and with
# CONN_MAX_AGE=0 opens a new connection for each call (docs/DEPLOY.md, "Chat load figures"). Under PostgreSQL the chat
# sockets use a small pool of their own (LIVECHAT_DB_THREADS threads per process), each thread keeping its connection
# (at most that many per process; reopened after an error or KEEP_CONNECTION_SECONDS). Every call is one short
# transaction of its own, so no call depends on running on a particular thread. SQLite (development, `make test`)
# takes one writer at a time: there the calls stay on channels' one thread.

_pool_lock = threading.Lock()
_pool: ThreadPoolExecutor | None = None
_thread = threading.local()


def _own_pool() -> ThreadPoolExecutor | None:
    global _pool
    if settings.LIVECHAT_DB_THREADS <= 0 or "sqlite" in settings.DATABASES[DEFAULT_DB_ALIAS]["ENGINE"]:
        return None
    with _pool_lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(max_workers=settings.LIVECHAT_DB_THREADS, thread_name_prefix="livechat-db")
    return _pool


def _with_kept_connection(func, *args, **kwargs):
    """Run `func` on this pool thread's own connection: closed first when broken or old, kept afterwards."""
    connection = connections[DEFAULT_DB_ALIAS]
    if connection.connection is not None:
        broken = connection.errors_occurred and not connection.is_usable()
        if broken or connection.in_atomic_block or time.monotonic() >= getattr(_thread, "close_at", 0.0):
            connection.close()
        connection.errors_occurred = False
    try:
        return func(*args, **kwargs)
    finally:
        if connection.connection is not None and getattr(_thread, "raw", None) is not connection.connection:
            _thread.raw, _thread.close_at = connection.connection, time.monotonic() + KEEP_CONNECTION_SECONDS


def database_sync_to_async(func):
    """A consumer's database call, awaited (see above: the pool under PostgreSQL, channels' thread otherwise)."""

    @functools.wraps(func)
    async def call(*args, **kwargs):
        pool = _own_pool()
        if pool is None:
            return await _channels_database_sync_to_async(func)(*args, **kwargs)
        return await sync_to_async(_with_kept_connection, thread_sensitive=False, executor=pool)(func, *args, **kwargs)

    return call


class _Deliveries:
    """The answers that reached a customer's window, written to the thread in batches: the sender is told at once
    over the layer; the database write of every delivery received while one is running is the next one (one call
    for many chats under load, at once when quiet). One per event loop."""

    def __init__(self) -> None:
        self.pending: dict[int, datetime] = {}
        self.task: asyncio.Task | None = None

    def add(self, message_id: int) -> None:
        self.pending.setdefault(message_id, timezone.now())
        if self.task is None or self.task.done():
            self.task = asyncio.ensure_future(self._write())

    async def _write(self) -> None:
        while self.pending:
            batch, self.pending = self.pending, {}
            try:
                await database_sync_to_async(services.delivered_many)(reached=batch)
            except Exception:  # the customer's next window marks them again (join: answers not yet reached)
                logger.exception("chat deliveries not recorded: %s", sorted(batch))

    async def settle(self) -> None:
        """Wait for the deliveries received so far to be written."""
        while self.task is not None and not self.task.done():
            await asyncio.shield(self.task)


_deliveries_by_loop: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _deliveries() -> _Deliveries:
    loop = asyncio.get_running_loop()
    found = _deliveries_by_loop.get(loop)
    if found is None:
        found = _deliveries_by_loop[loop] = _Deliveries()
    return found


@database_sync_to_async
def _session_by_token(token: str) -> ChatSession | None:
    return selectors.session_by_token(token=token)


@database_sync_to_async
def _session_for_agent(user, inquiry_id: int) -> tuple[ChatSession | None, bool]:
    session = selectors.session_for_inquiry(inquiry_id=inquiry_id)
    if session is None:
        return None, False
    return session, selectors.may_work(user=user, inquiry=session.inquiry)


@database_sync_to_async
def _reload(session_id: int) -> ChatSession:
    return ChatSession.objects.select_related("inquiry", "claimed_by").get(pk=session_id)


@database_sync_to_async
def _transcript(session: ChatSession) -> list[dict]:
    return selectors.transcript(session=session)


class ChatConsumer(AsyncJsonWebsocketConsumer):
    """What both sides share: the chat's group, limits, typing, delivery and state."""

    side = ""

    async def join(self, session: ChatSession) -> None:
        self.session_id = session.pk
        self.group = chat_group(session.pk)
        self.own_group = side_group(session.pk, self.side)
        self.other_group = side_group(session.pk, AGENT if self.side == CUSTOMER else CUSTOMER)
        self.sent_at: deque[float] = deque()
        self.typing_at = 0.0
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.channel_layer.group_add(self.own_group, self.channel_name)
        await self.accept()
        await self.send_json(selectors.state_event(session))
        history = await _transcript(session)
        for event in history:
            reached = event.pop("delivered")
            await self.send_json(event)
            if self.side == AGENT and event["author"] == AGENT and reached:
                await self.send_json({"type": "delivered", "id": event["id"]})
            if self.side == CUSTOMER and event["author"] == AGENT and not reached:
                await self._received(event)

    async def disconnect(self, code):
        if getattr(self, "group", None):
            await self.channel_layer.group_discard(self.group, self.channel_name)
            await self.channel_layer.group_discard(self.own_group, self.channel_name)

    async def receive(self, text_data=None, bytes_data=None, **kwargs):
        # A frame far over any allowed message is refused before it is parsed.
        if text_data is None or len(text_data) > 4 * settings.LIVECHAT_MESSAGE_MAX_CHARS + 512:
            await self.send_json({"type": "error", "code": "too_long", "client_id": ""})
            return
        try:
            await super().receive(text_data=text_data, bytes_data=bytes_data, **kwargs)
        except ValueError:  # not JSON
            await self.send_json({"type": "error", "code": "invalid", "client_id": ""})

    async def receive_json(self, content, **kwargs):
        if not isinstance(content, dict):
            return
        kind = content.get("type")
        if kind == "message":
            await self._message(content)
        elif kind == "typing":
            now = time.monotonic()
            if now - self.typing_at >= TYPING_EVERY_SECONDS:
                self.typing_at = now
                await self.channel_layer.group_send(self.other_group, {"type": "chat.typing", "author": self.side})
        elif kind == "end":
            session = await database_sync_to_async(services.chat_end)(session_id=self.session_id, by=self.ender())
            if session is not None:
                await self.broadcast_state()
        elif kind == "rate" and self.side == CUSTOMER:
            try:
                await database_sync_to_async(services.chat_rate)(session_id=self.session_id, score=content.get("score"))
            except ValidationError:
                await self.send_json({"type": "error", "code": "rating", "client_id": ""})
                return
            await self.broadcast_state()

    def ender(self):
        return None

    def over_rate(self) -> bool:
        now = time.monotonic()
        while self.sent_at and now - self.sent_at[0] > 60:
            self.sent_at.popleft()
        if len(self.sent_at) >= settings.LIVECHAT_MESSAGES_PER_MINUTE:
            return True
        self.sent_at.append(now)
        return False

    async def _message(self, content: dict) -> None:
        client_id = content.get("client_id") if isinstance(content.get("client_id"), str) else ""
        if self.over_rate():
            await self.send_json({"type": "error", "code": "rate_limited", "client_id": client_id})
            return
        try:
            event = await self.store(content.get("text"), client_id)
        except services.ChatRefused as refused:
            await self.send_json({"type": "error", "code": refused.code, "client_id": client_id})
            if refused.code == "not_live":  # e.g. the inquiry was resolved meanwhile: both sides learn the state
                await self.broadcast_state()
            return
        event.pop("delivered", None)
        await self.channel_layer.group_send(self.group, {"type": "chat.message", "event": event})
        if self.side == AGENT:
            await self.agent_took_over()

    async def store(self, text, client_id: str) -> dict:
        raise NotImplementedError

    async def agent_took_over(self) -> None:
        """Overridden by the agent's side."""

    async def broadcast_state(self) -> None:
        session = await _reload(self.session_id)
        event = {"type": "chat.state", "event": selectors.state_event(session), "by": self.channel_name}
        await self.channel_layer.group_send(self.group, event)

    async def _received(self, event: dict) -> None:
        """This window received the other side's message: tell the sender's side at once (and record an answer
        reaching the customer, in the next batch)."""
        await self.channel_layer.group_send(
            self.other_group, {"type": "chat.delivered", "id": event["id"], "to": event["author"]}
        )
        if self.side == CUSTOMER:
            _deliveries().add(event["id"])

    # ---- group events -------------------------------------------------------------------------------

    async def chat_message(self, message):
        event = message["event"]
        await self.send_json(event)
        if event["author"] != self.side:
            await self._received(event)

    async def chat_delivered(self, message):
        if message["to"] == self.side:
            await self.send_json({"type": "delivered", "id": message["id"]})

    async def chat_typing(self, message):
        if message["author"] != self.side:
            await self.send_json({"type": "typing", "author": message["author"]})

    async def chat_state(self, message):
        await self.send_json(message["event"])


class CustomerChatConsumer(ChatConsumer):
    """The customer's chat window: the token in the path is the key; no sign-in."""

    side = CUSTOMER

    async def connect(self):
        token = self.scope["url_route"]["kwargs"].get("token", "")
        session = await _session_by_token(token)
        if session is None:
            await self.close(code=4404)
            return
        self.session = session
        await database_sync_to_async(services.chat_customer_connected)(session_id=session.pk)
        await self.join(session)

    async def disconnect(self, code):
        await super().disconnect(code)
        if getattr(self, "session_id", None):
            await _deliveries().settle()
            await database_sync_to_async(services.chat_customer_disconnected)(session_id=self.session_id)

    async def store(self, text, client_id: str) -> dict:
        return await database_sync_to_async(_customer_store)(self.session_id, text, client_id)


def _live_session(session_id: int) -> ChatSession:
    """The chat, still live; a chat whose inquiry was resolved meanwhile ends now (refused: not live)."""
    session = ChatSession.objects.select_related("inquiry").get(pk=session_id)
    if session.is_live and session.inquiry.status == Inquiry.Status.RESOLVED:
        services.chat_end(session_id=session_id, by=session.inquiry.resolved_by)
        session.refresh_from_db()
    if not session.is_live:
        raise services.ChatRefused("not_live")
    return session


def _customer_store(session_id: int, text, client_id: str) -> dict:
    session = _live_session(session_id)
    return services.chat_customer_message(session=session, text=text, client_id=client_id)


def _agent_store(session_id: int, user, text, client_id: str) -> dict:
    session = _live_session(session_id)
    return services.chat_agent_message(session=session, user=user, text=text, client_id=client_id)


class AgentChatConsumer(ChatConsumer):
    """The chat panel on the inquiry page: signed-in front-line staff who may work the inquiry."""

    side = AGENT

    async def connect(self):
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=4401)
            return
        session, allowed = await _session_for_agent(user, self.scope["url_route"]["kwargs"]["inquiry_id"])
        if session is None:
            await self.close(code=4404)
            return
        if not allowed:
            await self.close(code=4403)
            return
        self.user = user
        changed = await database_sync_to_async(services.chat_agent_joined)(session_id=session.pk, user=user)
        current = changed or session
        # Holding the chat already: no state to change at each answer (one database call less per message).
        self.holding = current.state == ChatSession.State.ACTIVE and current.claimed_by_id == user.pk
        await self.join(current)
        if changed is not None:
            await self.broadcast_state()

    def ender(self):
        return self.user

    async def store(self, text, client_id: str) -> dict:
        return await database_sync_to_async(_agent_store)(self.session_id, self.user, text, client_id)

    async def agent_took_over(self) -> None:
        if self.holding:
            return
        changed = await database_sync_to_async(services.chat_agent_joined)(session_id=self.session_id, user=self.user)
        if changed is not None:
            self.holding = True
            await self.broadcast_state()

    async def chat_state(self, message):
        # A change made elsewhere (another panel took the chat over, the chat ended): this panel may hold it no longer.
        if message.get("by") != self.channel_name:
            self.holding = False
        await super().chat_state(message)
