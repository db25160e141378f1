"""The embedded app on a database of its own per worker (PostgreSQL when a server URL is given)."""

from __future__ import annotations

import os
import socket

import pytest
import requests
from sqlalchemy import create_engine, inspect

from harness.embedded_app import EmbeddedApp
from harness.worker_database import WorkerDatabaseError, database_name, worker_database

pytestmark = pytest.mark.unit
SERVER = os.environ.get("PAPERTRADE_TEST_DATABASE_URL")


def test_database_name_is_a_plain_identifier_per_worker():
    assert database_name("gw1", 4242) == "tradecheck_gw1_4242"
    assert database_name("Main-X", 7) == "tradecheck_main_x_7"


def test_without_a_server_url_the_app_keeps_its_sqlite_file(tmp_path):
    with worker_database(None, "gw0") as url:
        app = EmbeddedApp(tmp_path, database_url=url)
    assert (
        app.command(8000)[app.command(8000).index("--database-url") + 1]
        == f"sqlite:///{tmp_path}/papertrade.db"
    )


def test_an_unreachable_server_is_one_line_without_the_password():
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    with (
        pytest.raises(WorkerDatabaseError) as raised,
        worker_database(f"postgresql+psycopg://qa:hunter2@127.0.0.1:{port}/postgres", "gw0"),
    ):
        pass
    assert str(raised.value).startswith(
        f"database server postgresql+psycopg://qa:***@127.0.0.1:{port}/postgres: "
    )
    assert "hunter2" not in str(raised.value)


@pytest.mark.skipif(not SERVER, reason="needs PostgreSQL: set PAPERTRADE_TEST_DATABASE_URL (.ci/postgres-up)")
def test_the_embedded_app_runs_on_a_postgresql_database_of_its_own(tmp_path):
    with worker_database(SERVER, "gw0") as url:
        app = EmbeddedApp(tmp_path, database_url=url)
        base_url = app.start()
        try:
            ready = requests.get(f"{base_url}/ready", timeout=5)
        finally:
            app.stop()
        engine = create_engine(url)
        tables = set(inspect(engine).get_table_names())
        engine.dispose()
    assert ready.json() == {"status": "ready", "database": "ok"}
    assert {"accounts", "orders", "sessions"} <= tables
    assert not (tmp_path / "papertrade.db").exists()
