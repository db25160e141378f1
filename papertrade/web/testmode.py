"""Test-mode routes under /api/test: only mounted with --test-mode, no session or CSRF needed."""

from __future__ import annotations

import secrets
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from papertrade.clock import iso, parse_iso
from papertrade.domain.accounts import INITIAL_CASH_CENTS
from papertrade.domain.errors import ValidationFailed
from papertrade.domain.market import normalize_symbol
from papertrade.domain.money import MoneyError, cents_to_str, parse_cents
from papertrade.web.dbcall import db_call
from papertrade.web.faults import CONTROL_PREFIX, Faults
from papertrade.web.http import context, json_object

router = APIRouter(prefix="/api/test")


def _optional_text(payload: dict[str, Any], key: str, *, max_length: int) -> str | None:
    value = payload.get(key)
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip() or len(value) > max_length:
        raise ValidationFailed(
            f"{key} must be a non-empty string of at most {max_length} characters.", field=key
        )
    return value.strip()


def _flag(payload: dict[str, Any], key: str, *, default: bool | None = None) -> bool:
    """payload[key] as true or false (`default` when absent, required when None): 422 otherwise."""
    value = payload.get(key, default)
    if not isinstance(value, bool):
        raise ValidationFailed(f"{key} must be true or false.", field=key)
    return value


def _cents(payload: dict[str, Any], key: str, *, default: int | None = None, minimum: int = 0) -> int:
    value = payload.get(key)
    if value is None:
        if default is None:
            raise ValidationFailed(f"{key} is required.", field=key)
        return default
    try:
        cents = parse_cents(value)
    except MoneyError as exc:
        raise ValidationFailed(f"{key} must be an amount with at most 2 decimals.", field=key) from exc
    if cents < minimum:
        raise ValidationFailed(f"{key} must be at least {minimum / 100:.2f}.", field=key)
    return cents


@router.post("/users", status_code=201)
async def create_user(request: Request) -> JSONResponse:
    ctx = context(request)
    payload = await json_object(request, optional=True)
    given_username = _optional_text(payload, "username", max_length=64)
    username = given_username or f"trader_{secrets.token_hex(5)}"
    password = payload.get("password")
    if password is None:
        password = secrets.token_urlsafe(12) + "-Aa1"
    elif not isinstance(password, str) or not password:
        raise ValidationFailed("password must be a non-empty string.", field="password")
    default_display = given_username or f"Trader {username[-5:].upper()}"
    display_name = _optional_text(payload, "display_name", max_length=128) or default_display
    cash = _cents(payload, "cash", default=INITIAL_CASH_CENTS)
    # Not db_call: hashing the password is slow on purpose, so it always leaves the loop.
    user = await run_in_threadpool(
        ctx.service.create_account,
        username=username,
        password=password,
        display_name=display_name,
        cash_cents=cash,
    )
    return JSONResponse({**user, "password": password}, status_code=201)


@router.post("/instruments", status_code=201)
async def create_instrument(request: Request) -> JSONResponse:
    ctx = context(request)
    payload = await json_object(request)
    raw_symbol = payload.get("symbol")
    symbol = normalize_symbol(raw_symbol) if raw_symbol is not None else None
    ticking = _flag(payload, "ticking", default=False)
    quote = await db_call(
        ctx.db,
        ctx.service.create_test_instrument,
        symbol=symbol,
        name=_optional_text(payload, "name", max_length=128),
        price_cents=_cents(payload, "price", minimum=1),
        ticking=ticking,
    )
    return JSONResponse(quote, status_code=201)


@router.post("/prices")
async def set_price(request: Request) -> dict[str, Any]:
    ctx = context(request)
    payload = await json_object(request)
    symbol = normalize_symbol(payload.get("symbol"))
    ctx.market.require(symbol)
    cents = _cents(payload, "price", minimum=1)
    return await db_call(ctx.db, ctx.service.set_price, symbol, cents)


MAX_FEED_STEPS = 1000
MAX_SEED = 2**63 - 1


def _whole(payload: dict[str, Any], key: str, *, minimum: int, maximum: int) -> int:
    value = payload[key]
    if isinstance(value, bool) or not isinstance(value, int) or not minimum <= value <= maximum:
        raise ValidationFailed(f"{key} must be a whole number from {minimum} to {maximum}.", field=key)
    return value


def _symbols(ctx: Any, value: object) -> frozenset[str]:
    """The instruments a step may move: known symbols, at least one."""
    if not isinstance(value, list) or not value or not all(isinstance(item, str) for item in value):
        raise ValidationFailed("symbols must be a non-empty list of symbols.", field="symbols")
    symbols = frozenset(normalize_symbol(item) for item in value)
    for symbol in sorted(symbols):
        ctx.market.require(symbol)  # 404 unknown_symbol
    return symbols


@router.post("/feed")
async def control_feed(request: Request) -> dict[str, Any]:
    """Pause or resume the background ticks, restart the walk from a seed, run ticks now."""
    payload = await json_object(request)
    if not payload.keys() & {"running", "seed", "steps"}:
        raise ValidationFailed("give running, seed or steps.", field="running")
    ctx = context(request)
    running = _flag(payload, "running") if "running" in payload else ctx.feed.running
    seed = _whole(payload, "seed", minimum=0, maximum=MAX_SEED) if "seed" in payload else None
    steps = _whole(payload, "steps", minimum=1, maximum=MAX_FEED_STEPS) if "steps" in payload else 0
    only = _symbols(ctx, payload["symbols"]) if "symbols" in payload else None
    ctx.feed.running = running
    if seed is not None:
        ctx.market.reseed(seed)
    moves = []
    for _ in range(steps):
        changed = await ctx.feed.tick(only)
        moves.append(None if changed is None else {s.symbol: cents_to_str(s.last_cents) for s in changed})
    return {"running": running, "steps": moves}


