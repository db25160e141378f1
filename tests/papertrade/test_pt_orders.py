"""Orders through the API: fills, resting limits, P&L to the cent, validation, cancels, isolation."""

from concurrent.futures import ThreadPoolExecutor

import pytest

pytestmark = pytest.mark.unit


def test_market_buy_fills_at_the_ask_and_sell_at_the_bid(trader, make_instrument):
    symbol = make_instrument("150.00")

    bought = trader.order(symbol, "buy", 10)
    sold = trader.order(symbol, "sell", 5)

    assert bought.status_code == 201, bought.text
    assert bought.json()["status"] == "filled"
    assert bought.json()["fill_price"] == "150.05"
    assert sold.json()["fill_price"] == "149.95"
    assert sold.json()["limit_price"] is None
    notes = [n["message"] for n in trader.get("/api/notifications").json()["notifications"]]
    assert notes[:2] == [f"Sold 5 {symbol} at $149.95.", f"Bought 10 {symbol} at $150.05."]


def test_quote_shape_and_spread(client, make_instrument, set_price):
    symbol = make_instrument("0.03", name="Penny")
    quote = client.get(f"/api/quotes/{symbol.lower()}").json()
    assert quote["bid"] == "0.01"  # floored
    assert quote["ask"] == "0.08"
    assert quote["name"] == "Penny"
    assert quote["updated_at"].endswith("Z")
    moved = set_price(symbol, "0.04")
    assert moved["change_pct"] == "33.33"
    missing = client.get("/api/quotes/NOPE1")
    assert missing.status_code == 404
    assert missing.json()["error"] == {
        "code": "unknown_symbol",
        "message": "Unknown symbol: NOPE1.",
    }


def test_listed_quotes_and_instruments(client):
    symbols = [q["symbol"] for q in client.get("/api/quotes").json()["quotes"]]
    assert symbols == [
        "AAPL",
        "MSFT",
        "GOOGL",
        "AMZN",
        "TSLA",
        "NVDA",
        "META",
        "NFLX",
        "JPM",
        "V",
        "KO",
        "DIS",
    ]
    instruments = client.get("/api/instruments").json()["instruments"]
    assert instruments[0] == {"symbol": "AAPL", "name": "Apple Inc."}


def test_marketable_limit_buy_fills_at_the_ask(trader, make_instrument):
    symbol = make_instrument("50.00")
    order = trader.order(symbol, "buy", 2, limit_price="60.00").json()
    assert (order["status"], order["fill_price"], order["limit_price"]) == ("filled", "50.05", "60.00")


def test_resting_limit_buy_fills_at_its_limit_when_the_ask_crosses(trader, make_instrument, set_price):
    symbol = make_instrument("100.00")
    order = trader.order(symbol, "buy", 10, limit_price="95.00").json()
    assert order["status"] == "open"
    assert trader.portfolio()["reserved_cash"] == "950.00"
    assert trader.portfolio()["available_cash"] == "99050.00"

    set_price(symbol, "94.96")  # ask 95.01: not yet
    assert trader.get(f"/api/orders/{order['id']}").json()["status"] == "open"
    set_price(symbol, "90.00")  # ask 90.05 <= 95.00: fills at the limit, not the ask

    filled = trader.get(f"/api/orders/{order['id']}").json()
    assert (filled["status"], filled["fill_price"]) == ("filled", "95.00")
    assert filled["filled_at"] is not None
    portfolio = trader.portfolio()
    assert (portfolio["cash"], portfolio["reserved_cash"]) == ("99050.00", "0.00")
    assert portfolio["positions"][0]["avg_cost"] == "95.00"


def test_resting_limit_sell_fills_at_its_limit_when_the_bid_crosses(trader, make_instrument, set_price):
    symbol = make_instrument("20.00")
    trader.order(symbol, "buy", 4)  # at 20.05
    order = trader.order(symbol, "sell", 4, limit_price="25.00").json()
    assert order["status"] == "open"
    assert trader.order(symbol, "sell", 1).json()["error"]["message"] == (
        f"Insufficient shares: you can sell at most 0 {symbol}."
    )

    set_price(symbol, "30.00")

    transaction = trader.get("/api/transactions").json()["transactions"][0]
    assert (transaction["price"], transaction["amount"], transaction["realized_pnl"]) == (
        "25.00",
        "100.00",
        "19.80",
    )
    assert trader.portfolio()["positions"] == []


