"""`tradecheck run`, `tradecheck durations` and what every run ends with (`finish`): the report, the
sign-off, the history, the `latest` link and the notification."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from ci import allure, appcoverage, notify, reports, rundata, signoff
from ci.errors import GO, INTERRUPTED, NO_GO, InfrastructureError, UsageError
from ci.profiles import Profile, ProfileSet
from ci.progress import Progress
from ci.rundata import (
    ALLURE_RESULTS_DIR,
    ARTIFACTS_DIR,
    COVERAGE_DIR,
    JUNIT_FILE,
    PYTEST_LOG,
    RESULTS_DIR,
    TEST_OUTPUT_DIR,
)
from ci.target import check_reachable, choose_browsers, installed_browsers, plan_target

DURATIONS_FILE = Path("ci") / "durations.json"
SCENARIOS = "scenarios"


@dataclass
class RunRequest:
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
    extra: list[str] = field(default_factory=list)


def run(root: Path, request: RunRequest, out=None) -> int:
    """Run the profile: pre-flight checks, one pytest run with live progress, then `finish`."""
    out = out or sys.stdout
    profile = request.profile
    allure.check_cli()
    if not (root / SCENARIOS).is_dir():
        raise UsageError(f"no {SCENARIOS}/ directory in {root}")
    plan, browsers = plan_run(root, request)
    if not plan.embedded and plan.base_url:
        check_reachable(plan.base_url)
    workers = request.workers or profile.workers
    measure_app = profile.app_coverage and plan.embedded
    reports_root = request.reports or root / "reports"
    label = profile.name
    if request.shard:  # shard folders of a browser matrix meet in one place for `merge`: name them apart
        label += f"-{'-'.join(browsers)}-shard-{request.shard[0]}-of-{request.shard[1]}"
    run_dir = reports.new_run_dir(reports_root, label)
    started = time.time()
    meta = {
        "tool": "tradecheck",
        "status": "running",
        "profile": profile.to_json(),
        "browsers": browsers,
        "env": plan.env,
        "embedded": plan.embedded,
        "base_url": plan.base_url,
        "seed": plan.seed,
        "workers": workers,
        "shard": f"{request.shard[0]}/{request.shard[1]}" if request.shard else None,
        "connect": bool(request.connect),
        "app_coverage": measure_app,
        "git_commit": git_commit(root),
        "started_at": _iso(started),
    }
    command = pytest_command(
        run_dir,
        profile,
        browsers,
        workers,
        plan.seed,
        env=plan.env if request.env else None,
        app_coverage=measure_app,
        connect=request.connect,
        shard=request.shard,
        durations=root / DURATIONS_FILE,
        extra=request.extra,
    )
    meta["pytest_command"] = command[1:]
    rundata.write_meta(run_dir, meta)
    target = "embedded PaperTrade" if plan.embedded else plan.base_url or "?"
    print(
        f"tradecheck run · profile {profile.name} · env {plan.env} ({target}) · "
        f"browsers {', '.join(browsers)} · "
        f"workers {workers} · retries {profile.retries} · timeout {profile.timeout:g} s/test · "
        f"seed {plan.seed} ({plan.seed_source})" + (f" · shard {meta['shard']}" if request.shard else ""),
        file=out,
    )
    print(
        f"run folder: {reports.display(run_dir, root)} (pytest output: {PYTEST_LOG} there)",
        file=out,
        flush=True,
    )

    try:
        code = run_pytest(command, root, run_dir, out)
    except KeyboardInterrupt:
        meta.update(status="interrupted", finished_at=_iso(time.time()))
        rundata.write_meta(run_dir, meta)
        print(
            f"tradecheck: interrupted; {reports.display(run_dir, root)} is incomplete, "
            "reports/latest and the history are unchanged",
            file=sys.stderr,
        )
        return INTERRUPTED
    finished = time.time()
    meta.update(
        status="tested",
        pytest_exit_code=code,
        finished_at=_iso(finished),
        duration_s=round(finished - started, 1),
    )
    rundata.write_meta(run_dir, meta)
    log = run_dir / PYTEST_LOG
    check_pytest_exit(code, log, out, accepted=(0, 1, 2, 5))  # 2: collection errors, 5: no tests: NO-GO
    if not any((run_dir / RESULTS_DIR).glob("*.jsonl")):
        raise InfrastructureError(
            f"pytest recorded no results: {last_error_line(log)} (see {reports.display(log, root)})"
        )
    return finish(root, run_dir, request.settings, request.notify_url, out, reports_root)


def plan_run(root: Path, request: RunRequest):
    """The target (asked of the harness) and the browsers (checked against this machine)."""
    plan = plan_target(root, request.env, request.seed)
    requested = request.browsers or request.profile.browsers
    return plan, choose_browsers(requested, installed_browsers(), bool(request.connect))


def check_pytest_exit(code: int, log: Path, out, accepted: tuple[int, ...]) -> None:
    """Echo pytest's closing line; its usage error is ours (2), any other surprise infrastructure (3)."""
    summary = pytest_summary_line(log)
    if summary:
        print(summary, file=out)
    if code == 4:
        raise UsageError(f"pytest rejected the arguments: {usage_error(log)}")
    if code == 3:
        raise InfrastructureError(f"pytest internal error: {last_error_line(log)} (see {log})")
    if code not in accepted:
        raise InfrastructureError(f"pytest ended with exit code {code}: {last_error_line(log)}")


