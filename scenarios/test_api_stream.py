"""The WebSocket stream at /ws as a client sees it on the wire: who may open it, what it answers,
and how the server ends it (dropped, too slow). Every socket has a receive timeout and is closed
at the end of its test, so a stream that stays silent fails the test instead of hanging it."""

from __future__ import annotations

import fcntl
import json
import socket
import struct
import termios
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit

import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect

from fixtures.target_app import RunningTarget
from fixtures.test_tags import TEST_ID_HEADER
from harness.api_client import SESSION_COOKIE, PaperTradeApi
from harness.polling import poll

pytestmark = pytest.mark.capability("test_api")

RECV_TIMEOUT_S = 5
QUEUE_LIMIT = 1000  # messages the server holds for one socket before it gives up on the client
BIG_REPLY_CHARS = 512 * 1024  # an unknown type of this length is echoed back in the error reply

OpenStream = Callable[..., ClientConnection]


@pytest.fixture
def open_stream(target: RunningTarget) -> Iterator[OpenStream]:
    """Opens /ws as `client` (its session cookie and test tag); `origin` None sends no Origin.

    The socket is the test's own, so a test can cork it (send many messages in one TCP segment).
    Compression is off: the flooding tests need the bytes on the wire to be the bytes sent."""
    base = urlsplit(target.base_url)
    url = f"{'wss' if base.scheme == 'https' else 'ws'}://{base.netloc}/ws"
    port = base.port or (443 if base.scheme == "https" else 80)

    with ExitStack() as sockets:

        def open_(client: PaperTradeApi, *, origin: str | None = target.base_url, **options: Any):
            headers = {TEST_ID_HEADER: client.session.headers[TEST_ID_HEADER]}
            session = client.session.cookies.get(SESSION_COOKIE)
            if session:
                headers["Cookie"] = f"{SESSION_COOKIE}={session}"
            if origin:
                headers["Origin"] = origin
            raw = socket.create_connection((base.hostname, port), timeout=RECV_TIMEOUT_S)
            return sockets.enter_context(
                connect(
                    url,
                    sock=raw,
                    additional_headers=headers,
                    compression=None,
                    proxy=None,
                    open_timeout=RECV_TIMEOUT_S,
                    close_timeout=1,
                    **options,
                )
            )

        yield open_


def exchange(stream: ClientConnection, raw: str) -> dict[str, Any]:
    stream.send(raw)
    return json.loads(stream.recv(timeout=RECV_TIMEOUT_S))


def read_until_closed(stream: ClientConnection) -> tuple[list[dict[str, Any]], int | None]:
    """Every message still to come and the close code the server sent (None: no close frame)."""
    messages = []
    try:
        while True:
            messages.append(json.loads(stream.recv(timeout=RECV_TIMEOUT_S)))
    except TimeoutError:
        pytest.fail(f"the stream was still open {RECV_TIMEOUT_S} s after {len(messages)} messages")
    except ConnectionClosed as closed:
        return messages, closed.rcvd.code if closed.rcvd else None


def send_in_one_segment(stream: ClientConnection, messages: list[str]) -> None:
    """The messages reach the server in one read, so it handles them all before sending anything."""
    if not hasattr(socket, "TCP_CORK"):
        pytest.skip("needs TCP_CORK (Linux) to hand the server many messages in one read")
    raw = stream.socket
    raw.setsockopt(socket.IPPROTO_TCP, socket.TCP_CORK, 1)
    for message in messages:
        stream.send(message)
    raw.setsockopt(socket.IPPROTO_TCP, socket.TCP_CORK, 0)


def send_and_wait_until_delivered(stream: ClientConnection, messages: list[str]) -> None:
    """Sends, then waits until the server's side has acknowledged every byte of them."""
    if not hasattr(termios, "TIOCOUTQ"):
        pytest.skip("needs TIOCOUTQ to see when the server has taken the messages")
    for message in messages:
        stream.send(message)
    deadline = time.monotonic() + RECV_TIMEOUT_S
    while unacknowledged_bytes(stream.socket):
        if time.monotonic() > deadline:
            pytest.fail(f"the server had not taken the messages after {RECV_TIMEOUT_S} s")