def test_average_cost_and_pnl_with_an_uneven_split(trader, make_instrument, set_price):
    symbol = make_instrument("9.95")
    trader.order(symbol, "buy", 3)  # ask 10.00 -> cost 30.00
    set_price(symbol, "10.96")
    trader.order(symbol, "buy", 2)  # ask 11.01 -> cost 22.02, total 52.02 for 5
    position = trader.portfolio()["positions"][0]
    assert (position["quantity"], position["avg_cost"]) == (5, "10.40")  # 10.404

    set_price(symbol, "12.05")
    sell = trader.order(symbol, "sell", 4).json()  # bid 12.00 -> proceeds 48.00
    assert sell["fill_price"] == "12.00"

    transaction = trader.get("/api/transactions").json()["transactions"][0]
    # removed cost = round_half_up(52.02 * 4 / 5) = 41.62; realized = 48.00 - 41.62
    assert transaction["realized_pnl"] == "6.38"
    portfolio = trader.portfolio()
    position = portfolio["positions"][0]
    assert (position["quantity"], position["avg_cost"], position["last"]) == (1, "10.40", "12.05")
    assert position["market_value"] == "12.05"
    assert position["unrealized_pnl"] == "1.65"  # 12.05 - 10.40
    assert position["unrealized_pnl_pct"] == "15.87"
    assert portfolio["realized_pnl"] == "6.38"
    assert portfolio["cash"] == "99995.98"  # 100000 - 30.00 - 22.02 + 48.00
    assert portfolio["total_value"] == "100008.03"
    assert portfolio["day_pnl"] == "8.03"
    assert portfolio["unrealized_pnl"] == "1.65"


def test_allocation_percentages(make_trader, make_instrument):
    trader = make_trader(cash="1000.00")
    symbol = make_instrument("9.95")
    trader.order(symbol, "buy", 25)  # 250.00 at 10.00
    portfolio = trader.portfolio()
    assert portfolio["total_value"] == "998.75"
    assert portfolio["positions"][0]["allocation_pct"] == "24.91"
    assert portfolio["cash_allocation_pct"] == "75.09"


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"side": "buy", "type": "market", "quantity": 1}, "symbol", "Enter a symbol."),
        (
            {"symbol": "AAPL", "side": "hold", "type": "market", "quantity": 1},
            "side",
            "Side must be buy or sell.",
        ),
        (
            {"symbol": "AAPL", "side": "buy", "type": "stop", "quantity": 1},
            "type",
            "Order type must be market or limit.",
        ),
        (
            {"symbol": "AAPL", "side": "buy", "type": "market", "quantity": 0},
            "quantity",
            "Quantity must be a whole number between 1 and 10,000.",
        ),
        (
            {"symbol": "AAPL", "side": "buy", "type": "market", "quantity": 10001},
            "quantity",
            "Quantity must be a whole number between 1 and 10,000.",
        ),
        (
            {"symbol": "AAPL", "side": "buy", "type": "market", "quantity": 1.5},
            "quantity",
            "Quantity must be a whole number between 1 and 10,000.",
        ),
        (
            {"symbol": "AAPL", "side": "buy", "type": "limit", "quantity": 1, "limit_price": "0"},
            "limit_price",
            "Limit price must be greater than 0.",
        ),
        (
            {"symbol": "AAPL", "side": "buy", "type": "limit", "quantity": 1},
            "limit_price",
            "Limit price must be greater than 0.",
        ),
        (
            {"symbol": "AAPL", "side": "buy", "type": "market", "quantity": 1, "limit_price": "10"},
            "limit_price",
            "Market orders take no limit price.",
        ),
    ],
    ids=[
        "no-symbol",
        "bad-side",
        "bad-type",
        "zero-qty",
        "too-many",
        "fractional",
        "zero-limit",
        "no-limit",
        "limit-on-market",
    ],
)
def test_order_validation(trader, body, field, message):
    response = trader.post("/api/orders", json=body)
    assert response.status_code == 422
    assert response.json() == {"error": {"code": "validation_error", "message": message}}
    assert trader.get("/api/orders").json()["orders"] == []


def test_unknown_symbol_and_bad_json(trader):
    response = trader.order("ZZZZ9", "buy", 1)
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "unknown_symbol"
    assert response.json()["error"]["message"] == "Unknown symbol: ZZZZ9."
    bad = trader.post("/api/orders", content=b"{not json", headers={"Content-Type": "application/json"})
    assert bad.status_code == 400
    assert bad.json()["error"]["code"] == "bad_request"


def test_insufficient_cash_message(make_trader, make_instrument):
    trader = make_trader(cash="1000.00")
    symbol = make_instrument("99.95")  # ask 100.00
    response = trader.order(symbol, "buy", 11)
    assert response.status_code == 422
    assert response.json()["error"] == {
        "code": "insufficient_cash",
        "message": "Insufficient cash: this order needs $1,100.00 but only $1,000.00 is available.",
    }
    trader.order(symbol, "buy", 5, limit_price="90.00")  # reserves 450.00
    limited = trader.order(symbol, "buy", 7, limit_price="80.00")
    assert limited.json()["error"]["message"] == (
        "Insufficient cash: this order needs $560.00 but only $550.00 is available."
    )


def test_insufficient_shares_message(trader, make_instrument):
    symbol = make_instrument("10.00")
    trader.order(symbol, "buy", 3)
    response = trader.order(symbol, "sell", 4)
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "insufficient_shares"
    assert response.json()["error"]["message"] == f"Insufficient shares: you can sell at most 3 {symbol}."


