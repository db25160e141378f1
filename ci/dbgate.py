"""Database work seen end to end: the `queries_per_request` gate and the sign-off's query table.

Inputs are the traffic records of a run (artifacts/traffic-*.jsonl), whose `db_queries` and
`db_ms` come from each response's Server-Timing header (records without them — another target,
or Server-Timing off — are left out), and the budgets of config/database.yaml.

Gate `queries_per_request` (unit: queries, `<=`, default 0): how far the worst request went over
its route's budget. 0 when every request kept within its budget; an N+1 in the portfolio makes it
the number of extra statements, and the detail names the route, the budget and the test.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness.yamlfile import CONFIG_DIR, ConfigFileError, display_path, read_mapping

GATE_NAME = "queries_per_request"
GATE_TITLE = "SQL statements of the worst request over its route's budget"
GATE_UNIT = ""  # a count of statements
GATE_COMPARISON = "<="
GATE_DEFAULT = 0
BUDGETS_FILE = CONFIG_DIR / "database.yaml"


class BudgetError(ConfigFileError):
    """config/database.yaml is unusable; the message names the file and key (exit 2)."""


@dataclass(frozen=True)
class QueryBudgets:
    default: int
    routes: dict[str, int] = field(default_factory=dict)  # "GET /api/orders/{order_id}" -> statements
    ignore: tuple[str, ...] = ()  # path prefixes

    def budget(self, route: str) -> int:
        return self.routes.get(route, self.default)


def papertrade_routes() -> set[str]:
    """PaperTrade's HTTP routes as "METHOD /template" (from its routers, without building an app)."""
    from papertrade.web import api, assets, ops, pages, testmode

    return {
        f"{method} {route.path}"
        for module in (api, ops, pages, assets, testmode)
        for route in module.router.routes
        for method in getattr(route, "methods", ()) or ()
    }


