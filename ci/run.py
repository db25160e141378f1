"""`tradecheck run`: pre-flight checks, one pytest run with live progress, then `finish`."""

from __future__ import annotations

import functools
import os
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ci import allure, lighthouse, reports, rundata, secrets
from ci.errors import INTERRUPTED, InfrastructureError, UsageError
from ci.finish import finish
from ci.mutate import cli as mutate_cli
from ci.mutate.engine import BaselineNotGreen
from ci.mutate.report import MUTATION_DIR
from ci.profiles import Profile, ProfileSet
from ci.pytest_log import last_error_line
from ci.pytest_process import SCENARIOS, Selection, check_exit, pytest_command, run_pytest
from ci.rundata import ALLURE_RESULTS_DIR, PYTEST_LOG, RESULTS_DIR, RunMeta, iso_time
from ci.target import (
    TargetPlan,
    check_browser_server,
    check_reachable,
    choose_browsers,
    installed_browsers,
    plan_target,
)

DURATIONS_FILE = Path("ci") / "durations.json"
PACKAGE_ROOT = Path(__file__).resolve().parents[1]  # where ci/node_modules (Allure, axe, Lighthouse) is


@dataclass
class RunRequest:
    """A profile as refined on the command line."""

    profile: Profile
    settings: ProfileSet
    browsers: tuple[str, ...] | None = None
    workers: str | None = None
    shard: tuple[int, int] | None = None
    env: str | None = None
    seed: int | None = None
    connect: str | None = None
    notify_url: str | None = None
    reports: Path | None = None
    paths: tuple[str, ...] = (SCENARIOS,)  # what pytest collects: the suites, or chosen node ids
    extra: list[str] = field(default_factory=list)

    def plan(self, root: Path) -> tuple[TargetPlan, Selection]:
        """The target (asked of the harness) and the selection (browsers checked against this machine)."""
        plan = plan_target(root, self.env, self.seed)
        requested = self.browsers or self.profile.browsers
        browsers = choose_browsers(requested, installed_browsers(), bool(self.connect))
        selection = Selection(
            profile=self.profile,
            browsers=browsers,
            workers=self.workers or self.profile.workers,
            seed=plan.seed,
            env=plan.env if self.env else None,
            connect=self.connect,
            paths=self.paths,
            extra=tuple(self.extra),
        )
        return plan, selection


def run(root: Path, request: RunRequest, out=None) -> int:
    out = out or sys.stdout
    profile = request.profile
    allure.check_cli()
    if not (root / SCENARIOS).is_dir():
        raise UsageError(f"no {SCENARIOS}/ directory in {root}")
    lighthouse.preflight(PACKAGE_ROOT, lighthouse=profile.lighthouse)  # axe-core, and Lighthouse if audited
    web_config = lighthouse.load_config() if profile.lighthouse else None
    plan, selection = request.plan(root)
    if not plan.embedded and plan.base_url:
        check_reachable(plan.base_url)
    if request.connect:
        check_browser_server(request.connect)
    measure_app = profile.app_coverage and plan.embedded
    reports_root = request.reports or root / "reports"
    label = profile.name
    if request.shard:  # shard folders of a browser matrix meet in one place for `merge`: name them apart
        label += f"-{'-'.join(selection.browsers)}-shard-{request.shard[0]}-of-{request.shard[1]}"
    run_dir = reports.new_run_dir(reports_root, label)
    command = pytest_command(
        run_dir,
        selection,
        app_coverage=measure_app,
        shard=request.shard,
        durations=root / DURATIONS_FILE,
        label=label,
    )
    started = time.time()
    meta = RunMeta(
        profile=profile.to_json(),
        browsers=list(selection.browsers),
        env=plan.env,
        embedded=plan.embedded,
        base_url=plan.base_url,
        seed=plan.seed,
        workers=selection.workers,
        shard=f"{request.shard[0]}/{request.shard[1]}" if request.shard else None,
        connect=bool(request.connect),
        app_coverage=measure_app,
        git_commit=git_commit(root),
        started_at=iso_time(started),
        pytest_command=command[1:],
    )
    rundata.write_meta(run_dir, meta)
    target = "embedded PaperTrade" if plan.embedded else plan.base_url or "?"
    print(
        f"tradecheck run · profile {profile.name} · env {plan.env} ({target}) · "
        f"browsers {', '.join(selection.browsers)} · "
        f"workers {selection.workers} · retries {profile.retries} · timeout {profile.timeout:g} s/test · "
        f"seed {plan.seed} ({plan.seed_source})" + (f" · shard {meta.shard}" if request.shard else ""),
        file=out,
    )
    print(
        f"run folder: {reports.display(run_dir, root)} (pytest output: {PYTEST_LOG} there)",
        file=out,
        flush=True,
    )

    after: list[Callable[[], None]] = []
    if web_config is not None:  # after the tests, never beside them: its scores move with CPU load
        target_url = None if plan.embedded else plan.base_url
        after.append(functools.partial(_audit_pages, run_dir, web_config, target_url, profile.gates, out))
    if profile.mutation and measure_app:  # the per-test contexts come from this run's app coverage
        after.append(functools.partial(_mutate, root, run_dir, out))
    with secrets.handover():  # the tests hand the secrets they learn to finish(), outside the run folder
        return _test_and_finish(root, request, run_dir, meta, command, started, reports_root, out, after)


