"""Builders for chat tests: a chat started through the real service (inquiry, session, first message)."""

from __future__ import annotations

import asyncio
import itertools
from concurrent.futures import ThreadPoolExecutor

from asgiref.sync import async_to_sync

from livechat import services

_seq = itertools.count(1)


def make_chat(
    *, text: str = "我想问一下这期的还款日", name: str = "王小明", mobile: str = "", topic: str = "repayment"
):
    """A chat as the public page starts it (live when an agent is on duty)."""
    return services.chat_start(
        name=name,
        mobile=mobile or f"+86136{next(_seq):08d}",
        topic=topic,
        text=text,
        language="zh-hans",
    )


def run(scenario):
    """Run an async scenario to the end in ONE event loop (the in-memory channel layer lives in one loop). In a thread
    of its own when this thread already runs a loop (the session's Playwright, after a browser test)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return async_to_sync(scenario)()
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(async_to_sync(scenario)).result()
