"""The sign-off of a run: verdict, gates, flows x browsers, flaky tests and failures.

`build` turns a RunData (one run or merged shards) into a plain dict, the content of signoff.json;
`render_markdown` writes signoff.md from that dict, which is also what the console and the GitHub
step summary show.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields

from ci import dbgate, gates, webquality
from ci.appcoverage import AppCoverage
from ci.categories import classify
from ci.figures import FAILED_OUTCOMES
from ci.gates import GateResult
from ci.mutate import report as mutate_report
from ci.rundata import RunData


@dataclass
class SignOff:
    """The verdict of a run folder and everything that explains it; signoff.json is `to_json()`."""

    verdict: str  # "GO" or "NO-GO"
    reasons: list[str]
    profile: str
    strict: bool
    env: str | None
    base_url: list[str]
    app_version: list[str]
    database: list[str]  # the embedded app's database engine(s): sqlite, postgresql
    browsers: list[str]
    browser_versions: dict[str, str]
    seed: int | str | None
    git_commit: str | None
    shards: list[str]
    started_at: str | None
    finished_at: str | None
    duration_s: float | None
    tests: dict[str, int | None]
    gates: list[GateResult]
    flows: dict
    flaky: list[dict]
    failures: list[dict]
    query_table: list[dict]  # per route: requests, statements, database time (from Server-Timing)
    web_quality: str  # markdown: Lighthouse, accessibility, Web Vitals and asset delivery
    mutation: str = ""  # markdown: the mutation testing section, when the profile mutation-tested the app
    report: str | None = None
    report_note: str | None = None

    @property
    def go(self) -> bool:
        return self.verdict == "GO"

    def to_json(self) -> dict:
        data = {f.name: getattr(self, f.name) for f in fields(self)}
        data["gates"] = [gate.to_json() for gate in self.gates]
        return data


def build(
    run: RunData,
    catalog: Mapping[str, Mapping] | None,
    app_coverage: AppCoverage | None,
    uptime: tuple[float | None, str] | None = None,
) -> SignOff:
    """catalog: {flow id: {"title", "critical", ...}} or None when there is none.
    app_coverage: None when code coverage does not apply to this target.
    uptime: the monitor's (availability, detail) when a store was given."""
    profile = run.profile
    facts = gates.RunFacts.of(run, catalog, app_coverage, uptime)
    results = gates.evaluate(facts, profile.gates)
    reasons = [gate.reason() for gate in results if gate.failed]
    tests = run.tests
    if not tests and not run.collect_errors:
        reasons.append("no test ran")
    counts = Counter(t["outcome"] for t in tests)
    target = run.targets[0] if run.targets else {}
    return SignOff(
        verdict="NO-GO" if reasons else "GO",
        reasons=reasons,
        profile=profile.name,
        strict=profile.strict,
        env=target.get("env") or run.meta.env,
        base_url=sorted({t.get("base_url") for t in run.targets if t.get("base_url")}),
        app_version=sorted({str(t.get("app_version")) for t in run.targets if t.get("app_version")}),
        database=sorted({str(t["database"]) for t in run.targets if t.get("database")}),
        browsers=run.browsers,
        browser_versions=browser_versions(tests),
        seed=run.meta.seed,
        git_commit=run.meta.git_commit,
        shards=run.meta.shard_labels,
        started_at=run.meta.started_at,
        finished_at=run.meta.finished_at,
        duration_s=run.meta.duration_s,
        tests={
            "total": len(tests),
            "collected": run.collected,
            **{
                outcome: counts.get(outcome, 0)
                for outcome in ("passed", "failed", "error", "skipped", "xfailed", "xpassed")
            },
            "flaky": len(facts.flaky),
            "reruns": sum(max(0, int(t.get("attempts", 1)) - 1) for t in tests),
            "collection_errors": len(run.collect_errors),
        },
        gates=results,
        flows={
            "browsers": run.browsers,
            "rows": [
                {
                    "id": flow,
                    "title": (catalog or {}).get(flow, {}).get("title", ""),
                    "critical": bool((catalog or {}).get(flow, {}).get("critical")),
                    "cells": cells,
                }
                for flow, cells in facts.matrix.items()
            ],
        },
        query_table=[asdict(row) for row in facts.database_table],
        web_quality=webquality.render_markdown(run.directory),
        mutation=mutate_report.signoff_section(run.directory / mutate_report.MUTATION_DIR),
        flaky=[_test_entry(t) for t in facts.flaky],
        failures=[_test_entry(t) for t in facts.failed]
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
    )


