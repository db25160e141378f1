"""pytest plugin of tradecheck: one JSON line per finished test, the basis of gates, progress and merge.

Loaded by `tradecheck run` as `-p ci.pytest_results --tradecheck-results DIR`. Each process that
runs tests (an xdist worker, or pytest itself without xdist) annotates its reports with what only
it knows: flow ids, browser, markers, the Allure name. The process that sees every report, the
xdist controller (or pytest itself), writes DIR/results.jsonl, so a worker that crashes still
leaves its test behind as failed. Lines:

    {"kind": "collected", "total": 120, "per_browser": {"chromium": 60, "firefox": 60}}
    {"kind": "test", "nodeid", "flows", "browser", "browser_version", "markers", "outcome",
     "assertion", "duration", "attempts", "flaky", "message", "longrepr", "worker",
     "allure": {"full_name", "params"}, "finished_at"}
    {"kind": "collect_error", "nodeid", "message", "longrepr"}

outcome is passed, failed (the test body), error (setup or teardown), skipped, xfailed or
xpassed; attempts counts pytest-rerunfailures reruns plus one; flaky means passed after a rerun.
"""

from __future__ import annotations

import json
import os
import re
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from ci.rundata import RESULTS_FILE
from harness.local_browsers import BROWSERS

EXCERPT_CHARS = 2000
REPORTED_MARKERS = ("smoke", "regression", "critical", "provokes_errors")


def pytest_addoption(parser):
    group = parser.getgroup("tradecheck", "tradecheck results")
    group.addoption(
        "--tradecheck-results",
        metavar="DIR",
        default=None,
        help="write one JSON line per finished test to DIR/results.jsonl (used by `tradecheck run`)",
    )


def pytest_configure(config):
    directory = config.getoption("tradecheck_results")
    if not directory:
        return
    config.pluginmanager.register(ReportAnnotator(), "tradecheck-annotator")
    if not hasattr(config, "workerinput"):
        config.pluginmanager.register(ResultsWriter(Path(directory)), "tradecheck-writer")


def describe_item(item, call) -> dict:
    """What the controller cannot know about a test: flows, browser, markers, Allure identity."""
    params = getattr(getattr(item, "callspec", None), "params", {})
    description = {
        "flows": [str(flow) for marker in item.iter_markers("flow") for flow in marker.args],
        "browser": params.get("browser_name"),
        "markers": [name for name in REPORTED_MARKERS if item.get_closest_marker(name)],
        "worker": os.environ.get("PYTEST_XDIST_WORKER", "main"),
        "allure": _allure_identity(item, params),
    }
    if call.excinfo is not None:
        description["assertion"] = bool(call.excinfo.errisinstance((AssertionError, pytest.fail.Exception)))
    if call.when == "call":
        browser = getattr(item, "funcargs", {}).get("browser")
        version = getattr(browser, "version", None) if browser is not None else None
        if isinstance(version, str):
            description["browser_version"] = version
    return description


def _allure_identity(item, params) -> dict | None:
    try:
        from allure_commons.utils import represent
        from allure_pytest.utils import allure_full_name
    except ImportError:
        return None
    return {"full_name": allure_full_name(item), "params": {k: represent(v) for k, v in params.items()}}


class ReportAnnotator:
    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_makereport(self, item, call):
        outcome = yield
        report = outcome.get_result()
        # A plain JSON-able attribute travels with the report from an xdist worker to the controller.
        report.tradecheck = describe_item(item, call)


