"""The monitor against a running PaperTrade in test mode, faults injected through its test API."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest
import requests

from harness.embedded_app import EmbeddedApp
from harness.yamlfile import REPO_ROOT
from monitor.cli import main
from monitor.store import DEGRADED, DOWN, UP, Store


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    embedded = EmbeddedApp(tmp_path_factory.mktemp("app"))
    embedded.start()
    yield embedded
    embedded.stop()


@pytest.fixture
def base_url(app):
    yield app.base_url
    requests.post(f"{app.base_url}/api/test/reset", json={}, timeout=10)


@pytest.fixture
def run_once(tmp_path, base_url):
    store_url = f"sqlite:///{tmp_path / 'monitor.db'}"

    def run(*extra: str) -> dict[str, object]:
        argv = [
            "--once",
            "--base-url",
            base_url,
            "--store",
            store_url,
            "--status-dir",
            str(tmp_path / "status"),
            "--artifacts-dir",
            str(tmp_path / "artifacts"),
        ]
        assert main([*argv, *extra]) == 0
        store = Store(store_url)
        try:
            return {name: store.recent(name, "local", 1)[-1] for name in store.checks(datetime(2000, 1, 1))}
        finally:
            store.close()

    return run


def test_once_runs_every_check_and_writes_the_status_page(run_once, tmp_path):
    results = run_once()
    assert sorted(results) == ["health", "journeys", "login_portfolio", "quotes", "ready", "stream"]
    assert {r.status for r in results.values()} <= {UP, DEGRADED}  # passed (slow is fine on a busy machine)
    assert sorted(p.name for p in (tmp_path / "status").iterdir()) == [
        "metrics.prom",
        "status.html",
        "status.json",
    ]


def test_a_failing_route_names_the_step_and_a_request_id_found_in_the_app_log(run_once, base_url, app):
    requests.post(f"{base_url}/api/test/faults", json={"path": "/api/quotes", "status": 503}, timeout=5)
    quotes = run_once("--check", "quotes", "--check", "health")["quotes"]
    assert (quotes.status, quotes.attempts, quotes.step) == (DOWN, 3, "GET /api/quotes/AAPL")
    assert quotes.error == "HTTP 503: injected_fault: Injected by test-mode fault #1."
    assert quotes.request_id.startswith("mon-")
    assert f'"request_id": "{quotes.request_id}"' in app.log_tail(200)


def test_a_database_gone_fails_ready_only(run_once, base_url):
    requests.post(f"{base_url}/api/test/faults/database", json={"down": True}, timeout=5)
    results = run_once("--check", "ready", "--check", "health")
    assert (results["ready"].status, results["ready"].error) == (
        DOWN,
        'HTTP 503: {"status": "unavailable", "database": "database unreachable (injected by test mode)"}',
    )
    assert results["health"].status == UP


def test_a_stopped_stream_fails_the_stream_check(run_once, base_url):
    requests.post(f"{base_url}/api/test/faults/stream", json={"down": True}, timeout=5)
    stream = run_once("--check", "stream")["stream"]
    assert (stream.status, stream.step) == (DOWN, "open /ws")


def test_sigterm_finishes_the_check_in_flight_writes_the_page_and_exits_130(tmp_path, base_url):
    status = tmp_path / "status"
    command = [
        sys.executable, "-m", "monitor", "--duration", "10m", "--interval", "1s", "--base-url", base_url,
        "--store", f"sqlite:///{tmp_path / 'monitor.db'}", "--status-dir", str(status), "--check", "health",
    ]  # fmt: skip
    process = subprocess.Popen(
        command, cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        env={**os.environ, "PYTHONPATH": str(REPO_ROOT)},
    )  # fmt: skip
    try:
        for line in process.stdout:  # the first result line: the loop is running
            if " health up " in line:
                break
        process.send_signal(signal.SIGTERM)
        output = process.communicate(timeout=30)[0]
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 130
    assert output.strip().endswith("monitor: interrupted; status page written")
    assert (status / "status.html").read_text().startswith("<!doctype html>")
    assert [p.name for p in Path(status).iterdir() if p.name.startswith(".")] == []
