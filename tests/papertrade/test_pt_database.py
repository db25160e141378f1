"""Database instrumentation: the Server-Timing header, the pool settings and the pool's gauges."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from harness.server_timing import database_work
from papertrade.config import SettingsError, load_settings
from papertrade.db import Database, PoolOptions, measure_queries
from papertrade.web.app import create_app

pytestmark = pytest.mark.unit


def work(response):
    return database_work(response.headers.get("server-timing"))


def test_server_timing_counts_the_statements_of_each_request(trader):
    first = trader.get("/api/portfolio")  # account, positions, reserved cash, then the day's start value
    second = trader.get("/api/portfolio")  # the day's start value is recorded now

    assert (work(first).queries, work(second).queries) == (4, 3)
    assert work(first).ms > 0


def test_server_timing_reports_no_query_for_a_route_without_database_work(client):
    response = client.get("/api/quotes")

    assert response.headers["server-timing"].startswith('db;desc="database";dur=')
    assert work(response).queries == 0


def test_server_timing_counts_a_session_lookup_and_the_order_write(trader, make_instrument):
    symbol = make_instrument(price="10.00")

    response = trader.order(symbol, "buy", 3)

    assert response.status_code == 201, response.text
    assert work(response).queries == 9


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [({}, False), ({"server_timing": True}, True)],
    ids=["off-by-default", "on-when-asked"],
)
def test_server_timing_outside_test_mode(make_settings, overrides, expected):
    app = create_app(make_settings(test_mode=False, **overrides))
    with TestClient(app) as client:
        response = client.get("/health")
    assert ("server-timing" in response.headers) is expected


def test_statements_outside_a_request_are_not_counted(new_database_url):
    database = Database(new_database_url())
    with measure_queries() as stats:
        pass
    database.ping()
    database.dispose()
    assert stats.count == 0


def test_pool_settings_come_from_the_environment_and_the_command_line():
    env = {"PAPERTRADE_DB_POOL_SIZE": "3", "PAPERTRADE_DB_POOL_PRE_PING": "false"}

    settings = load_settings({"db_max_overflow": 0, "db_pool_timeout": 2.5}, env)

    assert (settings.db_pool_size, settings.db_max_overflow, settings.db_pool_timeout) == (3, 0, 2.5)
    assert settings.db_pool_pre_ping is False


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"PAPERTRADE_DB_POOL_SIZE": "many"}, "PAPERTRADE_DB_POOL_SIZE must be an int, got 'many'"),
        ({"PAPERTRADE_DB_POOL_SIZE": "0"}, "database pool size must be at least 1, got 0"),
        ({"PAPERTRADE_DB_MAX_OVERFLOW": "-1"}, "database pool overflow must be 0 or more, got -1"),
        ({"PAPERTRADE_DB_POOL_TIMEOUT": "0"}, "database pool timeout must be greater than 0, got 0.0"),
        (
            {"PAPERTRADE_SERVER_TIMING": "maybe"},
            "PAPERTRADE_SERVER_TIMING must be true or false, got 'maybe'",
        ),
    ],
    ids=["size-not-a-number", "size-zero", "overflow-negative", "timeout-zero", "timing-not-a-bool"],
)
def test_bad_pool_settings_name_the_setting(env, message):
    with pytest.raises(SettingsError) as raised:
        load_settings({}, env)
    assert str(raised.value) == message


def test_pool_options_reach_the_engine(new_database_url):
    database = Database(new_database_url(), PoolOptions(size=3, max_overflow=1, timeout=4.0, pre_ping=True))
    pool = database.engine.pool
    assert (pool.size(), pool._max_overflow, pool._timeout, pool._pre_ping) == (3, 1, 4.0, True)
    database.dispose()


def test_pool_gauges_are_published(make_settings):
    app = create_app(make_settings(db_pool_size=4, db_max_overflow=2))
    with TestClient(app) as client:
        client.get("/ready")
        text = client.get("/metrics").text
    gauges = {
        line.split()[0]: float(line.split()[1])
        for line in text.splitlines()
        if line.startswith("papertrade_db_pool_")
    }
    assert gauges == {
        "papertrade_db_pool_size": 4.0,
        "papertrade_db_pool_max_overflow": 2.0,
        "papertrade_db_pool_checked_out": 0.0,
        "papertrade_db_pool_checked_in": 1.0,
        "papertrade_db_pool_overflow": 0.0,
    }


def test_portfolio_statements_do_not_grow_with_positions(make_trader, make_instrument):
    """The valuation reads every position in one statement: an N+1 shows up here as 3 more."""
    empty, holder = make_trader(), make_trader()
    for _ in range(3):
        assert holder.order(make_instrument(price="20.00"), "buy", 2).status_code == 201
    for trader in (empty, holder):
        trader.get("/api/portfolio")  # records the day's start value: one statement less from now on

    counts = [work(trader.get("/api/portfolio")).queries for trader in (empty, holder)]

    assert counts == [3, 3]
