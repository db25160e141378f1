"""The JSON API under /api (see docs/papertrade-contract.md).

Every endpoint is `async`: database work goes through `db_call` (on the loop for SQLite, in the
threadpool otherwise), password checks always to the threadpool, and the in-memory market is
read directly. All answer with `json_ok` to skip the generic encoder.
"""

from __future__ import annotations

import csv
import io
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from papertrade.domain import accounts, orders
from papertrade.domain.errors import NotFound, ValidationFailed
from papertrade.domain.market import normalize_symbol
from papertrade.domain.numbers import whole_number
from papertrade.web.dbcall import db_call
from papertrade.web.http import AppContext, api_auth, context, json_object, json_ok
from papertrade.web.security import Auth, clear_auth_cookies, set_auth_cookies

router = APIRouter(prefix="/api")
CurrentUser = Annotated[Auth, Depends(api_auth)]
MAX_LIST_LIMIT = 500
CSV_COLUMNS = ("executed_at", "order_id", "symbol", "side", "quantity", "price", "amount", "realized_pnl")


def watchlist_quotes(ctx: AppContext, account_id: int) -> list[dict[str, Any]]:
    with ctx.db.read() as session:
        symbols = accounts.watchlist_symbols(session, account_id)
    return [state.quote() for symbol in symbols if (state := ctx.market.get(symbol)) is not None]


def sign_in(ctx: AppContext, username: str, password: str) -> tuple[dict[str, Any], str, str]:
    user = ctx.service.authenticate(username, password)
    token, csrf = ctx.sessions.create(user["id"])
    return user, token, csrf


def _list_limit(raw: str | None, default: int) -> int:
    if raw is None or raw == "":
        return default
    count = whole_number(raw)
    if count is None or not 1 <= count <= MAX_LIST_LIMIT:
        raise ValidationFailed(f"Limit must be a whole number between 1 and {MAX_LIST_LIMIT}.", field="limit")
    return count


def _order_id(raw: str) -> int:
    order_id = whole_number(raw)
    if order_id is None:
        raise NotFound("Order not found.")
    return order_id


# session ------------------------------------------------------------------------------------
@router.post("/auth/login")
async def login(request: Request) -> JSONResponse:
    ctx = context(request)
    username, password = accounts.validate_credentials(await json_object(request))
    # Not db_call: the password check is slow on purpose, so it always leaves the loop.
    user, token, csrf = await run_in_threadpool(sign_in, ctx, username, password)
    response = json_ok({"user": user, "csrf_token": csrf})
    set_auth_cookies(response, request, token, csrf)
    return response


@router.post("/auth/logout", status_code=204)
async def logout(request: Request, auth: CurrentUser) -> Response:
    ctx = context(request)
    await db_call(ctx.db, ctx.sessions.revoke, auth.token_hash)
    response = Response(status_code=204)
    clear_auth_cookies(response, request)
    return response


@router.get("/me")
async def me(auth: CurrentUser) -> JSONResponse:
    return json_ok({"user": auth.user})


# market -------------------------------------------------------------------------------------
@router.get("/instruments")
async def instruments(request: Request) -> JSONResponse:
    listed = context(request).market.listed()
    return json_ok({"instruments": [{"symbol": s.symbol, "name": s.name} for s in listed]})


@router.get("/quotes")
async def quotes(request: Request) -> JSONResponse:
    return json_ok({"quotes": [state.quote() for state in context(request).market.listed()]})


@router.get("/quotes/{symbol}")
async def quote(request: Request, symbol: str) -> JSONResponse:
    return json_ok(context(request).market.quote(normalize_symbol(symbol)))


# watchlist ----------------------------------------------------------------------------------
@router.get("/watchlist")
async def get_watchlist(request: Request, auth: CurrentUser) -> JSONResponse:
    ctx = context(request)
    return json_ok({"quotes": await db_call(ctx.db, watchlist_quotes, ctx, auth.account_id)})


