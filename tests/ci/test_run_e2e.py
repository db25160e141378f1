"""`tradecheck run` end to end on a tiny synthetic project that stands in for the harness: real
pytest, xdist, reruns, the results plugin, the gates, the report folder and `latest`. No browser,
no app: the tests take `browser_name` only, and the conftest writes the harness's recordings."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ci import allure
from ci import run as run_command
from ci.profiles import Profile
from ci.pytest_process import Selection, pytest_command, subprocess_env
from ci.rundata import load_run

pytestmark = pytest.mark.unit

CONFTEST = '''
import json, os
from pathlib import Path
import coverage
import pytest

APP = Path(__file__).parent / "synthapp.py"


def pytest_addoption(parser):
    group = parser.getgroup("stand-in for the harness")
    for name in ("--env", "--connect"):
        group.addoption(name)
    group.addoption("--seed", type=int)
    group.addoption("--artifacts-dir", type=Path)
    group.addoption("--app-coverage", type=Path)


def worker():
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


@pytest.fixture(scope="session", autouse=True)
def embedded_app(pytestconfig):
    """Like the harness: the app of this worker runs under coverage into --app-coverage."""
    directory = pytestconfig.getoption("app_coverage")
    if directory is None:
        yield
        return
    cov = coverage.Coverage(data_file=str(directory / ".coverage"), data_suffix=True, include=[str(APP)])
    cov.start()
    namespace = {}
    exec(compile(APP.read_text(), str(APP), "exec"), namespace)
    namespace["quote"]()
    cov.stop()
    cov.save()
    yield


@pytest.fixture(autouse=True)
def recordings(request):
    directory = request.config.getoption("artifacts_dir")
    yield
    if directory is None:
        return
    directory.mkdir(parents=True, exist_ok=True)
    target = {"env": "local", "base_url": "http://127.0.0.1:8999", "app_version": "9.9.9"}
    (directory / f"target-{worker()}.json").write_text(json.dumps(target))
    callspec = getattr(request.node, "callspec", None)
    browser = callspec.params.get("browser_name", "api") if callspec else "api"
    with open(directory / f"traffic-{worker()}.jsonl", "a") as stream:
        for ms in (12.0, 30.0):
            record = {"nodeid": request.node.nodeid, "browser": browser, "method": "GET",
                      "url": "http://127.0.0.1:8999/api/quotes", "path": "/api/quotes",
                      "status": 200, "failure": None, "duration_ms": ms, "provoked": False}
            stream.write(json.dumps(record) + "\\n")
'''

SCENARIOS = """
import os
import time
from pathlib import Path

import pytest


@pytest.mark.smoke
@pytest.mark.flow("AUTH-01")
def test_login(browser_name):
    if os.environ.get("SYNTH_SLEEP"):
        (Path(os.environ["SYNTH_STATE"]) / "sleeping").write_text(browser_name)
    time.sleep(float(os.environ.get("SYNTH_SLEEP", "0")))


@pytest.mark.flow("TRD-01")
def test_order(browser_name):
    assert browser_name not in os.environ.get("SYNTH_BROKEN_ON", ""), "order ticket missing"


@pytest.mark.flow("TRD-01")
def test_order_retried(browser_name):
    state = Path(os.environ["SYNTH_STATE"]) / f"tried-{browser_name}"
    if not state.exists():
        state.write_text("once")
        raise RuntimeError("the first attempt fails")


@pytest.mark.smoke
@pytest.mark.flow("API-01")
def test_quotes_api():
    pass


@pytest.mark.skip(reason="not on this target")
def test_not_here():
    pass
"""

APP = "def quote():\n    return 1\n\n\ndef order():\n    return 2\n"
PYTEST_INI = """[pytest]
markers =
    smoke: fastest
    flow(id): flows
