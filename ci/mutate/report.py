"""Scores and the files a user reads: mutation.json, mutation.html and mutation.md (the sign-off section).

Score = killed / (killed + survived + not covered), in %: equivalent mutants leave the count, and so
do mutants whose run broke for another reason (errors, listed). A timeout counts as killed: the
mutant made the app hang, which a user would notice. Per flow, a mutant counts for every flow of
the tests that executed it.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime, timedelta
from pathlib import Path

import jinja2

from ci.errors import UsageError
from ci.mutate.engine import MutantResult

RESULTS_FILE = "mutation.json"
HTML_FILE = "mutation.html"
MARKDOWN_FILE = "mutation.md"
TESTS_SHOWN = 5  # of a survivor's tests, in the sign-off section (the HTML page lists all)
KILLED = ("killed", "timeout")
COUNTED = ("killed", "timeout", "survived", "not_covered")
STATUSES = ("killed", "timeout", "survived", "not_covered", "equivalent", "error")


def tally(results: Iterable[MutantResult]) -> dict:
    counts = dict.fromkeys(STATUSES, 0)
    for result in results:
        counts[result.status] += 1
    counted = sum(counts[s] for s in COUNTED)
    killed = sum(counts[s] for s in KILLED)
    counts["total"] = sum(counts[s] for s in STATUSES)
    counts["score"] = round(100 * killed / counted, 2) if counted else None
    return counts


def timing(results: list[MutantResult], ran_ids: Iterable[str], started: datetime, seconds: float) -> dict:
    """One invocation's wall time and the mutants whose tests ran in it (not those it resumed)."""
    ran = set(ran_ids)
    return {
        "started": started.isoformat(timespec="seconds"),
        "seconds": round(seconds, 1),
        "ran": len(ran),
        "mutant_seconds": round(sum(r.seconds for r in results if r.id in ran), 1),
    }


def rate(summary: dict) -> dict | None:
    """Mutants per hour over the runs behind a summary. Shards that ran side by side share their
    wall time: the span from the first start to the last end is the time they took together."""
    timings = summary.get("timings") or []
    if not timings:
        return None
    starts = [datetime.fromisoformat(t["started"]) for t in timings]
    ends = [start + timedelta(seconds=t["seconds"]) for start, t in zip(starts, timings, strict=True)]
    span = (max(ends) - min(starts)).total_seconds()
    ran = sum(t["ran"] for t in timings)
    return {
        "runs": len(timings),
        "ran": ran,
        "seconds": span,
        "per_hour": ran * 3600 / span if span else 0.0,
        "mutant_seconds": sum(t["mutant_seconds"] for t in timings),
    }


def summarize(results: list[MutantResult], threshold: float, timings: Iterable[dict] = ()) -> dict:
    by_module: dict[str, list[MutantResult]] = defaultdict(list)
    by_flow: dict[str, list[MutantResult]] = defaultdict(list)
    for result in results:
        by_module[result.path].append(result)
        for flow in result.flows:
            by_flow[flow].append(result)
    overall = tally(results)
    return {
        "overall": overall,
        "threshold": threshold,
        "passed": overall["score"] is not None and overall["score"] >= threshold,
        "modules": {path: tally(group) for path, group in sorted(by_module.items())},
        "flows": {flow: tally(group) for flow, group in sorted(by_flow.items())},
        "timings": list(timings),
    }


MUTATION_DIR = "mutation"  # in a run folder of the `mutation` profile


def read_summary(out_dir: Path) -> dict | None:
    """The summary of a finished mutate run in out_dir, or None when there is none."""
    path = out_dir / RESULTS_FILE
    if not path.is_file():
        return None
    try:
        return json.loads(path.read_text(encoding="utf-8"))["summary"]
    except (OSError, ValueError, KeyError) as exc:
        raise UsageError(f"{path}: not a readable mutation report ({exc.__class__.__name__})") from None


def mutation_score_gate(summary: dict) -> tuple[float | None, str]:
    """Gate `mutation_score` (% , >=, default 90): the figure and its detail line."""
    overall = summary["overall"]
    detail = (
        f"{overall['killed'] + overall['timeout']} killed, {overall['survived']} survived, "
        f"{overall['not_covered']} not covered, {overall['equivalent']} equivalent, {overall['error']} errors"
    )
    return overall["score"], detail


def write(out_dir: Path, results: list[MutantResult], summary: dict) -> None:
    ordered = sorted(results, key=lambda r: (r.path, r.line, r.id))
    body = {"summary": summary, "mutants": [r.to_json() for r in ordered]}
    (out_dir / RESULTS_FILE).write_text(json.dumps(body, indent=1), encoding="utf-8")
    (out_dir / MARKDOWN_FILE).write_text(markdown(summary, ordered), encoding="utf-8")
    (out_dir / HTML_FILE).write_text(html(summary, ordered), encoding="utf-8")


def read_results(directory: Path) -> list[MutantResult]:
    body = json.loads((directory / RESULTS_FILE).read_text(encoding="utf-8"))
    return [MutantResult(**record) for record in body["mutants"]]


def _score(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f} %"


