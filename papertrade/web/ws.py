"""The WebSocket stream: one hub, connections per account, subscriptions and per-connection seq."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import threading
from typing import Any
from urllib.parse import urlsplit

from fastapi import APIRouter, WebSocket, WebSocketDisconnect

from papertrade.domain.events import Message
from papertrade.domain.market import normalize_symbol
from papertrade.metrics import Metrics
from papertrade.web.dbcall import db_call
from papertrade.web.security import SESSION_COOKIE, Auth

log = logging.getLogger("papertrade.ws")
router = APIRouter()

CLOSE_UNAUTHENTICATED = 4401
CLOSE_FORBIDDEN_ORIGIN = 4403
CLOSE_TOO_SLOW = 1013
QUEUE_LIMIT = 1000
MAX_SUBSCRIPTIONS = 200


class _Close:
    def __init__(self, code: int) -> None:
        self.code = code


class Connection:
    """One socket; a single sender task writes to it so `seq` follows the order of sending."""

    def __init__(self, websocket: WebSocket, auth: Auth) -> None:
        self.websocket = websocket
        self.account_id = auth.account_id
        self.username = auth.user["username"]
        self.symbols: set[str] = set()
        self.queue: asyncio.Queue[dict[str, Any] | _Close] = asyncio.Queue(maxsize=QUEUE_LIMIT)
        self.seq = 0
        self.closing = False
        self.loop = asyncio.get_running_loop()

    def enqueue(self, payload: dict[str, Any]) -> None:
        if self.closing:
            return
        try:
            self.queue.put_nowait(payload)
        except asyncio.QueueFull:
            self.close(CLOSE_TOO_SLOW)

    def close(self, code: int) -> None:
        if self.closing:
            return
        self.closing = True
        with contextlib.suppress(asyncio.QueueFull):
            self.queue.put_nowait(_Close(code))
        if self.queue.full():  # no room for the close marker: drop the backlog first
            while not self.queue.empty():
                self.queue.get_nowait()
            self.queue.put_nowait(_Close(code))

    async def run_sender(self) -> None:
        while True:
            item = await self.queue.get()
            if isinstance(item, _Close):
                with contextlib.suppress(Exception):
                    await self.websocket.close(code=item.code)
                return
            self.seq += 1
            await self.websocket.send_text(
                json.dumps({"type": item["type"], "seq": self.seq, **item["body"]})
            )


class Hub:
    """All open connections; `publish` may be called from any thread."""

    def __init__(self, metrics: Metrics) -> None:
        self.metrics = metrics
        self._connections: set[Connection] = set()
        self._lock = threading.Lock()

    def add(self, connection: Connection) -> None:
        with self._lock:
            self._connections.add(connection)
            self.metrics.ws_clients.set(len(self._connections))

    def remove(self, connection: Connection) -> None:
        with self._lock:
            self._connections.discard(connection)
            self.metrics.ws_clients.set(len(self._connections))

    def count(self) -> int:
        return len(self._connections)

    def connected_account_ids(self) -> list[int]:
        with self._lock:
            return sorted({connection.account_id for connection in self._connections})

    def publish(self, messages: list[Message]) -> None:
        """Hand messages to the loops that own the sockets, keeping their order."""
        with self._lock:
            connections = list(self._connections)
        by_loop: dict[asyncio.AbstractEventLoop, list[Connection]] = {}
        for connection in connections:
            by_loop.setdefault(connection.loop, []).append(connection)
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        for loop, targets in by_loop.items():
            if loop is running:
                _dispatch(targets, messages)
            elif not loop.is_closed():
                with contextlib.suppress(RuntimeError):  # the loop is shutting down
                    loop.call_soon_threadsafe(_dispatch, targets, messages)

    def drop(self, *, username: str | None, code: int) -> int:
        """Close the sockets of `username` (all when None) with `code`; returns how many."""
        with self._lock:
            targets = [c for c in self._connections if username is None or c.username == username]
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        for connection in targets:
            if connection.loop is running:
                connection.close(code)
            elif not connection.loop.is_closed():
                with contextlib.suppress(RuntimeError):
                    connection.loop.call_soon_threadsafe(connection.close, code)
        return len(targets)


def _dispatch(connections: list[Connection], messages: list[Message]) -> None:
    for message in messages:
        payload = {"type": message.type, "body": message.body}
        for connection in connections:
            if message.account_id is not None and connection.account_id != message.account_id:
                continue
            if message.symbol is not None and message.symbol not in connection.symbols:
                continue
            connection.enqueue(payload)


def _origin_allowed(websocket: WebSocket) -> bool:
    origin = websocket.headers.get("origin")
    if not origin:
        return True
    return urlsplit(origin).netloc.lower() == websocket.headers.get("host", "").lower()


def _handle(connection: Connection, raw: str, market) -> dict[str, Any] | None:
    try:
        message = json.loads(raw)
    except (ValueError, RecursionError):  # RecursionError: nested deeper than the parser goes
        return {"type": "error", "body": {"message": "Messages must be JSON."}}
    kind = message.get("type") if isinstance(message, dict) else None
    if kind == "ping":
        return {"type": "pong", "body": {}}
    if kind == "subscribe":
        requested = message.get("symbols")
        if not isinstance(requested, list):
            return {"type": "error", "body": {"message": "symbols must be a list."}}
        symbols: list[str] = []
        quotes: list[dict[str, Any]] = []  # the current quotes: a move since a page looked one up shows
        for item in requested[:MAX_SUBSCRIPTIONS]:
            symbol = normalize_symbol(item)
            state = market.get(symbol) if symbol and symbol not in symbols else None
            if state is not None:
                symbols.append(symbol)
                quotes.append(state.quote())
        # Ticks are dispatched on this loop, so none falls between these quotes and the new set.
        connection.symbols = set(symbols)
        return {"type": "subscribed", "body": {"symbols": symbols, "quotes": quotes}}
    return {"type": "error", "body": {"message": f"Unknown message type: {kind!r}."}}


@router.websocket("/ws")
async def stream(websocket: WebSocket) -> None:
    ctx = websocket.app.state.pt
    lookup = await db_call(ctx.db, ctx.sessions.lookup, websocket.cookies.get(SESSION_COOKIE))
    refusal = None
    if not _origin_allowed(websocket):
        refusal = CLOSE_FORBIDDEN_ORIGIN
    elif lookup.auth is None:
        refusal = CLOSE_UNAUTHENTICATED
    if refusal is not None:
        # Accept first: a close before accepting would be an HTTP 403 without the close code.
        await websocket.accept()
        await websocket.close(code=refusal)
        return
    # Registered before the handshake completes, so nothing published after the client sees
    # the connection open can be missed; the sender starts once accepted.
    connection = Connection(websocket, lookup.auth)
    ctx.hub.add(connection)
    try:
        await websocket.accept()
    except Exception:
        ctx.hub.remove(connection)
        raise
    sender = asyncio.create_task(connection.run_sender())

    async def receive_loop() -> None:
        while True:
            reply = _handle(connection, await websocket.receive_text(), ctx.market)
            if reply is not None:
                connection.enqueue(reply)

    receiver = asyncio.create_task(receive_loop())
    try:
        await asyncio.wait({sender, receiver}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        ctx.hub.remove(connection)
        for task in (sender, receiver):
            task.cancel()
        for task in (sender, receiver):
            with contextlib.suppress(asyncio.CancelledError, WebSocketDisconnect, Exception):
                await task