def unacknowledged_bytes(raw: socket.socket) -> int:
    return struct.unpack("i", fcntl.ioctl(raw.fileno(), termios.TIOCOUTQ, b"\0" * 4))[0]


@pytest.mark.flow("RT-01", "API-05")
@pytest.mark.parametrize("origin", ["same", None], ids=["same-origin", "no-origin"])
def test_the_stream_answers_every_message_in_order_numbered_from_1(open_stream, account, origin):
    stream = open_stream(account.api, **({} if origin else {"origin": None}))
    replies = [
        exchange(stream, raw)
        for raw in (
            "not json",
            '{"type": "ping"}',
            '{"type": "subscribe", "symbols": "AAPL"}',
            '{"type": "buy"}',
            "[1]",
            "[" * 50_000,
        )
    ]
    assert replies == [
        {"type": "error", "seq": 1, "message": "Messages must be JSON."},
        {"type": "pong", "seq": 2},
        {"type": "error", "seq": 3, "message": "symbols must be a list."},
        {"type": "error", "seq": 4, "message": "Unknown message type: 'buy'."},
        {"type": "error", "seq": 5, "message": "Unknown message type: None."},
        {"type": "error", "seq": 6, "message": "Messages must be JSON."},
    ]


@pytest.mark.flow("RT-01")
def test_a_subscribed_symbol_streams_each_new_price(open_stream, account, symbol, api):
    stream = open_stream(account.api)
    subscribed = exchange(
        stream, json.dumps({"type": "subscribe", "symbols": [symbol.lower(), symbol, "NOPE"]})
    )
    assert (subscribed["type"], subscribed["seq"], subscribed["symbols"]) == ("subscribed", 1, [symbol])
    assert [(q["symbol"], q["bid"], q["ask"]) for q in subscribed["quotes"]] == [(symbol, "149.95", "150.05")]
    api.set_price(symbol, "151.00")
    tick = json.loads(stream.recv(timeout=RECV_TIMEOUT_S))
    assert (tick["type"], tick["seq"]) == ("tick", 2)
    assert {key: tick["quote"][key] for key in ("symbol", "bid", "ask", "last")} == {
        "symbol": symbol,
        "bid": "150.95",
        "ask": "151.05",
        "last": "151.00",
    }


@pytest.mark.flow("RT-01", "API-05")
def test_a_subscription_keeps_the_known_symbols_of_its_first_200_entries_once_each(open_stream, account):
    stream = open_stream(account.api)
    asked = ["AAPL"] * 198 + ["NOPE", "MSFT", "KO"]  # MSFT is the 200th entry, KO the 201st
    subscribed = exchange(stream, json.dumps({"type": "subscribe", "symbols": asked}))
    assert (subscribed["symbols"], [q["symbol"] for q in subscribed["quotes"]]) == (["AAPL", "MSFT"],) * 2


def messages_before_pong(stream: ClientConnection) -> list[dict[str, Any]]:
    """What the server had sent before it answers a ping now (one queue per socket keeps order)."""
    stream.send(json.dumps({"type": "ping"}))
    messages = []
    while (message := json.loads(stream.recv(timeout=RECV_TIMEOUT_S)))["type"] != "pong":
        messages.append(message)
    return messages


@pytest.mark.flow("PORT-02")
@pytest.mark.parametrize(
    ("sold", "pushed"), [(0, ["151.00"]), (1, [])], ids=["holding-one-share", "sold-out"]
)
def test_a_price_change_pushes_the_portfolio_to_the_holders_of_the_symbol_only(
    open_stream, account, symbol, api, sold, pushed
):
    account.api.place_order(symbol, "buy", 1)
    if sold:
        account.api.place_order(symbol, "sell", 1)
    stream = open_stream(account.api)
    api.set_price(symbol, "151.00")
    portfolios = [m["portfolio"] for m in messages_before_pong(stream) if m["type"] == "portfolio"]
    assert [p["positions"][0]["last"] for p in portfolios] == pushed


