"""The market through the API: a quote's change since the previous close, and the day P&L of flow
DASH-01, which counts from the account's total value at its first valuation of each UTC day
(docs/papertrade-contract.md)."""

from datetime import UTC, datetime, timedelta

import pytest

pytestmark = pytest.mark.capability("test_api")


@pytest.mark.flow("DASH-01", "API-07")
def test_the_day_pnl_counts_from_the_first_valuation_of_each_utc_day(api, account, symbol, app_clock):
    late_evening = datetime.now(UTC).replace(hour=23, minute=50, second=0, microsecond=0) + timedelta(days=10)
    app_clock(late_evening)  # before the account signs in: its session lives on the app's clock
    account.api.place_order(symbol, "buy", 10)  # 98,499.50 cash + 10 x 150.00 = 99,999.50
    assert account.api.portfolio()["day_pnl"] == "0.00"  # the day's first valuation: its start
    api.set_price(symbol, "151.00")
    assert account.api.portfolio()["day_pnl"] == "10.00"

    app_clock(late_evening + timedelta(minutes=20))  # When the clock passes midnight
    assert account.api.portfolio()["day_pnl"] == "0.00"  # Then the new day starts at 100,009.50
    api.set_price(symbol, "153.00")
    assert account.api.portfolio()["day_pnl"] == "20.00"


@pytest.mark.flow("DASH-02", "RT-01")
@pytest.mark.parametrize(
    ("price", "change"),
    [("1010.00", "1.00"), ("999.99", "0.00"), ("990.00", "-1.00"), ("999.95", "-0.01")],
    ids=["up-1-percent", "down-less-than-half-a-hundredth", "down-1-percent", "down-half-a-hundredth"],
)
def test_a_quote_s_change_is_in_percent_to_two_decimals_and_never_minus_zero(
    api, make_instrument, price, change
):
    symbol = make_instrument("1000.00")  # the previous close
    assert api.set_price(symbol, price)["change_pct"] == change
