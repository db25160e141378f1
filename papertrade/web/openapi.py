"""The API's description at /openapi.json: FastAPI's routes, with the bodies and answers added.

The handlers read their JSON bodies themselves (so refusals keep the contract's exact messages),
which leaves FastAPI nothing to describe them from. The models below are that description, one
per shape of docs/papertrade-contract.md; `install` adds them per route, with the contract's error
body in place of FastAPI's default validation error. The harness checks live answers against it.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from pydantic import BaseModel, ConfigDict, Field

Money = Annotated[str, Field(pattern=r"^-?\d+\.\d{2}$", examples=["150.05"])]
Percent = Annotated[str, Field(pattern=r"^-?\d+\.\d{2}$", examples=["-0.50"])]
Timestamp = Annotated[str, Field(pattern=r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")]
Symbol = Annotated[str, Field(examples=["AAPL"])]


class Shape(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ErrorDetail(Shape):
    code: str
    message: str


class Error(Shape):
    error: ErrorDetail


class Credentials(Shape):
    username: str
    password: str


class User(Shape):
    id: int
    username: str
    display_name: str


class SignedIn(Shape):
    user: User
    csrf_token: str


class Me(Shape):
    user: User


class Instrument(Shape):
    symbol: Symbol
    name: str


class Instruments(Shape):
    instruments: list[Instrument]


class Quote(Shape):
    symbol: Symbol
    name: str
    bid: Money
    ask: Money
    last: Money
    prev_close: Money
    change_pct: Percent
    updated_at: Timestamp


class Quotes(Shape):
    quotes: list[Quote]


class WatchlistAdd(Shape):
    symbol: Symbol


class OrderRequest(Shape):
    symbol: Symbol
    side: Literal["buy", "sell"]
    type: Literal["market", "limit"]
    quantity: int = Field(ge=1, le=10_000)
    limit_price: Money | None = Field(None, description="Required for limit orders, absent for market.")


class Order(Shape):
    id: int
    symbol: Symbol
    side: Literal["buy", "sell"]
    type: Literal["market", "limit"]
    quantity: int
    limit_price: Money | None
    status: Literal["open", "filled", "cancelled"]
    fill_price: Money | None
    created_at: Timestamp
    filled_at: Timestamp | None
    cancelled_at: Timestamp | None


class Orders(Shape):
    orders: list[Order]


class Position(Shape):
    symbol: Symbol
    quantity: int
    avg_cost: Money
    last: Money
    market_value: Money
    unrealized_pnl: Money
    unrealized_pnl_pct: Percent
    allocation_pct: Percent


class Portfolio(Shape):
    cash: Money
    reserved_cash: Money
    available_cash: Money
    positions_value: Money
    total_value: Money
    day_pnl: Money
    realized_pnl: Money
    unrealized_pnl: Money
    positions: list[Position]
    cash_allocation_pct: Percent


class Transaction(Shape):
    id: int
    order_id: int
    symbol: Symbol
    side: Literal["buy", "sell"]
    quantity: int
    price: Money
    amount: Money
    realized_pnl: Money
    executed_at: Timestamp


class Transactions(Shape):
    transactions: list[Transaction]


class Notification(Shape):
    id: int
    kind: Literal["fill", "cancel", "info"]
    message: str
    created_at: Timestamp


class Notifications(Shape):
    notifications: list[Notification]


class Health(Shape):
    status: Literal["ok"]


class Ready(Shape):
    status: Literal["ready", "unavailable"]
    database: str = Field(description="`ok`, or the reason it does not answer")


class Version(Shape):
    version: str


class Status(Shape):
    service: Literal["ok", "degraded"]
    database: Literal["ok", "degraded"]
    feed: Literal["ok", "paused", "degraded"]
    ws_clients: int
    version: str
    uptime: str
    started_at: Timestamp


class TestUserRequest(Shape):
    username: str | None = None
    password: str | None = None
    display_name: str | None = None
    cash: Money | None = Field(None, description="Starting cash; 100000.00 when absent.")


class TestUser(User):
    password: str


class TestInstrumentRequest(Shape):
    symbol: Symbol | None = None
    name: str | None = None
    price: Money
    ticking: bool = False


class PriceRequest(Shape):
    symbol: Symbol
    price: Money


class FeedRequest(Shape):
    running: bool | None = Field(None, description="Pause (false) or resume (true) the background ticks.")
    seed: int | None = Field(None, ge=0, description="Restart the random walk from this seed.")
    steps: int | None = Field(None, ge=1, le=1000, description="Run this many ticks now, in order.")
    symbols: list[Symbol] | None = Field(None, description="The ticks run now move only these instruments.")


class FeedState(Shape):
    running: bool
    steps: list[dict[str, Money] | None] = Field(
        description="Per tick run now: each instrument it moved and its new last price; null if it failed."
    )


class ExpireRequest(Shape):
    username: str


class Expired(Shape):
    expired: int


class DropRequest(Shape):
    username: str | None = None


class Dropped(Shape):
    dropped: int


class ClockRequest(Shape):
    now: Timestamp | None
    frozen: bool = Field(False, description="Stop the clock at `now` until the next call.")


class ClockState(Shape):
    now: Timestamp
    frozen: bool


class ResetDone(Shape):
    reset: Literal[True]


class RouteFaultRequest(Shape):
    path: str = Field(description="A path prefix outside /api/test/, e.g. /api/quotes.")
    status: int | None = Field(None, ge=200, le=599, description="The status to answer instead.")
    latency_ms: int | None = Field(None, ge=0, le=60000, description="Delay before answering.")
    probability: float | None = Field(None, ge=0, le=1, description="Share of requests hit (default 1).")
    duration_s: float | None = Field(
        None, gt=0, description="How long the fault lasts (default: until lifted)."
    )


class SwitchFault(Shape):
    down: bool
    duration_s: float | None = Field(None, gt=0, description="How long (default: until lifted).")


class SwitchFeedFault(SwitchFault):
    silent: bool = Field(False, description="Down means its background ticks stop coming, not fail.")


class ActiveRouteFault(Shape):
    id: int
    path: str
    status: int | None
    latency_ms: int
    probability: float
    remaining_s: float | None


class FaultState(Shape):
    routes: list[ActiveRouteFault]
    database_down: bool
    stream_down: bool
    feed_down: bool
    feed_silent: bool


SESSION = "session"  # the security scheme: the pt_session cookie
AUTH_ERRORS = {401: "Not signed in (`not_authenticated`)."}
WRITE_ERRORS = {**AUTH_ERRORS, 403: "Missing or wrong X-CSRF-Token (`csrf_failed`)."}
BODY_ERRORS = {400: "The body is not a JSON object (`bad_request`).", 413: "Body above 64 KiB."}
LIST_ERRORS = {**AUTH_ERRORS, 422: "Bad `limit` or `status` (`validation_error`)."}
TEST_ERRORS = {**BODY_ERRORS, 422: "A field of the wrong kind (`validation_error`)."}
# (method, path): (request body model, {status: answer model or description}, errors, signed in)
Route = tuple[type[BaseModel] | None, dict[int, Any], dict[int, str], bool]
ROUTES: dict[tuple[str, str], Route] = {
    ("get", "/health"): (None, {200: Health}, {}, False),
    ("get", "/ready"): (None, {200: Ready, 503: Ready}, {}, False),
    ("get", "/metrics"): (None, {200: "Prometheus text format."}, {}, False),
    ("get", "/api/version"): (None, {200: Version}, {}, False),
    ("get", "/api/status"): (None, {200: Status}, {}, False),
    ("post", "/api/auth/login"): (
        Credentials,
        {200: SignedIn},
        {
            **BODY_ERRORS,
            401: "Wrong username or password (`invalid_credentials`).",
            422: "Username or password missing (`validation_error`).",
            429: "Locked after five failures (`account_locked`).",
        },
        False,
    ),
    ("post", "/api/auth/logout"): (None, {204: "Signed out; the cookies are cleared."}, WRITE_ERRORS, True),
    ("get", "/api/me"): (None, {200: Me}, AUTH_ERRORS, True),
    ("get", "/api/instruments"): (None, {200: Instruments}, {}, False),
    ("get", "/api/quotes"): (None, {200: Quotes}, {}, False),
    ("get", "/api/quotes/{symbol}"): (None, {200: Quote}, {404: "Unknown symbol (`unknown_symbol`)."}, False),
    ("get", "/api/watchlist"): (None, {200: Quotes}, AUTH_ERRORS, True),
    ("post", "/api/watchlist"): (
        WatchlistAdd,
        {200: Quotes},
        {**WRITE_ERRORS, **BODY_ERRORS, 404: "Unknown symbol (`unknown_symbol`)."},
        True,
    ),
    ("delete", "/api/watchlist/{symbol}"): (
        None,
        {200: Quotes},
        {**WRITE_ERRORS, 404: "Unknown symbol (`unknown_symbol`)."},
        True,
    ),
    ("post", "/api/orders"): (
        OrderRequest,
        {201: Order},
        {
            **WRITE_ERRORS,
            **BODY_ERRORS,
            422: "Refused and not stored: `validation_error`, `unknown_symbol`, `insufficient_cash`, "
            "`insufficient_shares`.",
        },
        True,
    ),
    ("get", "/api/orders"): (None, {200: Orders}, LIST_ERRORS, True),
    ("get", "/api/orders/{order_id}"): (
        None,
        {200: Order},
        {**AUTH_ERRORS, 404: "No such order of yours."},
        True,
    ),
    ("post", "/api/orders/{order_id}/cancel"): (
        None,
        {200: Order},
        {**WRITE_ERRORS, 404: "No such order of yours.", 409: "Not open (`order_not_open`)."},
        True,
    ),
    ("get", "/api/portfolio"): (None, {200: Portfolio}, AUTH_ERRORS, True),
    ("get", "/api/transactions"): (None, {200: Transactions}, LIST_ERRORS, True),
    ("get", "/api/transactions.csv"): (None, {200: "CSV attachment `transactions.csv`."}, AUTH_ERRORS, True),
    ("get", "/api/notifications"): (None, {200: Notifications}, LIST_ERRORS, True),
    ("post", "/api/test/users"): (
        TestUserRequest,
        {201: TestUser},
        {**TEST_ERRORS, 409: "The username is taken."},
        False,
    ),
    ("post", "/api/test/instruments"): (
        TestInstrumentRequest,
        {201: Quote},
        {**TEST_ERRORS, 409: "The symbol exists."},
        False,
    ),
    ("post", "/api/test/prices"): (
        PriceRequest,
        {200: Quote},
        {**TEST_ERRORS, 404: "Unknown symbol."},
        False,
    ),
    ("post", "/api/test/feed"): (
        FeedRequest,
        {200: FeedState},
        {**TEST_ERRORS, 404: "Unknown symbol."},
        False,
    ),
    ("post", "/api/test/sessions/expire"): (ExpireRequest, {200: Expired}, TEST_ERRORS, False),
    ("post", "/api/test/ws/drop"): (DropRequest, {200: Dropped}, TEST_ERRORS, False),
    ("post", "/api/test/clock"): (ClockRequest, {200: ClockState}, TEST_ERRORS, False),
    ("post", "/api/test/reset"): (None, {200: ResetDone}, {}, False),
    ("post", "/api/test/faults"): (RouteFaultRequest, {201: FaultState}, TEST_ERRORS, False),
    ("get", "/api/test/faults"): (None, {200: FaultState}, {}, False),
    ("delete", "/api/test/faults"): (None, {200: FaultState}, {}, False),
    ("post", "/api/test/faults/database"): (SwitchFault, {200: FaultState}, TEST_ERRORS, False),
    ("post", "/api/test/faults/stream"): (SwitchFault, {200: FaultState}, TEST_ERRORS, False),
    ("post", "/api/test/faults/feed"): (SwitchFeedFault, {200: FaultState}, TEST_ERRORS, False),
}


def _ref(model: type[BaseModel]) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{model.__name__}"}


def _answer(answer: type[BaseModel] | str) -> dict[str, Any]:
    if isinstance(answer, str):
        return {"description": answer}
    return {"description": answer.__name__, "content": {"application/json": {"schema": _ref(answer)}}}


def describe(app: FastAPI) -> dict[str, Any]:
    """FastAPI's description of the app's routes, each completed from ROUTES (a route missing
    there is an error, so a new endpoint cannot ship undescribed)."""
    spec = get_openapi(title=app.title, version=app.version, routes=app.routes)
    used: dict[type[BaseModel], None] = {Error: None}
    error = {"content": {"application/json": {"schema": _ref(Error)}}}
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            route = ROUTES.get((method, path))
            if route is None:
                raise LookupError(
                    f"{method.upper()} {path} is not described in papertrade.web.openapi.ROUTES"
                )
            body, answers, errors, signed_in = route
            used.update((model, None) for model in (body, *answers.values()) if isinstance(model, type))
            if body is not None:
                operation["requestBody"] = {
                    "required": True,
                    "content": {"application/json": {"schema": _ref(body)}},
                }
            operation["responses"] = {
                **{str(status): _answer(answer) for status, answer in answers.items()},
                **{str(status): {"description": text, **error} for status, text in errors.items()},
            }
            if signed_in:
                operation["security"] = [{SESSION: []}]
    schemas: dict[str, Any] = {}
    for model in used:
        definition = model.model_json_schema(ref_template="#/components/schemas/{model}")
        schemas.update(definition.pop("$defs", {}))
        schemas[model.__name__] = definition
    spec["components"] = {
        "schemas": dict(sorted(schemas.items())),
        "securitySchemes": {SESSION: {"type": "apiKey", "in": "cookie", "name": "pt_session"}},
    }
    return spec


def install(app: FastAPI) -> None:
    """Serve `describe(app)` at /openapi.json (built once, on the first request)."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = describe(app)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
