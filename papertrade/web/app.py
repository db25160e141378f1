"""`create_app(settings)`: wires the database, market, services, routes and middleware."""

from __future__ import annotations

import asyncio
import logging
from contextlib import asynccontextmanager
from http import HTTPStatus

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.gzip import GZipMiddleware
from starlette.responses import RedirectResponse, Response

from papertrade import __version__, db
from papertrade.clock import Clock
from papertrade.config import Settings
from papertrade.domain.errors import DomainError
from papertrade.domain.market import Market
from papertrade.metrics import Metrics
from papertrade.service import TradingService
from papertrade.web import api, assets, coverage_context, openapi, ops, pages, testmode, ws
from papertrade.web.faults import FaultMiddleware, Faults
from papertrade.web.feed import Feed
from papertrade.web.http import AppContext, domain_error_response, error_response
from papertrade.web.middleware import RequestContextMiddleware
from papertrade.web.security import SessionStore

log = logging.getLogger("papertrade")
GZIP_MINIMUM_BYTES = 1024


def _wants_json(request: Request) -> bool:
    path = request.url.path
    if path.startswith(("/api/", "/static/")) or path in (
        "/api",
        "/health",
        "/ready",
        "/metrics",
        "/openapi.json",
        "/ws",
    ):
        return True
    return "text/html" not in request.headers.get("accept", "")


def build_context(settings: Settings) -> AppContext:
    """Migrate, connect and load the market; raises when the database cannot be used."""
    db.upgrade(settings.database_url)
    pool = db.PoolOptions(
        size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
        timeout=settings.db_pool_timeout,
        pre_ping=settings.db_pool_pre_ping,
    )
    database = db.Database(settings.database_url, pool)
    clock = Clock()
    metrics = Metrics()
    metrics.watch_pool(database.engine.pool, pool.max_overflow)
    market = Market(clock, settings.seed)
    service = TradingService(database, market, clock, metrics)
    service.load_market()
    hub = ws.Hub(metrics)
    service.publish = hub.publish
    service.connected_accounts = hub.connected_account_ids
    return AppContext(
        settings=settings,
        db=database,
        clock=clock,
        market=market,
        metrics=metrics,
        service=service,
        sessions=SessionStore(database, clock, settings.session_ttl),
        hub=hub,
        feed=Feed(service, settings.tick_interval),
        started_at=clock.now(),
    )


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def on_domain_error(request: Request, exc: DomainError) -> Response:
        return domain_error_response(exc)

    @app.exception_handler(pages.LoginRequired)
    async def on_login_required(request: Request, exc: pages.LoginRequired) -> Response:
        return RedirectResponse(pages.login_redirect_url(exc.next_path, exc.expired), status_code=303)

    @app.exception_handler(pages.PageError)
    async def on_page_error(request: Request, exc: pages.PageError) -> Response:
        return await pages.render_error(request, exc.status_code, exc.message)

    @app.exception_handler(OperationalError)
    @app.exception_handler(InterfaceError)
    @app.exception_handler(PoolTimeout)
    async def on_database_unavailable(request: Request, exc: Exception) -> Response:
        # A lost connection or an exhausted pool is the database's state, not a bug: 503, retry.
        log.warning("database unavailable: %s", type(exc).__name__)
        response = error_response(503, "database_unavailable", "The database is unavailable, try again.")
        response.headers["Retry-After"] = "1"
        return response

    @app.exception_handler(RequestValidationError)
    async def on_validation_error(request: Request, exc: RequestValidationError) -> Response:
        first = exc.errors()[0] if exc.errors() else {}
        return error_response(422, "validation_error", str(first.get("msg", "Invalid request.")))

    @app.exception_handler(StarletteHTTPException)
    async def on_http_error(request: Request, exc: StarletteHTTPException) -> Response:
        status = exc.status_code
        if status == 404:
            code, message = "not_found", exc.detail if exc.detail != "Not Found" else "Not found."
        elif status == 405:
            code, message = "method_not_allowed", "Method not allowed."
        else:
            code, message = HTTPStatus(status).phrase.lower().replace(" ", "_"), str(exc.detail)
        if _wants_json(request):
            response = error_response(status, code, message)
        else:
            page_message = "Page not found." if message == "Not found." else message
            response = await pages.render_error(request, status, page_message)
        if exc.headers:
            response.headers.update(exc.headers)
        return response


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    ctx = build_context(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        ctx.feed.start()
        try:
            yield
        finally:
            await ctx.feed.stop()
            ctx.hub.drop(username=None, code=1001)
            await asyncio.sleep(0)
            ctx.db.dispose()

    app = FastAPI(
        title="PaperTrade",
        version=__version__,
        lifespan=lifespan,
        docs_url=None,  # the interactive docs load their scripts from a CDN; the JSON is enough
        redoc_url=None,
        openapi_url="/openapi.json",
    )
    openapi.install(app)
    app.state.pt = ctx
    app.state.assets = assets.Assets(settings.static_dir)
    app.state.templates = pages.make_templates(settings.templates_dir, app.state.assets)
    _install_error_handlers(app)
    app.include_router(ops.router)
    app.include_router(api.router)
    if settings.test_mode:
        ctx.faults = Faults(settings.seed)
        ctx.feed.faults = ctx.faults
        app.include_router(testmode.router)
    app.include_router(ws.router)
    app.include_router(assets.router)
    app.include_router(pages.router)
    app.add_middleware(GZipMiddleware, minimum_size=GZIP_MINIMUM_BYTES)
    if ctx.faults is not None:  # inside the request context: injected answers are logged and counted
        app.add_middleware(FaultMiddleware, faults=ctx.faults)
    app.add_middleware(
        RequestContextMiddleware,
        metrics=ctx.metrics,
        max_body_bytes=settings.max_body_bytes,
        server_timing=settings.server_timing_enabled,
    )
    if settings.test_mode:
        coverage_context.install(app)  # per-test coverage contexts, only under `coverage run`
    return app