def test_cancel_releases_the_reservation_and_only_open_orders_cancel(trader, make_instrument):
    symbol = make_instrument("100.00")
    order = trader.order(symbol, "buy", 10, limit_price="80.00").json()

    cancelled = trader.post(f"/api/orders/{order['id']}/cancel")

    assert cancelled.status_code == 200
    assert cancelled.json()["status"] == "cancelled"
    assert cancelled.json()["cancelled_at"] is not None
    assert trader.portfolio()["reserved_cash"] == "0.00"
    again = trader.post(f"/api/orders/{order['id']}/cancel")
    assert again.status_code == 409
    assert again.json()["error"] == {
        "code": "order_not_open",
        "message": "Only open orders can be cancelled.",
    }
    filled = trader.order(symbol, "buy", 1).json()
    assert trader.post(f"/api/orders/{filled['id']}/cancel").status_code == 409
    note = trader.get("/api/notifications").json()["notifications"][1]
    assert note["kind"] == "cancel"
    assert note["message"] == f"Cancelled order #{order['id']}: buy 10 {symbol} limit $80.00."


def test_orders_list_filters_and_newest_first(trader, make_instrument):
    symbol = make_instrument("10.00")
    first = trader.order(symbol, "buy", 1).json()
    second = trader.order(symbol, "buy", 1, limit_price="5.00").json()
    all_ids = [o["id"] for o in trader.get("/api/orders").json()["orders"]]
    assert all_ids == [second["id"], first["id"]]
    assert [o["id"] for o in trader.get("/api/orders?status=open").json()["orders"]] == [second["id"]]
    assert len(trader.get("/api/orders?limit=1").json()["orders"]) == 1
    assert trader.get("/api/orders?status=weird").status_code == 422
    assert trader.get("/api/orders?limit=0").status_code == 422


def test_another_accounts_order_is_not_found(make_trader, make_instrument):
    owner, other = make_trader(), make_trader()
    symbol = make_instrument("10.00")
    order = owner.order(symbol, "buy", 1, limit_price="5.00").json()

    assert other.get(f"/api/orders/{order['id']}").status_code == 404
    cancel = other.post(f"/api/orders/{order['id']}/cancel")
    assert cancel.status_code == 404
    assert cancel.json()["error"]["code"] == "not_found"
    assert owner.get(f"/api/orders/{order['id']}").json()["status"] == "open"
    assert other.get("/api/orders/abc").status_code == 404


def test_parallel_buys_never_overdraw_cash(make_trader, make_instrument):
    trader = make_trader(cash="1000.00")
    symbol = make_instrument("99.95")  # ask 100.00: exactly 10 of 20 one-share... ten-share orders fit

    def buy(_):
        return trader.order(symbol, "buy", 1).status_code

    with ThreadPoolExecutor(max_workers=20) as pool:
        statuses = list(pool.map(buy, range(20)))

    assert statuses.count(201) == 10
    assert statuses.count(422) == 10
    portfolio = trader.portfolio()
    assert portfolio["cash"] == "0.00"
    assert portfolio["positions"][0]["quantity"] == 10


def test_parallel_sells_never_oversell(trader, make_instrument):
    symbol = make_instrument("10.00")
    trader.order(symbol, "buy", 5)

    with ThreadPoolExecutor(max_workers=10) as pool:
        statuses = list(
            pool.map(lambda _: trader.order(symbol, "sell", 1, limit_price="50.00").status_code, range(10))
        )

    assert statuses.count(201) == 5
    assert trader.portfolio()["positions"][0]["quantity"] == 5


def test_transactions_csv(trader, make_instrument):
    symbol = make_instrument("10.00")
    trader.order(symbol, "buy", 2)
    trader.order(symbol, "sell", 1)
    response = trader.get("/api/transactions.csv")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert 'filename="transactions.csv"' in response.headers["content-disposition"]
    lines = response.text.strip().splitlines()
    assert lines[0] == "executed_at,order_id,symbol,side,quantity,price,amount,realized_pnl"
    assert lines[1].split(",")[2:] == [symbol, "buy", "2", "10.05", "20.10", "0.00"]
    assert lines[2].split(",")[2:] == [symbol, "sell", "1", "9.95", "9.95", "-0.10"]


def test_watchlist(trader, make_instrument):
    symbol = make_instrument("10.00")
    default = [q["symbol"] for q in trader.get("/api/watchlist").json()["quotes"]]
    assert default[0] == "AAPL"
    added = trader.post("/api/watchlist", json={"symbol": symbol.lower()}).json()["quotes"]
    assert added[-1]["symbol"] == symbol
    removed = trader.delete(f"/api/watchlist/{symbol}").json()["quotes"]
    assert symbol not in [q["symbol"] for q in removed]
    missing = trader.post("/api/watchlist", json={"symbol": "NOPE9"})
    assert (missing.status_code, missing.json()["error"]["code"]) == (404, "unknown_symbol")
