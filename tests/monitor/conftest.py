"""Fixtures for the monitor's self-tests: a result store (SQLite, or PostgreSQL when
PAPERTRADE_TEST_DATABASE_URL names a server), results made to order, a configuration."""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import create_engine
from sqlalchemy.engine import make_url

from monitor.config import DEFAULT_CONFIG, load_config
from monitor.store import Store

SERVER_VARIABLE = "PAPERTRADE_TEST_DATABASE_URL"


def _admin(server: str, statement: str) -> None:
    engine = create_engine(server, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            connection.exec_driver_sql(statement)
    finally:
        engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request, tmp_path: Path):
    """A fresh, empty store: a SQLite file, and a database on the PostgreSQL server of
    PAPERTRADE_TEST_DATABASE_URL when that is set (skipped otherwise)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'monitor.db'}"
        return
    server = os.environ.get(SERVER_VARIABLE)
    if not server:
        pytest.skip(f"{SERVER_VARIABLE} is not set (.ci/postgres-up prints one)")
    name = f"monitor_test_{os.getpid()}_{abs(hash(request.node.nodeid)) % 10**8}"
    _admin(server, f'DROP DATABASE IF EXISTS "{name}"')
    _admin(server, f'CREATE DATABASE "{name}"')
    yield make_url(server).set(database=name).render_as_string(hide_password=False)
    _admin(server, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def store(tmp_path: Path):
    opened = Store(f"sqlite:///{tmp_path / 'monitor.db'}")
    yield opened
    opened.close()


@pytest.fixture
def config():
    """config/monitor.yaml with alerting at 2 failures, 3 slow results, a 30-minute reminder."""
    loaded = load_config(DEFAULT_CONFIG)
    assert (loaded.alerts.down_after, loaded.alerts.degraded_after, loaded.alerts.reminder_s) == (2, 3, 1800)
    return replace(loaded, checks=tuple(c for c in loaded.checks if c.name in ("health", "ready")))
