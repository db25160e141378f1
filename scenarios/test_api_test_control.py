"""The test-control API (flow API-07): it refuses what it cannot act on."""

import re

import pytest

from harness.api_client import error_code

pytestmark = pytest.mark.capability("test_api")


@pytest.mark.provokes_errors
@pytest.mark.flow("API-07")
@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/api/test/users", {"username": ""}),
        ("/api/test/users", {"display_name": 42}),
        ("/api/test/users", {"password": ""}),
        ("/api/test/users", {"cash": "12.345"}),
        ("/api/test/instruments", {"price": "abc"}),
        ("/api/test/instruments", {"price": "0"}),
        ("/api/test/instruments", {}),
        ("/api/test/instruments", {"symbol": "bad symbol!", "price": "10.00"}),
        ("/api/test/prices", {"symbol": "AAPL", "price": "-1"}),
        ("/api/test/feed", {"running": "yes"}),
        ("/api/test/feed", {}),
        ("/api/test/feed", {"steps": 0}),
        ("/api/test/feed", {"steps": 1001}),
        ("/api/test/feed", {"seed": -1}),
        ("/api/test/feed", {"steps": 1, "symbols": "AAPL"}),
        ("/api/test/clock", {"now": "2030-01-01T00:00:00Z", "frozen": "yes"}),
        ("/api/test/sessions/expire", {}),
        ("/api/test/clock", {}),
        ("/api/test/clock", {"now": "next tuesday"}),
    ],
    ids=[
        "user-empty-name",
        "user-numeric-display-name",
        "user-empty-password",
        "user-cash-three-decimals",
        "instrument-price-not-a-number",
        "instrument-price-zero",
        "instrument-price-missing",
        "instrument-bad-symbol",
        "price-negative",
        "feed-running-not-bool",
        "feed-nothing-to-do",
        "feed-no-steps",
        "feed-too-many-steps",
        "feed-negative-seed",
        "feed-symbols-not-a-list",
        "clock-frozen-not-bool",
        "expire-without-username",
        "clock-without-now",
        "clock-unparseable",
    ],
)
def test_test_control_api_refuses_bad_payloads_with_422(api, path, body):
    response = api.request("POST", path, json=body)
    assert response.status_code == 422
    assert error_code(response) == "validation_error"


# (symbol, name, reference price) of the listed instruments, in their listed order: a reset puts
# each back at its reference price as both last and previous close (docs/papertrade-contract.md).
LISTED_AT_REFERENCE = [
    ("AAPL", "Apple Inc.", "150.00"),
    ("MSFT", "Microsoft Corporation", "330.00"),
    ("GOOGL", "Alphabet Inc. Class A", "135.00"),
    ("AMZN", "Amazon.com, Inc.", "130.00"),
    ("TSLA", "Tesla, Inc.", "250.00"),
    ("NVDA", "NVIDIA Corporation", "450.00"),
    ("META", "Meta Platforms, Inc.", "300.00"),
    ("NFLX", "Netflix, Inc.", "400.00"),
    ("JPM", "JPMorgan Chase & Co.", "145.00"),
    ("V", "Visa Inc.", "240.00"),
    ("KO", "The Coca-Cola Company", "58.00"),
    ("DIS", "The Walt Disney Company", "90.00"),
]


@pytest.mark.capability("reset")
@pytest.mark.flow("API-07")
def test_a_reset_puts_listed_instruments_back_at_their_reference_prices(api, symbol):
    api.call("POST", "/api/test/feed", 200, json={"running": False})  # no tick moves a listed price
    try:
        api.set_price("AAPL", "151.23")  # Given a listed price moved, and a test instrument (`symbol`)
        assert api.call("POST", "/api/test/reset", 200, json={}) == {"reset": True}  # When reset
        quotes = api.call("GET", "/api/quotes", 200)["quotes"]
    finally:
        api.call("POST", "/api/test/feed", 200, json={"running": True})
    assert [(q["symbol"], q["name"], q["last"], q["prev_close"]) for q in quotes] == [
        (listed, name, price, price) for listed, name, price in LISTED_AT_REFERENCE
    ]
    gone = api.request("GET", f"/api/quotes/{symbol}")  # Then the test instrument is gone
    assert (gone.status_code, gone.json()["error"]["message"]) == (404, f"Unknown symbol: {symbol}.")


@pytest.mark.flow("API-07")
@pytest.mark.parametrize(
    ("price", "bid", "ask"),
    [("0.01", "0.01", "0.06"), ("1000000.00", "999999.95", "1000000.05")],
    ids=["lowest-0.01", "highest-1000000.00"],
)
def test_a_price_at_either_end_of_the_range_is_set(api, symbol, price, bid, ask):
    quote = api.set_price(symbol, price)
    assert (quote["bid"], quote["last"], quote["ask"]) == (bid, price, ask)
    assert api.call("GET", f"/api/quotes/{symbol}", 200)["last"] == price
    created = api.create_instrument(price)  # and an instrument can be created at that price
    assert (created["bid"], created["last"], created["ask"]) == (bid, price, ask)
    assert re.fullmatch(r"T[A-Z0-9]{4}", created["symbol"])  # a random symbol like T4KQZ


@pytest.mark.provokes_errors
@pytest.mark.flow("API-07")
def test_a_price_above_one_million_is_refused_on_both_routes(api, symbol):
    moved = api.request("POST", "/api/test/prices", json={"symbol": symbol, "price": "1000000.01"})
    created = api.request("POST", "/api/test/instruments", json={"symbol": "TOOHIGH", "price": "1000000.01"})
    refusal = {"code": "validation_error", "message": "Price must be between 0.01 and 1,000,000.00."}
    assert [(r.status_code, r.json()["error"]) for r in (moved, created)] == [(422, refusal)] * 2
    assert api.call("GET", f"/api/quotes/{symbol}", 200)["last"] == "150.00"
    assert api.request("GET", "/api/quotes/TOOHIGH").status_code == 404


@pytest.mark.provokes_errors
@pytest.mark.flow("API-07")
def test_a_symbol_that_exists_cannot_be_created_again(api, symbol):
    response = api.request("POST", "/api/test/instruments", json={"symbol": symbol, "price": "10.00"})
    assert (response.status_code, response.json()["error"]) == (
        409,
        {"code": "conflict", "message": f"Symbol {symbol} already exists."},
    )
    assert api.call("GET", f"/api/quotes/{symbol}", 200)["last"] == "150.00"
