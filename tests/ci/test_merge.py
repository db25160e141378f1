"""Merging shard run folders gives the same verdict, gates and matrix as one unsharded run."""

import json
import os
import signal
import subprocess
import sys
import time

import coverage
import pytest
from tradecheck_builders import closed_port, result_record, traffic_record

from ci import cli
from ci.finish import finish
from ci.pytest_process import subprocess_env
from ci.rundata import load_run

pytestmark = pytest.mark.unit

TESTS = [
    result_record("s/test_auth.py::test_login[chromium]", flows=["AUTH-01"]),
    result_record("s/test_auth.py::test_login[firefox]", browser="firefox", flows=["AUTH-01"]),
    result_record("s/test_trade.py::test_order[chromium]", flows=["TRD-01"], attempts=2, flaky=True),
    result_record(
        "s/test_trade.py::test_order[firefox]",
        "failed",
        browser="firefox",
        flows=["TRD-01"],
        message="AssertionError: order ticket missing",
        assertion=True,
    ),
    result_record("s/test_api.py::test_quotes", browser=None, flows=["API-01"]),
    result_record("s/test_api.py::test_history", "skipped", browser=None),
]
SHARD_OF = {0: 1, 1: 2, 2: 1, 3: 2, 4: 1, 5: 2}
COMPARED = ("verdict", "reasons", "tests", "browsers", "flows")


@pytest.fixture
def coverage_files(tmp_path):
    """Two coverage data files of one small module, each from a different 'app process'."""
    module = tmp_path / "synthapp.py"
    module.write_text("def a():\n    return 1\n\n\ndef b():\n    return 2\n\n\ndef c():\n    return 3\n")
    namespace: dict = {}
    exec(compile(module.read_text(), str(module), "exec"), namespace)  # defined before measuring
    files = []
    for suffix, function in (("host.1.a", "a"), ("host.2.b", "b")):
        data_dir = tmp_path / f"cov-{function}"
        cov = coverage.Coverage(data_file=str(data_dir / ".coverage"), data_suffix=suffix, config_file=False)
        cov.start()
        namespace[function]()
        cov.stop()
        cov.save()
        files.append(data_dir / f".coverage.{suffix}")
    return files


def traffic_of(indexes):
    return [traffic_record(TESTS[i]["nodeid"], duration_ms=10.0 * (i + 1)) for i in indexes] + [
        traffic_record(TESTS[i]["nodeid"], status=500) for i in indexes if i == 3
    ]


def shard_parts(shard):
    return [i for i, s in SHARD_OF.items() if s == shard]


def comparable(signoff: dict) -> dict:
    picked = {key: signoff[key] for key in COMPARED}
    picked["gates"] = [(g["name"], g["figure"], g["result"], g["enforced"]) for g in signoff["gates"]]
    picked["failures"] = sorted((f["nodeid"], f.get("category")) for f in signoff["failures"])
    picked["flaky"] = sorted(f["nodeid"] for f in signoff["flaky"])
    return picked