def pytest_command(
    run_dir: Path,
    profile: Profile,
    browsers: Sequence[str],
    workers: str,
    seed: int,
    *,
    env: str | None = None,
    app_coverage: bool = False,
    connect: str | None = None,
    shard: tuple[int, int] | None = None,
    durations: Path | None = None,
    extra: Sequence[str] = (),
    testpath: str = SCENARIOS,
) -> list[str]:
    """ONE pytest run: every browser of the profile, xdist workers, reruns, per-test timeout,
    Allure results, JUnit XML, the harness's recordings and tradecheck's own results."""
    command = [sys.executable, "-m", "pytest", testpath]
    command += ["-p", "ci.pytest_results", "--tradecheck-results", str(run_dir / RESULTS_DIR)]
    command += ["--alluredir", str(run_dir / ALLURE_RESULTS_DIR), "--junitxml", str(run_dir / JUNIT_FILE)]
    command += ["--timeout", f"{profile.timeout:g}"]
    if profile.markers:
        command += ["-m", profile.markers]
    for browser in browsers:
        command += ["--browser", browser]
    if workers != "0":
        command += ["-n", workers]
    if profile.retries:
        command += ["--reruns", str(profile.retries)]
    command += ["--tracing", "retain-on-failure", "--screenshot", "only-on-failure"]
    command += ["--output", str(run_dir / TEST_OUTPUT_DIR), "--artifacts-dir", str(run_dir / ARTIFACTS_DIR)]
    command += ["--seed", str(seed)]
    if env:
        command += ["--env", env]
    if app_coverage:
        command += ["--app-coverage", str(run_dir / COVERAGE_DIR)]
    if connect:
        command += ["--connect", connect]
    if shard:
        # least_duration balances by the recorded durations and is deterministic for a given file
        command += [
            "--splits",
            str(shard[1]),
            "--group",
            str(shard[0]),
            "--splitting-algorithm",
            "least_duration",
        ]
        if durations is not None:
            command += ["--durations-path", str(durations)]
    return command + list(extra)


def subprocess_env() -> dict[str, str]:
    """pytest must import ci.pytest_results wherever it runs from (a test project, a fresh clone)."""
    package_parent = str(Path(__file__).resolve().parent.parent)
    paths = [package_parent, *filter(None, os.environ.get("PYTHONPATH", "").split(os.pathsep))]
    return {**os.environ, "PYTHONPATH": os.pathsep.join(dict.fromkeys(paths)), "PYTHONUNBUFFERED": "1"}


def run_pytest(command: list[str], root: Path, run_dir: Path, out) -> int:
    """Run pytest with its output in run_dir/pytest.log and live progress on `out`."""
    (run_dir / RESULTS_DIR).mkdir(parents=True, exist_ok=True)
    progress = Progress(run_dir / RESULTS_DIR / "results.jsonl", out=out).start()
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


def _stop(process: subprocess.Popen, grace_s: float = 20) -> None:
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


