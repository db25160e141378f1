"""Core Web Vitals of the scenarios' page loads: p75 per screen and browser, and the two gates.

Input: the records of DIR/vitals-<worker>.jsonl (fixtures/webvitals.py), one per document a test
loaded, with `screen`, `browser`, `lcp_ms`, `cls`, `inp_ms`, `fcp_ms`. A figure an engine does not
measure is null (Firefox has no layout-shift entries, so no CLS) and is left out, never read as 0.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from ci.figures import percentile

METRICS = ("lcp_ms", "cls", "inp_ms", "fcp_ms")
# name → (title, unit, comparison, default threshold): Google's "good" limits.
GATE_SPECS = {
    "lcp_p75_ms": ("Largest Contentful Paint, p75 of the worst screen × browser", "ms", "<=", 2500),
    "cls_p75": ("Cumulative Layout Shift, p75 of the worst screen × browser", "", "<=", 0.1),
}


@dataclass(frozen=True)
class ScreenVitals:
    screen: str
    browser: str
    loads: int
    p75: dict[str, float | None]  # metric → p75 over the loads that measured it


def read_vitals(artifacts_dir: Path) -> list[dict]:
    records = []
    for path in sorted(artifacts_dir.glob("vitals-*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                records.append(json.loads(line))
    return records


def vitals_by_screen(records: Iterable[Mapping]) -> list[ScreenVitals]:
    """p75 (nearest rank) of each metric per (screen, browser), sorted; loads of no known screen
    are left out."""
    groups: dict[tuple[str, str], list[Mapping]] = {}
    for record in records:
        if record.get("screen"):
            groups.setdefault((record["screen"], record["browser"]), []).append(record)
    rows = []
    for (screen, browser), loads in sorted(groups.items()):
        p75 = {
            metric: percentile([float(r[metric]) for r in loads if r.get(metric) is not None], 75)
            for metric in METRICS
        }
        rows.append(ScreenVitals(screen, browser, len(loads), p75))
    return rows


def _worst(rows: list[ScreenVitals], metric: str, unit: str) -> tuple[float | None, str]:
    measured = [row for row in rows if row.p75[metric] is not None]
    if not measured:
        return None, "no page load measured it"
    worst = max(measured, key=lambda row: row.p75[metric])
    unmeasured = sorted({row.browser for row in rows} - {row.browser for row in measured})
    detail = (
        f"worst: {worst.screen} on {worst.browser} ({_format(worst.p75[metric], unit)}, {worst.loads} loads)"
    )
    if unmeasured:
        detail += f"; not measured by {', '.join(unmeasured)}"
    # A figure as the sign-off shows it: whole milliseconds, CLS to 4 decimals.
    return round(worst.p75[metric], 0 if unit == "ms" else 4), detail


def lcp_p75_gate(records: Iterable[Mapping]) -> tuple[float | None, str]:
    """The highest p75 LCP over screens × browsers, and where it is."""
    return _worst(vitals_by_screen(records), "lcp_ms", "ms")


def cls_p75_gate(records: Iterable[Mapping]) -> tuple[float | None, str]:
    """The highest p75 CLS over screens × browsers, and where it is."""
    return _worst(vitals_by_screen(records), "cls", "")


def render_markdown(rows: list[ScreenVitals]) -> str:
    """The sign-off's vitals table."""
    if not rows:
        return "_No page load recorded Web Vitals._"
    lines = [
        "| screen | browser | loads | LCP p75 | CLS p75 | INP p75 | FCP p75 |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for row in rows:
        lines.append(
            f"| {row.screen} | {row.browser} | {row.loads} | {_format(row.p75['lcp_ms'], 'ms')} | "
            f"{_format(row.p75['cls'], '')} | {_format(row.p75['inp_ms'], 'ms')} | "
            f"{_format(row.p75['fcp_ms'], 'ms')} |"
        )
    return "\n".join(lines)


def _format(value: float | None, unit: str) -> str:
    if value is None:
        return "n/a"
    return f"{value:.0f} ms" if unit == "ms" else f"{value:.3f}"
