"""Browser checks: the scenarios marked `monitor`, run by pytest against the monitored target.

A browser check is one pytest run of the scenarios its `select` expression names (`-m monitor`
by default) on one browser, against the URL the monitor checks. The journeys are ordinary
scenarios: they reuse the page objects and fixtures of the suites, and sign in as the
environment's own account where it has one (`journey_account`). Journeys that place orders carry
`capability("orders")` and are skipped where the environment does not allow them.

The monitor reads only the outcome (`ci.pytest_results`' results.jsonl). A failed run keeps its
folder, with pytest-playwright's screenshot and trace of each failed journey and the pytest log,
under `artifacts.dir/<check>/<UTC time>/`; the alert and the status page name that folder. A
passed run leaves nothing behind, and only the newest `artifacts.keep` folders of a check stay.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from ci.rundata import RESULTS_FILE
from harness.yamlfile import REPO_ROOT
from monitor.checks import CheckFailed, Probe

SCENARIOS = REPO_ROOT / "scenarios"
PYTEST_LOG = "pytest.log"
FAILED = ("failed", "error")
STEP_CHARS = 128  # the store's column
PLAYWRIGHT_MODULE = re.compile(r"\bplaywright\._impl\._errors\.")


@dataclass(frozen=True)
class BrowserCheck:
    """The `browser` check kind, bound to the monitored environment and the artifacts folder."""

    env: str
    environments: Path | None
    artifacts_dir: Path
    keep: int
    python: str = sys.executable

    def __call__(self, probe: Probe) -> float:
        """Runs the journeys; raises CheckFailed naming the first failed one. Returns the journeys'
        own duration in ms (without pytest's start), which the degraded threshold applies to."""
        check = probe.check
        folder = self.artifacts_dir / check.name / datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
        folder.mkdir(parents=True)
        try:
            code = self._pytest(probe, folder)
            tests = _records(folder / "results")
            _judge(code, tests, folder, check.select)
        except CheckFailed as failure:
            failure.artifacts = str(folder)
            self._prune(folder.parent)
            raise
        shutil.rmtree(folder, ignore_errors=True)
        return round(sum(t.get("duration") or 0.0 for t in tests) * 1000, 3)

    def command(self, probe: Probe, folder: Path) -> list[str]:
        check = probe.check
        command = [
            self.python, "-m", "pytest", str(SCENARIOS), "-m", check.select,
            "--env", self.env, "--base-url", probe.base_url, "--browser", check.browser,
            "-p", "ci.pytest_results", "--tradecheck-results", str(folder / "results"),
            "--output", str(folder / "test-output"), "--screenshot", "only-on-failure",
            "--tracing", "retain-on-failure", "-p", "no:cacheprovider", "-n", "0", "-q",
        ]  # fmt: skip
        if self.environments is not None:
            command += ["--environments", str(self.environments)]
        return command

    def _pytest(self, probe: Probe, folder: Path) -> int:
        step = "run the journeys"
        with (folder / PYTEST_LOG).open("wb") as log:
            # a session of its own: on a timeout the browser and Playwright's driver go with pytest
            process = subprocess.Popen(
                self.command(probe, folder), cwd=REPO_ROOT, stdout=log, stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL, start_new_session=True,
                env={**os.environ, "PYTHONPATH": str(REPO_ROOT)},
            )  # fmt: skip
            try:
                return process.wait(timeout=probe.remaining(step))
            except (subprocess.TimeoutExpired, CheckFailed):
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
                raise CheckFailed(step, f"timed out after {probe.check.timeout_s:g} s") from None
            except BaseException:  # interrupted while waiting: leave no browser behind
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
                raise

    def _prune(self, check_folder: Path) -> None:
        for old in sorted(p for p in check_folder.iterdir() if p.is_dir())[: -self.keep]:
            shutil.rmtree(old, ignore_errors=True)


def _records(results: Path) -> list[dict]:
    path = results / RESULTS_FILE
    if not path.is_file():
        return []
    lines = (json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip())
    return [r for r in lines if r.get("kind") in ("test", "collect_error")]


def _judge(code: int, records: list[dict], folder: Path, select: str) -> None:
    """Passes when pytest ran at least one journey and none failed."""
    broken = [r for r in records if r["kind"] == "collect_error"]
    if broken:
        raise CheckFailed("collect the journeys", f"{broken[0]['nodeid']}: {broken[0]['message']}")
    failed = [r for r in records if r["kind"] == "test" and r["outcome"] in FAILED]
    if failed:
        first = failed[0]
        raise CheckFailed(first["nodeid"].rpartition("::")[2][:STEP_CHARS], one_line(first.get("message")))
    if code == 5:
        raise CheckFailed("select the journeys", f"no scenario matches -m {select!r}")
    ran = [r for r in records if r["kind"] == "test" and r["outcome"] == "passed"]
    if not ran:
        skipped = next((r.get("message") for r in records if r.get("outcome") == "skipped"), None)
        reason = f"every journey was skipped ({skipped})" if skipped else _log_tail(folder, code)
        raise CheckFailed("run the journeys", reason)
    if code != 0:
        raise CheckFailed("run the journeys", _log_tail(folder, code))


def one_line(message: str | None) -> str:
    """pytest's failure message on one line, Playwright's error class without its module."""
    text = " ".join(line.strip() for line in (message or "failed").splitlines() if line.strip())
    return PLAYWRIGHT_MODULE.sub("", text)


def _log_tail(folder: Path, code: int) -> str:
    lines = (folder / PYTEST_LOG).read_text(encoding="utf-8", errors="replace").strip().splitlines()
    return f"pytest exited {code}: {lines[-1][:300] if lines else '(no output)'}"
