"""Real-time updates over the WebSocket, asserted on what the user sees (Firefox over BiDi
reports no WebSocket frames to Playwright)."""

import pytest
from playwright.sync_api import expect

from pages.portfolio import PortfolioPage
from pages.trading import TradingPage

pytestmark = pytest.mark.capability("test_api")


@pytest.mark.smoke
@pytest.mark.flow("RT-01")
def test_ticks_render_on_the_ticket_quote(trading_page, symbol, api):
    trading_page.open(symbol)
    api.set_price(symbol, "151.00")
    expect(trading_page.last).to_have_text("$151.00")
    expect(trading_page.bid).to_have_text("$150.95")
    expect(trading_page.ask).to_have_text("$151.05")


@pytest.mark.flow("RT-01")
def test_ticks_keep_the_estimate_current(trading_page, symbol, api):
    trading_page.open(symbol)
    trading_page.fill_ticket(symbol, "buy", 10)
    api.set_price(symbol, "200.00")
    expect(trading_page.estimate).to_have_text("$2,000.50")


@pytest.mark.flow("RT-01")
def test_changing_the_symbol_loads_and_follows_its_quote(trading_page, make_instrument, api):
    first, second = make_instrument("150.00"), make_instrument("42.00")
    trading_page.open(first)
    trading_page.choose_symbol(second)
    expect(trading_page.ask).to_have_text("$42.05")
    api.set_price(second, "43.00")
    expect(trading_page.last).to_have_text("$43.00")


@pytest.mark.flow("RT-01")
def test_a_price_that_moves_while_the_ticket_subscribes_still_shows(trading_page, make_instrument, api):
    """The ticket looks the quote up, then subscribes: a move in between must reach it. The
    lookup is answered with the quote from before the move, which makes the gap certain."""
    first, second = make_instrument("150.00"), make_instrument("42.00")
    before_the_move = api.set_price(second, "42.00")
    api.set_price(second, "43.00")
    trading_page.page.route(f"**/api/quotes/{second}", lambda route: route.fulfill(json=before_the_move))
    trading_page.open(first)
    trading_page.choose_symbol(second)
    expect(trading_page.last).to_have_text("$43.00")
    expect(trading_page.ask).to_have_text("$43.05")


@pytest.mark.flow("RT-02")
def test_a_fill_in_one_tab_updates_the_portfolio_in_another(signed_in_context, symbol):
    portfolio = PortfolioPage(signed_in_context.new_page())
    portfolio.open()
    trading = TradingPage(signed_in_context.new_page())
    trading.open(symbol)
    trading.place_market_order(symbol, "buy", 10)
    expect(portfolio.position(symbol, "quantity")).to_have_text("10")
    expect(portfolio.cash).to_have_text("$98,499.50")


@pytest.mark.flow("RT-02")
def test_a_fill_in_one_tab_updates_open_orders_in_another(signed_in_context, symbol, api):
    watching, acting = TradingPage(signed_in_context.new_page()), TradingPage(signed_in_context.new_page())
    watching.open(symbol)
    acting.open(symbol)
    acting.place_limit_order(symbol, "buy", 10, "140.00")
    order_id = acting.placed_order_id()
    expect(watching.open_orders.cell(order_id, "order-status")).to_have_text("open")
    api.set_price(symbol, "139.00")
    expect(watching.history.cell(order_id, "order-status")).to_have_text("filled")


@pytest.mark.flow("RT-03")
def test_a_fill_shows_a_toast(trading_page, symbol):
    trading_page.open(symbol)
    trading_page.place_market_order(symbol, "buy", 10)
    expect(trading_page.toasts.items.filter(has_text=symbol)).to_have_text(f"Bought 10 {symbol} at $150.05.")


@pytest.mark.flow("RT-03")
def test_a_limit_fill_by_the_market_shows_a_toast(dashboard_page, account, symbol, api):
    account.api.place_order(symbol, "buy", 10, limit_price="140.00")
    dashboard_page.open()
    api.set_price(symbol, "139.00")
    expect(dashboard_page.toasts.items).to_have_text(f"Bought 10 {symbol} at $140.00.")


@pytest.mark.flow("RT-03")
def test_a_cancel_shows_a_toast(trading_page, account, symbol):
    order = account.api.place_order(symbol, "buy", 10, limit_price="140.00")
    trading_page.open(symbol)
    trading_page.cancel_order(order["id"])
    expect(trading_page.toasts.items).to_have_text(
        f"Cancelled order #{order['id']}: buy 10 {symbol} limit $140.00."
    )


@pytest.mark.flow("RT-04")
def test_reconnects_after_the_server_drops_the_socket(dashboard_page, account, symbol, api):
    account.api.watch(symbol)
    dashboard_page.open()
    api.drop_websockets(account.username)
    expect(dashboard_page.nav.connection).to_have_attribute("data-state", "reconnecting")
    expect(dashboard_page.nav.connection).to_have_text("Live")
    api.set_price(symbol, "155.55")
    expect(dashboard_page.quote(symbol, "last")).to_have_text("$155.55")
