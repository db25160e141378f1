"""Faults of the embedded app. One that dies mid-run: the first failure says how it ended with its
log, the cause is classified (crashed: product; stopped from outside: infrastructure), the worker's
later tests fail at once with that cause in one line, and the refused requests are marked
`app_down`. One that hangs: pytest-timeout ends the test, an infrastructure timeout. A port taken
before the app binds it: another port.

The app is killed or stopped by the PID of the harness's own app object, never by name."""

import signal
import socket

import pytest

from ci.categories import classify
from ci.rundata import read_jsonl
from fixtures.target_app import stop_cleanly
from harness import embedded_app
from harness.embedded_app import AppStartError, EmbeddedApp, classify_exit

ISOLATED = ("-p", "no:cacheprovider", "-p", "no:playwright", "-p", "ci.pytest_results")
PLUGINS = """
pytest_plugins = ["fixtures.settings", "fixtures.secrets", "fixtures.target_app", "fixtures.artifacts",
                  "fixtures.api"]
"""
# A stand-in app whose own error kills it after it answered /crash (PaperTrade has no door to crash).
CRASHING_APP = """
import http.server, sys

class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200)
        self.end_headers()
        self.server.crash = self.path == "/crash"

server = http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), Handler)
server.crash = False
while not server.crash:
    server.handle_request()
raise RuntimeError("order book corrupted")
"""
CRASHING_TARGET = """
import sys
from pathlib import Path

import pytest

from fixtures.target_app import TARGET, RunningTarget
from harness.embedded_app import EmbeddedApp


class CrashingApp(EmbeddedApp):
    def command(self, port):
        return [sys.executable, str(Path(__file__).parent / "crashing_app.py"), str(port)]


@pytest.fixture(scope="session")
def target(pytestconfig, tmp_path_factory):
    app = CrashingApp(tmp_path_factory.mktemp("app"))
    running = RunningTarget(env="local", base_url=app.start(), version=None, app=app)
    pytestconfig.stash[TARGET] = running
    yield running
    app.stop()
"""
SCENARIOS = """
import os
import signal
import socket


def test_first_dies_under_this_one(target, api):
    api.call("GET", "/health", 200)
    {death}
    api.call("GET", "/health", 200)


def test_second_needs_the_app(api):
    api.call("GET", "/health", 200)


def test_third_needs_the_app(api):
    pass


def test_fourth_needs_no_app():
    pass
"""


@pytest.fixture
def project(pytester, monkeypatch):
    monkeypatch.delenv("TRADECHECK_ENV", raising=False)
    monkeypatch.delenv("PYTEST_BASE_URL", raising=False)
    pytester.makeini("[pytest]\nmarkers =\n    provokes_errors\n")
    return pytester


def run(project, death: str, *options: str):
    project.makepyfile(test_scenarios=SCENARIOS.format(death=death))
    result = project.runpytest_subprocess(
        *ISOLATED, "--tradecheck-results", "results", "--artifacts-dir", "artifacts", "-n", "1", *options
    )
    records = {
        r["nodeid"].split("::")[-1]: r
        for r in read_jsonl(project.path / "results" / "results.jsonl")
        if r["kind"] == "test"
    }
    traffic = read_jsonl(next((project.path / "artifacts").glob("traffic-*.jsonl")))
    return result, records, traffic


KILLED = (
    "fixtures.target_app.AppDown: PaperTrade was stopped from outside: killed by signal SIGKILL from outside "
    "(a user, CI or the out-of-memory killer); infrastructure"
)


@pytest.mark.timeout(120)
def test_a_killed_app_is_named_once_as_infrastructure_and_later_tests_fail_fast(project):
    project.makeconftest(PLUGINS)
    result, records, traffic = run(project, "os.kill(target.app.pid, signal.SIGKILL)")
    outcomes = {name: record["outcome"] for name, record in records.items()}
    assert outcomes == {
        "test_first_dies_under_this_one": "failed",
        "test_second_needs_the_app": "error",
        "test_third_needs_the_app": "error",
        "test_fourth_needs_no_app": "passed",
    }
    first = records["test_first_dies_under_this_one"]
    assert first["message"].startswith(KILLED + "\nlast lines of its log (")
    assert "PaperTrade 1.0.0 listening on http://127.0.0.1:" in first["longrepr"]  # the app's own log
    assert "\nthe test failed with: requests.exceptions.ConnectionError: " in first["longrepr"]
    assert "During handling" not in first["longrepr"]
    later = [records[name]["message"] for name in ("test_second_needs_the_app", "test_third_needs_the_app")]
    assert (
        later
        == [f"{KILLED} (under test_scenarios.py::test_first_dies_under_this_one); not run against it"] * 2
    )
    assert {classify(r).name for r in records.values() if r["outcome"] != "passed"} == {
        "Infrastructure: app killed"
    }
    assert [(r["status"], r["failure"], r["app_down"]) for r in traffic] == [
        (200, None, False),
        (None, "ConnectionError", True),
    ]
    result.stdout.fnmatch_lines(["*1 failed, 1 passed, 2 errors*"])


