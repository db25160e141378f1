"""HTML pages: routes, their template contexts, login/logout forms, ETags and error pages."""

from __future__ import annotations

import hashlib
from typing import Any
from urllib.parse import quote, urlsplit

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from starlette.concurrency import run_in_threadpool

from papertrade import __version__
from papertrade.domain import orders
from papertrade.domain.errors import AccountLocked, InvalidCredentials, UnknownSymbol
from papertrade.domain.market import normalize_symbol
from papertrade.domain.money import format_money, format_pct, format_pnl
from papertrade.web.api import sign_in, watchlist_quotes
from papertrade.web.assets import Assets
from papertrade.web.dbcall import db_call
from papertrade.web.http import context
from papertrade.web.ops import status_summary
from papertrade.web.security import (
    SESSION_COOKIE,
    Auth,
    clear_auth_cookies,
    csrf_matches,
    set_auth_cookies,
)

router = APIRouter(include_in_schema=False)

DEFAULT_NEXT = "/dashboard"
NOTICE_SIGNED_OUT = "You have been signed out."
NOTICE_EXPIRED = "Your session has expired. Please sign in again."
RECENT_ORDERS = 10
RECENT_NOTIFICATIONS = 20
HISTORY_ORDERS = 50
PAGE_LIST_LIMIT = 500


class LoginRequired(Exception):
    """A protected page without a valid session; answered with a redirect to /login."""

    def __init__(self, next_path: str, expired: bool) -> None:
        super().__init__(next_path)
        self.next_path = next_path
        self.expired = expired


class PageError(Exception):
    """An error on a page route, answered with error.html whatever the Accept header says."""

    def __init__(self, status_code: int, message: str) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.message = message


def _filter(formatter):
    def apply(value: object) -> str:
        return "" if value is None or value == "" else formatter(value)

    return apply


def make_templates(ctx_templates_dir, assets: Assets) -> Jinja2Templates:
    templates = Jinja2Templates(directory=str(ctx_templates_dir))
    templates.env.globals["asset"] = assets.url
    templates.env.filters["money"] = _filter(format_money)
    templates.env.filters["pnl"] = _filter(format_pnl)
    templates.env.filters["pct"] = _filter(format_pct)
    return templates


def safe_next(candidate: str | None) -> str:
    """Only local paths: one leading slash, no scheme, host or backslash tricks."""
    if not candidate or not candidate.startswith("/") or candidate.startswith("//") or "\\" in candidate:
        return DEFAULT_NEXT
    parts = urlsplit(candidate)
    if parts.scheme or parts.netloc:
        return DEFAULT_NEXT
    return candidate


def login_redirect_url(next_path: str, expired: bool) -> str:
    url = f"/login?next={quote(next_path, safe='/')}"
    return url + "&expired=1" if expired else url


def render(
    request: Request, name: str, values: dict[str, Any], *, auth: Auth | None, status_code: int = 200
) -> Response:
    """The page with `Cache-Control: no-cache` and a weak ETag; 304 when the client has it."""
    page = {
        "request": request,
        "user": auth.user if auth else None,
        "csrf_token": auth.csrf_token if auth else None,
        "version": __version__,
        **values,
    }
    body = request.app.state.templates.get_template(name).render(page)
    etag = 'W/"' + hashlib.sha256(body.encode()).hexdigest()[:24] + '"'
    headers = {"Cache-Control": "no-cache", "ETag": etag}
    if status_code == 200 and etag in request.headers.get("if-none-match", ""):
        return Response(status_code=304, headers=headers)
    return HTMLResponse(body, status_code=status_code, headers=headers)


def optional_auth(request: Request) -> Auth | None:
    return context(request).sessions.lookup(request.cookies.get(SESSION_COOKIE)).auth


def require_auth(request: Request) -> Auth:
    lookup = context(request).sessions.lookup(request.cookies.get(SESSION_COOKIE))
    if lookup.auth is None:
        path = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise LoginRequired(path, lookup.expired)
    return lookup.auth


async def render_error(request: Request, status_code: int, message: str) -> Response:
    auth = (
        await db_call(context(request).db, optional_auth, request)
        if hasattr(request.app.state, "pt")
        else None
    )
    return render(
        request,
        "error.html",
        {"status_code": status_code, "message": message},
        auth=auth,
        status_code=status_code,
    )


