"""The arithmetic behind the gates: percentiles, traffic figures and the flows x browsers matrix.

Pure functions over plain records (dicts from the results and traffic JSONL files), so that a run
and a merge of shards decide the same way and the self-tests can check every figure by hand.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from ci.faults import while_app_up

FAILED_OUTCOMES = frozenset({"failed", "error"})
# A request the browser itself gave up on (a navigation replaced the page, a fetch was aborted)
# says nothing about the server, so it is not counted as a failed request.
CLIENT_ABORTS = (
    "net::ERR_ABORTED",
    "NS_BINDING_ABORTED",
    "NS_ERROR_ABORT",
    "cancelled",
    "Load request cancelled",
)


def percentile(values: Sequence[float], pct: float) -> float | None:
    """Nearest-rank percentile: the smallest value with at least pct % of the values at or below it."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(pct / 100 * len(ordered)))
    return ordered[rank - 1]


def _is_app_request(record: Mapping, app_hosts: set[str]) -> bool:
    if not app_hosts:
        return True
    return urlsplit(record.get("url") or "").netloc in app_hosts


def _is_client_abort(failure: str | None) -> bool:
    return bool(failure) and any(marker in failure for marker in CLIENT_ABORTS)


@dataclass
class TrafficFigures:
    requests: int = 0
    p95_ms: float | None = None
    errors: int = 0
    error_rate: float | None = None  # percent
    slowest: list[dict] = field(default_factory=list)
    error_samples: list[dict] = field(default_factory=list)


def traffic_figures(records: Iterable[Mapping], app_base_urls: Iterable[str] = ()) -> TrafficFigures:
    """p95 and server error rate of the app's HTTP requests, provoked ones left out."""
    app_hosts = {urlsplit(url).netloc for url in app_base_urls if url}
    # Sent after the harness saw the app process die: that death is reported (and classified) on
    # its own; counting the refusals would blame the product's error rate for it.
    counted = [r for r in while_app_up(records) if not r.get("provoked") and _is_app_request(r, app_hosts)]
    counted = [r for r in counted if not _is_client_abort(r.get("failure"))]
    figures = TrafficFigures(requests=len(counted))
    if not counted:
        return figures
    timed = [r for r in counted if r.get("duration_ms") is not None and r.get("status") is not None]
    figures.p95_ms = percentile([float(r["duration_ms"]) for r in timed], 95)
    errors = [r for r in counted if r.get("failure") or (r.get("status") or 0) >= 500]
    figures.errors = len(errors)
    figures.error_rate = len(errors) / len(counted) * 100
    slowest_by_request: dict[tuple, Mapping] = {}
    for record in sorted(timed, key=lambda r: -float(r["duration_ms"])):
        slowest_by_request.setdefault((record.get("method"), record.get("path") or record.get("url")), record)
    figures.slowest = list(slowest_by_request.values())[:5]
    figures.error_samples = errors[:5]
    return figures


# ---- flows -----------------------------------------------------------------------------------

PASSED, FLAKY, FAILED, SKIPPED, NOT_RUN = "passed", "flaky", "failed", "skipped", "not run"


def flow_cell(tests: Iterable[Mapping]) -> str:
    """The state of one flow on one browser, from the tests that cover it there.

    One failing test fails the flow: a sign-off must not show a flow as passed while a test of it
    is red, whatever its other tests did."""
    outcomes = [(t["outcome"], bool(t.get("flaky"))) for t in tests]
    if any(outcome in FAILED_OUTCOMES or outcome == "xpassed" for outcome, _ in outcomes):
        return FAILED
    if any(outcome == "passed" and not flaky for outcome, flaky in outcomes):
        return PASSED
    if any(outcome == "passed" for outcome, _ in outcomes):
        return FLAKY
    if outcomes:
        return SKIPPED
    return NOT_RUN


def flow_matrix(tests: Iterable[Mapping], flow_ids: Iterable[str], browsers: Sequence[str]):
    """{flow id: {browser: cell}}. A test without a browser (API, monitoring) counts on every browser."""
    by_cell: dict[tuple[str, str], list[Mapping]] = {}
    for test in tests:
        for flow in test.get("flows") or ():
            for browser in [test["browser"]] if test.get("browser") else browsers:
                by_cell.setdefault((flow, browser), []).append(test)
    return {flow: {b: flow_cell(by_cell.get((flow, b), ())) for b in browsers} for flow in flow_ids}


def covered(cells: Mapping[str, str], strict: bool) -> bool:
    """A flow is covered when it passed on every browser (under strict, not only after a retry)."""
    ok = {PASSED} if strict else {PASSED, FLAKY}
    return bool(cells) and all(cell in ok for cell in cells.values())


def coverage_percent(matrix: Mapping[str, Mapping[str, str]], flow_ids: Iterable[str], strict: bool):
    """(percent, uncovered ids) over flow_ids; (None, []) when there are none."""
    ids = list(flow_ids)
    if not ids:
        return None, []
    uncovered = [flow for flow in ids if not covered(matrix.get(flow, {}), strict)]
    return (len(ids) - len(uncovered)) / len(ids) * 100, uncovered


def describe_uncovered(
    matrix: Mapping[str, Mapping[str, str]], uncovered: Iterable[str], strict: bool
) -> str:
    """'ORDER-01 (firefox: failed), LOGIN-02 (chromium: not run)'."""
    ok = {PASSED} if strict else {PASSED, FLAKY}
    parts = []
    for flow in uncovered:
        bad = [f"{browser}: {cell}" for browser, cell in matrix.get(flow, {}).items() if cell not in ok]
        parts.append(f"{flow} ({', '.join(bad) or 'no browser'})")
    return ", ".join(parts)
