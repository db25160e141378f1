"""Asset delivery in the sign-off: the figures of DIR/assets-<worker>.jsonl (fixtures/assets.py)
as a table per screen and browser, and the asset_budget gate."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from pathlib import Path

# name → (title, unit, comparison, default threshold)
GATE_SPECS = {
    "asset_budget": ("Screens × browsers over an asset budget or with a delivery problem", "", "<=", 0),
}
KINDS = ("script", "style", "image", "font", "document")


def read_assets(artifacts_dir: Path) -> list[dict]:
    return [
        json.loads(line)
        for path in sorted(artifacts_dir.glob("assets-*.jsonl"))
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]


def latest_by_screen(records: Iterable[Mapping]) -> dict[tuple[str, str], Mapping]:
    """The last measurement of each (screen, browser): a retried test replaces its first try."""
    return {(r["screen"], r["browser"]): r for r in records}


def asset_budget_gate(records: Iterable[Mapping]) -> tuple[float | None, str]:
    """How many screen × browser measurements broke a budget or a delivery rule, naming them."""
    latest = latest_by_screen(records)
    if not latest:
        return None, "no screen measured"
    failing = [
        f"{screen} on {browser}: {'; '.join([*r['over_budget'], *r['problems']])}"
        for (screen, browser), r in sorted(latest.items())
        if r["over_budget"] or r["problems"]
    ]
    detail = " | ".join(failing) if failing else f"{len(latest)} screen × browser measured"
    return float(len(failing)), detail


def render_markdown(records: Iterable[Mapping]) -> str:
    latest = latest_by_screen(records)
    if not latest:
        return "_No screen's asset delivery was measured._"
    lines = [
        "| screen | browser | script | style | image | font | document | cold total | warm | problems |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for (screen, browser), r in sorted(latest.items()):
        cold, problems = r["cold"], [*r["over_budget"], *r["problems"]]
        lines.append(
            f"| {screen} | {browser} | "
            + " | ".join(_kb(cold[kind]) for kind in KINDS)
            + f" | {_kb(cold['total'])} | {_kb(r['warm']['total'])} | {'; '.join(problems) or 'none'} |"
        )
    return "\n".join(lines)


def _kb(size: int) -> str:
    return f"{size / 1000:.1f} kB"
