"""Gate `queries_per_request` and the sign-off's query table, checked against figures worked out
by hand from synthetic traffic records."""

from __future__ import annotations

from pathlib import Path

import pytest

from ci.dbgate import (
    BudgetError,
    QueryBudgets,
    RouteNamer,
    database_requests,
    format_query_table,
    gate_and_table,
    load_budgets,
    papertrade_routes,
    queries_per_request,
    query_table,
)

pytestmark = pytest.mark.unit
ROUTES = [
    "GET /api/portfolio",
    "GET /api/orders/{order_id}",
    "GET /api/transactions",
    "GET /api/transactions.csv",
]
BUDGETS = QueryBudgets(default=5, routes={"GET /api/portfolio": 5, "GET /api/orders/{order_id}": 2})


def record(
    path: str, queries: int | None, db_ms: float = 1.0, nodeid: str = "scenarios/test_a.py::test_a", **more
):
    return {"nodeid": nodeid, "method": "GET", "path": path, "db_queries": queries, "db_ms": db_ms, **more}


def requests_of(*records):
    return database_requests(records, RouteNamer(ROUTES), ("/api/test/",))


@pytest.mark.parametrize(
    ("method", "path", "route"),
    [
        ("GET", "/api/orders/42", "GET /api/orders/{order_id}"),
        ("GET", "/api/transactions.csv", "GET /api/transactions.csv"),
        ("GET", "/api/transactions", "GET /api/transactions"),
        ("POST", "/api/orders/42", "POST /api/orders/42"),  # no such route: the request itself
    ],
    ids=["template", "literal-with-dot", "literal", "unknown"],
)
def test_requests_are_named_by_route_template(method, path, route):
    assert RouteNamer(ROUTES)(method, path) == route


def test_requests_without_server_timing_and_test_mode_routes_are_left_out():
    found = requests_of(
        record("/api/portfolio", None), record("/api/test/users", 3), record("/api/orders/7", 1)
    )
    assert [(r.route, r.queries) for r in found] == [("GET /api/orders/{order_id}", 1)]


def test_gate_is_zero_when_every_request_keeps_within_its_budget():
    found = requests_of(
        record("/api/portfolio", 5), record("/api/orders/7", 2), record("/api/transactions", 1)
    )

    result = queries_per_request(found, BUDGETS)

    assert result.figure == 0
    assert result.detail == "3 requests within budget; most: GET /api/portfolio 5 queries (budget 5)"


def test_an_n_plus_one_in_the_portfolio_fails_the_gate_naming_route_and_test():
    # Given a valuation that asks for each of 8 positions' instrument: 4 + 8 statements
    found = requests_of(
        record("/api/portfolio", 4, nodeid="scenarios/test_portfolio.py::test_empty[chromium]"),
        record("/api/portfolio", 12, nodeid="scenarios/test_portfolio.py::test_eight_positions[chromium]"),
        record("/api/orders/9", 3, nodeid="scenarios/test_trading.py::test_order[firefox]"),
    )

    result = queries_per_request(found, BUDGETS)

    assert result.figure == 7  # 12 - 5: fails `<= 0`
    assert result.detail == (
        "2 of 3 requests over budget on GET /api/orders/{order_id}, GET /api/portfolio; worst: "
        "GET /api/portfolio ran 12 queries, budget 5 "
        "(scenarios/test_portfolio.py::test_eight_positions[chromium])"
    )


def test_a_route_without_its_own_budget_gets_the_default():
    result = queries_per_request(requests_of(record("/api/transactions", 6)), BUDGETS)
    assert result.figure == 1


def test_no_server_timing_at_all_gives_no_figure():
    result = queries_per_request(requests_of(record("/api/portfolio", None)), BUDGETS)
    assert result.figure is None


def test_query_table_lists_routes_by_most_queries_then_database_time():
    found = requests_of(
        record("/api/transactions", 1, db_ms=9.5, nodeid="t::slow"),
        record("/api/transactions", 1, db_ms=0.5),
        record("/api/orders/1", 1, db_ms=0.25),
        record("/api/portfolio", 3, db_ms=1.0),
        record("/api/portfolio", 6, db_ms=2.0, nodeid="t::n_plus_one"),
    )

    rows = query_table(found, BUDGETS)

    assert [
        (r.route, r.requests, r.max_queries, r.mean_queries, r.total_db_ms, r.max_db_ms) for r in rows
    ] == [
        ("GET /api/portfolio", 2, 6, 4.5, 3.0, 2.0),
        ("GET /api/transactions", 2, 1, 1.0, 10.0, 9.5),
        ("GET /api/orders/{order_id}", 1, 1, 1.0, 0.25, 0.25),
    ]
    assert [r.worst_nodeid for r in rows] == ["t::n_plus_one", "t::slow", "scenarios/test_a.py::test_a"]
    assert format_query_table(rows[:1]).splitlines()[2] == (
        "| `GET /api/portfolio` | 2 | 6 ⚠ | 5 | 4.5 | 3.0 ms | 2.0 ms | `t::n_plus_one` |"
    )


def test_the_shipped_budgets_name_only_routes_of_the_app():
    budgets = load_budgets()
    assert budgets.budget("GET /api/quotes") == 0
    assert set(budgets.routes) <= papertrade_routes()


def test_gate_and_table_from_a_run_with_the_shipped_budgets():
    figure, rows = gate_and_table([record("/api/portfolio", 5), record("/api/quotes", 1, nodeid="t::quotes")])
    assert figure.figure == 1
    assert figure.detail.endswith("worst: GET /api/quotes ran 1 queries, budget 0 (t::quotes)")
    assert [row.route for row in rows] == ["GET /api/portfolio", "GET /api/quotes"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("query_budgets: [1]", "expected a mapping under query_budgets"),
        ("query_budgets:\n  default: many\n", "query_budgets.default must be a whole number of statements"),
        (
            "query_budgets:\n  default: 3\n  routes:\n    GET /api/nothing: 1\n",
            "'GET /api/nothing', which is not a route",
        ),
        ("query_budgets:\n  default: 3\n  routes:\n    GET /api/portfolio: -1\n", "must be a whole number"),
        ("query_budgets:\n  default: 3\n  budgets: {}\n", "query_budgets.budgets is not a setting"),
        ("query_budgets: {default: [\n", "invalid YAML at line 2"),
        ("- just a list\n", "expected a mapping at the top level"),
    ],
    ids=[
        "not-a-mapping",
        "default-not-a-number",
        "unknown-route",
        "negative",
        "unknown-key",
        "bad-yaml",
        "a-list",
    ],
)
def test_bad_budgets_name_the_file_and_key(tmp_path: Path, text, message):
    path = tmp_path / "database.yaml"
    path.write_text(text)
    with pytest.raises(BudgetError) as raised:
        load_budgets(path, ROUTES)
    assert str(raised.value).startswith(f"{path}: ")
    assert message in str(raised.value)