def finish(
    root: Path,
    run_dir: Path,
    settings: ProfileSet,
    notify_url: str | None,
    out=None,
    reports_root: Path | None = None,
) -> int:
    """Gates, Allure report, sign-off, history, `latest` and notification for a tested run folder."""
    out = out or sys.stdout
    reports_root = reports_root or root / "reports"
    run = rundata.load_run(run_dir)
    profile = run.profile
    catalog = load_catalog(root)
    coverage = None
    if run.meta.get("app_coverage"):
        coverage = appcoverage.measure(run_dir / COVERAGE_DIR, root)
    result = signoff.build(run, catalog, coverage)

    results_dir = run_dir / ALLURE_RESULTS_DIR
    results_dir.mkdir(exist_ok=True)
    report_name = f"TradeCheck {profile.name} · {run_dir.name}"
    allure.write_environment(results_dir, environment_facts(result, run.meta))
    allure.write_executor(results_dir, allure.executor_info(report_name))
    history = (
        reports.prepare_history(reports_root, run_dir, settings.history_limit) if profile.history else None
    )
    report_error = None
    try:
        index = allure.build_report(results_dir, run_dir, report_name, history, settings.history_limit)
    except InfrastructureError as exc:
        report_error = exc
    result = signoff.build(run, catalog, coverage, allure.result_index(results_dir, run.tests))
    result["report"] = reports.display(index, root) if report_error is None else None
    if report_error is None and index.parent.joinpath("widgets").is_dir():
        result["report_note"] = "multi-file report: open it through a web server (`allure open`)"
    run.meta.update(status="finished" if report_error is None else "report-failed", verdict=result["verdict"])
    markdown = signoff.render_markdown(result)
    rundata.write_json_atomically(run_dir / "signoff.json", result)
    (run_dir / "signoff.md").write_text(markdown, encoding="utf-8")
    rundata.write_meta(run_dir, run.meta)

    print("", file=out)
    print(signoff.render_markdown(result, with_report=False), file=out)
    append_step_summary(markdown)
    if report_error is None:
        if history is not None:
            reports.commit_history(reports_root, history, settings.history_limit)
        reports.switch_latest(reports_root, run_dir)
        reports.prune_runs(reports_root, settings.keep_runs)
    send_notification(result, profile, notify_url, out)
    if report_error is not None:
        raise report_error
    print(signoff.report_line(result), file=out, flush=True)
    if result["verdict"] == "NO-GO" and signoff.all_failures_are_infrastructure(result):
        categories = sorted({f["category"] for f in result["failures"]})
        raise InfrastructureError(
            f"no test passed and every failure is infrastructure ({'; '.join(categories)})"
        )
    return GO if result["verdict"] == "GO" else NO_GO


def load_catalog(root: Path) -> dict[str, dict] | None:
    path = root / "config" / "flows.yaml"
    if not path.is_file():
        return None
    try:
        from harness.catalog import CatalogError, load_flow_catalog
    except ImportError:
        return None
    try:
        flows = load_flow_catalog(path)
    except CatalogError as exc:
        raise UsageError(str(exc)) from None
    return {
        flow_id: {
            "title": flow.title,
            "critical": flow.critical,
            "severity": flow.severity,
            "screen": flow.screen,
        }
        for flow_id, flow in flows.items()
    }


def environment_facts(result: dict, meta: dict) -> dict[str, object]:
    versions = result["browser_versions"]
    facts = {
        "Profile": result["profile"] + (" (strict)" if result["strict"] else ""),
        "Verdict": result["verdict"],
        "Environment": result["env"],
        "Target URL": ", ".join(result["base_url"]) or meta.get("base_url") or "embedded PaperTrade",
        "App version": ", ".join(result["app_version"]),
        "Browsers": ", ".join(f"{b} {versions[b]}" if b in versions else b for b in result["browsers"]),
        "Seed": result["seed"],
        "Git commit": result["git_commit"],
        "Workers": meta.get("workers"),
        "Shards": ", ".join(result["shards"]),
        "Remote browsers": "yes (--connect)" if meta.get("connect") else None,
        "Python": sys.version.split()[0],
    }
    with contextlib.suppress(PackageNotFoundError):
        facts["Playwright"] = version("playwright")
    return facts


