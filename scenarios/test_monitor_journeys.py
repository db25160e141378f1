"""Journeys that `tradecheck monitor` runs on a schedule against a deployed environment (browser
checks, docs/monitoring.md). They also run in every suite, like any scenario.

They sign in through the UI as the environment's own account where it has one, whose cash and
positions nobody can predict, so each checks that a screen shows exactly, to the cent, what the
API answers for the same account. The order journey changes state and runs only where the
environment allows orders (capability `orders`)."""

import re

import pytest
from playwright.sync_api import Page, expect

from harness.money import usd
from pages.dashboard import DashboardPage
from pages.login import LoginPage
from pages.portfolio import PortfolioPage
from pages.trading import TradingPage

pytestmark = pytest.mark.monitor
PRICE = re.compile(r"^\$\d{1,3}(,\d{3})*\.\d{2}$")  # a quote as the watchlist shows it


@pytest.fixture
def journey_page(login_page: LoginPage, journey_account) -> Page:
    login_page.open()
    login_page.login(journey_account.username, journey_account.password)
    return login_page.page


def watched_symbols(account) -> list[str]:
    return [quote["symbol"] for quote in account.api.call("GET", "/api/watchlist", 200)["quotes"]]


@pytest.mark.flow("AUTH-01", "DASH-01")
def test_signing_in_shows_the_accounts_cash_and_watchlist(journey_page, journey_account):
    dashboard = DashboardPage(journey_page)
    expect(dashboard.nav.user).to_have_text(journey_account.display_name)
    expect(dashboard.cash).to_have_text(usd(journey_account.api.portfolio()["cash"]))
    watched = watched_symbols(journey_account)
    expect(dashboard.watchlist.rows).to_have_count(len(watched))
    for symbol in watched:
        expect(dashboard.quote(symbol, "ask")).to_have_text(PRICE)


@pytest.mark.flow("PORT-01")
def test_the_portfolio_shows_the_accounts_cash_and_positions(journey_page, journey_account):
    portfolio_page = PortfolioPage(journey_page)
    portfolio_page.open()
    portfolio = journey_account.api.portfolio()
    expect(portfolio_page.cash).to_have_text(usd(portfolio["cash"]))
    expect(portfolio_page.positions.rows).to_have_count(len(portfolio["positions"]))
    for position in portfolio["positions"]:
        expect(portfolio_page.position(position["symbol"], "quantity")).to_have_text(
            str(position["quantity"])
        )


@pytest.mark.capability("orders")
@pytest.mark.flow("TRD-03", "TRD-04")
def test_a_limit_order_far_below_the_market_rests_and_is_cancelled(journey_page, journey_account):
    symbol = watched_symbols(journey_account)[0]
    cash = journey_account.api.portfolio()["cash"]
    trading = TradingPage(journey_page)
    trading.open(symbol)
    trading.place_limit_order(symbol, "buy", 1, "1.00")
    expect(trading.confirmation).to_contain_text("(open)")
    order_id = trading.placed_order_id()
    expect(trading.open_orders.row(order_id)).to_be_visible()
    trading.cancel_order(order_id)
    expect(trading.open_orders.row(order_id)).to_have_count(0)
    assert journey_account.api.order(order_id)["status"] == "cancelled"
    assert journey_account.api.portfolio()["cash"] == cash
