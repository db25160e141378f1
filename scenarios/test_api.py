"""Contract tests of the JSON API with requests (no browser): statuses, error bodies, authorization,
CSRF and limits."""

import re
from datetime import UTC, datetime, timedelta

import pytest

pytestmark = pytest.mark.capability("test_api")

NOT_AUTHENTICATED = {"error": {"code": "not_authenticated", "message": "Sign in to continue."}}
CSRF_FAILED = {"error": {"code": "csrf_failed", "message": "Missing or invalid CSRF token."}}


def error_code(response):
    return response.json()["error"]["code"]


@pytest.mark.smoke
@pytest.mark.flow("API-01")
def test_login_answers_the_user_and_a_csrf_token(api, account):
    response = api.request(
        "POST", "/api/auth/login", json={"username": account.username, "password": account.password}
    )
    assert response.status_code == 200
    assert response.json()["user"]["username"] == account.username
    assert response.json()["user"]["display_name"] == account.display_name
    assert response.json()["csrf_token"] == api.session.cookies["pt_csrf"]


@pytest.mark.provokes_errors
@pytest.mark.flow("API-01")
def test_wrong_password_answers_401_invalid_credentials(api, account):
    response = api.request("POST", "/api/auth/login", json={"username": account.username, "password": "nope"})
    assert response.status_code == 401
    assert response.json() == {
        "error": {"code": "invalid_credentials", "message": "Invalid username or password."}
    }


@pytest.mark.provokes_errors
@pytest.mark.flow("API-01")
def test_locked_account_answers_429(api, account):
    for _ in range(5):
        api.request("POST", "/api/auth/login", json={"username": account.username, "password": "nope"})
    response = api.request(
        "POST", "/api/auth/login", json={"username": account.username, "password": account.password}
    )
    assert response.status_code == 429
    assert response.json()["error"] == {
        "code": "account_locked",
        "message": "Too many failed sign-in attempts. Your account is locked for 15 minutes.",
    }


@pytest.mark.provokes_errors
@pytest.mark.flow("API-01")
@pytest.mark.parametrize(
    "body",
    [{}, {"username": "someone"}, {"username": 1, "password": 2}],
    ids=["empty", "no-password", "not-text"],
)
def test_login_without_credentials_answers_422(api, body):
    response = api.request("POST", "/api/auth/login", json=body)
    assert response.status_code == 422
    assert error_code(response) == "validation_error"


@pytest.mark.provokes_errors
@pytest.mark.flow("API-01")
@pytest.mark.parametrize(
    "path",
    [
        "/api/me",
        "/api/portfolio",
        "/api/orders",
        "/api/transactions",
        "/api/transactions.csv",
        "/api/notifications",
        "/api/watchlist",
    ],
    ids=lambda path: path.removeprefix("/api/"),
)
def test_anonymous_requests_answer_401(api, path):
    response = api.request("GET", path)
    assert response.status_code == 401
    assert response.json() == NOT_AUTHENTICATED


@pytest.mark.provokes_errors
@pytest.mark.flow("API-01", "AUTH-04")
def test_logout_ends_the_api_session(account):
    assert account.api.request("GET", "/api/me").status_code == 200
    account.api.logout()
    assert account.api.request("GET", "/api/me").json() == NOT_AUTHENTICATED


@pytest.mark.provokes_errors
@pytest.mark.flow("API-01", "AUTH-06")
def test_expired_session_answers_401(api, account):
    signed_in = account.api
    api.expire_sessions(account.username)
    response = signed_in.request("GET", "/api/portfolio")
    assert response.status_code == 401
    assert response.json() == NOT_AUTHENTICATED