def append_step_summary(markdown: str) -> None:
    path = os.environ.get("GITHUB_STEP_SUMMARY")
    if path:
        try:
            with open(path, "a", encoding="utf-8") as stream:
                stream.write(markdown + "\n")
        except OSError as exc:
            print(f"tradecheck: could not append to GITHUB_STEP_SUMMARY: {exc}", file=sys.stderr)


def send_notification(result: dict, profile: Profile, notify_url: str | None, out) -> None:
    url = notify_url or os.environ.get(notify.ENV_VARIABLE)
    if not url:
        if profile.notify:
            print(
                f"notify: profile {profile.name} notifies, but no webhook is set "
                f"(--notify URL or {notify.ENV_VARIABLE})",
                file=out,
            )
        return
    location = (
        os.environ.get("TRADECHECK_REPORT_URL")
        or allure.executor_info("").get("buildUrl")
        or result["report"]
        or "(no report)"
    )
    print(notify.send(url, notify.message(result, location)), file=out, flush=True)


# ---- durations for --shard ---------------------------------------------------------------------


def store_durations(root: Path, request: RunRequest, source: Path | None = None, out=None) -> int:
    """Record each test's duration for pytest-split (--shard): from a finished run folder, or by
    running the profile's selection once."""
    out = out or sys.stdout
    if source is not None:
        tests = rundata.load_run(source).tests
    else:
        tests = _time_the_selection(root, request, out)
        if tests is None:
            return INTERRUPTED
    measured = {t["nodeid"]: round(float(t.get("duration") or 0), 3) for t in tests}
    path = root / DURATIONS_FILE
    durations = {}
    if path.is_file():
        try:
            durations = json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError:
            durations = {}
    durations.update(measured)
    path.parent.mkdir(parents=True, exist_ok=True)
    rundata.write_json_atomically(path, dict(sorted(durations.items())))
    print(
        f"durations: {len(measured)} tests, {sum(measured.values()):.1f} s in total, "
        f"stored in {DURATIONS_FILE}",
        file=out,
    )
    return GO


def _time_the_selection(root: Path, request: RunRequest, out) -> list[dict] | None:
    profile = request.profile
    plan, browsers = plan_run(root, request)
    with tempfile.TemporaryDirectory(prefix="tradecheck-durations-") as tmp:
        run_dir = Path(tmp)
        workers = request.workers or profile.workers
        command = pytest_command(
            run_dir,
            profile,
            browsers,
            workers,
            plan.seed,
            env=plan.env if request.env else None,
            connect=request.connect,
            extra=request.extra,
        )
        print(
            f"tradecheck durations · profile {profile.name} · browsers {', '.join(browsers)}",
            file=out,
            flush=True,
        )
        try:
            code = run_pytest(command, root, run_dir, out)
        except KeyboardInterrupt:
            print("tradecheck: interrupted; durations unchanged", file=sys.stderr)
            return None
        check_pytest_exit(code, run_dir / PYTEST_LOG, out, accepted=(0, 1))
        records = rundata.read_jsonl(run_dir / RESULTS_DIR / "results.jsonl", required=("kind",))
    return [r for r in records if r["kind"] == "test"]


# ---- small helpers -----------------------------------------------------------------------------


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


def pytest_summary_line(log: Path) -> str | None:
    """pytest's closing line, e.g. `=== 3 failed, 40 passed in 12.3s ===`."""
    for line in reversed(_tail(log)):
        stripped = line.strip()
        if (
            stripped.startswith("=")
            and stripped.endswith("=")
            and (" in " in stripped or "no tests ran" in stripped)
        ):
            return stripped
    return None


def last_error_line(log: Path) -> str:
    lines = [line.strip() for line in _tail(log) if line.strip() and not set(line.strip()) <= set("=-_ ")]
    errors = [line for line in lines if "error" in line.lower()]
    return (errors or lines or ["no output"])[-1][:300]


def usage_error(log: Path) -> str:
    """`python -m pytest: error: unrecognized arguments: --x` -> `unrecognized arguments: --x`."""
    return last_error_line(log).split(": error: ", 1)[-1]


def _tail(path: Path, limit: int = 200) -> list[str]:
    try:
        return path.read_text(encoding="utf-8", errors="replace").splitlines()[-limit:]
    except OSError:
        return []


def _iso(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