@pytest.mark.timeout(120)
def test_an_app_that_crashes_of_its_own_error_is_a_product_defect(project):
    project.makeconftest(PLUGINS + CRASHING_TARGET)
    (project.path / "crashing_app.py").write_text(CRASHING_APP)
    _, records, traffic = run(project, 'api.request("GET", "/crash")')
    first, second = records["test_first_dies_under_this_one"], records["test_second_needs_the_app"]
    crashed = (
        "fixtures.target_app.AppDown: PaperTrade crashed: exited with code 1 after an unhandled error "
        "(in its log); a product defect"
    )
    assert first["message"].startswith(crashed + "\nlast lines of its log (")
    assert "RuntimeError: order book corrupted" in first["longrepr"]
    assert (
        second["message"]
        == f"{crashed} (under test_scenarios.py::test_first_dies_under_this_one); not run against it"
    )
    assert {classify(r).name for r in (first, second)} == {"Product defects: app crashed"}
    assert [r["app_down"] for r in traffic] == [False, False, True]


@pytest.mark.timeout(120)
def test_a_hung_app_ends_each_test_at_the_timeout_as_infrastructure(project):
    project.makeconftest(PLUGINS)
    stop = (
        "request.addfinalizer(lambda: os.kill(target.app.pid, signal.SIGCONT))\n"
        "    os.kill(target.app.pid, signal.SIGSTOP)"
    )
    scenarios = SCENARIOS.replace("(target, api):", "(target, api, request):")
    project.makepyfile(test_scenarios=scenarios.format(death=stop))
    project.runpytest_subprocess(
        *ISOLATED,
        "--tradecheck-results",
        "results",
        "-n",
        "1",
        "--timeout",
        "4",
        "-o",
        "timeout_func_only=true",
    )
    results = read_jsonl(project.path / "results" / "results.jsonl")
    records = {r["nodeid"].split("::")[-1]: r for r in results if r["kind"] == "test"}
    first = records["test_first_dies_under_this_one"]
    assert (first["outcome"], first["message"]) == ("failed", "Failed: Timeout (>4.0s) from pytest-timeout.")
    assert classify(first).name == "Infrastructure: timeouts"
    assert records["test_second_needs_the_app"]["outcome"] == "passed"  # going on once it answers again


def test_a_port_taken_before_the_app_binds_it_is_chosen_anew(tmp_path, monkeypatch):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        taken_port, free = taken.getsockname()[1], embedded_app.free_port()
        ports = iter([taken_port, free])
        monkeypatch.setattr(embedded_app, "free_port", lambda: next(ports))
        app = EmbeddedApp(tmp_path)
        try:
            assert app.start() == f"http://127.0.0.1:{free}"
        finally:
            app.stop()
    assert f"port {taken_port} on 127.0.0.1 is already in use" in app.log_tail()


def test_ports_taken_at_every_attempt_are_one_start_up_error(tmp_path, monkeypatch):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        monkeypatch.setattr(embedded_app, "free_port", lambda: taken.getsockname()[1])
        with pytest.raises(AppStartError) as error:
            EmbeddedApp(tmp_path).start()
    assert str(error.value).startswith(
        "PaperTrade could not start: 3 free ports in turn were taken by other processes before it could "
        f"listen; log {tmp_path}/papertrade.log:\n"
    )
    assert classify({"outcome": "error", "assertion": True, "message": f"Failed: {error.value}"}).name == (
        "Infrastructure: app unreachable"
    )


OUTSIDE = "from outside (a user, CI or the out-of-memory killer)"


@pytest.mark.unit
@pytest.mark.parametrize(
    ("returncode", "log", "product", "how"),
    [
        (
            -signal.SIGKILL,
            "",
            False,
            "killed by signal SIGKILL from outside (a user, CI or the out-of-memory killer)",
        ),
        (
            -signal.SIGTERM,
            "",
            False,
            "killed by signal SIGTERM from outside (a user, CI or the out-of-memory killer)",
        ),
        (-signal.SIGSEGV, "", True, "killed by signal SIGSEGV, raised by a fault of its own"),
        (-signal.SIGABRT, "", True, "killed by signal SIGABRT, raised by a fault of its own"),
        (
            0,
            "INFO: Shutting down",
            False,
            "exited with code 0, the clean shutdown of a SIGTERM or SIGINT from outside",
        ),
        (3, "cannot open database", False, "exited with code 3: its database became unreachable"),
        (
            1,
            "Traceback (most recent call last):\nValueError: x",
            True,
            "exited with code 1 after an unhandled error (in its log)",
        ),
        (2, "", True, "exited with code 2"),
    ],
    ids=[
        "sigkill",
        "sigterm-unhandled",
        "segfault",
        "abort",
        "clean-shutdown",
        "database",
        "traceback",
        "bare-exit",
    ],
)
def test_how_the_app_ended_decides_product_or_infrastructure(returncode, log, product, how):
    assert classify_exit(returncode, log) == (product, how)


class StoppingApp:
    """A stand-in for the embedded app at the session's end: how its stop ends."""

    log_path = "app.log"

    def __init__(self, code):
        self.code = code

    def exited(self):
        return None

    def stop(self):
        return self.code

    def log_tail(self):
        return "shutting down"


class SessionConfig:
    def __init__(self):
        self.stash = pytest.Stash()


@pytest.mark.unit
@pytest.mark.parametrize(
    ("code", "how"),
    [
        (-signal.SIGKILL, "did not exit within 10 s of SIGTERM and was killed"),
        (1, "exited with code 1 on SIGTERM"),
    ],
    ids=["hangs", "errs"],
)
def test_an_app_that_does_not_stop_cleanly_fails_the_session_end(code, how):
    with pytest.raises(pytest.fail.Exception) as failed:
        stop_cleanly(StoppingApp(code), SessionConfig())
    assert str(failed.value).splitlines()[:2] == [
        f"PaperTrade {how}; a product defect",
        "last lines of its log (app.log):",
    ]
    stop_cleanly(StoppingApp(0), SessionConfig())  # a clean stop passes
