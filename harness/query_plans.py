"""The SQL an app really runs, captured as it runs, and what the database's planner does with it.

`capture(engine)` records every statement an engine executes (with its parameters, exactly as
the driver got them); `full_scans(connection, statement, parameters, tables)` asks the planner
about one of them — `EXPLAIN QUERY PLAN` on SQLite, `EXPLAIN (FORMAT JSON)` on PostgreSQL — and
names each of `tables` it would read in full. Nothing is executed: EXPLAIN without ANALYZE only
plans.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine

LARGE_TABLES = frozenset({"accounts", "orders", "transactions", "sessions", "positions"})
# SQLite: "SCAN orders", "SCAN orders USING INDEX ix" (every entry of the index), "SCAN o" for an alias.
_SQLITE_SCAN = re.compile(r"^SCAN (\w+)(?: AS (\w+))?")
_PLANNABLE = ("SELECT", "UPDATE", "DELETE", "WITH")


@dataclass(frozen=True)
class Statement:
    sql: str
    parameters: Any

    @property
    def plannable(self) -> bool:
        return self.sql.lstrip().upper().startswith(_PLANNABLE)


@contextmanager
def capture(engine: Engine) -> Iterator[list[Statement]]:
    """Every statement `engine` runs inside the block (executemany batches excluded)."""
    seen: list[Statement] = []

    def record(connection, cursor, statement, parameters, context, executemany):
        if not executemany:
            seen.append(Statement(statement, parameters))

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


def plan(connection: Connection, statement: Statement) -> Any:
    """The planner's answer: SQLite's rows of `detail` text, or PostgreSQL's JSON plan."""
    if connection.dialect.name == "sqlite":
        rows = connection.exec_driver_sql("EXPLAIN QUERY PLAN " + statement.sql, statement.parameters)
        return [row[-1] for row in rows]
    if connection.dialect.name == "postgresql":
        explained = connection.exec_driver_sql("EXPLAIN (FORMAT JSON) " + statement.sql, statement.parameters)
        return explained.scalar()[0]["Plan"]
    raise ValueError(f"no query plan reader for {connection.dialect.name}")


def _postgres_nodes(node: dict[str, Any]) -> Iterable[dict[str, Any]]:
    yield node
    for child in node.get("Plans", []):
        yield from _postgres_nodes(child)


@dataclass(frozen=True)
class IndexInfo:
    table: str
    leading_column: str


SQL_INDEXES = """
SELECT index.relname, tab.relname, attribute.attname
FROM pg_index i
JOIN pg_class index ON index.oid = i.indexrelid
JOIN pg_class tab ON tab.oid = i.indrelid
JOIN pg_namespace namespace ON namespace.oid = tab.relnamespace AND namespace.nspname = current_schema()
JOIN pg_attribute attribute ON attribute.attrelid = i.indrelid AND attribute.attnum = i.indkey[0]
"""


def postgres_indexes(connection: Connection) -> dict[str, IndexInfo]:
    """Each index of the current schema: its table and its first column."""
    return {name: IndexInfo(table, column) for name, table, column in connection.exec_driver_sql(SQL_INDEXES)}


def _reads_whole_index(node: dict[str, Any], indexes: dict[str, IndexInfo]) -> str | None:
    """The table whose index this node reads end to end: no condition on the index's first column
    (PostgreSQL will test a later column against every entry, which is still a full read)."""
    info = indexes.get(node.get("Index Name", ""))
    if info is None:
        return None
    condition = node.get("Index Cond", "")
    return None if re.search(rf"\b{re.escape(info.leading_column)}\b", condition) else info.table


def scanned_in_full(
    dialect: str,
    planned: Any,
    tables: Iterable[str] = LARGE_TABLES,
    indexes: dict[str, IndexInfo] | None = None,
) -> list[str]:
    """Which of `tables` the plan reads from end to end: a sequential scan, or every entry of an
    index (on PostgreSQL `indexes`, from `postgres_indexes`, tells an index's first column)."""
    watched = set(tables)
    if dialect == "sqlite":
        found = [match.group(1) for detail in planned if (match := _SQLITE_SCAN.match(detail))]
    else:
        found = []
        for node in _postgres_nodes(planned):
            if node["Node Type"] == "Seq Scan":
                found.append(node.get("Relation Name", ""))
            elif node["Node Type"] in ("Index Scan", "Index Only Scan", "Bitmap Index Scan"):
                whole = _reads_whole_index(node, indexes or {})
                if whole is None and "Index Cond" not in node and node.get("Relation Name"):
                    whole = node["Relation Name"]
                if whole:
                    found.append(whole)
    return sorted({table for table in found if table in watched})


def full_scans(
    connection: Connection, statement: Statement, tables: Iterable[str] = LARGE_TABLES
) -> list[str]:
    indexes = postgres_indexes(connection) if connection.dialect.name == "postgresql" else None
    return scanned_in_full(connection.dialect.name, plan(connection, statement), tables, indexes)


@dataclass(frozen=True)
class CriticalRequest:
    name: str
    method: str
    path: str  # may hold {order_id}: one of the signed-in account's orders
    body: dict[str, Any] | None = None  # string values may hold {username} and {password}

    def render(self, **values: Any) -> tuple[str, str, dict[str, Any] | None]:
        """(method, path, body) with the account's values filled in."""
        body = None
        if self.body is not None:
            body = {
                key: item.format(**values) if isinstance(item, str) else item
                for key, item in self.body.items()
            }
        return self.method, self.path.format(**values), body


# The requests whose statements must use indexes at volume, in the order a session makes them:
# the first authenticated request looks the session up in the database (later ones hit the cache).
CRITICAL_REQUESTS = (
    CriticalRequest("session lookup", "GET", "/api/me"),
    CriticalRequest("portfolio", "GET", "/api/portfolio"),
    CriticalRequest("orders", "GET", "/api/orders"),
    CriticalRequest("open orders", "GET", "/api/orders?status=open"),
    CriticalRequest("order by id", "GET", "/api/orders/{order_id}"),
    CriticalRequest("transactions", "GET", "/api/transactions"),
    CriticalRequest("quotes", "GET", "/api/quotes"),
    CriticalRequest(
        "place order",
        "POST",
        "/api/orders",
        {"symbol": "AAPL", "side": "buy", "type": "limit", "quantity": 1, "limit_price": "1.00"},
    ),
    CriticalRequest("login", "POST", "/api/auth/login", {"username": "{username}", "password": "{password}"}),
)
