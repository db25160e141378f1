"""The critical routes' statements use indexes at volume: the SQL the app really runs during real
requests against a seeded database, captured, then planned by the database itself (SQLite, or
PostgreSQL with PAPERTRADE_TEST_DATABASE_URL). No plan may read a large table in full."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine

from harness.query_plans import CRITICAL_REQUESTS, IndexInfo, capture, full_scans, plan, scanned_in_full
from papertrade import seeding
from papertrade.web.app import create_app

pytestmark = pytest.mark.unit
# Enough rows per account that PostgreSQL's planner prefers an index to reading the table.
ACCOUNTS, ORDERS = 1000, 40_000


@pytest.fixture(scope="module")
def seeded_url(new_database_url) -> str:
    url = new_database_url()
    seeding.seed(url, accounts=ACCOUNTS, orders=ORDERS)
    return url


@pytest.fixture(scope="module")
def statements_by_route(seeded_url, make_settings):
    """What each critical request made the app run, for seeded account #7 (sessions not cached)."""
    app = create_app(make_settings(database_url=seeded_url))
    account_id = 7
    values = {"username": f"{seeding.USERNAME_PREFIX}{account_id}", "password": seeding.SEED_PASSWORD}
    headers = {
        "Cookie": f"pt_session={seeding.session_token(account_id)}",
        "X-CSRF-Token": f"seeded-csrf-{account_id}",
    }
    captured = {}
    with TestClient(app) as client:
        values["order_id"] = client.get("/api/orders?limit=1", headers=headers).json()["orders"][0]["id"]
        app.state.pt.sessions.forget_all()
        for critical in CRITICAL_REQUESTS:
            method, path, body = critical.render(**values)
            with capture(app.state.pt.db.engine) as statements:
                response = client.request(method, path, json=body, headers=headers)
            assert response.status_code < 300, f"{critical.name}: {response.status_code} {response.text}"
            captured[critical.name] = [statement for statement in statements if statement.plannable]
    return captured


def scans_of(url: str, statements) -> dict[str, list[str]]:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return {s.sql: found for s in statements if (found := full_scans(connection, s))}
    finally:
        engine.dispose()


def test_the_capture_sees_the_statements_of_real_requests(statements_by_route):
    assert statements_by_route["quotes"] == []  # quotes come from memory
    assert len(statements_by_route["session lookup"]) == 1
    assert len(statements_by_route["portfolio"]) >= 3


@pytest.mark.parametrize("route", [critical.name for critical in CRITICAL_REQUESTS], ids=str)
def test_critical_route_reads_no_large_table_in_full(statements_by_route, seeded_url, route):
    assert scans_of(seeded_url, statements_by_route[route]) == {}


def test_a_dropped_index_shows_as_a_full_scan(statements_by_route, seeded_url):
    """The check can fail: without the index on orders by account, listing orders reads them all."""
    engine = create_engine(seeded_url)
    with engine.connect() as connection:
        transaction = connection.begin()  # DDL is transactional on both databases: rolled back below
        connection.exec_driver_sql("DROP INDEX ix_orders_account_status_created")
        found = {s.sql: full_scans(connection, s) for s in statements_by_route["orders"]}
        planned = [plan(connection, s) for s in statements_by_route["orders"]]
        transaction.rollback()
    engine.dispose()
    assert ["orders"] in found.values(), planned


@pytest.mark.parametrize(
    ("dialect", "planned", "expected"),
    [
        ("sqlite", ["SEARCH orders USING INDEX ix_orders_account_status_created (account_id=?)"], []),
        ("sqlite", ["SCAN orders", "USE TEMP B-TREE FOR ORDER BY"], ["orders"]),
        ("sqlite", ["SCAN orders USING INDEX ix_orders_symbol_status"], ["orders"]),
        ("sqlite", ["SCAN instruments"], []),
        (
            "postgresql",
            {
                "Node Type": "Limit",
                "Plans": [
                    {
                        "Node Type": "Sort",
                        "Plans": [{"Node Type": "Seq Scan", "Relation Name": "transactions"}],
                    }
                ],
            },
            ["transactions"],
        ),
        (
            "postgresql",
            {"Node Type": "Index Scan", "Relation Name": "orders", "Index Cond": "(account_id = 7)"},
            [],
        ),
        ("postgresql", {"Node Type": "Index Scan", "Relation Name": "sessions", "Filter": "x"}, ["sessions"]),
        (
            "postgresql",
            {
                "Node Type": "Bitmap Heap Scan",
                "Relation Name": "orders",
                "Plans": [
                    {
                        "Node Type": "Bitmap Index Scan",
                        "Index Name": "ix_orders_symbol_status",
                        "Index Cond": "((status)::text = 'open'::text)",
                    }
                ],
            },
            ["orders"],
        ),
        (
            "postgresql",
            {
                "Node Type": "Bitmap Index Scan",
                "Index Name": "ix_orders_account_status_created",
                "Index Cond": "((account_id = 7) AND ((status)::text = 'open'::text))",
            },
            [],
        ),
    ],
    ids=[
        "sqlite-search",
        "sqlite-scan",
        "sqlite-whole-index",
        "sqlite-small-table",
        "pg-seq-scan-below-sort",
        "pg-index-cond",
        "pg-whole-index",
        "pg-bitmap-without-the-first-column",
        "pg-bitmap-on-the-first-column",
    ],
)
def test_full_scans_are_read_from_the_plan(dialect, planned, expected):
    indexes = {
        "ix_orders_symbol_status": IndexInfo("orders", "symbol"),
        "ix_orders_account_status_created": IndexInfo("orders", "account_id"),
    }
    assert scanned_in_full(dialect, planned, indexes=indexes) == expected
