"""The market feed: an asyncio task that ticks prices every `tick_interval` seconds."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time

from papertrade.domain.market import InstrumentState
from papertrade.service import TradingService
from papertrade.web.dbcall import db_call
from papertrade.web.faults import Faults

log = logging.getLogger("papertrade.feed")


class FeedFault(RuntimeError):
    """A tick that fails because test mode says so (POST /api/test/faults/feed)."""


class Feed:
    def __init__(self, service: TradingService, interval: float) -> None:
        self.service = service
        self.interval = interval
        self.running = True
        self.task: asyncio.Task | None = None
        self.last_tick = time.monotonic()
        self.failing = False
        self.faults: Faults | None = None  # test mode's faults: a feed fault makes ticks fail

    def start(self) -> None:
        self.last_tick = time.monotonic()
        self.task = asyncio.create_task(self._run(), name="papertrade-feed")

    async def stop(self) -> None:
        if self.task is not None:
            self.task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.task
            self.task = None

    async def tick(self, only: frozenset[str] | None = None) -> list[InstrumentState] | None:
        """One tick now (of the instruments in `only`, when given): the instruments it moved, or
        None when it failed (logged; the feed is degraded until a tick succeeds). The background
        task and test mode's steps both call it."""
        try:
            if self.faults is not None and self.faults.feed_down():
                raise FeedFault("injected by test mode")
            changed = await db_call(self.service.db, self.service.tick, only)
        except Exception:
            self.failing = True
            log.exception("market tick failed")
            return None
        self.failing = False
        self.last_tick = time.monotonic()
        return changed

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self.interval)
            if self.running and not (self.faults is not None and self.faults.feed_silent()):
                await self.tick()

    def state(self) -> str:
        """`ok`, `paused` or `degraded` (stopped, failing or late)."""
        if not self.running:
            return "paused"
        if self.task is None or self.task.done() or self.failing:
            return "degraded"
        late = time.monotonic() - self.last_tick > max(5 * self.interval, self.interval + 5)
        return "degraded" if late else "ok"
