"""The market feed: an asyncio task that ticks prices every `tick_interval` seconds."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time

from papertrade.service import TradingService
from papertrade.web.dbcall import db_call

log = logging.getLogger("papertrade.feed")


class Feed:
    def __init__(self, service: TradingService, interval: float) -> None:
        self.service = service
        self.interval = interval
        self.running = True
        self.task: asyncio.Task | None = None
        self.last_tick = time.monotonic()
        self.failing = False

    def start(self) -> None:
        self.last_tick = time.monotonic()
        self.task = asyncio.create_task(self._run(), name="papertrade-feed")

    async def stop(self) -> None:
        if self.task is not None:
            self.task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.task
            self.task = None

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self.interval)
            if not self.running:
                continue
            try:
                await db_call(self.service.db, self.service.tick)
                self.failing = False
                self.last_tick = time.monotonic()
            except Exception:
                self.failing = True
                log.exception("market tick failed")

    def state(self) -> str:
        """`ok`, `paused` or `degraded` (stopped, failing or late)."""
        if not self.running:
            return "paused"
        if self.task is None or self.task.done() or self.failing:
            return "degraded"
        late = time.monotonic() - self.last_tick > max(5 * self.interval, self.interval + 5)
        return "degraded" if late else "ok"
