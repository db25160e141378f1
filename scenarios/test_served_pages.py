"""The pages as the server renders them, before any script runs: what a user sees first, and all a
client without JavaScript sees. Money, P&L and percentages to the cent, signs included."""

import pytest

from harness.served_html import text_of

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
