"""The order ticket on the Trade screen: market and limit orders, cancels, validation and refusals.

A test instrument at 150.00 quotes bid 149.95 / ask 150.05.
"""

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.capability("test_api")


@pytest.mark.smoke
@pytest.mark.flow("TRD-01")
def test_market_buy_fills_at_the_ask(trading_page, symbol):
    trading_page.open(symbol)
    trading_page.place_market_order(symbol, "buy", 10)
    order_id = trading_page.placed_order_id()
    expect(trading_page.confirmation).to_have_text(
        f"Order #{order_id} filled: bought 10 {symbol} at $150.05."
    )


@pytest.mark.smoke
@pytest.mark.flow("TRD-02")
def test_market_sell_fills_at_the_bid(trading_page, account, symbol):
    account.api.place_order(symbol, "buy", 10)
    trading_page.open(symbol)
    trading_page.place_market_order(symbol, "sell", 4)
    order_id = trading_page.placed_order_id()
    expect(trading_page.confirmation).to_have_text(f"Order #{order_id} filled: sold 4 {symbol} at $149.95.")


@pytest.mark.flow("TRD-01", "TRD-02")
@pytest.mark.parametrize(
    ("side", "estimate"), [("buy", "$1,500.50"), ("sell", "$1,499.50")], ids=["buy", "sell"]
)
def test_estimate_is_quantity_times_the_side_price(trading_page, symbol, side, estimate):
    trading_page.open(symbol)
    trading_page.fill_ticket(symbol, side, 10)
    expect(trading_page.estimate).to_have_text(estimate)


@pytest.mark.flow("TRD-03")
def test_limit_order_estimate_uses_the_limit(trading_page, symbol):
    trading_page.open(symbol)
    trading_page.fill_ticket(symbol, "buy", 10, "limit", "140.00")
    expect(trading_page.estimate).to_have_text("$1,400.00")


@pytest.mark.flow("TRD-03")
def test_limit_buy_below_the_ask_rests_open(trading_page, symbol):
    trading_page.open(symbol)
    trading_page.place_limit_order(symbol, "buy", 10, "140.00")
    order_id = trading_page.placed_order_id()
    expect(trading_page.confirmation).to_have_text(
        f"Order #{order_id} placed: buy 10 {symbol} limit $140.00 (open)."
    )
    expect(trading_page.open_orders.cell(order_id, "order-status")).to_have_text("open")


@pytest.mark.flow("TRD-03")
def test_limit_buy_fills_at_its_limit_when_the_ask_falls_to_it(trading_page, symbol, api):
    trading_page.open(symbol)
    trading_page.place_limit_order(symbol, "buy", 10, "140.00")
    order_id = trading_page.placed_order_id()
    api.set_price(symbol, "139.90")  # ask 139.95 <= 140.00
    expect(trading_page.history.cell(order_id, "order-status")).to_have_text("filled")
    expect(trading_page.history.cell(order_id, "order-price")).to_have_text("$140.00")
    expect(trading_page.open_orders.row(order_id)).to_have_count(0)


@pytest.mark.flow("TRD-03")
def test_limit_sell_fills_at_its_limit_when_the_bid_rises_to_it(trading_page, account, symbol, api):
    account.api.place_order(symbol, "buy", 10)
    trading_page.open(symbol)
    trading_page.place_limit_order(symbol, "sell", 10, "155.00")
    order_id = trading_page.placed_order_id()
    api.set_price(symbol, "155.10")  # bid 155.05 >= 155.00
    expect(trading_page.history.cell(order_id, "order-status")).to_have_text("filled")
    expect(trading_page.history.cell(order_id, "order-price")).to_have_text("$155.00")


@pytest.mark.flow("TRD-03")
def test_limit_buy_at_or_above_the_ask_fills_at_once_at_the_ask(trading_page, symbol):
    trading_page.open(symbol)
    trading_page.place_limit_order(symbol, "buy", 10, "151.00")
    order_id = trading_page.placed_order_id()
    expect(trading_page.confirmation).to_have_text(
        f"Order #{order_id} filled: bought 10 {symbol} at $150.05."
    )


@pytest.mark.flow("TRD-04")
def test_cancelled_order_leaves_the_open_orders(trading_page, account, symbol):
    order = account.api.place_order(symbol, "buy", 10, limit_price="140.00")
    trading_page.open(symbol)
    trading_page.cancel_order(order["id"])
    expect(trading_page.open_orders_empty).to_have_text("No open orders.")
    expect(trading_page.history.cell(order["id"], "order-status")).to_have_text("cancelled")


