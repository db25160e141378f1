"""The web-quality part of a sign-off, from a run folder: every figure of the new gates and one
markdown section (Lighthouse table, accessibility result, vitals, asset figures).

`web_quality_figures(run_dir)` returns {gate name: (figure, detail)} for lighthouse_performance,
lighthouse_accessibility, lcp_p75_ms, cls_p75 and asset_budget; `render_markdown(run_dir)` the
section. Both read only files: artifacts/*.jsonl written by the plugins and
lighthouse/summary.json written by ci/lighthouse.py.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from ci import assets, lighthouse, webvitals

ARTIFACTS_DIR = "artifacts"
LIGHTHOUSE_SUMMARY = Path("lighthouse") / "summary.json"
# Every gate of this module: name → (title, unit, comparison, default threshold).
GATE_SPECS = {**lighthouse.GATE_SPECS, **webvitals.GATE_SPECS, **assets.GATE_SPECS}


def read_accessibility(artifacts_dir: Path) -> list[dict]:
    return [
        json.loads(line)
        for path in sorted(artifacts_dir.glob("accessibility-*.jsonl"))
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]


def web_quality_figures(run_dir: Path) -> dict[str, tuple[float | None, str]]:
    artifacts = run_dir / ARTIFACTS_DIR
    vitals = webvitals.read_vitals(artifacts)
    audited = lighthouse.load_result(run_dir / LIGHTHOUSE_SUMMARY)
    not_run: Callable[[], tuple[None, str]] = lambda: (None, "Lighthouse did not run in this profile")  # noqa: E731
    return {
        "lighthouse_performance": lighthouse.performance_gate(audited) if audited else not_run(),
        "lighthouse_accessibility": lighthouse.accessibility_gate(audited) if audited else not_run(),
        "lcp_p75_ms": webvitals.lcp_p75_gate(vitals),
        "cls_p75": webvitals.cls_p75_gate(vitals),
        "asset_budget": assets.asset_budget_gate(assets.read_assets(artifacts)),
    }


def accessibility_summary(records: list[dict]) -> str:
    if not records:
        return "_No accessibility check ran._"
    counts: dict[str, int] = {}
    for record in records:
        for violation in record["violations"]:
            counts[violation["impact"]] = counts.get(violation["impact"], 0) + 1
    checked = len({(r["state"], r["browser"]) for r in records})
    browsers = ", ".join(sorted({r["browser"] for r in records}))
    found = ", ".join(f"{counts[i]} {i}" for i in ("critical", "serious", "moderate", "minor") if i in counts)
    return f"axe-core on {checked} screen states × browsers ({browsers}): {found or 'no violation'}."


def render_markdown(run_dir: Path) -> str:
    artifacts = run_dir / ARTIFACTS_DIR
    audited = lighthouse.load_result(run_dir / LIGHTHOUSE_SUMMARY)
    return "\n\n".join(
        [
            "## Web quality",
            "### Lighthouse (median run per page)",
            lighthouse.render_markdown(audited) if audited else "_Lighthouse did not run in this profile._",
            "### Accessibility",
            accessibility_summary(read_accessibility(artifacts)),
            "### Core Web Vitals (p75 per screen and browser)",
            webvitals.render_markdown(webvitals.vitals_by_screen(webvitals.read_vitals(artifacts))),
            "### Asset delivery (bytes on the wire, cold load)",
            assets.render_markdown(assets.read_assets(artifacts)),
        ]
    )
