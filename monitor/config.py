"""config/monitor.yaml read into plain dataclasses; bad input is one line naming the file and key."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from ci.errors import UsageError
from harness.local_browsers import BROWSERS
from harness.yamlfile import CONFIG_DIR, ConfigFileError, display_path, read_mapping

DEFAULT_CONFIG = CONFIG_DIR / "monitor.yaml"
CHECK_KINDS = ("health", "ready", "login_portfolio", "quotes", "stream", "browser")
RETRY_STRATEGIES = ("fixed", "linear", "exponential")
TOP_KEYS = (
    "target", "location", "locations", "store", "status_dir", "artifacts", "slo", "defaults", "checks",
    "alerts",
)  # fmt: skip
CHECK_KEYS = ("kind", "interval", "timeout", "degraded", "retry", "symbol", "select", "browser")
BROWSER_KEYS = ("select", "browser")  # only for kind browser
UNITS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400}
DURATION = re.compile(r"^(\d+(?:\.\d+)?)(ms|s|m|h|d)$")


class MonitorConfigError(ConfigFileError, UsageError):
    """Bad monitor configuration or argument: exit 2."""


def parse_duration(text: object, where: str) -> float:
    """Seconds in "500ms", "30s", "5m", "1h", "7d"; anything else names `where`."""
    match = DURATION.match(str(text).strip()) if isinstance(text, str | int | float) else None
    if match is None or isinstance(text, bool):
        raise MonitorConfigError(f"{where}: expected a duration like 30s, 5m, 1h or 7d, got {text!r}")
    seconds = float(match.group(1)) * UNITS[match.group(2)]
    if seconds <= 0:
        raise MonitorConfigError(f"{where}: expected a duration above zero, got {text!r}")
    return seconds


def format_duration(seconds: float) -> str:
    for unit in ("d", "h", "m", "s"):
        # whole days from 2 days up: 24h stays 24h, as SLO windows are usually written
        smallest = 2 * UNITS[unit] if unit == "d" else UNITS[unit]
        if seconds >= smallest and seconds % UNITS[unit] == 0:
            return f"{int(seconds // UNITS[unit])}{unit}"
    return f"{seconds * 1000:g}ms"


@dataclass(frozen=True)
class Retry:
    strategy: str = "exponential"
    attempts: int = 3
    delay_s: float = 1.0

    def delays(self) -> list[float]:
        """The waits before the 2nd, 3rd, ... attempt."""
        waits = []
        for n in range(1, self.attempts):
            factor = {"fixed": 1, "linear": n, "exponential": 2 ** (n - 1)}[self.strategy]
            waits.append(self.delay_s * factor)
        return waits


@dataclass(frozen=True)
class Check:
    name: str
    kind: str
    interval_s: float
    timeout_s: float
    degraded_ms: float
    retry: Retry
    symbol: str = "AAPL"
    select: str = "monitor"  # kind browser: the pytest -m expression of its journeys
    browser: str = "chromium"


@dataclass(frozen=True)
class BurnRule:
    name: str
    long_s: float
    short_s: float
    factor: float


@dataclass(frozen=True)
class Alerts:
    down_after: int = 2
    degraded_after: int = 3
    reminder_s: float = 1800
    burn_rules: tuple[BurnRule, ...] = ()


@dataclass(frozen=True)
class MonitorConfig:
    path: Path
    target: str
    location: str
    locations: tuple[str, ...]
    store: str
    status_dir: Path
    slo_target: float  # percent
    windows: tuple[float, ...]  # seconds
    checks: tuple[Check, ...]
    alerts: Alerts = field(default_factory=Alerts)
    artifacts_dir: Path = Path("reports/monitor/artifacts")  # browser checks' failed runs
    artifacts_keep: int = 20  # per check, the newest

    def check(self, name: str) -> Check:
        for check in self.checks:
            if check.name == name:
                return check
        known = ", ".join(c.name for c in self.checks)
        raise MonitorConfigError(f"--check: no check {name!r} in {display_path(self.path)}; known: {known}")

    def select(self, names: list[str] | None, interval_s: float | None) -> MonitorConfig:
        checks = tuple(self.check(n) for n in names) if names else self.checks
        if interval_s is not None:
            checks = tuple(replace(c, interval_s=interval_s) for c in checks)
        return replace(self, checks=checks)

    def with_location(self, location: str | None) -> MonitorConfig:
        if location is None:
            return self
        if location not in self.locations:
            raise MonitorConfigError(
                f"--location: unknown location {location!r}; {display_path(self.path)} locations: "
                + ", ".join(self.locations)
            )
        return replace(self, location=location)


def load_config(path: Path = DEFAULT_CONFIG) -> MonitorConfig:
    where = display_path(path)
    data = read_mapping(path, MonitorConfigError)
    _no_unknown(data, TOP_KEYS, where)
    locations = data.get("locations", ["local"])
    if not isinstance(locations, list) or not locations or not all(isinstance(x, str) for x in locations):
        raise MonitorConfigError(f"{where}: locations: expected a list of names")
    location = data.get("location", locations[0])
    if location not in locations:
        raise MonitorConfigError(f"{where}: location: {location!r} is not one of locations")
    slo = _mapping(data.get("slo", {}), f"{where}: slo")
    _no_unknown(slo, ("target", "windows"), f"{where}: slo")
    target = slo.get("target", 99.9)
    if isinstance(target, bool) or not isinstance(target, int | float) or not 0 < target < 100:
        raise MonitorConfigError(
            f"{where}: slo.target: expected a percentage between 0 and 100, got {target!r}"
        )
    windows = slo.get("windows", ["1h", "24h", "7d", "30d"])
    if not isinstance(windows, list) or not windows:
        raise MonitorConfigError(f"{where}: slo.windows: expected a list of durations")
    defaults = _mapping(data.get("defaults", {}), f"{where}: defaults")
    _no_unknown(defaults, CHECK_KEYS[1:], f"{where}: defaults")
    checks = _mapping(data.get("checks"), f"{where}: checks")
    if not checks:
        raise MonitorConfigError(f"{where}: checks: expected at least one check")
    return MonitorConfig(
        path=path,
        target=str(data.get("target", "local")),
        location=location,
        locations=tuple(locations),
        store=str(data.get("store", "sqlite:///reports/monitor/monitor.db")),
        status_dir=Path(str(data.get("status_dir", "reports/monitor/status"))),
        slo_target=float(target),
        windows=tuple(parse_duration(w, f"{where}: slo.windows") for w in windows),
        checks=tuple(
            _check(name, entry, defaults, f"{where}: checks.{name}") for name, entry in checks.items()
        ),
        alerts=_alerts(_mapping(data.get("alerts", {}), f"{where}: alerts"), f"{where}: alerts"),
        **_artifacts(_mapping(data.get("artifacts", {}), f"{where}: artifacts"), f"{where}: artifacts"),
    )


def _artifacts(data: dict[str, Any], where: str) -> dict[str, Any]:
    _no_unknown(data, ("dir", "keep"), where)
    folder = data.get("dir", "reports/monitor/artifacts")
    if not isinstance(folder, str) or not folder.strip():
        raise MonitorConfigError(f"{where}.dir: expected a folder path, got {folder!r}")
    return {
        "artifacts_dir": Path(folder),
        "artifacts_keep": _positive_int(data.get("keep", 20), f"{where}.keep"),
    }


def _mapping(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise MonitorConfigError(f"{where}: expected a mapping, got {type(value).__name__}")
    return value


def _no_unknown(data: dict[str, Any], known: tuple[str, ...], where: str) -> None:
    unknown = sorted(set(data) - set(known))
    if unknown:
        raise MonitorConfigError(f"{where}: unknown key {unknown[0]!r} (expected {', '.join(known)})")


def _positive_int(value: Any, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise MonitorConfigError(f"{where}: expected a whole number of at least 1, got {value!r}")
    return value


def _check(name: str, entry: Any, defaults: dict[str, Any], where: str) -> Check:
    entry = _mapping(entry, where)
    _no_unknown(entry, CHECK_KEYS, where)
    merged = {"interval": "30s", "timeout": "5s", "degraded": "1s", **defaults, **entry}
    kind = merged.get("kind")
    if kind not in CHECK_KINDS:
        raise MonitorConfigError(
            f"{where}.kind: unknown check kind {kind!r} (expected {', '.join(CHECK_KINDS)})"
        )
    retry = _mapping(merged.get("retry", {}), f"{where}.retry")
    _no_unknown(retry, ("strategy", "attempts", "delay"), f"{where}.retry")
    strategy = retry.get("strategy", "exponential")
    if strategy not in RETRY_STRATEGIES:
        raise MonitorConfigError(
            f"{where}.retry.strategy: expected one of {', '.join(RETRY_STRATEGIES)}, got {strategy!r}"
        )
    browser_keys = sorted(set(entry) & set(BROWSER_KEYS))
    if browser_keys and kind != "browser":
        raise MonitorConfigError(f"{where}.{browser_keys[0]}: only for checks of kind browser")
    select_expression = merged.get("select", "monitor")
    if not isinstance(select_expression, str) or not select_expression.strip():
        raise MonitorConfigError(
            f"{where}.select: expected a pytest -m expression, got {select_expression!r}"
        )
    browser = merged.get("browser", "chromium")
    if browser not in BROWSERS:
        raise MonitorConfigError(f"{where}.browser: expected one of {', '.join(BROWSERS)}, got {browser!r}")
    return Check(
        name=name,
        kind=kind,
        interval_s=parse_duration(merged["interval"], f"{where}.interval"),
        timeout_s=parse_duration(merged["timeout"], f"{where}.timeout"),
        degraded_ms=parse_duration(merged["degraded"], f"{where}.degraded") * 1000,
        retry=Retry(
            strategy=strategy,
            attempts=_positive_int(retry.get("attempts", 3), f"{where}.retry.attempts"),
            delay_s=parse_duration(retry.get("delay", "1s"), f"{where}.retry.delay"),
        ),
        symbol=str(merged.get("symbol", "AAPL")),
        select=select_expression,
        browser=browser,
    )


def _alerts(data: dict[str, Any], where: str) -> Alerts:
    _no_unknown(data, ("down_after", "degraded_after", "reminder", "burn_rate"), where)
    rules = []
    for index, rule in enumerate(data.get("burn_rate", []) or []):
        key = f"{where}.burn_rate[{index}]"
        rule = _mapping(rule, key)
        _no_unknown(rule, ("name", "long", "short", "factor"), key)
        factor = rule.get("factor")
        if isinstance(factor, bool) or not isinstance(factor, int | float) or factor <= 0:
            raise MonitorConfigError(f"{key}.factor: expected a number above zero, got {factor!r}")
        rules.append(
            BurnRule(
                name=str(rule.get("name", f"rule{index + 1}")),
                long_s=parse_duration(rule.get("long"), f"{key}.long"),
                short_s=parse_duration(rule.get("short"), f"{key}.short"),
                factor=float(factor),
            )
        )
    return Alerts(
        down_after=_positive_int(data.get("down_after", 2), f"{where}.down_after"),
        degraded_after=_positive_int(data.get("degraded_after", 3), f"{where}.degraded_after"),
        reminder_s=parse_duration(data.get("reminder", "30m"), f"{where}.reminder"),
        burn_rules=tuple(rules),
    )
