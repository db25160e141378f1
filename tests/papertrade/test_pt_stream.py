"""The WebSocket stream: auth, subscriptions, ticks, fills and server-side drops."""

import pytest
from starlette.websockets import WebSocketDisconnect

pytestmark = pytest.mark.unit


def receive_until(ws, wanted_type, limit=20):
    """Messages up to and including the first of `wanted_type`."""
    seen = []
    for _ in range(limit):
        message = ws.receive_json()
        seen.append(message)
        if message["type"] == wanted_type:
            return seen
    raise AssertionError(f"no {wanted_type} in {seen}")


def test_unauthenticated_socket_is_closed_with_4401(client):
    client.cookies.clear()
    with client.websocket_connect("/ws") as ws, pytest.raises(WebSocketDisconnect) as closed:
        ws.receive_json()
    assert closed.value.code == 4401


def test_subscribe_then_ticks_with_increasing_seq(trader, make_instrument, set_price):
    symbol, other = make_instrument("10.00"), make_instrument("20.00")
    with trader.websocket() as ws:
        ws.send_json({"type": "subscribe", "symbols": [symbol.lower(), "NOPE9"]})
        subscribed = ws.receive_json()
        assert {key: subscribed[key] for key in ("type", "seq", "symbols")} == {
            "type": "subscribed",
            "seq": 1,
            "symbols": [symbol],
        }
        assert [(q["symbol"], q["bid"], q["ask"], q["last"]) for q in subscribed["quotes"]] == [
            (symbol, "9.95", "10.05", "10.00")
        ]

        set_price(other, "21.00")  # not subscribed: nothing arrives for it
        set_price(symbol, "10.50")
        set_price(symbol, "10.60")
        first, second = ws.receive_json(), ws.receive_json()

        ws.send_json({"type": "ping"})
        pong = ws.receive_json()

    assert (first["type"], first["seq"], first["quote"]["last"]) == ("tick", 2, "10.50")
    assert (second["seq"], second["quote"]["last"], second["quote"]["symbol"]) == (3, "10.60", symbol)
    assert pong == {"type": "pong", "seq": 4}


def test_subscribing_snapshots_prices_that_moved_before(trader, make_instrument, set_price):
    """A page looks a quote up, then subscribes: a change in between must not be lost."""
    symbol = make_instrument("10.00")
    looked_up = trader.get(f"/api/quotes/{symbol}").json()
    set_price(symbol, "11.00")
    with trader.websocket() as ws:
        ws.send_json({"type": "subscribe", "symbols": [symbol]})
        subscribed = ws.receive_json()
        set_price(symbol, "11.50")
        tick = ws.receive_json()
    assert looked_up["last"] == "10.00"
    assert subscribed["type"] == "subscribed"
    assert [(q["symbol"], q["last"]) for q in subscribed["quotes"]] == [(symbol, "11.00")]
    assert (tick["type"], tick["seq"], tick["quote"]["last"]) == ("tick", 2, "11.50")


def test_fill_streams_order_fill_portfolio_and_notification(trader, make_instrument, set_price):
    symbol = make_instrument("100.00")
    with trader.websocket() as ws:
        ws.send_json({"type": "subscribe", "symbols": [symbol]})
        ws.receive_json()
        order = trader.order(symbol, "buy", 2, limit_price="90.00").json()
        placed = receive_until(ws, "order")[-1]
        assert placed["order"]["status"] == "open"

        set_price(symbol, "89.00")
        messages = receive_until(ws, "notification")
        messages += receive_until(ws, "portfolio")

    by_type = {m["type"]: m for m in messages}
    assert by_type["tick"]["quote"]["last"] == "89.00"
    assert by_type["fill"]["order"]["id"] == order["id"]
    assert by_type["fill"]["transaction"]["price"] == "90.00"
    assert by_type["fill"]["transaction"] == trader.get("/api/transactions").json()["transactions"][0]
    assert by_type["order"]["order"]["status"] == "filled"
    assert by_type["notification"]["notification"]["message"] == f"Bought 2 {symbol} at $90.00."
    assert by_type["portfolio"]["portfolio"]["positions"][0]["symbol"] == symbol
    seqs = [m["seq"] for m in messages]
    assert seqs == sorted(seqs)


def test_ticks_of_a_held_symbol_push_the_portfolio(trader, make_instrument, set_price):
    symbol = make_instrument("10.00")
    trader.order(symbol, "buy", 1)
    with trader.websocket() as ws:
        ws.send_json({"type": "ping"})
        ws.receive_json()
        set_price(symbol, "12.00")
        portfolio = receive_until(ws, "portfolio")[-1]["portfolio"]
    assert portfolio["positions"][0]["last"] == "12.00"


def test_other_accounts_do_not_see_my_orders(make_trader, make_instrument):
    me, other = make_trader(), make_trader()
    symbol = make_instrument("10.00")
    with other.websocket() as ws:
        me.order(symbol, "buy", 1)
        ws.send_json({"type": "ping"})
        assert ws.receive_json()["type"] == "pong"


def test_drop_closes_the_users_sockets_with_1012(client, trader):
    with trader.websocket() as ws:
        ws.send_json({"type": "ping"})
        ws.receive_json()
        response = client.post("/api/test/ws/drop", json={"username": trader.user["username"]})
        assert response.json() == {"dropped": 1}
        with pytest.raises(WebSocketDisconnect) as closed:
            ws.receive_json()
    assert closed.value.code == 1012


def test_foreign_origin_is_refused(trader):
    headers = {"Cookie": trader.cookie_header, "Origin": "https://evil.example"}
    with trader.client.websocket_connect("/ws", headers=headers) as ws, pytest.raises(WebSocketDisconnect):
        ws.receive_json()
