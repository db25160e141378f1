"""The verdict inside the Allure report: quality gates, global attachments and the NO-GO error."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from ci import allure, allure_verdict

GATES = [
    {
        "name": "failures",
        "title": "Tests failed after retries",
        "figure": 2,
        "display": "2",
        "threshold": 0,
        "comparison": "<=",
        "unit": "",
        "enforced": True,
        "result": "fail",
        "detail": "2 failed, 0 collection error(s)",
    },
    {
        "name": "p95_ms",
        "title": "p95 response time of app HTTP requests",
        "figure": 212.0,
        "display": "212 ms",
        "threshold": 500,
        "comparison": "<",
        "unit": "ms",
        "enforced": True,
        "result": "pass",
        "detail": "",
    },
    {
        "name": "flaky",
        "title": "Tests that passed only after a retry",
        "figure": 1,
        "display": "1",
        "threshold": 0,
        "comparison": "<=",
        "unit": "",
        "enforced": False,
        "result": "fail",
        "detail": "t.py::test_a",
    },
    {
        "name": "code_coverage",
        "title": "PaperTrade line coverage",
        "figure": None,
        "display": "n/a",
        "threshold": 90,
        "comparison": ">=",
        "unit": "%",
        "enforced": True,
        "result": "n/a",
        "detail": "not measured for this target",
    },
]


def make_signoff(verdict: str = "NO-GO", rows: bool = True) -> dict:
    return {
        "verdict": verdict,
        "reasons": ["failures: 2 (needs <= 0)"] if verdict == "NO-GO" else [],
        "profile": "regression",
        "gates": GATES,
        "flows": {
            "browsers": ["chromium", "firefox"],
            "rows": [
                {
                    "id": "AUTH-01",
                    "title": "Sign in, then out",
                    "critical": True,
                    "cells": {"chromium": "passed", "firefox": "failed"},
                }
            ]
            if rows
            else [],
        },
        "failures": [
            {"nodeid": "t.py::test_b", "allure": {"report_id": "aa11"}},
            {"nodeid": "(collection)"},
        ],
        "flaky": [{"nodeid": "t.py::test_a", "allure": {"report_id": "bb22"}}],
    }


@pytest.mark.unit
def test_quality_gates_fail_only_where_an_enforced_gate_failed():
    results = {r["rule"]: r for r in allure_verdict.quality_gate_results(make_signoff())}
    assert list(results) == ["failures", "p95_ms", "flaky (measured)", "code_coverage (n/a)"]
    assert [r["success"] for r in results.values()] == [False, True, True, True]
    failures = results["failures"]
    assert (failures["actual"], failures["expected"], failures["testResults"]) == ("2", "<= 0", ["aa11"])
    assert failures["message"] == (
        "Tests failed after retries — FAIL: 2, needs <= 0. 2 failed, 0 collection error(s)"
    )
    assert results["flaky (measured)"]["message"].startswith(
        "Tests that passed only after a retry — measured, not enforced by profile regression: "
        "1 (would need <= 0)"
    )
    assert results["flaky (measured)"]["testResults"] == []
    assert results["p95_ms"]["expected"] == "< 500 ms"


@pytest.mark.unit
def test_a_no_go_is_a_global_error_with_its_reasons_and_the_signoff_is_attached(tmp_path):
    path = allure_verdict.write_verdict(tmp_path, make_signoff(), "# sign-off\n")
    globals_ = json.loads(path.read_text())
    assert path.name.endswith("-globals.json")
    assert globals_["errors"] == [{"message": "NO-GO: 1 gate failed: failures\n- failures: 2 (needs <= 0)"}]
    names = [(a["name"], a["type"]) for a in globals_["attachments"]]
    assert names == [
        ("Sign-off: NO-GO: 1 gate failed: failures", "text/markdown"),
        ("Gates", "text/csv"),
        ("Flows × browsers", "text/csv"),
    ]
    sources = [tmp_path / a["source"] for a in globals_["attachments"]]
    assert all(s.name.endswith(("-attachment.md", "-attachment.csv")) for s in sources)
    assert sources[0].read_text() == "# sign-off\n"
    assert sources[2].read_text() == (
        'Flow,Title,Critical,chromium,firefox\nAUTH-01,"Sign in, then out",critical,passed,FAILED\n'
    )
    assert sources[1].read_text().splitlines()[3] == (
        "Tests that passed only after a retry,flaky,1,<= 0,measured,t.py::test_a"
    )


@pytest.mark.unit
def test_a_go_has_no_error_and_writing_twice_replaces_the_first(tmp_path):
    allure_verdict.write_verdict(tmp_path, make_signoff("NO-GO"), "x")
    path = allure_verdict.write_verdict(tmp_path, make_signoff("GO", rows=False), "y")
    globals_ = json.loads(path.read_text())
    assert globals_["errors"] == []
    assert [a["name"] for a in globals_["attachments"]] == [
        "Sign-off: GO: every gate of profile regression passed",
        "Gates",
    ]
    assert len(list(tmp_path.glob("*-globals.json"))) == 1


@pytest.mark.skipif(shutil.which("node") is None, reason="Node.js is not installed here")
def test_the_generated_report_shows_the_gates_and_the_verdict(tmp_path):
    """Real Allure 3 (ci/node_modules), multi-file output so the widgets can be read back."""
    if not allure.cli_path().is_file():
        pytest.skip("the Allure CLI is not installed (npm ci --prefix ci)")
    results = tmp_path / "allure-results"
    results.mkdir()
    uuid = "0d9a3c52-5f0e-4d0a-9a38-3c1f1e2d7a10"
    (results / f"{uuid}-result.json").write_text(
        json.dumps(
            {
                "uuid": uuid,
                "name": "test_b",
                "fullName": "t#test_b",
                "status": "failed",
                "start": 1,
                "stop": 2,
            }
        )
    )
    signoff = make_signoff()
    signoff["failures"][0]["allure"]["report_id"] = allure.hashlib.md5(uuid.encode()).hexdigest()
    allure_verdict.write_verdict(results, signoff, "# sign-off\n")
    gates = allure_verdict.write_quality_gates(tmp_path, signoff)
    config = allure.write_config(tmp_path / "allurerc.json", "T", None, 20, single_file=False)
    output = tmp_path / "report"
    done = subprocess.run(
        allure_verdict.generate_command([results], config, output, gates),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    widgets = output / "widgets"
    quality = json.loads((widgets / "quality-gate.json").read_text())["default"]
    assert [(q["rule"], q["success"]) for q in quality] == [
        ("failures", False),
        ("p95_ms", True),
        ("flaky (measured)", True),
        ("code_coverage (n/a)", True),
    ]
    assert quality[0]["testResults"] == [signoff["failures"][0]["allure"]["report_id"]]
    globals_ = json.loads((widgets / "globals.json").read_text())
    assert globals_["errors"][0]["message"].startswith("NO-GO: 1 gate failed: failures")
    assert [a["name"] for a in globals_["attachments"]][1:] == ["Gates", "Flows × browsers"]


@pytest.mark.unit
def test_generate_command_passes_the_gates_file(tmp_path):
    command = allure_verdict.generate_command([Path("r")], Path("c.json"), Path("o"), Path("q.json"))
    assert command[1].endswith("ci/allure_generate.mjs")
    assert command[2:] == ["r", "--config", "c.json", "--output", "o", "--quality-gates", "q.json"]