@pytest.mark.provokes_errors
@pytest.mark.flow("API-02")
@pytest.mark.parametrize(
    "change",
    [
        {"quantity": 0},
        {"quantity": 10_001},
        {"quantity": 1.5},
        {"quantity": -5},
        {"side": "hold"},
        {"type": "stop"},
        {"symbol": None},
        {"type": "limit"},
        {"type": "limit", "limit_price": "0"},
        {"type": "limit", "limit_price": "-1.00"},
        {"limit_price": "140.00"},
    ],
    ids=[
        "quantity-0",
        "quantity-10001",
        "quantity-fraction",
        "quantity-negative",
        "side-hold",
        "type-stop",
        "no-symbol",
        "limit-without-price",
        "limit-price-0",
        "limit-price-negative",
        "market-with-limit-price",
    ],
)
def test_invalid_order_answers_422_and_is_not_stored(account, symbol, change):
    body = {"symbol": symbol, "side": "buy", "type": "market", "quantity": 10, "limit_price": None, **change}
    response = account.api.request("POST", "/api/orders", json=body)
    assert response.status_code == 422
    assert error_code(response) == "validation_error"
    assert account.api.call("GET", "/api/orders", 200) == {"orders": []}


@pytest.mark.provokes_errors
@pytest.mark.flow("API-02", "TRD-06")
def test_unknown_symbol_answers_422_unknown_symbol(account):
    response = account.api.request(
        "POST",
        "/api/orders",
        json={"symbol": "ZZZZZ", "side": "buy", "type": "market", "quantity": 1, "limit_price": None},
    )
    assert response.status_code == 422
    assert response.json()["error"] == {"code": "unknown_symbol", "message": "Unknown symbol: ZZZZZ."}


@pytest.mark.provokes_errors
@pytest.mark.flow("API-02", "TRD-07")
@pytest.mark.parametrize("account", [{"cash": "1000.00"}], indirect=True, ids=["cash-1000"])
def test_limit_buy_beyond_the_cash_names_both_amounts(account, symbol):
    response = account.api.request(
        "POST",
        "/api/orders",
        json={"symbol": symbol, "side": "buy", "type": "limit", "quantity": 10, "limit_price": "140.00"},
    )
    assert response.status_code == 422
    assert response.json()["error"] == {
        "code": "insufficient_cash",
        "message": "Insufficient cash: this order needs $1,400.00 but only $1,000.00 is available.",
    }


@pytest.mark.provokes_errors
@pytest.mark.flow("API-02")
@pytest.mark.parametrize(
    ("path", "status", "code"),
    [
        ("/api/quotes/ZZZZZ", 404, "unknown_symbol"),
        ("/api/orders?status=bogus", 422, "validation_error"),
        ("/api/orders/999999", 404, "not_found"),
    ],
    ids=["unknown-quote", "unknown-status", "unknown-order"],
)
def test_bad_lookups_answer_their_error(account, path, status, code):
    response = account.api.request("GET", path)
    assert (response.status_code, error_code(response)) == (status, code)


@pytest.mark.provokes_errors
@pytest.mark.flow("API-03")
def test_another_accounts_order_is_not_found(make_account, symbol):
    owner, intruder = make_account(), make_account()
    order = owner.api.place_order(symbol, "buy", 10, limit_price="140.00")
    for method, path in [
        ("GET", f"/api/orders/{order['id']}"),
        ("POST", f"/api/orders/{order['id']}/cancel"),
    ]:
        response = intruder.api.request(method, path)
        assert response.status_code == 404
        assert error_code(response) == "not_found"
    assert owner.api.order(order["id"])["status"] == "open"


@pytest.mark.provokes_errors
@pytest.mark.flow("API-04")
@pytest.mark.parametrize("token", [None, "forged"], ids=["missing", "wrong"])
@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("POST", "/api/orders", {"symbol": "AAPL", "side": "buy", "type": "market", "quantity": 1}),
        ("POST", "/api/watchlist", {"symbol": "AAPL"}),
        ("DELETE", "/api/watchlist/AAPL", None),
        ("POST", "/api/auth/logout", None),
    ],
    ids=["order", "watch", "unwatch", "logout"],
)
def test_state_change_without_the_csrf_token_answers_403(account, method, path, body, token):
    headers = {"X-CSRF-Token": token} if token else {}
    account.api.session.headers.pop("X-CSRF-Token")
    response = account.api.request(method, path, json=body, headers=headers)
    assert response.status_code == 403
    assert response.json() == CSRF_FAILED