class ResultsWriter:
    def __init__(self, directory: Path):
        directory.mkdir(parents=True, exist_ok=True)
        self.stream = (directory / RESULTS_FILE).open("a", encoding="utf-8", buffering=1)
        self.attempts: dict[str, dict] = {}
        self.collected_written = False

    def write(self, record: dict) -> None:
        self.stream.write(json.dumps(record, ensure_ascii=False) + "\n")
        self.stream.flush()

    # -- how many tests there are, for the progress line ---------------------------------------
    def pytest_collection_finish(self, session):
        if session.config.pluginmanager.has_plugin("dsession"):
            return  # the xdist controller collects nothing; its workers report below
        per_browser: dict[str, int] = {}
        for item in session.items:
            params = getattr(getattr(item, "callspec", None), "params", {})
            key = params.get("browser_name") or "any"
            per_browser[key] = per_browser.get(key, 0) + 1
        self._write_collected(len(session.items), per_browser)

    @pytest.hookimpl(optionalhook=True)
    def pytest_xdist_node_collection_finished(self, node, ids):
        per_browser: dict[str, int] = {}
        for nodeid in ids:
            key = browser_from_nodeid(nodeid) or "any"
            per_browser[key] = per_browser.get(key, 0) + 1
        self._write_collected(len(ids), per_browser)

    def _write_collected(self, total: int, per_browser: dict[str, int]) -> None:
        if not self.collected_written:
            self.collected_written = True
            self.write({"kind": "collected", "total": total, "per_browser": per_browser, "at": time.time()})

    def pytest_collectreport(self, report):
        if report.failed:
            text = _longrepr_text(report)
            self.write(
                {
                    "kind": "collect_error",
                    "nodeid": report.nodeid,
                    "message": _last_line(text),
                    "longrepr": text[-EXCERPT_CHARS:],
                }
            )

    # -- one record per test, after its last attempt -------------------------------------------
    def pytest_runtest_logreport(self, report):
        state = self.attempts.setdefault(
            report.nodeid, {"reruns": 0, "phases": {}, "retrying": False, "total_duration": 0.0}
        )
        state["total_duration"] += report.duration or 0.0
        if report.outcome == "rerun":  # pytest-rerunfailures: this attempt failed and will be run again
            state["retrying"] = True
        else:
            state["phases"][report.when] = report
        if report.when not in ("teardown", "???"):  # "???" is xdist's report of a crashed worker
            return
        if state["retrying"] and report.when == "teardown":
            state.update(reruns=state["reruns"] + 1, phases={}, retrying=False)
            return
        del self.attempts[report.nodeid]
        self.write(
            finished_test_record(report.nodeid, state["phases"], state["reruns"], state["total_duration"])
        )

    def pytest_unconfigure(self, config):
        self.stream.close()


def finished_test_record(nodeid: str, phases: dict, reruns: int, total_duration: float) -> dict:
    outcome, decisive = final_outcome(phases)
    info: dict = {}
    for report in phases.values():
        info.update(getattr(report, "tradecheck", None) or {})
    failed = outcome in ("failed", "error")
    text = _longrepr_text(decisive) if decisive is not None and (failed or outcome == "skipped") else ""
    return {
        "kind": "test",
        "nodeid": nodeid,
        "flows": info.get("flows", []),
        "browser": info.get("browser", browser_from_nodeid(nodeid)),
        "browser_version": info.get("browser_version"),
        "markers": info.get("markers", []),
        "outcome": outcome,
        "assertion": (getattr(decisive, "tradecheck", None) or {}).get("assertion") if failed else None,
        "duration": round(sum(r.duration or 0.0 for r in phases.values()), 3),
        "total_duration": round(total_duration, 3),
        "attempts": reruns + 1,
        "flaky": outcome == "passed" and reruns > 0,
        "message": _crash_message(decisive, text) if text else None,
        "longrepr": text[-EXCERPT_CHARS:] if failed else None,
        "worker": info.get("worker", "main"),
        "allure": info.get("allure"),
        "finished_at": datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
    }


def final_outcome(phases: dict):
    """(outcome, the report that decided it), as pytest's own summary would count the test."""
    setup, call, teardown = phases.get("setup"), phases.get("call"), phases.get("teardown")
    crash = phases.get("???")
    if crash is not None:
        return "failed", crash
    if call is not None and call.failed:
        return "failed", call
    for report in (setup, teardown):
        if report is not None and report.failed:
            return "error", report
    for report in (setup, call):
        if report is not None and report.skipped:
            return ("xfailed" if hasattr(report, "wasxfail") else "skipped"), report
    if call is not None and hasattr(call, "wasxfail"):
        return "xpassed", call
    return "passed", call


def browser_from_nodeid(nodeid: str) -> str | None:
    """pytest-playwright's parameter id: `test_x[chromium]` or `test_x[firefox-case]`."""
    if not nodeid.endswith("]") or "[" not in nodeid:
        return None
    parts = nodeid[nodeid.rindex("[") + 1 : -1].split("-")
    return next((part for part in parts if part in BROWSERS), None)


def _longrepr_text(report) -> str:
    longrepr = report.longrepr
    if longrepr is None:
        return ""
    if isinstance(longrepr, tuple) and len(longrepr) == 3:  # a skip: (path, line, reason)
        return str(longrepr[2])
    return getattr(report, "longreprtext", None) or str(longrepr)


def _crash_message(report, text: str) -> str:
    crash = getattr(getattr(report, "longrepr", None), "reprcrash", None)
    message = getattr(crash, "message", None)
    return (message or _last_line(text))[:500]


def _last_line(text: str) -> str:
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return re.sub(r"^E\s+", "", lines[-1].strip())[:500] if lines else ""  # pytest's "E   " margin
