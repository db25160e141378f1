"""The status page: status.html (one self-contained file), status.json and metrics.prom (for
node_exporter's textfile collector), rewritten after every cycle. Each file is written to a
temporary name in the same folder and renamed over the old one, so a reader never sees half."""

from __future__ import annotations

import json
import os
import tempfile
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from jinja2 import Environment
from prometheus_client import CollectorRegistry, Gauge, write_to_textfile

from ci.errors import UsageError
from monitor.config import MonitorConfig
from monitor.report import OVERALL, as_json, slo_table
from monitor.slo import availability
from monitor.store import DEGRADED, DOWN, UP, Store, days_back

UPTIME_DAYS = 90
SPARKLINE_POINTS = 60
LATENCY_WINDOW_LIMIT_S = 86400  # p50/p95 on the page for windows up to 24 h (`report` has any window)
FILES = ("status.html", "status.json", "metrics.prom")


def write_atomic(path: Path, text: str) -> None:
    descriptor, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def probe_directory(directory: Path, purpose: str = "--status-dir: cannot write the status page") -> None:
    """Fail before the first check when `directory` cannot be written (exit 2)."""
    try:
        directory.mkdir(parents=True, exist_ok=True)
        descriptor, temporary = tempfile.mkstemp(prefix=".probe.", dir=directory)
        os.close(descriptor)
        os.unlink(temporary)
    except OSError as exc:
        raise UsageError(f"{purpose} to {directory} ({exc.strerror})") from None


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def snapshot(store: Store, config: MonitorConfig, target: str, now: datetime) -> dict[str, Any]:
    """Everything the three files show, as plain data."""
    horizon = now - timedelta(days=UPTIME_DAYS)
    names = list(dict.fromkeys([c.name for c in config.checks] + store.checks(horizon)))
    locations = store.locations(horizon) or [config.location]
    table = slo_table(store, config.windows, config.slo_target, now, latency_up_to=LATENCY_WINDOW_LIMIT_S)
    windows = as_json(table)
    days = days_back(now, UPTIME_DAYS)
    daily = store.daily(days[0])
    checks = []
    for name in names:
        states = {}
        for location in locations:
            row = store.state(location, f"check:{name}")
            if row is not None:
                states[location] = row.state
        lasts = [r for location in locations for r in store.recent(name, location, 1)]
        latest = max(lasts, key=lambda r: r.started_at, default=None)
        bars = []
        for day in days:
            counts = daily.get((name, day))
            value = availability(counts) if counts else None
            bars.append({"day": day, "availability": value, "results": counts.total if counts else 0})
        checks.append(
            {
                "name": name,
                "state": max(states.values(), key=[UP, DEGRADED, DOWN].index) if states else "unknown",
                "locations": states,
                "last": None
                if latest is None
                else {
                    "status": latest.status,
                    "at": _iso(latest.started_at),
                    "location": latest.location,
                    "duration_ms": latest.duration_ms,
                    "step": latest.step,
                    "error": latest.error,
                    "request_id": latest.request_id,
                    "artifacts": latest.artifacts,
                },
                "windows": windows.get(name, []),
                "uptime_days": bars,
                "sparkline": [
                    {"ms": ms, "status": status} for ms, status in store.latencies(name, SPARKLINE_POINTS)
                ],
            }
        )
    incidents = []
    for incident in store.incidents(horizon):
        end = incident.ended_at
        incidents.append(
            {
                "check": incident.check,
                "location": incident.location,
                "started_at": _iso(incident.started_at),
                "ended_at": _iso(end),
                "duration_s": round(((end or now) - incident.started_at).total_seconds()),
                "ongoing": end is None,
                "step": incident.step,
                "cause": incident.cause,
                "request_id": incident.request_id,
                "artifacts": incident.artifacts,
            }
        )
    state = max(
        (c["state"] for c in checks if c["state"] != "unknown"),
        key=[UP, DEGRADED, DOWN].index,
        default="unknown",
    )
    return {
        "generated_at": _iso(now),
        "target": target,
        "slo": config.slo_target,
        "locations": locations,
        "state": state,
        "overall": windows.get(OVERALL, []),
        "checks": checks,
        "incidents": incidents,
    }