def markdown(summary: dict, results: list[MutantResult]) -> str:
    overall = summary["overall"]
    verdict = "passed" if summary["passed"] else "FAILED"
    figure, detail = mutation_score_gate(summary)
    lines = [
        "## Mutation testing",
        "",
        f"Gate `mutation_score`: **{_score(figure)}** (threshold >= {summary['threshold']:g} %) — {verdict}; "
        f"{detail}.",
        "",
        "| module | mutants | killed | survived | not covered | equivalent | score |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for path, row in summary["modules"].items():
        lines.append(
            f"| {path} | {row['total']} | {row['killed'] + row['timeout']} | {row['survived']} | "
            f"{row['not_covered']} | {row['equivalent']} | {_score(row['score'])} |"
        )
    lines += [
        "",
        "| flow | mutants reached | killed | survived | score |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    for flow, row in summary["flows"].items():
        lines.append(
            f"| {flow} | {row['total']} | {row['killed'] + row['timeout']} | {row['survived']} | "
            f"{_score(row['score'])} |"
        )
    survivors = [r for r in results if r.status == "survived"]
    if survivors:
        lines += ["", f"### Surviving mutants ({len(survivors)})", ""]
        for result in survivors:
            shown = ", ".join(f"`{t}`" for t in result.tests[:TESTS_SHOWN])
            more = len(result.tests) - TESTS_SHOWN
            lines += [
                f"- `{result.id}` — executed by {len(result.tests)} test(s): {shown}"
                + (f" and {more} more ({HTML_FILE} lists them)" if more > 0 else ""),
                "",
                "  ```diff",
                *("  " + line for line in result.diff.splitlines()),
                "  ```",
            ]
    lines += ["", f"Overall: {overall['total']} mutants; each with its diff and tests in `{HTML_FILE}`."]
    return "\n".join(lines) + "\n"


def signoff_section(out_dir: Path) -> str:
    """The sign-off's mutation section: `mutation.md` of the run's mutation folder, "" without one."""
    path = out_dir / MARKDOWN_FILE
    return path.read_text(encoding="utf-8") if path.is_file() else ""


HTML_TEMPLATE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Mutation testing</title>
<style>
body { font: 14px/1.4 system-ui, sans-serif; margin: 2em; color: #222 }
table { border-collapse: collapse; margin: 1em 0 } td, th { border: 1px solid #ccc; padding: 3px 8px }
td.n { text-align: right } .survived { background: #fde2e2 } .not_covered { background: #fff4d6 }
.killed, .timeout { background: #e3f6e3 } .equivalent, .error { background: #eee }
pre { background: #f6f6f6; padding: 6px; overflow-x: auto; margin: 4px 0 }
</style></head><body>
<h1>Mutation testing</h1>
<p>Gate <code>mutation_score</code>: <strong>{{ score }}</strong> (threshold &ge; {{ summary.threshold }} %) —
{{ "passed" if summary.passed else "FAILED" }}; {{ detail }}.</p>
<h2>Modules</h2>
<table><tr><th>module</th><th>mutants</th><th>killed</th><th>survived</th><th>not covered</th>
<th>equivalent</th><th>errors</th><th>score</th></tr>
{% for path, row in summary.modules.items() %}<tr><td>{{ path }}</td><td class="n">{{ row.total }}</td>
<td class="n">{{ row.killed + row.timeout }}</td><td class="n">{{ row.survived }}</td>
<td class="n">{{ row.not_covered }}</td><td class="n">{{ row.equivalent }}</td>
<td class="n">{{ row.error }}</td>
<td class="n">{{ fmt(row.score) }}</td></tr>
{% endfor %}</table>
<h2>Flows</h2>
<table><tr><th>flow</th><th>mutants reached</th><th>killed</th><th>survived</th><th>score</th></tr>
{% for flow, row in summary.flows.items() %}<tr><td>{{ flow }}</td><td class="n">{{ row.total }}</td>
<td class="n">{{ row.killed + row.timeout }}</td><td class="n">{{ row.survived }}</td>
<td class="n">{{ fmt(row.score) }}</td></tr>
{% endfor %}</table>
<h2>Mutants</h2>
<table><tr><th>status</th><th>mutant</th><th>change</th><th>tests that executed it</th></tr>
{% for r in results %}<tr class="{{ r.status }}"><td>{{ r.status }}</td><td><code>{{ r.id }}</code>
{% if r.killed_by %}<br><small>killed by {{ r.killed_by }}</small>{% endif %}
{% if r.detail %}<br><small>{{ r.detail[:300] }}</small>{% endif %}</td>
<td><pre>{{ r.diff }}</pre></td><td>{% for t in r.tests %}<code>{{ t }}</code><br>{% endfor %}</td></tr>
{% endfor %}</table>
</body></html>
"""


def html(summary: dict, results: list[MutantResult]) -> str:
    environment = jinja2.Environment(autoescape=True)
    template = environment.from_string(HTML_TEMPLATE)
    figure, detail = mutation_score_gate(summary)
    return template.render(summary=summary, results=results, score=_score(figure), detail=detail, fmt=_score)
