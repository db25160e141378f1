"""Resting orders through the API: a resting sell reserves its shares, a cancel releases them, and
nothing else reserves any (another account's order, a buy, another symbol); a fill is stored for the
order that crossed and no other. Found by `tradecheck mutate`: each condition of the reservation
query, and the order id of the fill's update, could be inverted without any test noticing."""

import pytest

pytestmark = pytest.mark.capability("test_api")


def insufficient_shares(response):
    return response.status_code, response.json()["error"]["code"], response.json()["error"]["message"]


@pytest.mark.provokes_errors
@pytest.mark.flow("TRD-07")
def test_shares_of_a_resting_sell_cannot_be_sold_again(account, symbol):
    account.api.place_order(symbol, "buy", 10)
    account.api.place_order(symbol, "sell", 6, limit_price="160.00")  # rests above the bid: 6 reserved
    response = account.api.request(
        "POST", "/api/orders", json={"symbol": symbol, "side": "sell", "type": "market", "quantity": 5}
    )
    assert insufficient_shares(response) == (
        422,
        "insufficient_shares",
        f"Insufficient shares: you can sell at most 4 {symbol}.",
    )


@pytest.mark.flow("API-06", "TRD-04")
def test_cancelling_a_resting_sell_releases_its_shares(account, symbol):
    account.api.place_order(symbol, "buy", 10)
    resting = account.api.place_order(symbol, "sell", 10, limit_price="160.00")
    account.api.cancel_order(resting["id"])
    sold = account.api.place_order(symbol, "sell", 10)
    assert (sold["status"], sold["quantity"], sold["fill_price"]) == ("filled", 10, "149.95")


@pytest.mark.flow("API-03")
def test_another_accounts_resting_sell_reserves_none_of_my_shares(make_account, symbol):
    owner, other = make_account(), make_account()
    for trader in (owner, other):
        trader.api.place_order(symbol, "buy", 10)
    owner.api.place_order(symbol, "sell", 10, limit_price="160.00")
    sold = other.api.place_order(symbol, "sell", 10)
    assert (sold["status"], sold["quantity"], sold["fill_price"]) == ("filled", 10, "149.95")


@pytest.mark.flow("API-06")
def test_a_resting_buy_reserves_no_shares(account, symbol):
    account.api.place_order(symbol, "buy", 10)
    account.api.place_order(symbol, "buy", 5, limit_price="140.00")  # rests below the ask
    sold = account.api.place_order(symbol, "sell", 10)
    assert (sold["status"], sold["quantity"], sold["fill_price"]) == ("filled", 10, "149.95")


@pytest.mark.flow("API-06")
def test_a_resting_sell_reserves_shares_of_its_own_symbol_only(account, make_instrument):
    resting_symbol, other_symbol = make_instrument("150.00"), make_instrument("150.00")
    for symbol in (resting_symbol, other_symbol):
        account.api.place_order(symbol, "buy", 10)
    account.api.place_order(resting_symbol, "sell", 10, limit_price="160.00")
    sold = account.api.place_order(other_symbol, "sell", 10)
    assert (sold["status"], sold["quantity"], sold["fill_price"]) == ("filled", 10, "149.95")


@pytest.mark.flow("API-06", "TRD-03")
def test_a_limit_fill_is_stored_for_that_order_alone(account, api, symbol):
    crossed = account.api.place_order(symbol, "buy", 10, limit_price="140.00")
    still_resting = account.api.place_order(symbol, "buy", 10, limit_price="130.00")
    api.set_price(symbol, "139.00")  # crosses 140.00 only
    filled = account.api.order(crossed["id"])
    assert (filled["status"], filled["fill_price"]) == ("filled", "140.00")
    assert account.api.order(still_resting["id"])["status"] == "open"
