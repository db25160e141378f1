"""The SLO table from the store: per check and overall, for each rolling window."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime, timedelta
from typing import Any

from monitor.config import format_duration
from monitor.slo import Counts, SloFigures, figures
from monitor.store import Store

OVERALL = "all checks"


def slo_table(
    store: Store,
    windows: tuple[float, ...],
    slo: float,
    now: datetime,
    *,
    location: str | None = None,
    latency_up_to: float | None = None,
) -> dict[str, list[SloFigures]]:
    """check name (and OVERALL) → figures per window, in the order of `windows`. Percentiles need
    the database to sort the window's latencies; `latency_up_to` (seconds) leaves them out of
    longer windows, which keeps the status page cheap on a store of months."""
    table: dict[str, list[SloFigures]] = {}
    for window in windows:
        since = now - timedelta(seconds=window)
        per_check = store.counts(since, location=location)
        latency = latency_up_to is None or window <= latency_up_to
        for name in sorted(per_check):
            table.setdefault(name, []).append(
                _figures(store, since, per_check[name], slo, window, location, name, latency)
            )
        overall = sum(per_check.values(), start=Counts())
        table.setdefault(OVERALL, []).append(
            _figures(store, since, overall, slo, window, location, None, latency)
        )
    # a check without results in a short window still gets a row per window
    for name, rows in table.items():
        if len(rows) < len(windows):
            present = {row.window_s for row in rows}
            filled = [
                next(r for r in rows if r.window_s == w)
                if w in present
                else figures(Counts(), slo, w, None, None)
                for w in windows
            ]
            table[name] = filled
    return dict(sorted(table.items(), key=lambda item: (item[0] == OVERALL, item[0])))


def _figures(
    store: Store,
    since: datetime,
    counts: Counts,
    slo: float,
    window: float,
    location: str | None,
    check: str | None,
    latency: bool = True,
) -> SloFigures:
    if not latency:
        return figures(counts, slo, window, None, None)
    p50 = store.percentile(since, 50, location=location, check=check)
    p95 = store.percentile(since, 95, location=location, check=check)
    return figures(counts, slo, window, p50, p95)


def _percent(value: float | None, digits: int = 3) -> str:
    return "-" if value is None else f"{value:.{digits}f} %"


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.0f} ms"


def render_table(table: dict[str, list[SloFigures]], window_index: int = 0) -> str:
    """A plain-text table of one window."""
    header = ("check", "results", "availability", "budget left", "burn rate", "error rate", "p50", "p95")
    rows = [header]
    for name, per_window in table.items():
        f = per_window[window_index]
        rows.append(
            (
                name,
                str(f.total),
                _percent(f.availability),
                _percent(f.budget_left, 1),
                "-" if f.burn_rate is None else f"{f.burn_rate:.2f}",
                _percent(f.error_rate, 2),
                _ms(f.p50_ms),
                _ms(f.p95_ms),
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    lines = ["  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)).rstrip() for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def as_json(table: dict[str, list[SloFigures]]) -> dict[str, Any]:
    return {
        name: [{**asdict(f), "window": format_duration(f.window_s), "breached": f.breached} for f in rows]
        for name, rows in table.items()
    }


def report(
    store: Store, window: float, slo: float, now: datetime, *, location: str | None = None
) -> tuple[int, str]:
    """(exit code, text): 0 when the overall availability meets the SLO, 1 when breached or
    when the window holds no result (a gate without data does not pass)."""
    table = slo_table(store, (window,), slo, now, location=location)
    overall = table[OVERALL][0]
    where = f" at {location}" if location else " (all locations)"
    title = f"SLO {slo:g} % over {format_duration(window)}{where}, until {now:%Y-%m-%d %H:%M} UTC"
    if overall.total == 0:
        return 1, f"{title}\nno results in the window: the SLO cannot be shown to hold"
    verdict = (
        f"BREACHED: availability {overall.availability:.3f} % < {slo:g} %"
        if overall.breached
        else f"met: availability {overall.availability:.3f} % >= {slo:g} %"
    )
    return (1 if overall.breached else 0), f"{title}\n{render_table(table)}\n{verdict}"
