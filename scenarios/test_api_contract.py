"""The JSON API against the description it publishes at /openapi.json (flow API-08)."""

from dataclasses import dataclass

import pytest

from harness.api_client import PaperTradeApi

pytestmark = pytest.mark.capability("test_api")


# The routes of docs/papertrade-contract.md: each must be described at /openapi.json.
CONTRACT_ROUTES = {
    ("POST", "/api/auth/login"),
    ("POST", "/api/auth/logout"),
    ("GET", "/api/me"),
    ("GET", "/api/instruments"),
    ("GET", "/api/quotes"),
    ("GET", "/api/quotes/{symbol}"),
    ("GET", "/api/watchlist"),
    ("POST", "/api/watchlist"),
    ("DELETE", "/api/watchlist/{symbol}"),
    ("POST", "/api/orders"),
    ("GET", "/api/orders"),
    ("GET", "/api/orders/{order_id}"),
    ("POST", "/api/orders/{order_id}/cancel"),
    ("GET", "/api/portfolio"),
    ("GET", "/api/transactions"),
    ("GET", "/api/transactions.csv"),
    ("GET", "/api/notifications"),
    ("GET", "/health"),
    ("GET", "/ready"),
    ("GET", "/metrics"),
}


@pytest.mark.flow("API-08")
def test_every_contract_route_is_described(api_contract):
    assert CONTRACT_ROUTES - api_contract.routes() == set()
    order_request = api_contract.spec["components"]["schemas"]["OrderRequest"]
    assert set(order_request["required"]) == {"symbol", "side", "type", "quantity"}


@dataclass
class Trading:
    """Clients of an account with a filled buy of 10, a sale of 4, a resting and a cancelled limit buy."""

    anonymous: PaperTradeApi
    client: PaperTradeApi
    ids: dict[str, object]  # what a path may name: {symbol}, {filled}, {resting}, {cancelled}


@pytest.fixture
def trading(api, account, symbol) -> Trading:
    client = account.api
    filled = client.place_order(symbol, "buy", 10)
    resting = client.place_order(symbol, "buy", 5, limit_price="140.00")
    cancelled = client.place_order(symbol, "buy", 1, limit_price="140.00")
    client.cancel_order(cancelled["id"])
    client.place_order(symbol, "sell", 4)
    ids = {"symbol": symbol, "filled": filled["id"], "resting": resting["id"], "cancelled": cancelled["id"]}
    return Trading(api, client, ids)


def case(case_id, route, who="anonymous", path=None, status=200, json=None):
    """One exchange: `route` as the description names it ("GET /api/orders/{order_id}"), sent by
    `who` to `path` (the route itself unless given; it may name the ids of Trading)."""
    method, template = route.split(" ")
    marks = [pytest.mark.provokes_errors] if status >= 400 else []
    return pytest.param(method, template, who, path or template, status, json, id=case_id, marks=marks)


@pytest.mark.flow("API-08")
@pytest.mark.parametrize(
    ("method", "route", "who", "path", "status", "json"),
    [
        case("health", "GET /health"),
        case("ready", "GET /ready"),
        case("status", "GET /api/status"),
        case("me", "GET /api/me", "client"),
        case("instruments", "GET /api/instruments"),
        case("quotes", "GET /api/quotes"),
        case("quote", "GET /api/quotes/{symbol}"),
        case("watch", "POST /api/watchlist", "client", json={"symbol": "{symbol}"}),
        case("order", "GET /api/orders/{order_id}", "client", "/api/orders/{filled}"),
        case("cancel", "POST /api/orders/{order_id}/cancel", "client", "/api/orders/{resting}/cancel"),
        case("orders", "GET /api/orders", "client"),
        case("portfolio", "GET /api/portfolio", "client"),
        case("transactions", "GET /api/transactions", "client"),
        case("notifications", "GET /api/notifications", "client"),
        # refusals carry the error body of the contract
        case(
            "order-invalid",
            "POST /api/orders",
            "client",
            status=422,
            json={"symbol": "{symbol}", "side": "hold"},
        ),
        case(
            "cancel-again",
            "POST /api/orders/{order_id}/cancel",
            "client",
            "/api/orders/{cancelled}/cancel",
            409,
        ),
        case("order-unknown", "GET /api/orders/{order_id}", "client", "/api/orders/999999999", 404),
        case("anonymous", "GET /api/portfolio", status=401),
    ],
)
def test_answer_matches_its_description(trading, api_contract, method, route, who, path, status, json):
    body = {key: value.format(**trading.ids) for key, value in json.items()} if json else None
    client = trading.client if who == "client" else trading.anonymous
    response = client.request(method, path.format(**trading.ids), json=body)
    assert response.status_code == status
    assert api_contract.problems(method, route, response) == []