def link_allure(signoff: SignOff, allure_ids: Mapping[str, dict]) -> None:
    """Point each flaky and failed test at its entry in the Allure report, once the report exists.
    allure_ids: {nodeid: {"uuid", "report_id", "name"}} from the Allure results."""
    for entry in [*signoff.flaky, *signoff.failures]:
        if entry["nodeid"] in allure_ids:
            entry["allure"] = allure_ids[entry["nodeid"]]


def browser_versions(tests) -> dict[str, str]:
    versions: dict[str, str] = {}
    for test in tests:
        if test.get("browser") and test.get("browser_version"):
            versions.setdefault(test["browser"], test["browser_version"])
    return versions


def all_failures_are_infrastructure(signoff: SignOff) -> bool:
    """Nothing passed and every failure is an infrastructure one: the run says nothing about the app."""
    failures = signoff.failures
    return bool(failures) and signoff.tests["passed"] == 0 and all(f.get("infrastructure") for f in failures)


def _test_entry(test: dict) -> dict:
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
    return entry


# ---- rendering -------------------------------------------------------------------------------

CELL = {
    "passed": "✅ passed",
    "flaky": "⚠️ flaky",
    "failed": "❌ failed",
    "skipped": "⏭️ skipped",
    "not run": "· not run",
}


def render_markdown(result: SignOff, with_report: bool = True) -> str:
    signoff = result.to_json()
    go = result.go
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
            outcome = {"pass": "✅ pass", "fail": "❌ FAIL", "n/a": "— n/a"}[gate["result"]]
        else:  # measured and shown, but this profile does not decide on it
            outcome = "ℹ️ measured"
        lines.append(
            f"| {gate['title']} (`{gate['name']}`) | {gate['display']} | {threshold} | {outcome} "
            f"| {_cell(gate['detail'])} |"
        )
    flows = signoff["flows"]
    in_scope = [row for row in flows["rows"] if set(row["cells"].values()) != {"not run"}]
    out_of_scope = [row["id"] for row in flows["rows"] if row not in in_scope]
    if in_scope:
        lines += [
            "",
            "## Flows × browsers",
            "",
            "| Flow | Title | Critical | " + " | ".join(flows["browsers"]) + " |",
            "| --- | --- | --- | " + " | ".join("---" for _ in flows["browsers"]) + " |",
        ]
        for row in in_scope:
            cells = " | ".join(CELL[row["cells"][b]] for b in flows["browsers"])
            lines.append(
                f"| {row['id']} | {_cell(row['title'])} | {'★' if row['critical'] else ''} | {cells} |"
            )
    if out_of_scope:
        lines += [
            "",
            f"{len(out_of_scope)} catalog flows had no test in this run: {', '.join(out_of_scope)}.",
        ]
    if result.web_quality:
        lines += ["", result.web_quality.rstrip()]
    if result.query_table:
        lines += ["", "## Database work", "", dbgate.format_query_table(_database_rows(result)).rstrip()]
    if result.mutation:
        lines += ["", result.mutation.rstrip()]
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
    if with_report and result.report:
        lines += ["", report_line(result)]
    return "\n".join(lines) + "\n"


def render_shard_summary(result: SignOff, shard: str) -> str:
    """A shard judges only its own tests: the verdict on flows and gates is the merge's to give."""
    t = result.tests
    failed = t["failed"] + t["error"] + t["collection_errors"]
    lines = [
        f"# TradeCheck {result.profile} · shard {shard} · {', '.join(result.browsers)}: "
        + ("❌ " if failed else "✅ ")
        + f"{t['total']} tests, {failed} failed",
        "",
        f"{t['passed']} passed, {t['failed']} failed, {t['error']} errors, {t['skipped']} skipped, "
        f"{t['flaky']} flaky · the verdict comes from `tradecheck merge` of every shard",
    ]
    if result.failures:
        lines += ["", f"## Failures ({len(result.failures)})", ""]
        lines += [
            f"- **{f.get('category', f['outcome'])}** `{f['nodeid']}`: "
            + ((f.get("message") or "").splitlines() or [""])[0][:300]
            for f in result.failures
        ]
    return "\n".join(lines) + "\n"


def _database_rows(result: SignOff) -> list[dbgate.RouteLoad]:
    return [dbgate.RouteLoad(**row) for row in result.query_table]


def report_line(signoff: SignOff) -> str:
    note = signoff.report_note
    return f"Report: {signoff.report}" + (f" ({note})" if note else "")


def _header_facts(signoff: dict) -> list[str]:
    facts = [f"profile **{signoff['profile']}**" + (" (strict)" if signoff["strict"] else "")]
    target = signoff.get("env") or "?"
    if signoff["base_url"]:
        target += f" ({', '.join(signoff['base_url'])})"
    if signoff["app_version"]:
        target += f", app {', '.join(signoff['app_version'])}"
    if signoff["database"]:
        target += f" on {', '.join(signoff['database'])}"
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
