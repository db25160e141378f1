"""Whole journeys through the UI, from sign-in to log out."""

import pytest
from playwright.sync_api import expect

from pages.dashboard import DashboardPage
from pages.portfolio import PortfolioPage
from pages.trading import TradingPage

pytestmark = pytest.mark.capability("test_api")


@pytest.mark.flow("JRN-01", "AUTH-01", "TRD-01", "TRD-02", "PORT-03")
def test_new_trader_buys_sells_at_a_profit_and_logs_out(login_page, account, symbol, api):
    login_page.open()
    login_page.login(account.username, account.password)  # the real UI sign-in, no saved state
    dashboard, trading, portfolio = (
        cls(login_page.page) for cls in (DashboardPage, TradingPage, PortfolioPage)
    )
    expect(dashboard.cash).to_have_text("$100,000.00")
    trading.open(symbol)
    trading.place_market_order(symbol, "buy", 10)
    expect(trading.confirmation).to_contain_text(f"bought 10 {symbol} at $150.05")
    portfolio.open()
    expect(portfolio.position(symbol, "quantity")).to_have_text("10")
    api.set_price(symbol, "160.00")
    trading.open(symbol)
    trading.place_market_order(symbol, "sell", 10)
    expect(trading.confirmation).to_contain_text(f"sold 10 {symbol} at $159.95")
    portfolio.open()
    expect(portfolio.realized_pnl).to_have_text("+$99.00")  # 1,599.50 - 1,500.50
    expect(portfolio.cash).to_have_text("$100,099.00")
    portfolio.nav.log_out()
    expect(login_page.notice).to_have_text("You have been signed out.")


@pytest.mark.flow("JRN-01", "TRD-03", "PORT-02")
def test_resting_limit_order_fills_and_lands_in_the_portfolio(trading_page, symbol, api):
    trading_page.open(symbol)
    trading_page.place_limit_order(symbol, "buy", 10, "145.00")
    expect(trading_page.confirmation).to_contain_text("(open)")
    portfolio = PortfolioPage(trading_page.page)
    portfolio.open()
    expect(portfolio.positions_empty).to_be_visible()
    api.set_price(symbol, "144.00")  # ask 144.05 <= 145.00: fills at 145.00
    expect(portfolio.position(symbol, "avg-cost")).to_have_text("$145.00")
    expect(portfolio.position(symbol, "unrealized-pnl")).to_have_text("-$10.00")
    expect(portfolio.cash).to_have_text("$98,550.00")
