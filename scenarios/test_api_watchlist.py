"""The watchlist through the JSON API: what the dashboard's watchlist is built from."""

import pytest

from harness.listing import LISTED_SYMBOLS

pytestmark = pytest.mark.capability("test_api")


@pytest.mark.flow("DASH-02")
def test_a_watched_symbol_is_listed_with_its_quote_until_removed(account, symbol):
    account.api.watch(symbol)
    listed = account.api.call("GET", "/api/watchlist", 200)["quotes"]
    assert [(q["symbol"], q["bid"], q["ask"]) for q in listed if q["symbol"] == symbol] == [
        (symbol, "149.95", "150.05")
    ]
    remaining = account.api.call("DELETE", f"/api/watchlist/{symbol}", 200)["quotes"]
    assert symbol not in [q["symbol"] for q in remaining]
    assert symbol not in [q["symbol"] for q in account.api.call("GET", "/api/watchlist", 200)["quotes"]]


@pytest.mark.flow("DASH-02")
def test_symbols_join_the_end_of_the_watchlist_in_the_order_they_are_added(account, make_instrument):
    later, earlier = sorted((make_instrument(), make_instrument()), reverse=True)  # not alphabetical
    account.api.watch(later)
    account.api.watch(earlier)
    listed = [q["symbol"] for q in account.api.call("GET", "/api/watchlist", 200)["quotes"]]
    assert listed == [*LISTED_SYMBOLS, later, earlier]


@pytest.mark.flow("DASH-02")
def test_an_emptied_watchlist_lists_symbols_again_in_the_order_they_are_added(account, make_instrument):
    for symbol in LISTED_SYMBOLS:
        account.api.call("DELETE", f"/api/watchlist/{symbol}", 200)
    assert account.api.call("GET", "/api/watchlist", 200)["quotes"] == []
    first, second, third = sorted((make_instrument(), make_instrument(), make_instrument()), reverse=True)
    for symbol in (first, second, third):
        account.api.watch(symbol)
    listed = [q["symbol"] for q in account.api.call("GET", "/api/watchlist", 200)["quotes"]]
    assert listed == [first, second, third]
