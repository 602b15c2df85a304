"""Running pyHanko's coroutines from synchronous code, whatever the calling thread already runs.

pyHanko's synchronous helpers call asyncio.run(), which refuses to run inside
a thread that already has a running event loop (an async server, or a test
driving a browser). Such calls go to a short-lived thread with its own loop.
"""
from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor


def run_coroutine(make_coroutine):
    """The result of the coroutine that make_coroutine() returns, run to completion."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(make_coroutine())
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(lambda: asyncio.run(make_coroutine())).result()
