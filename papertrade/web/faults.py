"""Fault injection for test mode: routes that fail or slow down, a database that seems gone, a
stream that refuses connections, a price feed whose ticks fail or stop coming. Installed only with --test-mode
(app.py), cleared by /api/test/reset, and deterministic under --seed: which requests a
probabilistic fault hits is drawn from a random generator seeded with the app's seed (re-seeded
on reset).

Durations run on the monotonic clock, not the test clock: /api/test/clock moves business time
(sessions, order timestamps), and a monitor measuring an outage needs the outage in real time.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from starlette.types import ASGIApp, Receive, Scope, Send

CONTROL_PREFIX = "/api/test/"  # never faulted: the faults could not be lifted otherwise
STREAM_PATH = "/ws"
CLOSE_TRY_AGAIN_LATER = 1013
DATABASE_DOWN_REASON = "database unreachable (injected by test mode)"


@dataclass
class RouteFault:
    id: int
    path: str  # a path prefix: "/api/quotes" also hits "/api/quotes/AAPL"
    status: int | None
    latency_ms: int
    probability: float
    crash: bool  # the hit request raises instead of answering: the app's own 500 path
    until: float | None  # monotonic time it ends, None until cleared

    def matches(self, path: str) -> bool:
        return path == self.path or path.startswith(self.path.rstrip("/") + "/")


class Faults:
    """The faults in force. `now` is injectable so expiry is tested without waiting."""

    def __init__(self, seed: int, now: Callable[[], float] = time.monotonic) -> None:
        self.seed = seed
        self.now = now
        self.random = random.Random(seed)
        self.routes: list[RouteFault] = []
        self.database_down_until: float | None = None
        self.stream_down_until: float | None = None
        self.feed_down_until: float | None = None
        self._database_down = False
        self._stream_down = False
        self._feed_down = False
        self._feed_silent = False  # down means its background ticks stop coming, not that they fail
        self._ids = itertools.count(1)

    def _until(self, duration_s: float | None) -> float | None:
        return None if duration_s is None else self.now() + duration_s

    def _active(self, flag: bool, until: float | None) -> bool:
        return flag and (until is None or self.now() < until)

    def add_route(
        self,
        path: str,
        *,
        status: int | None,
        latency_ms: int,
        probability: float,
        duration_s: float | None,
        crash: bool = False,
    ) -> RouteFault:
        fault = RouteFault(
            next(self._ids), path, status, latency_ms, probability, crash, self._until(duration_s)
        )
        self.routes.append(fault)
        return fault

    def active_routes(self) -> list[RouteFault]:
        now = self.now()
        self.routes = [f for f in self.routes if f.until is None or now < f.until]
        return list(self.routes)

    def pick(self, path: str) -> RouteFault | None:
        """The first active fault for `path` that this request draws; one draw per matching fault."""
        if path.startswith(CONTROL_PREFIX):
            return None
        for fault in self.active_routes():
            if fault.matches(path) and (fault.probability >= 1 or self.random.random() < fault.probability):
                return fault
        return None

    def set_database_down(self, down: bool, duration_s: float | None) -> None:
        self._database_down = down
        self.database_down_until = self._until(duration_s) if down else None

    def database_down(self) -> bool:
        return self._active(self._database_down, self.database_down_until)

    def set_stream_down(self, down: bool, duration_s: float | None) -> None:
        self._stream_down = down
        self.stream_down_until = self._until(duration_s) if down else None

    def stream_down(self) -> bool:
        return self._active(self._stream_down, self.stream_down_until)

    def set_feed_down(self, down: bool, duration_s: float | None, *, silent: bool = False) -> None:
        self._feed_down = down
        self._feed_silent = down and silent
        self.feed_down_until = self._until(duration_s) if down else None

    def feed_down(self) -> bool:
        """Ticks fail (the feed's source errs)."""
        return not self._feed_silent and self._active(self._feed_down, self.feed_down_until)

    def feed_silent(self) -> bool:
        """The background ticks stop coming (the feed's source went quiet); test mode's steps still tick."""
        return self._feed_silent and self._active(self._feed_down, self.feed_down_until)

    def remaining(self, until: float | None) -> float | None:
        return None if until is None else round(max(0.0, until - self.now()), 3)

    def describe(self) -> dict[str, Any]:
        return {
            "routes": [
                {
                    "id": f.id,
                    "path": f.path,
                    "status": f.status,
                    "latency_ms": f.latency_ms,
                    "probability": f.probability,
                    "crash": f.crash,
                    "remaining_s": self.remaining(f.until),
                }
                for f in self.active_routes()
            ],
            "database_down": self.database_down(),
            "stream_down": self.stream_down(),
            "feed_down": self.feed_down(),
            "feed_silent": self.feed_silent(),
        }

    def clear(self) -> None:
        """Everything lifted and the generator re-seeded, so a replay draws the same requests."""
        self.routes.clear()
        self.set_database_down(False, None)
        self.set_stream_down(False, None)
        self.set_feed_down(False, None)
        self.random = random.Random(self.seed)


class InjectedCrash(RuntimeError):
    """What a `crash` fault raises: an error no handler answers, as a defect of the app would be."""


def _message(fault: RouteFault) -> str:
    return f"Injected by test-mode fault #{fault.id}."


def _error_body(fault: RouteFault) -> bytes:
    message = _message(fault)
    return json.dumps({"error": {"code": "injected_fault", "message": message}}).encode()


class FaultMiddleware:
    """Pure ASGI: delays, answers or crashes requests a route fault hits; refuses /ws while the stream
    is down (the handshake is closed with 1013, so clients see the stream as unavailable)."""

    def __init__(self, app: ASGIApp, faults: Faults) -> None:
        self.app = app
        self.faults = faults

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] == "websocket" and path == STREAM_PATH and self.faults.stream_down():
            await receive()  # websocket.connect
            await send({"type": "websocket.close", "code": CLOSE_TRY_AGAIN_LATER, "reason": ""})
            return
        fault = self.faults.pick(path) if scope["type"] == "http" else None
        if fault is None:
            await self.app(scope, receive, send)
            return
        if fault.latency_ms:
            await asyncio.sleep(fault.latency_ms / 1000)
        if fault.crash:
            raise InjectedCrash(_message(fault))
        if fault.status is None:
            await self.app(scope, receive, send)
            return
        body = _error_body(fault)
        await send(
            {
                "type": "http.response.start",
                "status": fault.status,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})
