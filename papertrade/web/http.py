"""Shared HTTP plumbing: the app context, error bodies, JSON bodies and the API's auth."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse

from papertrade.clock import Clock
from papertrade.config import Settings
from papertrade.db import Database
from papertrade.domain.errors import CsrfFailed, DomainError, NotAuthenticated
from papertrade.domain.market import Market
from papertrade.metrics import Metrics
from papertrade.service import TradingService
from papertrade.web.dbcall import db_call
from papertrade.web.faults import Faults
from papertrade.web.feed import Feed
from papertrade.web.security import (
    CSRF_HEADER,
    SESSION_COOKIE,
    UNSAFE_METHODS,
    Auth,
    SessionStore,
    csrf_matches,
)
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
    """A body that is not the JSON asked for: the base error's 400 `bad_request`."""


def error_response(status: int, code: str, message: str) -> JSONResponse:
    """The contract's error body, exactly `{"error": {"code", "message"}}`."""
    return JSONResponse({"error": {"code": code, "message": message}}, status_code=status)


def json_ok(data: Any, status_code: int = 200) -> JSONResponse:
    """A JSON answer built directly (skips FastAPI's generic encoder, which is slow on lists)."""
    return JSONResponse(data, status_code=status_code)


def domain_error_response(exc: DomainError) -> JSONResponse:
    return error_response(exc.status, exc.code, exc.message)


def _refuse_constant(name: str) -> Any:
    """`NaN`, `Infinity` and `-Infinity` are not JSON (RFC 8259), though Python's reader takes them."""
    raise ValueError(f"{name} is not JSON")


async def json_body(request: Request, *, optional: bool = False) -> Any:
    """The parsed JSON body; 400 `bad_request` when it is not JSON (an empty body is `{}` if optional)."""
    raw = await request.body()
    if not raw.strip():
        if optional:
            return {}
        raise BadRequest("The request body must be JSON.")
    try:
        return json.loads(raw, parse_constant=_refuse_constant)
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:  # RecursionError: nested too deep
        raise BadRequest("The request body must be JSON.") from exc


async def json_object(request: Request, *, optional: bool = False) -> dict[str, Any]:
    payload = await json_body(request, optional=optional)
    if not isinstance(payload, dict):
        raise BadRequest("The request body must be a JSON object.")
    return payload


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
