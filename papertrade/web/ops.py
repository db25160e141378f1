"""Operations endpoints: /health, /ready, /metrics, /api/version."""

from __future__ import annotations

import time
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from papertrade import __version__
from papertrade.clock import iso
from papertrade.db import safe_url
from papertrade.web.dbcall import db_call
from papertrade.web.faults import DATABASE_DOWN_REASON
from papertrade.web.http import AppContext, context

router = APIRouter()


def database_problem(ctx: AppContext) -> str | None:
    """None when the database answers, else a short reason (never the password)."""
    if ctx.faults is not None and ctx.faults.database_down():
        return DATABASE_DOWN_REASON
    try:
        ctx.db.ping()
    except Exception as exc:
        reason = str(getattr(exc, "orig", None) or exc).splitlines()[0]
        return reason.replace(ctx.db.url, safe_url(ctx.db.url))[:200] or type(exc).__name__
    return None


def uptime_text(seconds: float) -> str:
    total = int(seconds)
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}h {minutes:02d}m {secs:02d}s"


def status_summary(ctx: AppContext) -> dict[str, Any]:
    database = "ok" if database_problem(ctx) is None else "degraded"
    return {
        "service": "ok" if database == "ok" else "degraded",
        "database": database,
        "feed": ctx.feed.state(),
        "ws_clients": ctx.hub.count(),
        "version": __version__,
        "uptime": uptime_text(time.monotonic() - ctx.started_monotonic),
        "started_at": iso(ctx.started_at),
    }


@router.get("/health")
async def health() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/ready")
async def ready(request: Request) -> JSONResponse:
    ctx = context(request)
    problem = await db_call(ctx.db, database_problem, ctx)
    if problem is None:
        return JSONResponse({"status": "ready", "database": "ok"})
    return JSONResponse({"status": "unavailable", "database": problem}, status_code=503)


@router.get("/metrics")
async def metrics(request: Request) -> Response:
    return Response(generate_latest(context(request).metrics.registry), media_type=CONTENT_TYPE_LATEST)


@router.get("/api/version")
async def version() -> dict[str, str]:
    return {"version": __version__}


@router.get("/api/status")
async def status(request: Request) -> dict[str, Any]:
    ctx = context(request)
    return await db_call(ctx.db, status_summary, ctx)
