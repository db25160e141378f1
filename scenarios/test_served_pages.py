"""The pages as the server renders them, before any script runs: what a user sees first, and all a
client without JavaScript sees. Money, P&L and percentages to the cent, signs included."""

import re

import pytest

from harness.listing import LISTED_SYMBOLS
from harness.served_html import rows_of, text_of

pytestmark = pytest.mark.capability("test_api")

BALANCES = ("cash-balance", "available-cash", "portfolio-value", "positions-value", "day-pnl")
POSITION = ("position-quantity", "position-avg-cost", "position-last", "position-market-value",
            "position-unrealized-pnl", "position-unrealized-pnl-pct", "portfolio-unrealized-pnl")  # fmt: skip


@pytest.mark.flow("PORT-01")
@pytest.mark.parametrize(
    ("last", "shown"),
    [
        ("101.00", ("1", "$100.00", "$101.00", "$101.00", "+$1.00", "+1.00%", "+$1.00")),
        ("100.01", ("1", "$100.00", "$100.01", "$100.01", "+$0.01", "+0.01%", "+$0.01")),
        ("100.00", ("1", "$100.00", "$100.00", "$100.00", "$0.00", "0.00%", "$0.00")),
        ("99.99", ("1", "$100.00", "$99.99", "$99.99", "-$0.01", "-0.01%", "-$0.01")),
        ("99.50", ("1", "$100.00", "$99.50", "$99.50", "-$0.50", "-0.50%", "-$0.50")),
    ],
    ids=["gain", "a-cent-up", "even", "a-cent-down", "half-a-percent-down"],
)
def test_the_served_portfolio_shows_a_position_to_the_cent(account, make_instrument, last, shown):
    symbol = make_instrument("99.95")  # Given a share bought at the ask, $100.00
    account.api.place_order(symbol, "buy", 1)
    account.api.set_price(symbol, last)  # When the price moves
    page = account.api.request("GET", "/portfolio")
    assert page.status_code == 200
    assert tuple(text_of(page.text, testid) for testid in POSITION) == shown


@pytest.mark.flow("DASH-01")
def test_the_served_dashboard_of_a_new_account_shows_its_cash_and_nothing_else(account):
    page = account.api.request("GET", "/dashboard")
    assert page.status_code == 200
    assert tuple(text_of(page.text, testid) for testid in BALANCES) == (
        "$100,000.00", "$100,000.00", "$100,000.00", "$0.00", "$0.00",
    )  # fmt: skip


@pytest.mark.flow("DASH-03", "DASH-04", "TRD-08")
def test_the_served_pages_list_the_newest_orders_and_notifications_up_to_their_limits(account, symbol):
    # Given 21 filled orders (each with its notification), then 30 resting ones: 51 orders
    filled = [account.api.place_order(symbol, "buy", 1)["id"] for _ in range(21)]
    resting = [account.api.place_order(symbol, "buy", 1, limit_price="100.00")["id"] for _ in range(30)]
    newest_first = [str(order_id) for order_id in reversed(filled + resting)]
    dashboard = account.api.request("GET", "/dashboard").text
    assert rows_of(dashboard, "order-row") == newest_first[:10]
    notifications = account.api.call("GET", "/api/notifications?limit=21", 200)["notifications"]
    assert len(notifications) == 21
    newest_notifications = [str(n["id"]) for n in notifications[:20]]
    assert re.findall(r'data-notification-id="(\d+)"', dashboard) == newest_notifications
    trade = account.api.request("GET", f"/trade/{symbol}").text
    assert rows_of(trade, "history-row") == newest_first[:50]
    assert rows_of(trade, "open-order-row") == newest_first[:30]


@pytest.mark.flow("TRD-08")
def test_the_trade_screen_lists_the_newest_500_open_orders(account, symbol):
    # A page stays bounded however many orders rest: the 500 newest of 501.
    resting = [account.api.place_order(symbol, "buy", 1, limit_price="1.00")["id"] for _ in range(501)]
    trade = account.api.request("GET", f"/trade/{symbol}").text
    assert rows_of(trade, "open-order-row") == [str(order_id) for order_id in reversed(resting[1:])]


@pytest.mark.flow("TRD-01")
def test_the_trade_screen_without_a_symbol_opens_the_first_listed_instrument(account):
    page = account.api.request("GET", "/trade").text
    assert re.search(r'<input id="ticket-symbol"[^>]* value="([^"]*)"', page)[1] == "AAPL"  # the ticket
    assert re.findall(r'<a href="/trade/(\w+)"[^>]*aria-current="page"', page) == ["AAPL"]


@pytest.mark.flow("TRD-01")
def test_the_trade_screen_lists_the_instruments_and_the_one_shown_if_not_listed(account, symbol):
    def instruments(path: str) -> list[str]:
        return re.findall(r'<li><a href="/trade/(\w+)"', account.api.request("GET", path).text)

    assert instruments("/trade/MSFT") == LISTED_SYMBOLS
    assert instruments(f"/trade/{symbol}") == [*LISTED_SYMBOLS, symbol]


@pytest.mark.flow("WEB-02")
def test_a_page_the_browser_already_has_answers_304_until_it_changes(account, symbol, feed_steps):
    # feed_steps holds the prices still: a background tick would change the page (its watchlist) too
    first = account.api.request("GET", "/dashboard")
    etag = first.headers["ETag"]
    again = account.api.request("GET", "/dashboard", headers={"If-None-Match": etag})
    assert (again.status_code, again.headers["ETag"], again.content) == (304, etag, b"")
    account.api.place_order(symbol, "buy", 1)  # the page now lists an order
    changed = account.api.request("GET", "/dashboard", headers={"If-None-Match": etag})
    assert (changed.status_code, changed.headers["ETag"] == etag) == (200, False)
    error = account.api.request("GET", "/trade/ZZZZZ")  # an error page is never "not modified"
    repeated = account.api.request("GET", "/trade/ZZZZZ", headers={"If-None-Match": error.headers["ETag"]})
    assert (error.status_code, repeated.status_code) == (404, 404)