@router.post("/sessions/expire")
async def expire_sessions(request: Request) -> dict[str, Any]:
    payload = await json_object(request)
    username = _optional_text(payload, "username", max_length=64)
    if username is None:
        raise ValidationFailed("username is required.", field="username")
    ctx = context(request)
    return {"expired": await db_call(ctx.db, ctx.sessions.expire_user, username)}


@router.post("/ws/drop")
async def drop_sockets(request: Request) -> dict[str, Any]:
    payload = await json_object(request, optional=True)
    username = _optional_text(payload, "username", max_length=64)
    return {"dropped": context(request).hub.drop(username=username, code=1012)}


@router.post("/clock")
async def set_clock(request: Request) -> dict[str, Any]:
    payload = await json_object(request)
    if "now" not in payload:
        raise ValidationFailed("now is required (an ISO 8601 time or null).", field="now")
    raw = payload["now"]
    if raw is None:
        when = None
    else:
        try:
            when = parse_iso(raw) if isinstance(raw, str) else None
        except ValueError:
            when = None
        if when is None:
            raise ValidationFailed("now must be an ISO 8601 time or null.", field="now")
    frozen = _flag(payload, "frozen", default=False)
    if frozen and when is None:
        raise ValidationFailed("frozen needs a time in now.", field="frozen")
    return {"now": iso(context(request).clock.set(when, frozen=frozen)), "frozen": frozen}


@router.post("/reset")
async def reset(request: Request) -> dict[str, Any]:
    ctx = context(request)
    await json_object(request, optional=True)
    await db_call(ctx.db, ctx.service.reset)
    ctx.sessions.forget_all()
    ctx.hub.drop(username=None, code=1012)
    _faults(request).clear()
    return {"reset": True}


MAX_LATENCY_MS = 60_000


def _faults(request: Request) -> Faults:
    faults = context(request).faults
    assert faults is not None, "test mode installs the faults"
    return faults


def _number(payload: dict[str, Any], key: str, *, minimum: float, maximum: float) -> float | None:
    value = payload.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not minimum <= value <= maximum:
        raise ValidationFailed(f"{key} must be a number from {minimum:g} to {maximum:g}.", field=key)
    return value


def _duration(payload: dict[str, Any]) -> float | None:
    duration = _number(payload, "duration_s", minimum=0.001, maximum=86_400)
    return None if duration is None else float(duration)


@router.post("/faults", status_code=201)
async def add_fault(request: Request) -> JSONResponse:
    payload = await json_object(request)
    path = payload.get("path")
    if not isinstance(path, str) or not path.startswith("/") or path.startswith(CONTROL_PREFIX):
        raise ValidationFailed(
            f"path must be a path prefix starting with / and outside {CONTROL_PREFIX}.", field="path"
        )
    status = payload.get("status")
    if status is not None and (
        isinstance(status, bool) or not isinstance(status, int) or not 200 <= status <= 599
    ):
        raise ValidationFailed("status must be an HTTP status from 200 to 599.", field="status")
    crash = _flag(payload, "crash", default=False)
    if crash and status is not None:
        raise ValidationFailed("give a status or crash, not both.", field="crash")
    latency = _number(payload, "latency_ms", minimum=0, maximum=MAX_LATENCY_MS)
    if status is None and not latency and not crash:
        raise ValidationFailed("give a status, a latency_ms or crash.", field="status")
    probability = _number(payload, "probability", minimum=0, maximum=1)
    _faults(request).add_route(
        path,
        status=status,
        latency_ms=int(latency or 0),
        probability=1.0 if probability is None else float(probability),
        duration_s=_duration(payload),
        crash=crash,
    )
    return JSONResponse(_faults(request).describe(), status_code=201)


@router.get("/faults")
async def list_faults(request: Request) -> dict[str, Any]:
    return _faults(request).describe()


@router.delete("/faults")
async def clear_faults(request: Request) -> dict[str, Any]:
    faults = _faults(request)
    faults.clear()
    return faults.describe()


@router.post("/faults/database")
async def database_fault(request: Request) -> dict[str, Any]:
    payload = await json_object(request)
    faults = _faults(request)
    faults.set_database_down(_flag(payload, "down"), _duration(payload))
    return faults.describe()


@router.post("/faults/feed")
async def feed_fault(request: Request) -> dict[str, Any]:
    payload = await json_object(request)
    faults = _faults(request)
    silent = _flag(payload, "silent", default=False)
    faults.set_feed_down(_flag(payload, "down"), _duration(payload), silent=silent)
    return faults.describe()


@router.post("/faults/stream")
async def stream_fault(request: Request) -> dict[str, Any]:
    payload = await json_object(request)
    down = _flag(payload, "down")
    faults = _faults(request)
    faults.set_stream_down(down, _duration(payload))
    if down:  # the open sockets go too, as when the stream's server goes away
        context(request).hub.drop(username=None, code=1012)
    return faults.describe()