# routes -------------------------------------------------------------------------------------
@router.get("/")
async def root() -> RedirectResponse:
    return RedirectResponse("/dashboard", status_code=303)


@router.get("/login")
def login_page(
    request: Request, next: str = DEFAULT_NEXT, signed_out: str | None = None, expired: str | None = None
) -> Response:
    notice = NOTICE_EXPIRED if expired else NOTICE_SIGNED_OUT if signed_out else None
    values = {"error": None, "notice": notice, "next": safe_next(next), "username": ""}
    return render(request, "login.html", values, auth=optional_auth(request))


@router.post("/login")
async def login_submit(request: Request) -> Response:
    ctx = context(request)
    form = await request.form()
    username = str(form.get("username") or "").strip()
    password = str(form.get("password") or "")
    next_path = safe_next(str(form.get("next") or ""))
    try:
        if not username or not password:
            raise InvalidCredentials()
        # Not db_call: the password check is slow on purpose, so it always leaves the loop.
        _user, token, csrf = await run_in_threadpool(sign_in, ctx, username, password)
    except (InvalidCredentials, AccountLocked) as exc:
        values = {"error": exc.message, "notice": None, "next": next_path, "username": username}
        return render(request, "login.html", values, auth=None, status_code=exc.status)
    response = RedirectResponse(next_path, status_code=303)
    set_auth_cookies(response, request, token, csrf)
    return response


@router.post("/logout")
async def logout_submit(request: Request) -> Response:
    ctx = context(request)
    form = await request.form()
    auth = await db_call(ctx.db, optional_auth, request)
    if auth is not None:
        if not csrf_matches(auth, str(form.get("csrf_token") or "")):
            return render(
                request,
                "error.html",
                {"status_code": 403, "message": "Missing or invalid CSRF token."},
                auth=auth,
                status_code=403,
            )
        await db_call(ctx.db, ctx.sessions.revoke, auth.token_hash)
    response = RedirectResponse("/login?signed_out=1", status_code=303)
    clear_auth_cookies(response, request)
    return response


@router.get("/dashboard")
def dashboard(request: Request) -> Response:
    auth = require_auth(request)
    ctx = context(request)
    values = {
        "portfolio": ctx.service.portfolio(auth.account_id),
        "watchlist": watchlist_quotes(ctx, auth.account_id),
        "recent_orders": ctx.service.orders(auth.account_id, status=None, limit=RECENT_ORDERS),
        "notifications": ctx.service.notifications(auth.account_id, limit=RECENT_NOTIFICATIONS),
    }
    return render(request, "dashboard.html", values, auth=auth)


def _trade(request: Request, symbol: str | None) -> Response:
    auth = require_auth(request)
    ctx = context(request)
    listed = ctx.market.listed()
    symbol = normalize_symbol(symbol) if symbol is not None else listed[0].symbol
    state = ctx.market.get(symbol)
    if state is None:
        raise PageError(404, UnknownSymbol(symbol).message)
    instruments = [{"symbol": s.symbol, "name": s.name} for s in listed]
    if not state.listed:
        instruments.append({"symbol": state.symbol, "name": state.name})
    values = {
        "symbol": symbol,
        "quote": state.quote(),
        "instruments": instruments,
        "open_orders": ctx.service.orders(auth.account_id, status="open", limit=PAGE_LIST_LIMIT),
        "history": ctx.service.orders(auth.account_id, status=None, limit=HISTORY_ORDERS),
        "max_quantity": orders.MAX_QUANTITY,
    }
    return render(request, "trade.html", values, auth=auth)


@router.get("/trade")
def trade(request: Request) -> Response:
    return _trade(request, None)


@router.get("/trade/{symbol}")
def trade_symbol(request: Request, symbol: str) -> Response:
    return _trade(request, symbol)


@router.get("/portfolio")
def portfolio_page(request: Request) -> Response:
    auth = require_auth(request)
    ctx = context(request)
    values = {
        "portfolio": ctx.service.portfolio(auth.account_id),
        "transactions": ctx.service.transactions(auth.account_id, limit=PAGE_LIST_LIMIT),
    }
    return render(request, "portfolio.html", values, auth=auth)


@router.get("/status")
def status_page(request: Request) -> Response:
    ctx = context(request)
    return render(request, "status.html", {"status": status_summary(ctx)}, auth=optional_auth(request))
