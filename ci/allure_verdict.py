"""The sign-off inside the Allure report: what a release manager sees without opening another file.

Allure 3 (the pinned 3.18) shows, on the overview of the Awesome report:
- global attachments and global errors, read from `<uuid>-globals.json` in allure-results
  (`{"attachments": [{"name", "type", "source"}], "errors": [{"message", "trace"}]}`, each source
  a file next to it): `signoff.md`, the gate table and the flows × browsers matrix (CSV, shown as
  tables) are attached there, and a NO-GO is a global error whose message is the verdict and its
  reasons;
- quality-gate results on its Quality Gates tab. Allure fills those only inside `allure run` /
  `allure quality-gate`, from its own rules; there is no results file for them. So the gates go to
  a JSON list next to the results (not inside: every file there becomes an attachment), and
  ci/allure_generate.mjs, which generates the report like `allure generate`, hands them to the
  report (`generate_command`).
"""

from __future__ import annotations

import csv
import io
import json
import shutil
import uuid
from collections.abc import Iterable, Mapping
from pathlib import Path

GLOBALS_SUFFIX = "-globals.json"
QUALITY_GATES_FILE = "quality-gates.json"
GENERATOR = Path(__file__).resolve().parent / "allure_generate.mjs"
# One uuid per run folder would do; a fixed namespace keeps the names stable when `finish` runs
# twice on the same folder (a merge re-run), so the second write replaces the first.
NAMESPACE = uuid.UUID("7b0c3c52-5f0e-4d0a-9a38-3c1f1e2d7a10")
CELL_TEXT = {
    "passed": "passed",
    "flaky": "flaky",
    "failed": "FAILED",
    "skipped": "skipped",
    "not run": "not run",
}


def write_verdict(results_dir: Path, signoff: Mapping, markdown: str) -> Path:
    """Write the verdict into allure-results as global attachments (and a global error for a
    NO-GO); return the globals file."""
    results_dir.mkdir(parents=True, exist_ok=True)
    key = str(uuid.uuid5(NAMESPACE, str(results_dir.resolve())))
    headline = verdict_headline(signoff)
    attachments = [
        _attachment(results_dir, key, "signoff", f"Sign-off: {headline}", "text/markdown", "md", markdown),
        _attachment(results_dir, key, "gates", "Gates", "text/csv", "csv", gate_table_csv(signoff)),
    ]
    if signoff["flows"]["rows"]:
        attachments.append(
            _attachment(
                results_dir, key, "flows", "Flows × browsers", "text/csv", "csv", flow_matrix_csv(signoff)
            )
        )
    errors = []
    if signoff["verdict"] != "GO":
        # the report shows an error's message and hides its trace: the reasons go in the message
        errors.append({"message": "\n".join([headline, *(f"- {r}" for r in signoff["reasons"])])})
    path = results_dir / f"{key}{GLOBALS_SUFFIX}"
    path.write_text(json.dumps({"attachments": attachments, "errors": errors}, indent=2), encoding="utf-8")
    return path


def verdict_headline(signoff: Mapping) -> str:
    """`GO: every gate of the profile passed` or `NO-GO: 2 gates failed: failures, p95_ms`."""
    if signoff["verdict"] == "GO":
        return f"GO: every gate of profile {signoff['profile']} passed"
    failed = [g["name"] for g in signoff["gates"] if g["enforced"] and g["result"] == "fail"]
    if failed:
        return f"NO-GO: {len(failed)} gate{'s' if len(failed) > 1 else ''} failed: {', '.join(failed)}"
    return "NO-GO: " + "; ".join(signoff["reasons"])


def _attachment(
    results_dir: Path, key: str, part: str, name: str, content_type: str, ext: str, text: str
) -> dict:
    source = f"{key}-{part}-attachment.{ext}"
    (results_dir / source).write_text(text, encoding="utf-8")
    return {"name": name, "type": content_type, "source": source}


def threshold_text(gate: Mapping) -> str:
    unit = f" {gate['unit']}" if gate.get("unit") else ""
    return f"{gate['comparison']} {gate['threshold']:g}{unit}"


def gate_state(gate: Mapping) -> str:
    """What the gate means for the verdict: pass / FAIL / n/a when enforced, `measured` otherwise."""
    if not gate["enforced"]:
        return "measured"
    return {"pass": "pass", "fail": "FAIL"}.get(gate["result"], "n/a")


def gate_table_csv(signoff: Mapping) -> str:
    return _csv(
        ["Gate", "Name", "Figure", "Threshold", "Result", "Detail"],
        (
            [g["title"], g["name"], g["display"], threshold_text(g), gate_state(g), g["detail"]]
            for g in signoff["gates"]
        ),
    )


def flow_matrix_csv(signoff: Mapping) -> str:
    flows = signoff["flows"]
    browsers = list(flows["browsers"])
    return _csv(
        ["Flow", "Title", "Critical", *browsers],
        (
            [
                row["id"],
                row["title"],
                "critical" if row["critical"] else "",
                *(CELL_TEXT.get(row["cells"][b], row["cells"][b]) for b in browsers),
            ]
            for row in flows["rows"]
        ),
    )


def _csv(header: list[str], rows: Iterable[list[str]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()


def quality_gate_results(signoff: Mapping) -> list[dict]:
    """Allure 3's QualityGateValidationResult for every gate: enforced gates pass or fail as the
    sign-off decided; a measured (unenforced) gate and one that does not apply are shown as passed,
    with `measured` / `n/a` in the message, because only an enforced failure makes a NO-GO.
    testResults links the failed (or flaky) tests, by the report's test-result ids."""
    linked = {
        "failures": _report_ids(signoff.get("failures", ())),
        "flaky": _report_ids(signoff.get("flaky", ())),
    }
    results = []
    for gate in signoff["gates"]:
        state = gate_state(gate)
        expected = threshold_text(gate)
        if state == "measured":
            profile = signoff["profile"]
            note = f"measured, not enforced by profile {profile}: {gate['display']} (would need {expected})"
        elif state == "n/a":
            note = f"no data: {gate['display']}"
        else:
            note = f"{state}: {gate['display']}, needs {expected}"
        results.append(
            {
                "rule": gate["name"] + ("" if state in ("pass", "FAIL") else f" ({state})"),
                "success": state != "FAIL",
                "actual": gate["display"],
                "expected": expected,
                "message": f"{gate['title']} — {note}" + (f". {gate['detail']}" if gate["detail"] else ""),
                "testResults": linked.get(gate["name"], []) if state == "FAIL" else [],
            }
        )
    return results


def _report_ids(entries: Iterable[Mapping]) -> list[str]:
    return [e["allure"]["report_id"] for e in entries if e.get("allure", {}).get("report_id")]


def write_quality_gates(run_dir: Path, signoff: Mapping) -> Path:
    path = run_dir / QUALITY_GATES_FILE
    path.write_text(json.dumps(quality_gate_results(signoff), indent=2), encoding="utf-8")
    return path


def generate_command(
    results_dirs: Iterable[Path], config: Path, output: Path, quality_gates: Path | None
) -> list[str]:
    """The argv that replaces `allure generate RESULTS... --config C --output O`."""
    node = shutil.which("node") or "node"
    command = [
        node,
        str(GENERATOR),
        *map(str, results_dirs),
        "--config",
        str(config),
        "--output",
        str(output),
    ]
    if quality_gates is not None:
        command += ["--quality-gates", str(quality_gates)]
    return command
