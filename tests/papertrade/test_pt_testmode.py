"""The /api/test routes the harness arranges its scenarios with."""

import pytest
from fastapi.testclient import TestClient

from papertrade.web.app import create_app

pytestmark = pytest.mark.unit


def test_users_get_a_random_strong_password_by_default(client):
    response = client.post("/api/test/users", json={})
    assert response.status_code == 201
    body = response.json()
    assert set(body) == {"id", "username", "password", "display_name"}
    assert len(body["password"]) >= 16
    login = client.post("/api/auth/login", json={"username": body["username"], "password": body["password"]})
    client.cookies.clear()
    assert login.status_code == 200


def test_users_with_their_own_cash(make_trader):
    trader = make_trader(cash="2500.50", display_name="Grace")
    assert trader.portfolio()["cash"] == "2500.50"
    assert trader.get("/api/me").json()["user"]["display_name"] == "Grace"


def test_duplicate_usernames_conflict(client, trader):
    response = client.post("/api/test/users", json={"username": trader.user["username"]})
    assert response.status_code == 409


def test_instruments_get_a_random_symbol_and_do_not_tick(app, client):
    quote = client.post("/api/test/instruments", json={"price": "42.00"}).json()
    assert len(quote["symbol"]) == 5
    assert quote["symbol"].startswith("T")
    assert (quote["last"], quote["bid"], quote["ask"], quote["change_pct"]) == (
        "42.00",
        "41.95",
        "42.05",
        "0.00",
    )
    app.state.pt.service.tick()
    assert client.get(f"/api/quotes/{quote['symbol']}").json()["last"] == "42.00"
    named = client.post("/api/test/instruments", json={"symbol": "zz1", "name": "Zed", "price": 5}).json()
    assert (named["symbol"], named["name"]) == ("ZZ1", "Zed")
    assert client.post("/api/test/instruments", json={"symbol": "ZZ1", "price": 5}).status_code == 409
    assert client.post("/api/test/instruments", json={"price": "0"}).status_code == 422


def test_prices_validate(client):
    assert client.post("/api/test/prices", json={"symbol": "NOPE9", "price": "1"}).status_code == 404
    assert client.post("/api/test/prices", json={"symbol": "AAPL", "price": "-1"}).status_code == 422
    assert client.post("/api/test/prices", content=b"nope").status_code == 400


def test_clock_can_be_set_and_restored(client):
    moved = client.post("/api/test/clock", json={"now": "2030-01-02T03:04:05Z"}).json()
    assert moved["now"].startswith("2030-01-02T03:04:0")
    back = client.post("/api/test/clock", json={"now": None}).json()
    assert not back["now"].startswith("2030")
    assert client.post("/api/test/clock", json={"now": "yesterday"}).status_code == 422


def test_a_frozen_clock_reads_the_same_instant_until_it_is_set_again(client):
    stopped = {"now": "2030-01-02T03:04:05.678Z", "frozen": True}
    assert client.post("/api/test/clock", json=stopped).json() == stopped
    assert client.post("/api/test/clock", json=stopped).json() == stopped  # it did not move in between
    assert client.post("/api/test/clock", json={"now": None}).json()["frozen"] is False
    refused = client.post("/api/test/clock", json={"now": None, "frozen": True})
    assert (refused.status_code, refused.json()["error"]["message"]) == (422, "frozen needs a time in now.")
    refused = client.post("/api/test/clock", json={"now": "2030-01-02T03:04:05Z", "frozen": "yes"})
    assert (refused.status_code, refused.json()["error"]["message"]) == (422, "frozen must be true or false.")


def test_reset_removes_accounts_and_test_instruments(make_settings):
    with TestClient(create_app(make_settings())) as client:
        user = client.post("/api/test/users", json={"password": "pw"}).json()
        symbol = client.post("/api/test/instruments", json={"price": "1.00"}).json()["symbol"]
        client.post("/api/test/prices", json={"symbol": "AAPL", "price": "1.23"})

        assert client.post("/api/test/reset", json={}).status_code == 200

        assert client.get(f"/api/quotes/{symbol}").status_code == 404
        assert client.get("/api/quotes/AAPL").json()["last"] == "150.00"
        login = client.post("/api/auth/login", json={"username": user["username"], "password": "pw"})
        assert login.status_code == 401


def test_feed_steps_move_only_the_named_ticking_instruments_and_replay_from_a_seed(client):
    ticking = client.post("/api/test/instruments", json={"price": "150.00", "ticking": True}).json()["symbol"]
    still = client.post("/api/test/instruments", json={"price": "150.00"}).json()["symbol"]
    first = client.post("/api/test/feed", json={"seed": 5, "steps": 3, "symbols": [ticking, still]}).json()
    assert [sorted(tick) for tick in first["steps"]] == [[ticking]] * 3
    client.post("/api/test/prices", json={"symbol": ticking, "price": "150.00"})
    again = client.post("/api/test/feed", json={"seed": 5, "steps": 3, "symbols": [ticking.lower()]}).json()
    assert again == first
    unknown = client.post("/api/test/feed", json={"steps": 1, "symbols": ["NOPE9"]})
    assert (unknown.status_code, unknown.json()["error"]["code"]) == (404, "unknown_symbol")
