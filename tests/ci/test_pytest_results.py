"""ci.pytest_results: one record per test after its last attempt, with or without xdist, and a
record even for a test whose worker died."""

import json
import subprocess
import sys

import pytest

from ci.pytest_process import subprocess_env
from ci.pytest_results import browser_from_nodeid

pytestmark = pytest.mark.unit

TESTS = """
import os
from pathlib import Path
import pytest


@pytest.mark.flow("TRD-01")
@pytest.mark.critical
def test_passes(browser_name):
    pass


def test_passes_on_the_second_attempt():
    state = Path(os.environ["STATE"]) / "attempted"
    if not state.exists():
        state.write_text("1")
        raise ConnectionError("ECONNREFUSED")


def test_fails_every_time():
    assert 1 == 2, "still broken"


@pytest.fixture
def broken_fixture():
    raise KeyError("missing data")


def test_errors_in_setup(broken_fixture):
    pass


@pytest.mark.xfail(reason="known bug")
def test_known_bug():
    assert False


def test_kills_its_worker():
    if os.environ.get("CRASH"):
        os._exit(3)
"""


def run_plugin(tmp_path, *args, crash=False):
    (tmp_path / "test_sample.py").write_text(TESTS)
    (tmp_path / "pytest.ini").write_text("[pytest]\nmarkers =\n    flow(id): f\n    critical: c\n")
    state = tmp_path / "state"
    state.mkdir(exist_ok=True)
    env = {**subprocess_env(), "STATE": str(state), **({"CRASH": "1"} if crash else {})}
    out = tmp_path / "out"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-p",
            "ci.pytest_results",
            "--tradecheck-results",
            str(out),
            "-p",
            "no:cacheprovider",
            "--browser",
            "chromium",
            *args,
        ],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        timeout=120,
        check=False,
    )
    lines = [json.loads(line) for line in (out / "results.jsonl").read_text().splitlines()]
    return lines[0], {r["nodeid"].split("::")[1]: r for r in lines[1:]}


def test_one_record_per_test_after_its_last_attempt(tmp_path):
    collected, tests = run_plugin(tmp_path, "--reruns", "1")
    assert collected == {
        **collected,
        "kind": "collected",
        "total": 6,
        "per_browser": {"chromium": 1, "any": 5},
    }
    assert set(tests) == {
        "test_passes[chromium]",
        "test_passes_on_the_second_attempt",
        "test_fails_every_time",
        "test_errors_in_setup",
        "test_known_bug",
        "test_kills_its_worker",
    }
    passes = tests["test_passes[chromium]"]
    assert (passes["outcome"], passes["browser"], passes["flows"], passes["markers"]) == (
        "passed",
        "chromium",
        ["TRD-01"],
        ["critical"],
    )
    assert passes["allure"] == {
        "full_name": "test_sample#test_passes",
        "params": {"browser_name": "'chromium'"},
    }
    flaky = tests["test_passes_on_the_second_attempt"]
    assert (flaky["outcome"], flaky["attempts"], flaky["flaky"], flaky["browser"]) == (
        "passed",
        2,
        True,
        None,
    )
    failed = tests["test_fails_every_time"]
    assert (failed["outcome"], failed["attempts"], failed["assertion"]) == ("failed", 2, True)
    assert failed["message"].startswith("AssertionError: still broken")
    errored = tests["test_errors_in_setup"]
    assert (errored["outcome"], errored["assertion"], errored["message"]) == (
        "error",
        False,
        "KeyError: 'missing data'",
    )
    assert tests["test_known_bug"]["outcome"] == "xfailed"


def test_a_crashed_worker_still_leaves_a_failed_record(tmp_path):
    _, tests = run_plugin(tmp_path, "-n", "1", crash=True)
    crashed = tests["test_kills_its_worker"]
    assert crashed["outcome"] == "failed"
    assert "crashed" in crashed["message"]
    assert tests["test_passes[chromium]"]["worker"] in ("gw0", "gw1")


@pytest.mark.parametrize(
    ("nodeid", "expected"),
    [
        ("s/test_a.py::test_x[chromium]", "chromium"),
        ("s/test_a.py::test_x[firefox-limit order]", "firefox"),
        ("s/test_a.py::test_x[buy-webkit]", "webkit"),
        ("s/test_a.py::test_x", None),
        ("s/test_a.py::test_x[buy]", None),
    ],
    ids=["alone", "first", "last", "none", "other-param"],
)
def test_the_browser_of_a_node_id(nodeid, expected):
    assert browser_from_nodeid(nodeid) == expected
