"""Balances, watchlist, recent orders, notifications and the connection indicator on the Dashboard.

A test instrument at 150.00 quotes bid 149.95 / ask 150.05; a buy of 10 costs 1,500.50.
"""

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.capability("test_api")


@pytest.mark.smoke
@pytest.mark.flow("DASH-01")
def test_new_account_shows_its_starting_balances(dashboard_page):
    dashboard_page.open()
    expect(dashboard_page.cash).to_have_text("$100,000.00")
    expect(dashboard_page.portfolio_value).to_have_text("$100,000.00")
    expect(dashboard_page.day_pnl).to_have_text("$0.00")


@pytest.mark.flow("DASH-01")
def test_balances_include_a_position(dashboard_page, account, symbol):
    account.api.place_order(symbol, "buy", 10)
    dashboard_page.open()
    expect(dashboard_page.cash).to_have_text("$98,499.50")
    expect(dashboard_page.portfolio_value).to_have_text("$99,999.50")
    expect(dashboard_page.day_pnl).to_have_text("-$0.50")


@pytest.mark.flow("DASH-01", "DASH-02")
def test_portfolio_value_and_day_pnl_follow_the_price_live(dashboard_page, account, symbol, api):
    account.api.place_order(symbol, "buy", 10)
    dashboard_page.open()
    api.set_price(symbol, "160.00")
    expect(dashboard_page.portfolio_value).to_have_text("$100,099.50")
    expect(dashboard_page.day_pnl).to_have_text("+$99.50")


@pytest.mark.flow("DASH-01")
def test_cash_updates_live_after_a_fill_elsewhere(dashboard_page, account, symbol):
    dashboard_page.open()
    account.api.place_order(symbol, "buy", 10)
    expect(dashboard_page.cash).to_have_text("$98,499.50")


@pytest.mark.flow("DASH-02")
def test_watchlist_shows_bid_ask_last_and_change(dashboard_page, account, symbol):
    account.api.watch(symbol)
    dashboard_page.open()
    expect(dashboard_page.quote(symbol, "bid")).to_have_text("$149.95")
    expect(dashboard_page.quote(symbol, "ask")).to_have_text("$150.05")
    expect(dashboard_page.quote(symbol, "last")).to_have_text("$150.00")
    expect(dashboard_page.quote(symbol, "change")).to_have_text("0.00%")


@pytest.mark.flow("DASH-02")
def test_watchlist_follows_a_price_change_live(dashboard_page, account, symbol, api):
    account.api.watch(symbol)
    dashboard_page.open()
    expect(dashboard_page.quote(symbol, "last")).to_have_text("$150.00")
    api.set_price(symbol, "151.50")
    expect(dashboard_page.quote(symbol, "last")).to_have_text("$151.50")
    expect(dashboard_page.quote(symbol, "bid")).to_have_text("$151.45")
    expect(dashboard_page.quote(symbol, "ask")).to_have_text("$151.55")
    expect(dashboard_page.quote(symbol, "change")).to_have_text("+1.00%")


@pytest.mark.flow("DASH-02")
def test_seeded_watchlist_prices_tick(dashboard_page):
    dashboard_page.open()
    last = dashboard_page.quote("AAPL", "last")
    expect(last).to_have_text(re.compile(r"^\$\d"))
    expect(last).not_to_have_text(last.inner_text())


@pytest.mark.flow("DASH-02")
def test_watchlist_symbol_opens_its_ticket(dashboard_page, trading_page, account, symbol):
    account.api.watch(symbol)
    dashboard_page.open()
    dashboard_page.trade(symbol)
    expect(trading_page.page).to_have_url(re.compile(rf"/trade/{symbol}$"))
    expect(trading_page.heading).to_be_visible()


@pytest.mark.flow("DASH-03")
def test_no_orders_yet(dashboard_page):
    dashboard_page.open()
    expect(dashboard_page.recent_orders_empty).to_have_text("No orders yet.")
    expect(dashboard_page.recent_orders.rows).to_have_count(0)


@pytest.mark.flow("DASH-03")
def test_recent_orders_list_a_filled_order(dashboard_page, account, symbol):
    order = account.api.place_order(symbol, "buy", 10)
    dashboard_page.open()
    cells = {
        name: dashboard_page.recent_orders.cell(order["id"], f"order-{name}")
        for name in ("symbol", "side", "type", "quantity", "price", "status")
    }
    for name, text in {
        "symbol": symbol,
        "side": "buy",
        "type": "market",
        "quantity": "10",
        "price": "$150.05",
        "status": "filled",
    }.items():
        expect(cells[name]).to_have_text(text)


@pytest.mark.flow("DASH-03")
def test_recent_orders_follow_an_order_live(dashboard_page, account, symbol):
    dashboard_page.open()
    order = account.api.place_order(symbol, "buy", 10, limit_price="140.00")
    expect(dashboard_page.recent_orders.cell(order["id"], "order-status")).to_have_text("open")
    account.api.cancel_order(order["id"])
    expect(dashboard_page.recent_orders.cell(order["id"], "order-status")).to_have_text("cancelled")


@pytest.mark.flow("DASH-04")
def test_no_notifications_yet(dashboard_page):
    dashboard_page.open()
    expect(dashboard_page.notifications_empty).to_have_text("No notifications.")


@pytest.mark.flow("DASH-04")
def test_fill_and_cancel_are_notified(dashboard_page, account, symbol):
    account.api.place_order(symbol, "buy", 10)
    order = account.api.place_order(symbol, "buy", 10, limit_price="140.00")
    account.api.cancel_order(order["id"])
    dashboard_page.open()
    expect(dashboard_page.notifications).to_have_text(
        [
            f"Cancelled order #{order['id']}: buy 10 {symbol} limit $140.00.",
            f"Bought 10 {symbol} at $150.05.",
        ]
    )


@pytest.mark.flow("DASH-05")
def test_connection_indicator_goes_offline_and_back(dashboard_page, signed_in_context):
    dashboard_page.open()
    expect(dashboard_page.nav.connection).to_have_text("Live")
    signed_in_context.set_offline(True)
    expect(dashboard_page.nav.connection).to_have_text("Offline")
    expect(dashboard_page.nav.connection).to_have_attribute("data-state", "offline")
    signed_in_context.set_offline(False)
    expect(dashboard_page.nav.connection).to_have_text("Live")
