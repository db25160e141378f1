"""What every run ends with, a single run or merged shards alike: the sign-off (built once), the
Allure report, the history, the `latest` link and the notification."""

from __future__ import annotations

import contextlib
import os
import sys
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from ci import (
    allure,
    allure_verdict,
    appcoverage,
    faults,
    gates,
    notify,
    reports,
    rundata,
    secrets,
    signoff,
    trace_viewer,
)
from ci.errors import GO, NO_GO, InfrastructureError, UsageError
from ci.profiles import ProfileSet
from ci.rundata import ALLURE_RESULTS_DIR, COVERAGE_DIR
from ci.signoff import SignOff
from harness.catalog import CatalogError, load_flow_catalog
from monitor import signoff as monitor_signoff
from monitor.store import Store

TRACE_VIEWER_URL_VARIABLE = "TRADECHECK_TRACE_VIEWER_URL"  # where the run folder is served (trace links)


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
    # The last line of defence: whatever a test wrote, no known secret stays in the run folder.
    leaks = secrets.scan_and_redact(run_dir, secrets.known_secrets(notify_url))
    run = rundata.load_run(run_dir)
    run.meta.secret_leaks += [leak.to_json() for leak in leaks]
    profile = run.profile
    coverage = appcoverage.measure(run_dir / COVERAGE_DIR, root) if run.meta.app_coverage else None
    result = signoff.build(run, load_catalog(root), coverage, monitored_uptime())

    shard = run.meta.shard  # a shard of a matrix: only the merge judges flows and gates
    results_dir = run_dir / ALLURE_RESULTS_DIR
    results_dir.mkdir(exist_ok=True)
    # Each failure's address in the report is known from the results, before the report is made.
    signoff.link_allure(result, allure.result_index(results_dir, run.tests))
    report_name = f"TradeCheck {profile.name} · {result.verdict} · {run_dir.name}"
    allure.write_environment(results_dir, environment_facts(result, run.meta))
    allure.write_executor(results_dir, allure.executor_info(report_name))
    # The verdict, its reasons, the gates and the flow matrix inside the report itself.
    allure_verdict.write_verdict(
        results_dir, result.to_json(), signoff.render_markdown(result, with_report=False)
    )
    quality_gates = allure_verdict.write_quality_gates(run_dir, result.to_json())
    trace_viewer.install(
        run_dir, results_dir, os.environ.get(TRACE_VIEWER_URL_VARIABLE) or trace_viewer.LOCAL_BASE_URL
    )
    history = (
        reports.prepare_history(reports_root, run_dir, settings.history_limit, profile.name)
        if profile.history and not shard  # a shard's history entry would be one share of a run
        else None
    )
    report_error = None
    try:
        index = allure.build_report(
            results_dir, run_dir, report_name, history, settings.history_limit, quality_gates
        )
    except InfrastructureError as exc:
        report_error = exc
    else:
        result.report = reports.display(index, root)
        if index.parent.joinpath("widgets").is_dir():
            result.report_note = "multi-file report: open it through a web server (`allure open`)"
    run.meta.status = "finished" if report_error is None else "report-failed"
    run.meta.verdict = result.verdict
    markdown = signoff.render_markdown(result)
    rundata.write_json_atomically(run_dir / "signoff.json", result.to_json())
    (run_dir / "signoff.md").write_text(markdown, encoding="utf-8")
    rundata.write_meta(run_dir, run.meta)

    print("", file=out)
    if shard:
        summary = signoff.render_shard_summary(result, shard)
        print(summary, file=out)
        append_step_summary(summary)
    else:
        print(signoff.render_markdown(result, with_report=False), file=out)
        append_step_summary(markdown)
    if report_error is None:
        if history is not None:
            reports.commit_history(reports_root, history, settings.history_limit, profile.name)
        if reports.is_inside(run_dir, reports_root):
            reports.switch_latest(reports_root, run_dir)
            reports.prune_runs(reports_root, settings.keep_runs)
        else:
            print(
                f"{reports.display(run_dir, root)} is outside {reports.display(reports_root, root)}: "
                "reports/latest is unchanged",
                file=out,
            )
    if not shard:
        send_notification(result, profile.name, profile.notify, notify_url, out)
    if report_error is not None:
        raise report_error
    print(signoff.report_line(result), file=out, flush=True)
    if shard:
        t = result.tests
        return NO_GO if t["failed"] + t["error"] + t["collection_errors"] else GO
    killed = faults.app_killed(result.failures)
    if not result.go and killed:  # the app was stopped from outside: the run says nothing of the app
        raise InfrastructureError(killed)
    if not result.go and signoff.all_failures_are_infrastructure(result):
        categories = sorted({f["category"] for f in result.failures})
        raise InfrastructureError(
            f"no test passed and every failure is infrastructure ({'; '.join(categories)})"
        )
    return GO if result.go else NO_GO


def monitored_uptime() -> tuple[float | None, str] | None:
    """Availability over 30 days from the monitor's store named by TRADECHECK_MONITOR_STORE."""
    url = os.environ.get(gates.UPTIME_STORE_VARIABLE)
    if not url:
        return None
    store = Store(url)
    try:
        return monitor_signoff.uptime_figure(store, datetime.now(UTC))
    finally:
        store.close()


def load_catalog(root: Path) -> dict[str, dict] | None:
    path = root / "config" / "flows.yaml"
    if not path.is_file():
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


def environment_facts(result: SignOff, meta: rundata.RunMeta) -> dict[str, object]:
    versions = result.browser_versions
    facts = {
        "Profile": result.profile + (" (strict)" if result.strict else ""),
        "Verdict": result.verdict,
        "Environment": result.env,
        "Target URL": ", ".join(result.base_url) or meta.base_url or "embedded PaperTrade",
        "App version": ", ".join(result.app_version),
        "Browsers": ", ".join(f"{b} {versions[b]}" if b in versions else b for b in result.browsers),
        "Seed": result.seed,
        "Git commit": result.git_commit,
        "Workers": meta.workers,
        "Shards": ", ".join(result.shards),
        "Remote browsers": "yes (--connect)" if meta.connect else None,
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


def send_notification(
    result: SignOff, profile_name: str, profile_notifies: bool, notify_url: str | None, out
) -> None:
    url = notify_url or os.environ.get(notify.ENV_VARIABLE)
    if not url:
        if profile_notifies:
            print(
                f"notify: profile {profile_name} notifies, but no webhook is set "
                f"(--notify URL or {notify.ENV_VARIABLE})",
                file=out,
            )
        return
    location = (
        os.environ.get(allure.REPORT_URL_VARIABLE)
        or allure.executor_info("").get("buildUrl")
        or result.report
        or "(no report)"
    )
    print(notify.send(url, notify.message(result.to_json(), location)), file=out, flush=True)
