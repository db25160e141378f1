"""The pages as the server renders them, before any script runs: what a user sees first, and all a
client without JavaScript sees. Money, P&L and percentages to the cent, signs included."""

import pytest

from harness.served_html import text_of

pytestmark = pytest.mark.capability("test_api")

POSITION = ("position-quantity", "position-avg-cost", "position-last", "position-market-value",
            "position-unrealized-pnl", "position-unrealized-pnl-pct", "portfolio-unrealized-pnl")  # fmt: skip


@pytest.mark.flow("PORT-01")
@pytest.mark.parametrize(
    ("last", "shown"),
    [
        ("101.00", ("10", "$100.00", "$101.00", "$1,010.00", "+$10.00", "+1.00%", "+$10.00")),
        ("100.00", ("10", "$100.00", "$100.00", "$1,000.00", "$0.00", "0.00%", "$0.00")),
        ("99.00", ("10", "$100.00", "$99.00", "$990.00", "-$10.00", "-1.00%", "-$10.00")),
    ],
    ids=["gain", "even", "loss"],
)
def test_the_served_portfolio_shows_a_position_to_the_cent(account, make_instrument, last, shown):
    symbol = make_instrument("99.95")  # Given 10 shares bought at the ask, $100.00
    account.api.place_order(symbol, "buy", 10)
    account.api.set_price(symbol, last)  # When the price moves
    page = account.api.request("GET", "/portfolio")
    assert page.status_code == 200
    assert tuple(text_of(page.text, testid) for testid in POSITION) == shown