@pytest.mark.flow("TRD-05")
@pytest.mark.parametrize(
    ("ticket", "field", "message"),
    [
        (("", "10", None), "symbol", "Enter a symbol."),
        (("{symbol}", "0", None), "quantity", "Quantity must be a whole number between 1 and 10,000."),
        (("{symbol}", "10001", None), "quantity", "Quantity must be a whole number between 1 and 10,000."),
        (("{symbol}", "2.5", None), "quantity", "Quantity must be a whole number between 1 and 10,000."),
        (("{symbol}", "", None), "quantity", "Quantity must be a whole number between 1 and 10,000."),
        (("{symbol}", "10", "0"), "limit_price", "Limit price must be greater than 0."),
        (("{symbol}", "10", ""), "limit_price", "Limit price must be greater than 0."),
        (("{symbol}", "10", "abc"), "limit_price", "Limit price must be greater than 0."),
    ],
    ids=[
        "no-symbol",
        "quantity-0",
        "quantity-10001",
        "quantity-fraction",
        "no-quantity",
        "limit-0",
        "no-limit",
        "limit-not-a-number",
    ],
)
def test_invalid_ticket_shows_the_error_and_sends_nothing(trading_page, symbol, ticket, field, message):
    symbol_text, quantity, limit_price = ticket
    trading_page.open(symbol)
    trading_page.fill_ticket(
        symbol_text.format(symbol=symbol),
        "buy",
        quantity,
        "market" if limit_price is None else "limit",
        limit_price,
    )
    trading_page.submit.click()
    expect(getattr(trading_page, f"{field}_error")).to_have_text(message)
    expect(getattr(trading_page, field)).to_have_attribute("aria-invalid", "true")
    expect(trading_page.history.rows).to_have_count(0)


@pytest.mark.provokes_errors
@pytest.mark.flow("TRD-06")
def test_unknown_symbol_is_refused_by_the_server(trading_page, symbol):
    trading_page.open(symbol)
    trading_page.place_market_order("ZZZZZ", "buy", 10)
    expect(trading_page.server_error).to_have_text("Unknown symbol: ZZZZZ.")
    expect(trading_page.history.rows).to_have_count(0)


@pytest.mark.provokes_errors
@pytest.mark.flow("TRD-07")
@pytest.mark.parametrize("account", [{"cash": "1000.00"}], indirect=True, ids=["cash-1000"])
def test_buy_beyond_the_cash_is_refused(trading_page, symbol):
    trading_page.open(symbol)
    trading_page.place_market_order(symbol, "buy", 10)
    expect(trading_page.server_error).to_have_text(
        "Insufficient cash: this order needs $1,500.50 but only $1,000.00 is available."
    )


@pytest.mark.provokes_errors
@pytest.mark.flow("TRD-07")
@pytest.mark.parametrize("account", [{"cash": "2000.00"}], indirect=True, ids=["cash-2000"])
def test_cash_reserved_by_a_resting_buy_is_not_available(trading_page, account, symbol):
    account.api.place_order(symbol, "buy", 10, limit_price="140.00")  # reserves 1,400.00
    trading_page.open(symbol)
    trading_page.place_market_order(symbol, "buy", 10)
    expect(trading_page.server_error).to_have_text(
        "Insufficient cash: this order needs $1,500.50 but only $600.00 is available."
    )


@pytest.mark.provokes_errors
@pytest.mark.flow("TRD-07")
def test_sell_beyond_the_shares_held_is_refused(trading_page, account, symbol):
    account.api.place_order(symbol, "buy", 3)
    trading_page.open(symbol)
    trading_page.place_market_order(symbol, "sell", 5)
    expect(trading_page.server_error).to_have_text(f"Insufficient shares: you can sell at most 3 {symbol}.")


@pytest.mark.flow("TRD-08")
def test_orders_appear_in_the_history_with_their_status(trading_page, account, symbol):
    filled = account.api.place_order(symbol, "buy", 10)
    cancelled = account.api.place_order(symbol, "buy", 5, limit_price="140.00")
    account.api.cancel_order(cancelled["id"])
    trading_page.open(symbol)
    expect(trading_page.history.rows).to_have_count(2)
    expect(trading_page.history.cell(filled["id"], "order-status")).to_have_text("filled")
    expect(trading_page.history.cell(cancelled["id"], "order-status")).to_have_text("cancelled")
    expect(trading_page.history.cell(cancelled["id"], "order-quantity")).to_have_text("5")


@pytest.mark.flow("TRD-08")
def test_placed_order_joins_the_history_at_once(trading_page, symbol):
    trading_page.open(symbol)
    trading_page.place_market_order(symbol, "buy", 7)
    order_id = trading_page.placed_order_id()
    expect(trading_page.history.cell(order_id, "order-status")).to_have_text("filled")
    expect(trading_page.history.cell(order_id, "order-price")).to_have_text("$150.05")
