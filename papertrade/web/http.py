"""Shared HTTP plumbing: the app context, error bodies, JSON bodies and the API's auth."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar

from fastapi import Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from papertrade.clock import Clock
from papertrade.config import Settings
from papertrade.db import Database
from papertrade.domain.errors import CsrfFailed, DomainError, NotAuthenticated
from papertrade.domain.market import Market
from papertrade.metrics import Metrics
from papertrade.service import TradingService
from papertrade.web.security import (
    CSRF_HEADER,
    SESSION_COOKIE,
    UNSAFE_METHODS,
    Auth,
    SessionStore,
    csrf_matches,
)

T = TypeVar("T")

if TYPE_CHECKING:
    from papertrade.web.faults import Faults
    from papertrade.web.feed import Feed
    from papertrade.web.ws import Hub


@dataclass
class AppContext:
    settings: Settings
    db: Database
    clock: Clock
    market: Market
    metrics: Metrics
    service: TradingService
    sessions: SessionStore
    hub: Hub
    feed: Feed
    started_at: datetime
    started_monotonic: float = field(default_factory=time.monotonic)
    faults: Faults | None = None  # test mode only (papertrade/web/faults.py)


def context(request: Request) -> AppContext:
    return request.app.state.pt


class BadRequest(DomainError):
    status = 400
    code = "bad_request"


def error_response(status: int, code: str, message: str) -> JSONResponse:
    """The contract's error body, exactly `{"error": {"code", "message"}}`."""
    return JSONResponse({"error": {"code": code, "message": message}}, status_code=status)


def json_ok(data: Any, status_code: int = 200) -> JSONResponse:
    """A JSON answer built directly (skips FastAPI's generic encoder, which is slow on lists)."""
    return JSONResponse(data, status_code=status_code)


def domain_error_response(exc: DomainError) -> JSONResponse:
    return error_response(exc.status, exc.code, exc.message)


async def json_body(request: Request, *, optional: bool = False) -> Any:
    """The parsed JSON body; 400 `bad_request` when it is not JSON (an empty body is `{}` if optional)."""
    raw = await request.body()
    if not raw.strip():
        if optional:
            return {}
        raise BadRequest("The request body must be JSON.")
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise BadRequest("The request body must be JSON.") from exc


async def json_object(request: Request, *, optional: bool = False) -> dict[str, Any]:
    payload = await json_body(request, optional=optional)
    if not isinstance(payload, dict):
        raise BadRequest("The request body must be a JSON object.")
    return payload


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


def _authenticate(request: Request) -> Auth:
    ctx = context(request)
    lookup = ctx.sessions.lookup(request.cookies.get(SESSION_COOKIE))
    if lookup.auth is None:
        raise NotAuthenticated()
    return lookup.auth


async def api_auth(request: Request) -> Auth:
    """The signed-in user, with the CSRF check for state-changing requests."""
    lookup = context(request).sessions.cached(request.cookies.get(SESSION_COOKIE))
    if lookup is None:
        auth = await db_call(context(request).db, _authenticate, request)
    elif lookup.auth is None:
        raise NotAuthenticated()
    else:
        auth = lookup.auth
    if request.method in UNSAFE_METHODS and not csrf_matches(auth, request.headers.get(CSRF_HEADER)):
        raise CsrfFailed()
    request.state.auth = auth
    return auth
