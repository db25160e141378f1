"""The one pytest process of a run: its command line, its environment, its output in pytest.log
with live progress on the console, and what its exit code means for tradecheck."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from ci import pytest_log
from ci.errors import InfrastructureError, UsageError
from ci.profiles import Profile
from ci.progress import Progress
from ci.rundata import (
    ALLURE_RESULTS_DIR,
    ARTIFACTS_DIR,
    COVERAGE_DIR,
    JUNIT_FILE,
    PYTEST_LOG,
    RESULTS_DIR,
    RESULTS_FILE,
    TEST_OUTPUT_DIR,
)

SCENARIOS = "scenarios"
STOP_GRACE_S = 20


@dataclass(frozen=True)
class Selection:
    """What pytest runs and against what: the same for `run` and `durations`."""

    profile: Profile
    browsers: Sequence[str]
    workers: str
    seed: int
    env: str | None = None  # passed only when asked for on the command line
    connect: str | None = None
    paths: Sequence[str] = (SCENARIOS,)
    extra: Sequence[str] = ()


def pytest_command(
    run_dir: Path,
    selection: Selection,
    *,
    app_coverage: bool = False,
    shard: tuple[int, int] | None = None,
    durations: Path | None = None,
    label: str | None = None,
) -> list[str]:
    """ONE pytest run: every browser of the profile, xdist workers, reruns, per-test timeout,
    Allure results, JUnit XML, the harness's recordings and tradecheck's own results."""
    profile = selection.profile
    command = [sys.executable, "-m", "pytest", *selection.paths]
    command += ["-p", "ci.pytest_results", "--tradecheck-results", str(run_dir / RESULTS_DIR)]
    command += ["--alluredir", str(run_dir / ALLURE_RESULTS_DIR), "--junitxml", str(run_dir / JUNIT_FILE)]
    if label:  # merged JUnit keeps one suite per shard and browser, each under its own name
        command += ["-o", f"junit_suite_name=tradecheck-{label}"]
    command += ["--timeout", f"{profile.timeout:g}"]
    if profile.markers:
        command += ["-m", profile.markers]
    for browser in selection.browsers:
        command += ["--browser", browser]
    if selection.workers != "0":
        command += ["-n", selection.workers]
    if profile.retries:
        command += ["--reruns", str(profile.retries)]
    command += ["--tracing", "retain-on-failure", "--screenshot", "only-on-failure"]
    command += ["--output", str(run_dir / TEST_OUTPUT_DIR), "--artifacts-dir", str(run_dir / ARTIFACTS_DIR)]
    command += ["--seed", str(selection.seed)]
    if selection.env:
        command += ["--env", selection.env]
    if app_coverage:
        command += ["--app-coverage", str(run_dir / COVERAGE_DIR)]
    if selection.connect:
        command += ["--connect", selection.connect]
    if shard:
        # least_duration balances by the recorded durations and is deterministic for a given file
        command += ["--splits", str(shard[1]), "--group", str(shard[0])]
        command += ["--splitting-algorithm", "least_duration"]
        if durations is not None:
            command += ["--durations-path", str(durations)]
    return command + list(selection.extra)


def subprocess_env() -> dict[str, str]:
    """pytest must import ci.pytest_results wherever it runs from (a test project, a fresh clone)."""
    package_parent = str(Path(__file__).resolve().parent.parent)
    paths = [package_parent, *filter(None, os.environ.get("PYTHONPATH", "").split(os.pathsep))]
    return {**os.environ, "PYTHONPATH": os.pathsep.join(dict.fromkeys(paths)), "PYTHONUNBUFFERED": "1"}


def run_pytest(command: list[str], root: Path, run_dir: Path, out) -> int:
    """Run pytest with its output in run_dir/pytest.log and live progress on `out`.
    Ctrl-C (or SIGTERM, as CI cancels) stops pytest and its workers, then raises KeyboardInterrupt."""
    (run_dir / RESULTS_DIR).mkdir(parents=True, exist_ok=True)
    progress = Progress(run_dir / RESULTS_DIR / RESULTS_FILE, out=out).start()
    terminated = []

    def on_sigterm(signum, frame):  # CI cancels with SIGTERM, which pytest would not see
        terminated.append(signum)
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, on_sigterm)
    try:
        with (run_dir / PYTEST_LOG).open("w", encoding="utf-8") as log:
            process = subprocess.Popen(
                command, cwd=root, stdout=log, stderr=subprocess.STDOUT, env=subprocess_env()
            )
            try:
                return process.wait()
            except KeyboardInterrupt:
                if terminated and process.poll() is None:
                    process.send_signal(signal.SIGINT)
                _stop(process)
                raise
    finally:
        signal.signal(signal.SIGTERM, previous)
        progress.stop()


def _stop(process: subprocess.Popen, grace_s: float = STOP_GRACE_S) -> None:
    """Ctrl-C reached pytest too; let it stop its workers, then insist."""
    for action in (None, process.terminate, process.kill):
        if action is not None:
            action()
        try:
            process.wait(timeout=grace_s)
            return
        except subprocess.TimeoutExpired:
            continue
        except KeyboardInterrupt:
            continue


def check_exit(code: int, log: Path, out, accepted: tuple[int, ...]) -> None:
    """Echo pytest's closing line; its usage error is ours (2), any other surprise infrastructure (3)."""
    summary = pytest_log.summary_line(log)
    if summary:
        print(summary, file=out)
    if code == 4:
        raise UsageError(f"pytest rejected the arguments: {pytest_log.usage_error(log)}")
    if code == 3:
        raise InfrastructureError(f"pytest internal error: {pytest_log.last_error_line(log)} (see {log})")
    if code not in accepted:
        raise InfrastructureError(f"pytest ended with exit code {code}: {pytest_log.last_error_line(log)}")