@pytest.mark.flow("PORT-02", "TRD-03", "TRD-04")
def test_a_resting_order_and_its_cancel_push_the_portfolio_and_its_cash(open_stream, account, symbol):
    cash = account.api.portfolio()["cash"]
    stream = open_stream(account.api)

    def pushed_cash() -> list[tuple[str, str]]:
        portfolios = [m["portfolio"] for m in messages_before_pong(stream) if m["type"] == "portfolio"]
        return [(p["cash"], p["available_cash"]) for p in portfolios]

    order = account.api.place_order(symbol, "buy", 2, limit_price="100.00")
    assert pushed_cash() == [(cash, str(Decimal(cash) - 200))]
    account.api.call("POST", f"/api/orders/{order['id']}/cancel", 200)
    assert pushed_cash() == [(cash, cash)]  # the reservation is released


@pytest.mark.flow("API-01")
@pytest.mark.parametrize(
    ("signed_in", "origin", "code"),
    [(False, "same", 4401), (True, "http://evil.example", 4403), (False, "http://evil.example", 4403)],
    ids=["no-session", "foreign-origin", "foreign-origin-no-session"],
)
def test_a_refused_socket_is_closed_with_the_reason_code(open_stream, api, account, signed_in, origin, code):
    stream = open_stream(
        account.api if signed_in else api, **({} if origin == "same" else {"origin": origin})
    )
    assert read_until_closed(stream) == ([], code)


@pytest.mark.flow("RT-04")
def test_the_server_dropping_a_socket_closes_it_with_1012(open_stream, account, api):
    stream = open_stream(account.api)
    assert exchange(stream, '{"type": "ping"}') == {"type": "pong", "seq": 1}
    assert api.drop_websockets(account.username) == 1
    assert read_until_closed(stream) == ([], 1012)


@pytest.mark.flow("RT-04")
def test_a_socket_the_client_closes_is_forgotten_by_the_server(open_stream, account, api):
    # The server forgets a socket after the closing handshake, so the count is polled until the
    # deadline; a socket it never forgot would still be counted (and sent every broadcast).
    stream = open_stream(account.api)
    assert exchange(stream, '{"type": "ping"}') == {"type": "pong", "seq": 1}
    stream.close()
    left = poll(lambda: api.drop_websockets(account.username), lambda n: n == 0, timeout_s=RECV_TIMEOUT_S)
    assert left == 0


@pytest.mark.flow("RT-04")
def test_a_client_that_falls_too_far_behind_is_closed_with_1013(open_stream, account):
    stream = open_stream(account.api)
    send_in_one_segment(stream, ['{"type": "ping"}'] * (QUEUE_LIMIT + 500))
    messages, code = read_until_closed(stream)
    assert code == 1013  # try again later: the backlog is dropped, not the server's memory
    assert messages == [{"type": "pong", "seq": seq} for seq in range(1, len(messages) + 1)]
    assert len(messages) <= QUEUE_LIMIT


@pytest.mark.flow("RT-04")
def test_a_slow_client_dropped_by_the_server_gets_what_was_queued_then_1012(open_stream, account, api):
    # Given a client that stops reading while 12 MiB of replies are on their way to it
    stream = open_stream(account.api, max_queue=1)
    stream.socket.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 64 * 1024)
    big = json.dumps({"type": "x" * BIG_REPLY_CHARS})
    send_and_wait_until_delivered(stream, [big] * 24)
    # When the server drops it, and the client's later messages would overflow its queue
    assert api.drop_websockets(account.username) == 1
    send_in_one_segment(stream, ['{"type": "ping"}'] * (QUEUE_LIMIT + 500))
    # Then it gets the replies queued before the drop, in order, then the drop's code
    messages, code = read_until_closed(stream)
    assert code == 1012
    assert [(m["type"], m["seq"]) for m in messages] == [
        ("error", seq) for seq in range(1, len(messages) + 1)
    ]
    assert 1 <= len(messages) <= 24