def test_merge_of_two_shards_equals_one_unsharded_run(
    project, make_run_dir, fake_allure, coverage_files, profiles, capsys
):
    page_error = {"nodeid": TESTS[1]["nodeid"], "browser": "firefox", "message": "TypeError: boom"}
    whole = make_run_dir(
        "whole", TESTS, traffic=traffic_of(range(6)), page_errors=[page_error], coverage_files=coverage_files
    )
    shards = [
        make_run_dir(
            f"shard{n}",
            [TESTS[i] for i in shard_parts(n)],
            traffic=traffic_of(shard_parts(n)),
            page_errors=[page_error] if n == 2 else [],
            shard=f"{n}/2",
            coverage_files=[coverage_files[n - 1]],
        )
        for n in (1, 2)
    ]
    for n, shard in enumerate(shards, start=1):
        (shard / "allure-results").mkdir()
        (shard / "allure-results" / f"uuid-{n}-result.json").write_text("{}")
        (shard / "junit.xml").write_text(f'<testsuites><testsuite name="pytest" tests="{n}"/></testsuites>')

    assert finish(project, whole, profiles, None) == 1
    single = json.loads((whole / "signoff.json").read_text())
    merged_dir = project / "merged"
    code = cli.main(["merge", *map(str, shards), "--out", str(merged_dir)])
    merged = json.loads((merged_dir / "signoff.json").read_text())

    assert code == 1
    assert comparable(merged) == comparable(single)
    assert single["verdict"] == "NO-GO"
    figures = {g["name"]: g["figure"] for g in merged["gates"]}
    assert figures["failures"] == 1
    assert figures["page_errors"] == 1
    assert figures["error_rate"] == pytest.approx(100 / 7)  # one 500 among 7 app requests
    assert figures["code_coverage"] == next(
        g["figure"] for g in single["gates"] if g["name"] == "code_coverage"
    )
    assert merged["shards"] == ["1/2", "2/2"]
    assert sorted(p.name for p in (merged_dir / "allure-results").glob("*-result.json")) == [
        "uuid-1-result.json",
        "uuid-2-result.json",
    ]
    assert (merged_dir / "junit.xml").read_text().count("<testsuite ") == 2
    assert sorted(p.name for p in (merged_dir / "coverage").glob(".coverage.*")) == [
        ".coverage.shard1.host.1.a",
        ".coverage.shard2.host.2.b",
    ]
    assert len(load_run(merged_dir).tests) == len(TESTS)
    assert "Report: " in capsys.readouterr().out


def test_merging_a_single_run_folder_reproduces_its_verdict(
    project, make_run_dir, fake_allure, tmp_path, monkeypatch, capsys
):
    green = [result_record(t["nodeid"], browser=t["browser"], flows=t["flows"]) for t in TESTS]
    whole = make_run_dir("whole", green, traffic=traffic_of([0]))
    summary = tmp_path / "step-summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    dead_webhook = f"http://127.0.0.1:{closed_port()}/hooks/SECRET"

    assert cli.main(["merge", str(whole), "--out", str(project / "again"), "--notify", dead_webhook]) == 0
    assert json.loads((project / "again" / "signoff.json").read_text())["verdict"] == "GO"
    # --out outside reports/: the merged folder is complete, but reports/latest is not moved out there
    assert not (project / "reports" / "latest").exists()
    assert summary.read_text().startswith("# TradeCheck sign-off: ✅ GO")
    out = capsys.readouterr().out
    assert "again is outside reports: reports/latest is unchanged" in out
    [notify_line] = [line for line in out.splitlines() if line.startswith("notify:")]
    assert "failed" in notify_line
    assert "SECRET" not in out


@pytest.mark.parametrize("interrupt", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_an_interrupted_merge_leaves_latest_and_history_untouched(project, make_run_dir, tmp_path, interrupt):
    shard = make_run_dir("shard", [result_record("s::a[chromium]")], profile="nightly")
    reports = project / "reports"
    (reports / "history").mkdir(parents=True)
    (reports / "history" / "nightly.jsonl").write_text('{"uuid": "earlier"}\n')
    (reports / "runs" / "earlier").mkdir(parents=True)
    (reports / "latest").symlink_to("runs/earlier")
    started = tmp_path / "allure-started"
    slow_allure = tmp_path / "slow-allure"
    slow_allure.write_text(f"#!/bin/sh\ntouch {started}\nsleep 60\n")
    slow_allure.chmod(0o755)
    env = {**os.environ, "TRADECHECK_ALLURE": str(slow_allure), "PYTHONPATH": subprocess_env()["PYTHONPATH"]}
    process = subprocess.Popen(
        [sys.executable, "-m", "ci", "merge", str(shard)],
        cwd=project,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),  # as at a terminal
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not started.exists():  # the merge is making the report
        time.sleep(0.1)
    os.killpg(process.pid, interrupt) if interrupt == signal.SIGINT else process.send_signal(interrupt)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 130
    assert "tradecheck: interrupted" in stderr
    assert os.readlink(reports / "latest") == "runs/earlier"
    assert (reports / "history" / "nightly.jsonl").read_text() == '{"uuid": "earlier"}\n'
