"""The monitor's figures for the release sign-off: the `uptime` gate and a section of the SLO table.

Gate `uptime`: title "Uptime (synthetic monitoring)", unit "%", comparison >=, default threshold
99.9; figure = availability of all checks at all locations over the window (30 days by default),
None (no data) when the store holds no result in the window.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from monitor.config import format_duration
from monitor.report import OVERALL, as_json, slo_table
from monitor.store import Store

GATE_NAME = "uptime"
GATE_TITLE = "Uptime (synthetic monitoring)"
GATE_UNIT = "%"
GATE_COMPARISON = ">="
GATE_DEFAULT = 99.9
DEFAULT_WINDOW_S = 30 * 86400


def uptime_figure(
    store: Store, now: datetime, window_s: float = DEFAULT_WINDOW_S
) -> tuple[float | None, str]:
    """(figure, detail) of the `uptime` gate; the detail names the least available check and the
    incidents of the window."""
    table = slo_table(store, (window_s,), GATE_DEFAULT, now)
    overall = table[OVERALL][0]
    window = format_duration(window_s)
    if overall.total == 0:
        return None, f"no monitor results in the last {window}"
    checks = {name: rows[0] for name, rows in table.items() if name != OVERALL and rows[0].total}
    worst_name, worst = min(checks.items(), key=lambda item: (item[1].availability, item[0]))
    since = now - timedelta(seconds=window_s)
    incidents = store.incidents(since)
    detail = (
        f"{overall.total} results over {window} at {', '.join(store.locations(since))}; "
        f"least available: {worst_name} {worst.availability:.3f} %; {len(incidents)} incident(s)"
    )
    return overall.availability, detail


def signoff_section(
    store: Store, now: datetime, window_s: float = DEFAULT_WINDOW_S, slo: float = GATE_DEFAULT
) -> dict[str, Any]:
    """The SLO table of the window as plain data, for signoff.json and signoff.md."""
    return {
        "window": format_duration(window_s),
        "slo": slo,
        "checks": as_json(slo_table(store, (window_s,), slo, now)),
    }
