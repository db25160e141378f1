"""`db_call`: blocking database work run from async code (routes, the feed, the WebSocket hub)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from starlette.concurrency import run_in_threadpool

from papertrade.db import Database

T = TypeVar("T")


async def db_call(db: Database, func: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
    """Run `func`, blocking database work, from async code.

    On SQLite (`db.inline`) it runs right here on the event loop: each statement is a few
    microseconds on a local file, and a hop to the threadpool costs more than the work. Under
    load the hop is worse than slow: twenty threads taking turns at the GIL stretched an order's
    write transaction from 2 ms to 11 ms while every other order queued behind its lock
    (benchmarks/api_latency.py). Other databases answer over the network, so there the work
    goes to the threadpool. Slow CPU work (password hashing) never comes through here.
    """
    if db.inline:
        return func(*args, **kwargs)
    return await run_in_threadpool(func, *args, **kwargs)
