# ruff: noqa: E402 - the warning filter below must run before TestClient is imported
"""Fixtures for PaperTrade's unit tests: one test-mode app per session, a fresh trader per test.

Tests isolate themselves through their own users and their own non-ticking test instruments,
so the expensive app (migrations, market load) is built once per session. They run on SQLite;
with `PAPERTRADE_TEST_DATABASE_URL` (say postgresql+psycopg://user:pw@host/postgres) every
database they use is a fresh one on that server instead.
"""

from __future__ import annotations

import itertools
import os
import warnings

# Starlette 1.x nudges towards httpx2 for its TestClient; httpx is what is installed here.
warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pt_helpers import Trader, write_test_static, write_test_templates
from sqlalchemy import create_engine
from sqlalchemy.engine import make_url

from papertrade.config import Settings
from papertrade.domain import accounts
from papertrade.web.app import create_app

_counter = itertools.count(1)
TEST_SERVER_VARIABLE = "PAPERTRADE_TEST_DATABASE_URL"


@pytest.fixture(scope="session", autouse=True)
def _fast_password_hashing() -> Iterator[None]:
    original = accounts.SCRYPT_N
    accounts.SCRYPT_N = 2**8
    yield
    accounts.SCRYPT_N = original


@pytest.fixture(scope="session")
def site_dirs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("site")
    return write_test_templates(root / "templates"), write_test_static(root / "static")


@pytest.fixture(scope="session")
def new_database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[[], str]]:
    """A maker of empty databases: SQLite files, or with `PAPERTRADE_TEST_DATABASE_URL` set (a
    server URL whose user may create databases) fresh databases on that server, dropped at the end."""
    server = os.environ.get(TEST_SERVER_VARIABLE)
    created: list[str] = []

    def admin(statement: str) -> None:
        engine = create_engine(server, isolation_level="AUTOCOMMIT")
        try:
            with engine.connect() as connection:
                connection.exec_driver_sql(statement)
        finally:
            engine.dispose()

    def build() -> str:
        if not server:
            return f"sqlite:///{tmp_path_factory.mktemp('db') / 'papertrade.db'}"
        name = f"papertrade_test_{os.getpid()}_{len(created)}"
        admin(f'DROP DATABASE IF EXISTS "{name}"')
        admin(f'CREATE DATABASE "{name}"')
        created.append(name)
        return make_url(server).set(database=name).render_as_string(hide_password=False)

    yield build
    for name in created:
        admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def make_settings(new_database_url, site_dirs):
    def build(**overrides: Any) -> Settings:
        templates, static = site_dirs
        values = {
            "database_url": new_database_url(),
            "test_mode": True,
            "tick_interval": 3600.0,
            "templates_dir": templates,
            "static_dir": static,
            **overrides,
        }
        return Settings(**values)

    return build


@pytest.fixture(scope="session")
def app(make_settings):
    return create_app(make_settings())


@pytest.fixture(scope="session")
def client(app) -> Iterator[TestClient]:
    with TestClient(app) as test_client:
        yield test_client


@pytest.fixture
def make_trader(client: TestClient):
    def build(**fields: Any) -> Trader:
        body = {
            "username": f"trader{next(_counter)}_{id(fields) % 10000}",
            "password": "s3cret-pass",
            **fields,
        }
        response = client.post("/api/test/users", json=body)
        assert response.status_code == 201, response.text
        return Trader(client, response.json()).login()

    return build


@pytest.fixture
def trader(make_trader) -> Trader:
    return make_trader()


@pytest.fixture
def make_instrument(client: TestClient):
    def build(price: str = "100.00", **fields: Any) -> str:
        response = client.post("/api/test/instruments", json={"price": price, **fields})
        assert response.status_code == 201, response.text
        return response.json()["symbol"]

    return build


@pytest.fixture
def set_price(client: TestClient):
    def apply(symbol: str, price: str) -> dict[str, Any]:
        response = client.post("/api/test/prices", json={"symbol": symbol, "price": price})
        assert response.status_code == 200, response.text
        return response.json()

    return apply
