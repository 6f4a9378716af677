"""Running an async test scenario from a sync test, whatever the thread already runs."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor

from asgiref.sync import async_to_sync


def run_async(coroutine_function, *args):
    """Run `coroutine_function(*args)` to the end in one event loop; in a thread of its own when this thread already
    runs a loop (the session's Playwright, after a browser test), where async_to_sync refuses to start."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return async_to_sync(coroutine_function)(*args)
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(async_to_sync(coroutine_function), *args).result()