def _count(where: str, key: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise BudgetError(f"{where}: {key} must be a whole number of statements (0 or more), got {value!r}")
    return value


def load_budgets(path: Path = BUDGETS_FILE, known_routes: Iterable[str] | None = None) -> QueryBudgets:
    """The `query_budgets:` section; every route key must be one of `known_routes` (PaperTrade's)."""
    where = display_path(path)
    section = read_mapping(path, BudgetError).get("query_budgets")
    if not isinstance(section, dict):
        raise BudgetError(f"{where}: expected a mapping under query_budgets")
    unknown_keys = sorted(set(section) - {"default", "routes", "ignore"})
    if unknown_keys:
        raise BudgetError(
            f"{where}: query_budgets.{unknown_keys[0]} is not a setting (default, routes, ignore)"
        )
    default = _count(where, "query_budgets.default", section.get("default"))
    routes = section.get("routes") or {}
    ignore = section.get("ignore") or []
    if not isinstance(routes, dict):
        raise BudgetError(f"{where}: query_budgets.routes must map 'METHOD /route' to a number")
    if not isinstance(ignore, list) or not all(isinstance(prefix, str) for prefix in ignore):
        raise BudgetError(f"{where}: query_budgets.ignore must be a list of path prefixes")
    known = papertrade_routes() if known_routes is None else set(known_routes)
    budgets = {}
    for route, value in routes.items():
        if route not in known:
            raise BudgetError(f"{where}: query_budgets.routes has {route!r}, which is not a route of the app")
        budgets[route] = _count(where, f"query_budgets.routes[{route!r}]", value)
    return QueryBudgets(default, budgets, tuple(ignore))


def _pattern(template: str) -> re.Pattern[str]:
    method, _, path = template.partition(" ")
    parts = re.split(r"(\{[^}]+\})", path)
    regex = "".join(
        (".+" if part.endswith(":path}") else "[^/]+") if part.startswith("{") else re.escape(part)
        for part in parts
    )
    return re.compile(f"{re.escape(method)} {regex}")


class RouteNamer:
    """Maps "GET /api/orders/42" to "GET /api/orders/{order_id}" with the app's route templates."""

    def __init__(self, templates: Iterable[str]) -> None:
        # Literal routes first, so /api/transactions.csv is never taken for a template.
        ordered = sorted(templates, key=lambda template: ("{" in template, template))
        self._patterns = [(template, _pattern(template)) for template in ordered]

    def __call__(self, method: str, path: str) -> str:
        request = f"{method} {path}"
        for template, pattern in self._patterns:
            if pattern.fullmatch(request):
                return template
        return request


@dataclass(frozen=True)
class DatabaseRequest:
    route: str
    queries: int
    db_ms: float
    nodeid: str


def database_requests(
    records: Iterable[Mapping], name_route: RouteNamer, ignore: Iterable[str] = ()
) -> list[DatabaseRequest]:
    """The requests that reported their database work, named by route."""
    prefixes = tuple(ignore)
    found = []
    for record in records:
        if record.get("db_queries") is None:
            continue
        path = record.get("path") or ""
        if prefixes and path.startswith(prefixes):
            continue
        route = name_route(record.get("method") or "GET", path)
        found.append(
            DatabaseRequest(
                route, int(record["db_queries"]), float(record.get("db_ms") or 0.0), record.get("nodeid", "?")
            )
        )
    return found


@dataclass(frozen=True)
class GateFigure:
    figure: float | None
    detail: str


def queries_per_request(requests: Iterable[DatabaseRequest], budgets: QueryBudgets) -> GateFigure:
    """Statements the worst request ran beyond its route's budget (0: all within), naming it."""
    requests = list(requests)
    if not requests:
        return GateFigure(None, "no request reported its database work (Server-Timing)")
    worst = max(requests, key=lambda r: (r.queries - budgets.budget(r.route), r.queries))
    over = [r for r in requests if r.queries > budgets.budget(r.route)]
    excess = max(0, worst.queries - budgets.budget(worst.route))
    most = max(requests, key=lambda r: r.queries)
    if not over:
        return GateFigure(
            0,
            f"{len(requests)} requests within budget; most: {most.route} {most.queries} queries "
            f"(budget {budgets.budget(most.route)})",
        )
    routes = sorted({r.route for r in over})
    return GateFigure(
        excess,
        f"{len(over)} of {len(requests)} requests over budget on {', '.join(routes)}; worst: "
        f"{worst.route} ran {worst.queries} queries, budget {budgets.budget(worst.route)} ({worst.nodeid})",
    )


@dataclass(frozen=True)
class RouteLoad:
    route: str
    requests: int
    max_queries: int
    mean_queries: float
    total_db_ms: float
    max_db_ms: float
    budget: int
    worst_nodeid: str


def query_table(
    requests: Iterable[DatabaseRequest], budgets: QueryBudgets, limit: int = 10
) -> list[RouteLoad]:
    """The routes with the most statements per request, then the most database time."""
    by_route: dict[str, list[DatabaseRequest]] = {}
    for request in requests:
        by_route.setdefault(request.route, []).append(request)
    rows = []
    for route, seen in by_route.items():
        worst = max(seen, key=lambda r: (r.queries, r.db_ms))
        rows.append(
            RouteLoad(
                route=route,
                requests=len(seen),
                max_queries=worst.queries,
                mean_queries=round(sum(r.queries for r in seen) / len(seen), 2),
                total_db_ms=round(sum(r.db_ms for r in seen), 3),
                max_db_ms=round(max(r.db_ms for r in seen), 3),
                budget=budgets.budget(route),
                worst_nodeid=worst.nodeid,
            )
        )
    rows.sort(key=lambda row: (-row.max_queries, -row.total_db_ms, row.route))
    return rows[:limit]


def format_query_table(rows: Iterable[RouteLoad]) -> str:
    """The sign-off's markdown section."""
    lines = [
        "| route | requests | max queries | budget | mean queries | db time total | db time max "
        "| worst test |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for row in rows:
        flag = " ⚠" if row.max_queries > row.budget else ""
        lines.append(
            f"| `{row.route}` | {row.requests} | {row.max_queries}{flag} | {row.budget} "
            f"| {row.mean_queries:g} | {row.total_db_ms:.1f} ms | {row.max_db_ms:.1f} ms "
            f"| `{row.worst_nodeid}` |"
        )
    return "\n".join(lines)


def gate_and_table(
    records: Iterable[Mapping], budgets_path: Path = BUDGETS_FILE
) -> tuple[GateFigure, list[RouteLoad]]:
    """One entry for the sign-off: the gate's figure and the query table from a run's traffic."""
    known = papertrade_routes()
    budgets = load_budgets(budgets_path, known)
    requests = database_requests(records, RouteNamer(known), budgets.ignore)
    return queries_per_request(requests, budgets), query_table(requests, budgets)
