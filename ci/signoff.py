"""The sign-off of a run: verdict, gates, flows x browsers, flaky tests and failures.

`build` turns a RunData (one run or merged shards) into a plain dict, the content of signoff.json;
`render_markdown` writes signoff.md from that dict, which is also what the console and the GitHub
step summary show.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping

from ci import gates
from ci.appcoverage import AppCoverage
from ci.categories import classify
from ci.gates import FAILED_OUTCOMES, decide
from ci.rundata import RunData

MAX_NAMED = 12  # flows, tests or requests named in one gate's detail


def build(
    run: RunData,
    catalog: Mapping[str, Mapping] | None,
    app_coverage: AppCoverage | None,
    allure_ids: Mapping[str, dict] | None = None,
) -> dict:
    """catalog: {flow id: {"title", "critical", ...}} or None when there is none.
    app_coverage: None when code coverage does not apply to this target.
    allure_ids: {nodeid: {"uuid", "report_id", "name"}} from the Allure results."""
    profile = run.profile
    strict = profile.strict
    thresholds = profile.gates
    browsers = run.browsers
    tests = run.tests
    allure_ids = allure_ids or {}

    failed = [t for t in tests if t["outcome"] in FAILED_OUTCOMES]
    flaky = [t for t in tests if t.get("flaky")]
    results: list[gates.GateResult] = []

    failing = len(failed) + len(run.collect_errors) + (len(flaky) if strict else 0)
    detail = f"{len(failed)} failed, {len(run.collect_errors)} collection error(s)"
    if strict:
        detail += f", {len(flaky)} flaky (a flaky pass counts as a failure under this profile)"
    results.append(decide("failures", failing, thresholds, strict, detail))
    results.append(decide("flaky", len(flaky), thresholds, strict, _names(t["nodeid"] for t in flaky)))

    matrix: dict[str, dict[str, str]] = {}
    if catalog is None:
        for name in ("critical_flows", "flow_coverage"):
            results.append(decide(name, None, thresholds, strict, "no flow catalog (config/flows.yaml)"))
    else:
        matrix = gates.flow_matrix(tests, catalog, browsers)
        critical_ids = [flow for flow, info in catalog.items() if info.get("critical")]
        for name, ids in (("critical_flows", critical_ids), ("flow_coverage", list(catalog))):
            percent, uncovered = gates.coverage_percent(matrix, ids, strict)
            text = f"{len(ids) - len(uncovered)} of {len(ids)} flows"
            if uncovered:
                text += "; not covered: " + _limited(
                    gates.describe_uncovered(matrix, uncovered, strict).split(", ")
                )
            results.append(decide(name, percent, thresholds, strict, text))

    if app_coverage is None:
        results.append(
            decide(
                "code_coverage", None, thresholds, strict, "not measured for this target", applicable=False
            )
        )
    else:
        results.append(decide("code_coverage", app_coverage.percent, thresholds, strict, app_coverage.detail))

    recorded = bool(run.traffic or run.targets)
    traffic = gates.traffic_figures(run.traffic, [t.get("base_url") for t in run.targets])
    if traffic.requests:
        slowest = ", ".join(
            f"{r.get('method', '?')} {_path(r)} {float(r['duration_ms']):.0f} ms" for r in traffic.slowest[:3]
        )
        p95_text = f"{traffic.requests} requests; slowest: {slowest}"
        samples = ", ".join(
            f"{r.get('status') or r.get('failure')} {r.get('method', '?')} {_path(r)}"
            for r in traffic.error_samples[:3]
        )
        error_text = f"{traffic.errors} of {traffic.requests} requests" + (
            f"; e.g. {samples}" if samples else ""
        )
    else:
        p95_text = error_text = "no app traffic recorded"
    results.append(decide("p95_ms", traffic.p95_ms, thresholds, strict, p95_text))
    results.append(decide("error_rate", traffic.error_rate, thresholds, strict, error_text))
    page_errors = len(run.page_errors) if recorded else None
    page_text = (
        _names(f"{e.get('browser', '?')}: {e['message'][:120]}" for e in run.page_errors)
        if run.page_errors
        else ("none" if recorded else "no page-error log recorded")
    )
    results.append(decide("page_errors", page_errors, thresholds, strict, page_text))

    reasons = [
        f"{r.name}: {r.spec.format(r.figure)} (needs {r.spec.format_threshold(r.threshold)})"
        for r in results
        if r.enforced and r.result == "fail"
    ]
    if not tests and not run.collect_errors:
        reasons.append("no test ran")
    counts = Counter(t["outcome"] for t in tests)
    target = run.targets[0] if run.targets else {}
    return {
        "verdict": "NO-GO" if reasons else "GO",
        "reasons": reasons,
        "profile": profile.name,
        "strict": strict,
        "env": target.get("env") or run.meta.get("env"),
        "base_url": sorted({t.get("base_url") for t in run.targets if t.get("base_url")}),
        "app_version": sorted({str(t.get("app_version")) for t in run.targets if t.get("app_version")}),
        "browsers": browsers,
        "browser_versions": browser_versions(tests),
        "seed": run.meta.get("seed"),
        "git_commit": run.meta.get("git_commit"),
        "shards": run.meta.get("shards") or ([run.meta["shard"]] if run.meta.get("shard") else []),
        "started_at": run.meta.get("started_at"),
        "finished_at": run.meta.get("finished_at"),
        "duration_s": run.meta.get("duration_s"),
        "tests": {
            "total": len(tests),
            "collected": run.collected,
            **{
                outcome: counts.get(outcome, 0)
                for outcome in ("passed", "failed", "error", "skipped", "xfailed", "xpassed")
            },
            "flaky": len(flaky),
            "reruns": sum(max(0, int(t.get("attempts", 1)) - 1) for t in tests),
            "collection_errors": len(run.collect_errors),
        },
        "gates": [r.to_json() for r in results],
        "flows": {
            "browsers": browsers,
            "rows": [
                {
                    "id": flow,
                    "title": (catalog or {}).get(flow, {}).get("title", ""),
                    "critical": bool((catalog or {}).get(flow, {}).get("critical")),
                    "cells": cells,
                }
                for flow, cells in matrix.items()
            ],
        },
        "flaky": [_test_entry(t, allure_ids) for t in flaky],
        "failures": [_test_entry(t, allure_ids) for t in failed]
        + [
            {
                "nodeid": e.get("nodeid") or "(collection)",
                "browser": None,
                "outcome": "collection error",
                "category": "Test defects: broken test code, fixture or data",
                "infrastructure": False,
                "message": e.get("message"),
            }
            for e in run.collect_errors
        ],
        "report": None,
    }


def browser_versions(tests) -> dict[str, str]:
    versions: dict[str, str] = {}
    for test in tests:
        if test.get("browser") and test.get("browser_version"):
            versions.setdefault(test["browser"], test["browser_version"])
    return versions


def all_failures_are_infrastructure(signoff: dict) -> bool:
    """Nothing passed and every failure is an infrastructure one: the run says nothing about the app."""
    failures = signoff["failures"]
    return (
        bool(failures) and signoff["tests"]["passed"] == 0 and all(f.get("infrastructure") for f in failures)
    )


def _test_entry(test: dict, allure_ids: Mapping[str, dict]) -> dict:
    entry = {
        "nodeid": test["nodeid"],
        "browser": test.get("browser"),
        "outcome": test["outcome"],
        "attempts": test.get("attempts", 1),
        "flows": test.get("flows") or [],
        "message": (test.get("message") or "").strip(),
    }
    if test["outcome"] in FAILED_OUTCOMES:
        category = classify(test)
        entry.update(category=category.name, infrastructure=category.infrastructure)
    allure = allure_ids.get(test["nodeid"])
    if allure:
        entry["allure"] = allure
    return entry


def _path(record: Mapping) -> str:
    return str(record.get("path") or record.get("url") or "?")


def _names(names) -> str:
    return _limited(list(names))


def _limited(items: list[str]) -> str:
    shown = ", ".join(items[:MAX_NAMED])
    return shown + (f" and {len(items) - MAX_NAMED} more" if len(items) > MAX_NAMED else "")


# ---- rendering -------------------------------------------------------------------------------

CELL = {
    "passed": "✅ passed",
    "flaky": "⚠️ flaky",
    "failed": "❌ failed",
    "skipped": "⏭️ skipped",
    "not run": "· not run",
}


def render_markdown(signoff: dict, with_report: bool = True) -> str:
    go = signoff["verdict"] == "GO"
    lines = [f"# TradeCheck sign-off: {'✅ GO' if go else '❌ NO-GO'}", ""]
    lines.append(" · ".join(_header_facts(signoff)))
    if signoff["reasons"]:
        lines += ["", "**Why NO-GO:** " + "; ".join(signoff["reasons"])]
    t = signoff["tests"]
    lines += [
        "",
        f"**Tests:** {t['total']} run: {t['passed']} passed, {t['failed']} failed, {t['error']} errors, "
        f"{t['skipped']} skipped, {t['xfailed']} xfailed, {t['xpassed']} xpassed · {t['flaky']} flaky · "
        f"{t['reruns']} reruns · {t['collection_errors']} collection errors",
        "",
        "## Gates",
        "",
        "| Gate | Figure | Threshold | Result | Detail |",
        "| --- | --- | --- | --- | --- |",
    ]
    for gate in signoff["gates"]:
        threshold = gates.GATES[gate["name"]].format_threshold(gate["threshold"])
        if gate["enforced"]:
            result = {"pass": "✅ pass", "fail": "❌ FAIL", "n/a": "— n/a"}[gate["result"]]
        else:
            result = f"ℹ️ info ({gate['result']})"
        lines.append(
            f"| {gate['title']} (`{gate['name']}`) | {gate['display']} | {threshold} | {result} "
            f"| {_cell(gate['detail'])} |"
        )
    flows = signoff["flows"]
    if flows["rows"]:
        lines += [
            "",
            "## Flows × browsers",
            "",
            "| Flow | Title | Critical | " + " | ".join(flows["browsers"]) + " |",
            "| --- | --- | --- | " + " | ".join("---" for _ in flows["browsers"]) + " |",
        ]
        for row in flows["rows"]:
            cells = " | ".join(CELL[row["cells"][b]] for b in flows["browsers"])
            lines.append(
                f"| {row['id']} | {_cell(row['title'])} | {'★' if row['critical'] else ''} | {cells} |"
            )
    lines += ["", f"## Flaky tests ({len(signoff['flaky'])})", ""]
    lines += [
        f"- `{f['nodeid']}` passed on attempt {f['attempts']}{_pointer(f)}" for f in signoff["flaky"]
    ] or ["None."]
    lines += ["", f"## Failures ({len(signoff['failures'])})", ""]
    for failure in signoff["failures"]:
        message = (failure.get("message") or "").splitlines()[0][:300] if failure.get("message") else ""
        lines.append(
            f"- **{failure.get('category', failure['outcome'])}** `{failure['nodeid']}`: "
            f"{message}{_pointer(failure)}"
        )
    if not signoff["failures"]:
        lines.append("None.")
    if with_report and signoff.get("report"):
        lines += ["", report_line(signoff)]
    return "\n".join(lines) + "\n"


def report_line(signoff: dict) -> str:
    note = signoff.get("report_note")
    return f"Report: {signoff['report']}" + (f" ({note})" if note else "")


def _header_facts(signoff: dict) -> list[str]:
    facts = [f"profile **{signoff['profile']}**" + (" (strict)" if signoff["strict"] else "")]
    target = signoff.get("env") or "?"
    if signoff["base_url"]:
        target += f" ({', '.join(signoff['base_url'])})"
    if signoff["app_version"]:
        target += f", app {', '.join(signoff['app_version'])}"
    facts.append(f"target {target}")
    versions = signoff["browser_versions"]
    facts.append(
        "browsers " + ", ".join(f"{b} {versions[b]}" if b in versions else b for b in signoff["browsers"])
    )
    if signoff.get("seed") is not None:
        facts.append(f"seed {signoff['seed']}")
    if signoff.get("git_commit"):
        facts.append(f"commit {signoff['git_commit'][:12]}")
    if signoff.get("shards"):
        facts.append(f"shards {', '.join(signoff['shards'])}")
    if signoff.get("duration_s") is not None:
        facts.append(f"{signoff['duration_s']:.0f} s")
    return facts


def _pointer(entry: dict) -> str:
    allure = entry.get("allure")
    if not allure:
        return ""
    link = f"allure-report/index.html#/{allure['report_id']}"
    return f" — Allure: {allure['name']} (uuid {allure['uuid']}, `{link}`)"


def _cell(text: str) -> str:
    return (text or "").replace("|", "\\|").replace("\n", " ")
