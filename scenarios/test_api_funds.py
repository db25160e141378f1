"""Buying power at its edges, through the API: an order that needs exactly the available cash
fills, and once all of it is reserved the refusal says $0.00. Found by `tradecheck mutate`
(orders.py: `needed > available` could become `>=`, and the floor of the amount shown could move)."""

import pytest

pytestmark = pytest.mark.capability("test_api")


@pytest.mark.flow("API-06", "TRD-07")
@pytest.mark.parametrize("account", [{"cash": "1500.50"}], indirect=True, ids=["cash-1500.50"])
def test_a_buy_that_needs_exactly_the_available_cash_fills(account, symbol):
    order = account.api.place_order(symbol, "buy", 10)  # 10 x 150.05 = 1,500.50
    assert (order["status"], order["fill_price"]) == ("filled", "150.05")
    assert account.api.portfolio()["cash"] == "0.00"


@pytest.mark.provokes_errors
@pytest.mark.flow("TRD-07")
@pytest.mark.parametrize("account", [{"cash": "1400.00"}], indirect=True, ids=["cash-1400"])
def test_cash_fully_reserved_leaves_zero_available(account, symbol):
    account.api.place_order(symbol, "buy", 10, limit_price="140.00")  # reserves all 1,400.00
    response = account.api.request(
        "POST", "/api/orders", json={"symbol": symbol, "side": "buy", "type": "market", "quantity": 1}
    )
    assert (response.status_code, response.json()["error"]["message"]) == (
        422,
        "Insufficient cash: this order needs $150.05 but only $0.00 is available.",
    )


@pytest.mark.flow("DASH-01", "TRD-07")
def test_the_portfolio_shows_the_cash_a_resting_buy_reserves(account, symbol):
    account.api.place_order(symbol, "buy", 10, limit_price="140.00")
    portfolio = account.api.portfolio()
    assert (portfolio["cash"], portfolio["reserved_cash"], portfolio["available_cash"]) == (
        "100000.00", "1400.00", "98600.00",
    )  # fmt: skip


@pytest.mark.provokes_errors
@pytest.mark.flow("TRD-07")
def test_a_symbol_not_held_cannot_be_sold(account, symbol):
    response = account.api.request(
        "POST", "/api/orders", json={"symbol": symbol, "side": "sell", "type": "market", "quantity": 1}
    )
    assert (response.status_code, response.json()["error"]["message"]) == (
        422,
        f"Insufficient shares: you can sell at most 0 {symbol}.",
    )


@pytest.mark.flow("API-06", "TRD-03")
@pytest.mark.parametrize(
    ("side", "limit_price"),
    [("buy", "150.05"), ("sell", "149.95")],
    ids=["buy-at-the-ask", "sell-at-the-bid"],
)
def test_a_limit_at_exactly_the_quote_fills_on_arrival(account, symbol, side, limit_price):
    account.api.place_order(symbol, "buy", 10)  # shares to sell
    order = account.api.place_order(symbol, side, 10, limit_price=limit_price)
    assert (order["status"], order["fill_price"]) == ("filled", limit_price)


@pytest.mark.flow("API-06", "TRD-03")
@pytest.mark.parametrize(
    ("side", "limit_price", "price"),
    [("buy", "149.00", "148.95"), ("sell", "151.00", "151.05")],
    ids=["buy-when-the-ask-reaches-it", "sell-when-the-bid-reaches-it"],
)
def test_a_resting_limit_fills_when_the_quote_reaches_exactly_its_price(
    account, api, symbol, side, limit_price, price
):
    account.api.place_order(symbol, "buy", 10)  # shares to sell
    order = account.api.place_order(symbol, side, 10, limit_price=limit_price)
    assert (order["status"], order["filled_at"], order["fill_price"]) == ("open", None, None)
    api.set_price(symbol, price)  # the ask (buy) or bid (sell) is now exactly the limit
    filled = account.api.order(order["id"])
    assert (filled["status"], filled["fill_price"]) == ("filled", limit_price)


@pytest.mark.flow("API-02")
def test_the_largest_quantity_is_accepted(account, symbol):
    order = account.api.place_order(symbol, "buy", 10_000, limit_price="1.00")  # rests below the ask
    assert (order["status"], order["quantity"]) == ("open", 10_000)


@pytest.mark.flow("API-06", "PORT-05")
@pytest.mark.parametrize("account", [{"cash": "0.00"}], indirect=True, ids=["cash-0"])
def test_an_account_without_cash_is_worth_nothing_and_allocates_nothing(account):
    portfolio = account.api.portfolio()
    assert (portfolio["total_value"], portfolio["cash"], portfolio["positions"]) == ("0.00", "0.00", [])
    assert portfolio["cash_allocation_pct"] == "0.00"  # of a total of zero: none, not an error