def _mutate(root: Path, run_dir: Path, out) -> None:
    """Mutants of the app against the tests of this run that executed them (docs/mutation.md)."""
    args = mutate_cli.parse(["--from-run", str(run_dir), "--out", str(run_dir / MUTATION_DIR)])
    try:
        mutate_cli.run(args, root)
    except BaselineNotGreen as exc:  # the failures already make the run NO-GO; the gate says why n/a
        print(f"mutate: skipped: {exc}", file=out)


def _audit_pages(run_dir: Path, config, base_url: str | None, thresholds: dict, out) -> None:
    audited = lighthouse.run_lighthouse(PACKAGE_ROOT, run_dir, config, base_url=base_url)
    lighthouse.write_allure_results(audited, run_dir, run_dir / ALLURE_RESULTS_DIR, thresholds)
    print(f"lighthouse: {len(audited.audits)} page audits in {audited.wall_seconds:.0f} s", file=out)


def _test_and_finish(
    root: Path,
    request: RunRequest,
    run_dir: Path,
    meta: RunMeta,
    command: list[str],
    started: float,
    reports_root: Path,
    out,
    after_tests: list[Callable[[], None]] = (),
) -> int:
    try:
        code = run_pytest(command, root, run_dir, out)
    except KeyboardInterrupt:
        secrets.scan_and_redact(run_dir, secrets.known_secrets(request.notify_url))
        meta.status, meta.finished_at = "interrupted", iso_time()
        rundata.write_meta(run_dir, meta)
        print(
            f"tradecheck: interrupted; {reports.display(run_dir, root)} is incomplete, "
            "reports/latest and the history are unchanged",
            file=sys.stderr,
        )
        return INTERRUPTED
    finished = time.time()
    meta.status, meta.pytest_exit_code = "tested", code
    meta.finished_at, meta.duration_s = iso_time(finished), round(finished - started, 1)
    rundata.write_meta(run_dir, meta)
    log = run_dir / PYTEST_LOG
    check_exit(code, log, out, accepted=(0, 1, 2, 5))  # 2: collection errors, 5: no tests: NO-GO
    if not any((run_dir / RESULTS_DIR).glob("*.jsonl")):
        raise InfrastructureError(
            f"pytest recorded no results: {last_error_line(log)} (see {reports.display(log, root)})"
        )
    for step in after_tests:
        step()
    return finish(root, run_dir, request.settings, request.notify_url, out, reports_root)


def git_commit(root: Path) -> str | None:
    if os.environ.get("GITHUB_SHA") or os.environ.get("CI_COMMIT_SHA"):
        return os.environ.get("GITHUB_SHA") or os.environ.get("CI_COMMIT_SHA")
    try:
        done = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True, timeout=10
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout.strip() or None if done.returncode == 0 else None