@pytest.mark.provokes_errors
@pytest.mark.flow("API-05")
def test_body_above_64_kib_answers_413(account):
    response = account.api.request(
        "POST",
        "/api/watchlist",
        data=b"{" + b" " * (64 * 1024 + 1) + b"}",
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 413
    assert error_code(response) == "payload_too_large"


@pytest.mark.provokes_errors
@pytest.mark.flow("API-05")
def test_body_that_is_not_json_answers_400(account):
    response = account.api.request(
        "POST", "/api/orders", data="symbol=AAPL", headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400
    assert error_code(response) == "bad_request"


@pytest.mark.provokes_errors
@pytest.mark.flow("API-05")
def test_unknown_route_answers_404_not_found(api):
    response = api.request("GET", "/api/nothing-here")
    assert response.status_code == 404
    assert error_code(response) == "not_found"


@pytest.mark.provokes_errors
@pytest.mark.flow("API-06", "TRD-04")
def test_only_open_orders_can_be_cancelled(account, symbol):
    order = account.api.place_order(symbol, "buy", 10, limit_price="140.00")
    assert order["status"] == "open"
    assert account.api.cancel_order(order["id"])["status"] == "cancelled"
    response = account.api.request("POST", f"/api/orders/{order['id']}/cancel")
    assert response.status_code == 409
    assert response.json()["error"] == {
        "code": "order_not_open",
        "message": "Only open orders can be cancelled.",
    }


@pytest.mark.flow("API-06", "TRD-01")
def test_market_order_fills_and_is_booked(account, symbol):
    order = account.api.place_order(symbol, "buy", 10)
    assert (order["status"], order["fill_price"], order["limit_price"]) == ("filled", "150.05", None)
    [transaction] = account.api.call("GET", "/api/transactions", 200)["transactions"]
    assert (transaction["order_id"], transaction["amount"], transaction["realized_pnl"]) == (
        order["id"],
        "1500.50",
        "0.00",
    )
    notifications = account.api.call("GET", "/api/notifications", 200)["notifications"]
    assert [n["message"] for n in notifications] == [f"Bought 10 {symbol} at $150.05."]
    portfolio = account.api.portfolio()
    assert (portfolio["cash"], portfolio["positions_value"], portfolio["total_value"]) == (
        "98499.50",
        "1500.00",
        "99999.50",
    )


@pytest.mark.flow("API-06", "TRD-08")
def test_orders_are_listed_newest_first_and_filtered_by_status(account, symbol):
    first = account.api.place_order(symbol, "buy", 1)
    second = account.api.place_order(symbol, "buy", 2, limit_price="140.00")
    orders = account.api.call("GET", "/api/orders", 200)["orders"]
    assert [order["id"] for order in orders] == [second["id"], first["id"]]
    assert [o["id"] for o in account.api.call("GET", "/api/orders?status=open", 200)["orders"]] == [
        second["id"]
    ]
    assert [o["id"] for o in account.api.call("GET", "/api/orders?limit=1", 200)["orders"]] == [second["id"]]


@pytest.mark.flow("API-06", "PORT-04")
def test_transactions_csv_is_an_attachment(account, symbol):
    account.api.place_order(symbol, "buy", 10)
    response = account.api.request("GET", "/api/transactions.csv")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/csv")
    assert re.search(r'attachment;\s*filename="?transactions\.csv"?', response.headers["Content-Disposition"])


@pytest.fixture
def app_clock(api):
    """Moves the target's clock; always returns it to real time afterwards."""

    def move_to(moment: datetime) -> None:
        response = api.request("POST", "/api/test/clock", json={"now": moment.isoformat()})
        assert response.status_code == 200

    yield move_to
    api.request("POST", "/api/test/clock", json={"now": None})


@pytest.mark.provokes_errors
@pytest.mark.flow("AUTH-03", "API-07")
def test_lockout_lasts_exactly_fifteen_minutes(api, account, app_clock):
    credentials = {"username": account.username, "password": account.password}
    locked_at = datetime.now(UTC)
    for _ in range(5):
        api.request("POST", "/api/auth/login", json={**credentials, "password": "nope"})

    app_clock(locked_at + timedelta(minutes=14))
    assert api.request("POST", "/api/auth/login", json=credentials).status_code == 429
    app_clock(locked_at + timedelta(minutes=15, seconds=5))
    assert api.request("POST", "/api/auth/login", json=credentials).status_code == 200


@pytest.mark.provokes_errors
@pytest.mark.flow("API-07")
@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/api/test/users", {"username": ""}),
        ("/api/test/users", {"display_name": 42}),
        ("/api/test/users", {"password": ""}),
        ("/api/test/users", {"cash": "12.345"}),
        ("/api/test/instruments", {"price": "abc"}),
        ("/api/test/instruments", {"price": "0"}),
        ("/api/test/instruments", {}),
        ("/api/test/instruments", {"symbol": "bad symbol!", "price": "10.00"}),
        ("/api/test/prices", {"symbol": "AAPL", "price": "-1"}),
        ("/api/test/feed", {"running": "yes"}),
        ("/api/test/sessions/expire", {}),
        ("/api/test/clock", {}),
        ("/api/test/clock", {"now": "next tuesday"}),
    ],
    ids=[
        "user-empty-name",
        "user-numeric-display-name",
        "user-empty-password",
        "user-cash-three-decimals",
        "instrument-price-not-a-number",
        "instrument-price-zero",
        "instrument-price-missing",
        "instrument-bad-symbol",
        "price-negative",
        "feed-running-not-bool",
        "expire-without-username",
        "clock-without-now",
        "clock-unparseable",
    ],
)
def test_test_control_api_refuses_bad_payloads_with_422(api, path, body):
    response = api.request("POST", path, json=body)
    assert response.status_code == 422
    assert error_code(response) == "validation_error"


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