@router.post("/watchlist")
async def add_watchlist(request: Request, auth: CurrentUser) -> JSONResponse:
    ctx = context(request)
    payload = await json_object(request)
    symbol = normalize_symbol(payload.get("symbol"))
    if not symbol:
        raise ValidationFailed(orders.MSG_SYMBOL, field="symbol")
    ctx.market.require(symbol)

    def add() -> list[dict[str, Any]]:
        with ctx.db.write() as session:
            accounts.add_to_watchlist(session, auth.account_id, symbol)
        return watchlist_quotes(ctx, auth.account_id)

    return json_ok({"quotes": await db_call(ctx.db, add)})


@router.delete("/watchlist/{symbol}")
async def remove_watchlist(request: Request, symbol: str, auth: CurrentUser) -> JSONResponse:
    ctx = context(request)
    symbol = normalize_symbol(symbol)
    ctx.market.require(symbol)

    def remove() -> list[dict[str, Any]]:
        with ctx.db.write() as session:
            accounts.remove_from_watchlist(session, auth.account_id, symbol)
        return watchlist_quotes(ctx, auth.account_id)

    return json_ok({"quotes": await db_call(ctx.db, remove)})


# orders -------------------------------------------------------------------------------------
@router.post("/orders", status_code=201)
async def place_order(request: Request, auth: CurrentUser) -> JSONResponse:
    ctx = context(request)
    payload = await json_object(request)
    order = await db_call(ctx.db, ctx.service.place_order, auth.account_id, payload)
    return json_ok(order, status_code=201)


@router.get("/orders")
async def list_orders(
    request: Request, auth: CurrentUser, status: str | None = None, limit: str | None = None
) -> JSONResponse:
    if status not in (None, "", *orders.STATUSES):
        raise ValidationFailed("Status must be open, filled or cancelled.", field="status")
    count = _list_limit(limit, default=100)
    ctx = context(request)
    found = await db_call(ctx.db, ctx.service.orders, auth.account_id, status=status or None, limit=count)
    return json_ok({"orders": found})


@router.get("/orders/{order_id}")
async def get_order(request: Request, order_id: str, auth: CurrentUser) -> JSONResponse:
    ctx = context(request)
    return json_ok(await db_call(ctx.db, ctx.service.order, auth.account_id, _order_id(order_id)))


@router.post("/orders/{order_id}/cancel")
async def cancel_order(request: Request, order_id: str, auth: CurrentUser) -> JSONResponse:
    ctx = context(request)
    return json_ok(await db_call(ctx.db, ctx.service.cancel_order, auth.account_id, _order_id(order_id)))


# portfolio and history ----------------------------------------------------------------------
@router.get("/portfolio")
async def get_portfolio(request: Request, auth: CurrentUser) -> JSONResponse:
    ctx = context(request)
    return json_ok(await db_call(ctx.db, ctx.service.portfolio, auth.account_id))


@router.get("/transactions")
async def list_transactions(request: Request, auth: CurrentUser, limit: str | None = None) -> JSONResponse:
    count = _list_limit(limit, default=MAX_LIST_LIMIT)
    ctx = context(request)
    found = await db_call(ctx.db, ctx.service.transactions, auth.account_id, limit=count)
    return json_ok({"transactions": found})


@router.get("/transactions.csv")
async def transactions_csv(request: Request, auth: CurrentUser) -> Response:
    ctx = context(request)
    rows = await db_call(ctx.db, ctx.service.transactions, auth.account_id, newest_first=False)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for row in rows:
        writer.writerow([row[column] for column in CSV_COLUMNS])
    return Response(
        buffer.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="transactions.csv"'},
    )


@router.get("/notifications")
async def list_notifications(request: Request, auth: CurrentUser, limit: str | None = None) -> JSONResponse:
    count = _list_limit(limit, default=50)
    ctx = context(request)
    found = await db_call(ctx.db, ctx.service.notifications, auth.account_id, limit=count)
    return json_ok({"notifications": found})