"""


@pytest.fixture
def synthetic(project, tmp_path, monkeypatch):
    (project / "scenarios").mkdir()
    (project / "scenarios" / "test_synthetic.py").write_text(SCENARIOS)
    (project / "conftest.py").write_text(CONFTEST)
    (project / "synthapp.py").write_text(APP)
    (project / "pytest.ini").write_text(PYTEST_INI)
    state = tmp_path / "state"
    state.mkdir()
    monkeypatch.setenv("SYNTH_STATE", str(state))
    monkeypatch.setattr(run_command, "installed_browsers", lambda: ["chromium", "firefox"])
    if not allure.cli_path().is_file():  # the real CLI where `npm ci --prefix ci` ran, else a stand-in
        pytest.skip("Allure CLI not installed (npm ci --prefix ci)")
    return project


def test_a_regression_run_end_to_end(synthetic, tradecheck):
    code, out, err = tradecheck(
        "run", "--profile", "regression", "--workers", "2", "--gate", "code_coverage=40"
    )
    assert (code, err) == (0, [])
    latest = synthetic / "reports" / "latest"
    assert (latest / "allure-report" / "index.html").is_file()
    assert (latest / "signoff.md").read_text().startswith("# TradeCheck sign-off: ✅ GO")
    result = json.loads((latest / "signoff.json").read_text())
    assert result["browsers"] == ["chromium", "firefox"]
    assert result["tests"]["total"] == 8  # 3 tests x 2 browsers + the API test + the skipped one
    assert sorted(f["nodeid"] for f in result["flaky"]) == [
        f"scenarios/test_synthetic.py::test_order_retried[{b}]" for b in ("chromium", "firefox")
    ]
    figures = {g["name"]: g["figure"] for g in result["gates"]}
    assert figures["critical_flows"] == 100
    assert figures["p95_ms"] == 30.0
    assert figures["code_coverage"] == 75.0  # both defs and quote() ran, order() did not: 3 of 4 lines
    environment = (latest / "allure-results" / "environment.properties").read_text()
    assert "App\\ version=9.9.9" in environment
    records = [json.loads(line) for line in (latest / "results" / "results.jsonl").read_text().splitlines()]
    api = next(r for r in records if r.get("nodeid", "").endswith("test_quotes_api"))
    assert (api["browser"], api["flows"], api["outcome"]) == (None, ["API-01"], "passed")
    assert "progress 8/8 done · 0 failed · 2 flaky" in out
    assert "passed" in out.split("# TradeCheck sign-off")[0]  # pytest's own summary line
    assert (
        out.rstrip().splitlines()[-1]
        == f"Report: reports/runs/{os.readlink(latest).split('/')[-1]}/allure-report/index.html"
    )


def test_a_failure_after_retries_is_no_go(synthetic, tradecheck, monkeypatch):
    monkeypatch.setenv("SYNTH_BROKEN_ON", "firefox")
    code, out, _ = tradecheck(
        "run", "--profile", "regression", "--workers", "0", "--gate", "code_coverage=off"
    )
    assert code == 1
    assert (
        "FAILED  scenarios/test_synthetic.py::test_order[firefox] — AssertionError: order ticket missing"
        in out
    )
    assert "**Why NO-GO:** failures: 1 (needs <= 0)" in out


def test_pytest_rejecting_the_arguments_is_a_usage_error(synthetic, tradecheck):
    code, _, err = tradecheck("run", "--profile", "smoke", "--", "--no-such-option")
    assert code == 2
    assert err == [
        "tradecheck: error: pytest rejected the arguments: unrecognized arguments: --no-such-option"
    ]
    assert not (synthetic / "reports" / "latest").exists()


@pytest.mark.parametrize(
    "interrupt",
    [
        lambda process: os.killpg(process.pid, signal.SIGINT),  # Ctrl-C: the whole foreground group
        lambda process: os.kill(process.pid, signal.SIGTERM),  # a CI cancel: tradecheck alone
    ],
    ids=["ctrl-c", "sigterm"],
)
def test_an_interrupted_run_leaves_the_previous_report_and_history_untouched(
    synthetic, tradecheck, interrupt
):
    code, _, _ = tradecheck("run", "--profile", "regression", "--browsers", "chromium", "--workers", "0")
    latest = synthetic / "reports" / "latest"
    history = synthetic / "reports" / "history" / "regression.jsonl"
    before = (os.readlink(latest), history.read_text())
    assert code in (0, 1)

    env = {**os.environ, "SYNTH_SLEEP": "60", "PYTHONPATH": str(subprocess_env()["PYTHONPATH"])}
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "ci",
            "run",
            "--profile",
            "regression",
            "--browsers",
            "chromium",
            "--workers",
            "0",
        ],
        cwd=synthetic,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
        # As at a terminal: a job started in the background by a script (`.ci/run &`) inherits
        # SIGINT ignored, and Python then never turns Ctrl-C into KeyboardInterrupt.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    sleeping = Path(os.environ["SYNTH_STATE"]) / "sleeping"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not sleeping.exists():  # pytest is in the sleeping test
        time.sleep(0.2)
    newest = max((synthetic / "reports" / "runs").iterdir(), key=lambda p: p.name)
    assert newest.name != before[0].split("/")[-1]
    started = time.monotonic()
    interrupt(process)
    try:
        _, stderr = process.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        log = (newest / "pytest.log").read_text() if (newest / "pytest.log").is_file() else "(no pytest.log)"
        pytest.fail(f"tradecheck still running 60 s after the interrupt; pytest.log ends:\n{log[-3000:]}")
    assert process.returncode == 130
    with pytest.raises(ProcessLookupError):  # pytest stopped too: nothing of the run is left running
        os.killpg(process.pid, 0)
    assert time.monotonic() - started < 30
    assert "interrupted" in stderr
    assert (os.readlink(latest), history.read_text()) == before
    assert json.loads((newest / "run.json").read_text())["status"] == "interrupted"


def test_tradecheck_test_turns_no_tests_collected_into_1(synthetic, capsys):
    from ci import cli

    (synthetic / "scenarios" / "test_synthetic.py").unlink()
    assert cli.main(["test", "--", "scenarios", "-p", "no:cacheprovider", "-n", "0"]) == 1


def test_the_command_is_written_down_for_the_record(synthetic):
    selection = Selection(
        Profile("p", markers="smoke", retries=2, timeout=30),
        ["chromium", "firefox"],
        "auto",
        5,
        env="local",
        connect="ws://127.0.0.1:3000/pw",
        extra=["-k", "login"],
    )
    meta_command = pytest_command(
        synthetic / "run",
        selection,
        app_coverage=True,
        shard=(2, 3),
        durations=synthetic / "ci" / "durations.json",
    )
    text = " ".join(meta_command[1:])
    assert text.startswith("-m pytest scenarios -p ci.pytest_results --tradecheck-results")
    for part in (
        "-m smoke",
        "--browser chromium --browser firefox",
        "-n auto",
        "--reruns 2",
        "--timeout 30",
        "--env local",
        "--seed 5",
        "--connect ws://127.0.0.1:3000/pw",
        "--splits 3 --group 2",
        "--splitting-algorithm least_duration",
        "--tracing retain-on-failure",
        "--screenshot only-on-failure",
        "-k login",
    ):
        assert part in text, part


def test_shards_by_recorded_durations_merge_into_the_unsharded_verdict(synthetic, tradecheck):
    code, _, err = tradecheck("durations", "--workers", "0", "--browsers", "chromium")
    assert (code, err) == (0, [])
    durations = json.loads((synthetic / "ci" / "durations.json").read_text())
    assert "scenarios/test_synthetic.py::test_login[chromium]" in durations
    shard_dirs, shard_tests = [], []
    for index in (1, 2):
        code, _, err = tradecheck(
            "run",
            "--profile",
            "regression",
            "--browsers",
            "chromium",
            "--workers",
            "0",
            "--shard",
            f"{index}/2",
            "--gate",
            "code_coverage=off",
        )
        assert err == []
        shard_dirs.append((synthetic / "reports" / "latest").resolve())
        shard_tests.append({t["nodeid"] for t in load_run(shard_dirs[-1]).tests})
    assert shard_tests[0]
    assert shard_tests[1]
    assert not shard_tests[0] & shard_tests[1]
    assert len(shard_tests[0] | shard_tests[1]) == 5  # 3 browser tests on chromium + API + skipped
    code, _out, err = tradecheck("merge", *map(str, shard_dirs))
    merged = json.loads((synthetic / "reports" / "latest" / "signoff.json").read_text())
    assert (code, err, merged["verdict"], merged["shards"]) == (0, [], "GO", ["1/2", "2/2"])
    assert merged["tests"]["total"] == 5


def test_last_failed_reruns_only_what_failed_on_its_browser(synthetic, tradecheck, monkeypatch):
    monkeypatch.setenv("SYNTH_BROKEN_ON", "firefox")
    code, _, _ = tradecheck("run", "--profile", "regression", "--workers", "0", "--gate", "code_coverage=off")
    assert code == 1
    monkeypatch.delenv("SYNTH_BROKEN_ON")  # fixed: the re-run passes
    code, out, err = tradecheck("run", "--profile", "smoke", "--last-failed", "--workers", "0")
    assert (code, err) == (0, [])
    result = json.loads((synthetic / "reports" / "latest" / "signoff.json").read_text())
    assert result["tests"]["total"] == 1
    assert "browsers firefox" in out


def test_a_shard_summary_names_its_tests_and_no_verdict(synthetic, tradecheck, tmp_path, monkeypatch):
    summary = tmp_path / "summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    monkeypatch.setenv("SYNTH_BROKEN_ON", "chromium")
    code, _, _ = tradecheck(
        "run", "--profile", "regression", "--browsers", "chromium", "--shard", "1/1", "--workers", "0"
    )
    assert code == 1  # its own test failed
    text = summary.read_text()
    assert text.startswith("# TradeCheck regression · shard 1/1 · chromium: ❌ 5 tests, 1 failed")
    assert "GO" not in text  # neither GO nor NO-GO: the merge decides
    assert "`scenarios/test_synthetic.py::test_order[chromium]`: AssertionError: order ticket missing" in text
