"""The JSON API's orders (flows API-02, API-03, API-06): validation, ownership, fills and the books."""

import re
from concurrent.futures import ThreadPoolExecutor

import pytest

from harness.api_client import error_code

pytestmark = pytest.mark.capability("test_api")

RACE_ROUNDS = 20


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
        {"type": "stop", "limit_price": "140.00"},  # refused for its type, not for a missing price
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
        "type-stop-with-a-price",
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


@pytest.mark.flow("API-06", "TRD-03")
@pytest.mark.parametrize(
    ("side", "limit_price"), [("buy", "0.01"), ("sell", "1000000.00")], ids=["lowest", "highest"]
)
def test_a_limit_price_at_either_end_of_the_range_rests(account, symbol, side, limit_price):
    account.api.place_order(symbol, "buy", 1)  # a share to sell
    order = account.api.place_order(symbol, side, 1, limit_price=limit_price)
    assert (order["status"], order["limit_price"]) == ("open", limit_price)


@pytest.mark.provokes_errors
@pytest.mark.flow("API-02")
@pytest.mark.parametrize(
    ("limit_price", "message"),
    [
        ("0", "Limit price must be greater than 0."),
        ("1000000.01", "Limit price must be at most 1,000,000.00."),
        ("10.005", "Limit price must have at most 2 decimals."),
    ],
    ids=["zero", "above-one-million", "three-decimals"],
)
def test_a_refused_limit_price_says_which_rule_it_broke(account, symbol, limit_price, message):
    body = {"symbol": symbol, "side": "buy", "type": "limit", "quantity": 1, "limit_price": limit_price}
    response = account.api.request("POST", "/api/orders", json=body)
    assert (response.status_code, response.json()["error"]) == (
        422,
        {"code": "validation_error", "message": message},
    )
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


@pytest.mark.provokes_errors
@pytest.mark.flow("API-06", "TRD-04")
def test_a_cancel_racing_a_fill_leaves_the_order_either_filled_or_cancelled(account, api, symbol):
    # Each round sends a cancel and a price that crosses the order at the same moment: one wins.
    cancel_answers = {}
    with ThreadPoolExecutor(max_workers=2) as pool:
        for _ in range(RACE_ROUNDS):
            order = account.api.place_order(symbol, "buy", 1, limit_price="149.00")
            cancel = pool.submit(account.api.request, "POST", f"/api/orders/{order['id']}/cancel")
            pool.submit(api.set_price, symbol, "148.00").result()
            cancel_answers[order["id"]] = cancel.result().status_code
            api.set_price(symbol, "150.00")
    booked = {t["order_id"] for t in account.api.call("GET", "/api/transactions", 200)["transactions"]}
    for order_id, answer in cancel_answers.items():
        outcome = (answer, account.api.order(order_id)["status"], order_id in booked)
        assert outcome in {(200, "cancelled", False), (409, "filled", True)}, order_id


@pytest.mark.flow("API-06", "TRD-01")
def test_market_order_fills_and_is_booked(account, symbol):
    order = account.api.place_order(symbol, "buy", 10)
    assert (order["status"], order["fill_price"], order["limit_price"]) == ("filled", "150.05", None)
    assert (order["filled_at"], order["cancelled_at"]) == (order["created_at"], None)
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


@pytest.mark.flow("API-06", "PORT-04")
def test_transactions_are_listed_newest_first_up_to_the_limit_asked(account, symbol):
    first, second = (account.api.place_order(symbol, "buy", quantity)["id"] for quantity in (1, 2))
    listed = account.api.call("GET", "/api/transactions", 200)["transactions"]
    assert [t["order_id"] for t in listed] == [second, first]
    limited = account.api.call("GET", "/api/transactions?limit=1", 200)["transactions"]
    assert [t["order_id"] for t in limited] == [second]


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


@pytest.mark.flow("API-06")
def test_portfolio_nets_a_partial_sale(account, symbol):
    account.api.place_order(symbol, "buy", 10)
    account.api.place_order(symbol, "sell", 4)
    positions = account.api.portfolio()["positions"]
    assert [(p["symbol"], p["quantity"]) for p in positions] == [(symbol, 6)]


@pytest.mark.flow("API-02", "API-06")
@pytest.mark.parametrize("quantity", [10.0, "10"], ids=["json-decimal", "string-of-digits"])
def test_a_whole_quantity_sent_as_a_json_decimal_or_a_string_is_accepted(account, symbol, quantity):
    body = {"symbol": symbol, "side": "buy", "type": "market", "quantity": quantity}  # `10.0` or `"10"`
    order = account.api.call("POST", "/api/orders", 201, json=body)
    assert (order["quantity"], order["status"], order["fill_price"]) == (10, "filled", "150.05")


@pytest.mark.flow("API-06", "PORT-03")
def test_the_last_share_left_keeps_its_part_of_the_cost(account, symbol):
    account.api.place_order(symbol, "buy", 10)  # cost 1,500.50
    account.api.place_order(symbol, "sell", 9)  # takes 9/10 of it: 1,350.45
    [position] = account.api.portfolio()["positions"]
    assert (position["quantity"], position["avg_cost"], position["unrealized_pnl"]) == (1, "150.05", "-0.05")


@pytest.mark.flow("API-06", "PORT-03")
def test_a_position_sold_out_then_bought_again_costs_only_the_new_buy(account, symbol):
    account.api.place_order(symbol, "buy", 10)
    account.api.place_order(symbol, "sell", 10)  # closes the position: nothing of its cost is left
    account.api.place_order(symbol, "buy", 2)  # 2 x 150.05
    [position] = account.api.portfolio()["positions"]
    assert (position["quantity"], position["avg_cost"], position["unrealized_pnl"]) == (2, "150.05", "-0.10")
