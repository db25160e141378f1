"""The connection pool under load and through a database restart.

More concurrent requests than the pool holds must queue for a connection (no 5xx, latency well
under the pool timeout) and leave the pool idle; a pool must leave room beside a long
transaction; and with PostgreSQL (PAPERTRADE_TEST_DATABASE_URL) going away under the app, /ready
answers 503 and requests 503 `database_unavailable`, then both recover without restarting the
app. The outage is a proxy between app and server that drops every connection and refuses new
ones, so the shared PostgreSQL of the machine is never stopped."""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager, suppress

import pytest
from fastapi.testclient import TestClient
from pt_helpers import Trader
from sqlalchemy import event
from sqlalchemy.engine import make_url

from papertrade.web.app import create_app

pytestmark = pytest.mark.unit
CONCURRENT = 24
LATENCY_BOUND_S = 5.0  # far below the pool timeout: a request that waits that long starved


def pool_gauges(client: TestClient) -> dict[str, float]:
    lines = client.get("/metrics").text.splitlines()
    return {
        line.split()[0]: float(line.split()[1]) for line in lines if line.startswith("papertrade_db_pool_")
    }


@contextmanager
def peak_checked_out(engine) -> Iterator[list[int]]:
    """[peak]: the most connections checked out at once while the block ran."""
    state = {"now": 0}
    peak = [0]
    lock = threading.Lock()

    def out(*_):
        with lock:
            state["now"] += 1
            peak[0] = max(peak[0], state["now"])

    def back(*_):
        with lock:
            state["now"] -= 1

    event.listen(engine.pool, "checkout", out)
    event.listen(engine.pool, "checkin", back)
    try:
        yield peak
    finally:
        event.remove(engine.pool, "checkout", out)
        event.remove(engine.pool, "checkin", back)


def timed_portfolios(trader: Trader, count: int) -> list[tuple[int, float]]:
    def one(_):
        began = time.perf_counter()
        status = trader.get("/api/portfolio").status_code
        return status, time.perf_counter() - began

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(one, range(count)))


def signed_in(client: TestClient) -> Trader:
    user = {"username": f"pool{os.getpid()}_{id(client)}", "password": "s3cret-pass"}
    assert client.post("/api/test/users", json=user).status_code == 201
    return Trader(client, user).login()


def test_more_concurrent_requests_than_the_pool_holds_queue_and_succeed(make_settings):
    app = create_app(make_settings(db_pool_size=2, db_max_overflow=1, db_pool_timeout=30))
    with TestClient(app) as client:
        trader = signed_in(client)
        with peak_checked_out(app.state.pt.db.engine) as peak:
            answers = timed_portfolios(trader, CONCURRENT)
        gauges = pool_gauges(client)

    assert sorted({status for status, _ in answers}) == [200]
    assert max(seconds for _, seconds in answers) < LATENCY_BOUND_S
    # The pool was full (size + overflow) and never more. On SQLite requests run their statements on
    # the event loop (papertrade.web.http.db_call), one at a time, so one connection is the most.
    assert peak[0] == (1 if app.state.pt.db.inline else 3)
    assert (gauges["papertrade_db_pool_checked_out"], gauges["papertrade_db_pool_overflow"]) == (0, 0)


def test_the_default_pool_leaves_room_beside_a_long_transaction(make_settings):
    """A report holding a connection must not starve the traders (a pool of 1 would)."""
    app = create_app(make_settings(db_pool_timeout=2))
    with TestClient(app) as client:
        trader = signed_in(client)
        with app.state.pt.db.engine.connect() as long_transaction:  # held while the traders ask
            long_transaction.exec_driver_sql("SELECT 1")
            answers = timed_portfolios(trader, 8)
        gauges = pool_gauges(client)

    assert sorted({status for status, _ in answers}) == [200], answers
    assert max(seconds for _, seconds in answers) < 1.5  # below the 2 s pool timeout
    assert gauges["papertrade_db_pool_checked_out"] == 0


class Outage:
    """A TCP proxy to the database server that can drop every connection and refuse new ones."""

    def __init__(self, upstream: tuple[int, object]) -> None:
        self.family, self.address = upstream
        self.port = 0
        self._listener: socket.socket | None = None
        self._open: list[socket.socket] = []
        self._lock = threading.Lock()

    def start(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        self.port = listener.getsockname()[1]
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            server = socket.socket(self.family, socket.SOCK_STREAM)
            server.connect(self.address)
            with self._lock:
                self._open += [client, server]
            for source, target in ((client, server), (server, client)):
                threading.Thread(target=self._pump, args=(source, target), daemon=True).start()

    @staticmethod
    def _pump(source: socket.socket, target: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                target.sendall(data)
        except OSError:
            pass
        finally:
            for end in (source, target):
                with suppress(OSError):
                    end.shutdown(socket.SHUT_RDWR)

    def stop(self) -> None:
        """The database is gone: every connection dropped, new ones refused."""
        if self._listener is not None:
            with suppress(OSError):  # shutdown, not only close: it wakes the thread blocked in accept()
                self._listener.shutdown(socket.SHUT_RDWR)
            self._listener.close()
        with self._lock:
            for end in self._open:
                with suppress(OSError):
                    end.shutdown(socket.SHUT_RDWR)
                end.close()
            self._open.clear()


def postgres_upstream(url: str) -> tuple[int, object]:
    parsed = make_url(url)
    host = parsed.query.get("host") or parsed.host or "localhost"
    port = int(parsed.query.get("port") or parsed.port or 5432)
    if host.startswith("/"):
        return socket.AF_UNIX, f"{host}/.s.PGSQL.{port}"
    return socket.AF_INET, (host, port)


@pytest.mark.skipif(
    not os.environ.get("PAPERTRADE_TEST_DATABASE_URL"),
    reason="needs PostgreSQL: set PAPERTRADE_TEST_DATABASE_URL (.ci/postgres-up prints one)",
)
def test_postgresql_going_away_gives_503_then_the_app_recovers_by_itself(new_database_url, make_settings):
    url = new_database_url()
    outage = Outage(postgres_upstream(url))
    outage.start()
    through_proxy = make_url(url).set(host="127.0.0.1", port=outage.port, query={"sslmode": "disable"})
    app = create_app(make_settings(database_url=through_proxy.render_as_string(hide_password=False)))
    with TestClient(app) as client:
        trader = signed_in(client)
        assert (client.get("/ready").status_code, trader.get("/api/portfolio").status_code) == (200, 200)

        outage.stop()  # When the database goes away
        ready, portfolio = client.get("/ready"), trader.get("/api/portfolio")
        assert ready.status_code == 503
        assert ready.json()["status"] == "unavailable"
        assert portfolio.status_code == 503
        assert portfolio.json()["error"]["code"] == "database_unavailable"
        assert str(outage.port) in ready.json()["database"]

        outage.start()  # and comes back on the same address
        assert (client.get("/ready").status_code, trader.get("/api/portfolio").status_code) == (200, 200)
        assert pool_gauges(client)["papertrade_db_pool_checked_out"] == 0
    outage.stop()