def sparkline(points: list[dict[str, Any]], width: int = 240, height: int = 36) -> str:
    """An inline SVG of the latencies, failed results as red dots on the baseline."""
    if not points:
        return ""
    top = max(p["ms"] for p in points) or 1
    step = width / max(1, len(points) - 1)
    coords = [
        (round(i * step, 1), round(height - 2 - (height - 4) * p["ms"] / top, 1))
        for i, p in enumerate(points)
    ]
    line = " ".join(f"{x},{y}" for (x, y), p in zip(coords, points, strict=True) if p["status"] != DOWN)
    dots = "".join(
        f'<circle cx="{x}" cy="{height - 3}" r="2.5" fill="#d33"/>'
        for (x, _), p in zip(coords, points, strict=True)
        if p["status"] == DOWN
    )
    return (
        f'<svg class="spark" width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="latency of the last {len(points)} results, highest {top:.0f} ms">'
        f'<polyline fill="none" stroke="#2a6" stroke-width="1.5" points="{line}"/>{dots}</svg>'
    )


def bar_colour(value: float | None, slo: float) -> str:
    if value is None:
        return "#ccc"
    if value >= slo:
        return "#2a6"
    if value >= 99:
        return "#e9b000"
    return "#d33"


PAGE = Path(__file__).with_name("status.html.j2")


def human_duration(seconds: float) -> str:
    seconds = int(seconds)
    minutes, secs = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    if hours:
        return f"{hours} h {minutes:02d} min"
    return f"{minutes} min {secs:02d} s" if minutes else f"{secs} s"


def render_html(data: dict[str, Any]) -> str:
    environment = Environment(autoescape=True)
    template = environment.from_string(PAGE.read_text(encoding="utf-8"))
    return template.render(
        s=data,
        colour=lambda value: bar_colour(value, data["slo"]),
        spark=sparkline,
        duration=human_duration,
        ms=lambda v: "–" if v is None else f"{v:.0f} ms",
        pct=lambda v: "–" if v is None else f"{v:.1f} %",
    )


def write_prometheus(path: Path, data: dict[str, Any]) -> None:
    registry = CollectorRegistry()
    state = Gauge("tradecheck_monitor_check_up", "1 when the check is up or degraded, 0 when down",
                  ["check", "location"], registry=registry)  # fmt: skip
    degraded = Gauge("tradecheck_monitor_check_degraded", "1 when the check is degraded",
                     ["check", "location"], registry=registry)  # fmt: skip
    avail = Gauge("tradecheck_monitor_availability_percent", "passed results / results",
                  ["check", "window"], registry=registry)  # fmt: skip
    budget = Gauge("tradecheck_monitor_error_budget_left_percent", "1 - burn rate, in percent",
                   ["check", "window"], registry=registry)  # fmt: skip
    burn = Gauge(
        "tradecheck_monitor_burn_rate", "bad share / (1 - SLO)", ["check", "window"], registry=registry
    )
    latency = Gauge("tradecheck_monitor_latency_ms", "nearest-rank latency of passed results",
                    ["check", "window", "quantile"], registry=registry)  # fmt: skip
    open_incidents = Gauge("tradecheck_monitor_open_incidents", "incidents not ended", registry=registry)
    rows = [(c["name"], c["windows"]) for c in data["checks"]] + [(OVERALL, data["overall"])]
    for check in data["checks"]:
        for location, value in check["locations"].items():
            state.labels(check["name"], location).set(0 if value == DOWN else 1)
            degraded.labels(check["name"], location).set(1 if value == DEGRADED else 0)
    for name, windows in rows:
        for w in windows:
            if w["availability"] is None:
                continue
            avail.labels(name, w["window"]).set(w["availability"])
            budget.labels(name, w["window"]).set(w["budget_left"])
            burn.labels(name, w["window"]).set(w["burn_rate"])
            for quantile, key in (("0.5", "p50_ms"), ("0.95", "p95_ms")):
                if w[key] is not None:
                    latency.labels(name, w["window"], quantile).set(w[key])
    open_incidents.set(sum(1 for i in data["incidents"] if i["ongoing"]))
    write_to_textfile(str(path), registry)  # a temporary file renamed into place


def write_status(directory: Path, data: dict[str, Any]) -> None:
    write_atomic(directory / "status.json", json.dumps(data, indent=2) + "\n")
    write_prometheus(directory / "metrics.prom", data)
    write_atomic(directory / "status.html", render_html(data))
