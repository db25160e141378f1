"""`tradecheck run --connect`: the smoke profile drives a browser served by a separate
`playwright launch-server` process (needs Chromium and the Allure CLI; not a unit test)."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ci.pytest_process import subprocess_env
from harness.local_browsers import available_browsers, launch_args

PROJECT_ROOT = Path(__file__).resolve().parents[2]

pytestmark = [
    pytest.mark.skipif("chromium" not in available_browsers(), reason="Chromium is not installed here"),
    pytest.mark.timeout(300),
]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for_port(port: int, process: subprocess.Popen, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"launch-server exited with {process.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.1)
    pytest.fail(f"launch-server did not listen on port {port} within {seconds} s")


@pytest.fixture
def browser_server(tmp_path):
    """ws endpoint of a Chromium served by `python -m playwright launch-server`."""
    port = free_port()
    options = launch_args("chromium")
    config = {"port": port, "host": "127.0.0.1", "wsPath": "tradecheck", "args": options.get("args", [])}
    if "executable_path" in options:
        config["executablePath"] = options["executable_path"]
    config_file = tmp_path / "launch-server.json"
    config_file.write_text(json.dumps(config))
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "playwright",
            "launch-server",
            "--browser",
            "chromium",
            "--config",
            str(config_file),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # `python -m playwright` runs node as a child: stop the whole group
    )
    try:
        wait_for_port(port, process)
        yield f"ws://127.0.0.1:{port}/tradecheck"
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=15)


def tradecheck_run(tmp_path: Path, endpoint: str, *extra: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(subprocess_env()["PYTHONPATH"])}
    env.pop("TRADECHECK_WEBHOOK_URL", None)
    command = [sys.executable, "-m", "ci", "run", "--profile", "smoke", "--connect", endpoint]
    # Latency is not what this checks, and a busy CI machine must not turn it red.
    command += ["--gate", "p95_ms=off", "--reports", str(tmp_path / "reports"), *extra]
    return subprocess.run(command, cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=280)


def test_smoke_profile_runs_on_a_remote_browser_server(browser_server, tmp_path):
    finished = tradecheck_run(tmp_path, browser_server)

    assert finished.returncode == 0, finished.stdout[-3000:] + finished.stderr[-3000:]
    signoff = json.loads((tmp_path / "reports" / "latest" / "signoff.json").read_text())
    assert signoff["verdict"] == "GO"


def test_a_dead_browser_server_is_not_silently_replaced_by_a_local_browser(tmp_path):
    finished = tradecheck_run(
        tmp_path, f"ws://127.0.0.1:{free_port()}/nobody", "--", "-k", "test_market_buy_fills_at_the_ask"
    )

    assert finished.returncode != 0