@pytest.mark.provokes_errors
@pytest.mark.flow("API-08")
def test_answers_match_their_description(api, api_contract, account, symbol):
    client = account.api
    filled = client.place_order(symbol, "buy", 10)
    resting = client.place_order(symbol, "buy", 5, limit_price="140.00")
    client.place_order(symbol, "sell", 4)
    exchanges = [
        ("GET", "/health", api.request("GET", "/health")),
        ("GET", "/ready", api.request("GET", "/ready")),
        ("GET", "/api/status", api.request("GET", "/api/status")),
        ("GET", "/api/me", client.request("GET", "/api/me")),
        ("GET", "/api/instruments", api.request("GET", "/api/instruments")),
        ("GET", "/api/quotes", api.request("GET", "/api/quotes")),
        ("GET", "/api/quotes/{symbol}", api.request("GET", f"/api/quotes/{symbol}")),
        ("POST", "/api/watchlist", client.request("POST", "/api/watchlist", json={"symbol": symbol})),
        ("GET", "/api/orders/{order_id}", client.request("GET", f"/api/orders/{filled['id']}")),
        (
            "POST",
            "/api/orders/{order_id}/cancel",
            client.request("POST", f"/api/orders/{resting['id']}/cancel"),
        ),
        ("GET", "/api/orders", client.request("GET", "/api/orders")),
        ("GET", "/api/portfolio", client.request("GET", "/api/portfolio")),
        ("GET", "/api/transactions", client.request("GET", "/api/transactions")),
        ("GET", "/api/notifications", client.request("GET", "/api/notifications")),
        # refusals carry the error body of the contract
        (
            "POST",
            "/api/orders",
            client.request("POST", "/api/orders", json={"symbol": symbol, "side": "hold"}),
        ),
        (
            "POST",
            "/api/orders/{order_id}/cancel",
            client.request("POST", f"/api/orders/{resting['id']}/cancel"),
        ),
        ("GET", "/api/orders/{order_id}", client.request("GET", "/api/orders/999999999")),
        ("GET", "/api/portfolio", api.request("GET", "/api/portfolio")),
    ]
    statuses = [response.status_code for _, _, response in exchanges]
    assert statuses == [200] * 14 + [422, 409, 404, 401]
    assert [
        problem
        for method, path, response in exchanges
        for problem in api_contract.problems(method, path, response)
    ] == []
    portfolio = exchanges[11][2].json()
    assert [(p["symbol"], p["quantity"]) for p in portfolio["positions"]] == [(symbol, 6)]
