"""Run profiles from config/profiles.yaml, and the command-line values that refine them.

A profile says what to run (marker expression, browsers), how (retries, per-test timeout,
workers, app coverage, history, notification) and what decides the verdict (gates with
thresholds; `strict` makes a flaky pass count as a failure and a gate without data fail).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field, replace
from pathlib import Path

import yaml

from ci.errors import UsageError
from ci.gates import GATES
from harness.local_browsers import BROWSERS

AVAILABLE = "available"
PROFILE_KEYS = {
    "description",
    "extends",
    "markers",
    "browsers",
    "retries",
    "timeout",
    "workers",
    "app_coverage",
    "history",
    "notify",
    "strict",
    "lighthouse",
    "mutation",
    "gates",
}
SETTINGS_DEFAULTS = {"history_limit": 20, "keep_runs": 30}
# ASCII digits only: `\d`, `str.isdigit()`, `int()` and `float()` also take "²", "١٠" or "１００".
WHOLE_NUMBER = re.compile(r"[0-9]+")
SHARD = re.compile(r"([0-9]{1,9})/([0-9]{1,9})")
DECIMAL = re.compile(r"[0-9]+(?:\.[0-9]*)?|\.[0-9]+")


@dataclass(frozen=True)
class Profile:
    name: str
    description: str = ""
    markers: str = ""
    browsers: tuple[str, ...] | str = AVAILABLE
    retries: int = 0
    timeout: float = 120
    workers: str = "auto"
    app_coverage: bool = True
    history: bool = False
    notify: bool = False
    strict: bool = False
    lighthouse: bool = False  # audit the configured pages with Lighthouse after the tests
    mutation: bool = False  # mutation-test the app against the tests that passed (tradecheck mutate)
    gates: dict[str, float] = field(default_factory=dict)

    def with_gate_overrides(self, overrides: dict[str, float | None]) -> Profile:
        gates = dict(self.gates)
        for name, value in overrides.items():
            if value is None:
                gates.pop(name, None)
            else:
                gates[name] = value
        return replace(self, gates=gates)

    def to_json(self) -> dict:
        return {
            "name": self.name,
            "description": self.description,
            "markers": self.markers,
            "browsers": self.browsers if isinstance(self.browsers, str) else list(self.browsers),
            "retries": self.retries,
            "timeout": self.timeout,
            "workers": self.workers,
            "app_coverage": self.app_coverage,
            "history": self.history,
            "notify": self.notify,
            "strict": self.strict,
            "lighthouse": self.lighthouse,
            "mutation": self.mutation,
            "gates": dict(self.gates),
        }

    @classmethod
    def from_json(cls, data: dict) -> Profile:
        browsers = data.get("browsers", AVAILABLE)
        return cls(**{**data, "browsers": browsers if isinstance(browsers, str) else tuple(browsers)})


@dataclass(frozen=True)
class ProfileSet:
    profiles: dict[str, Profile]
    history_limit: int
    keep_runs: int

    def get(self, name: str) -> Profile:
        if name not in self.profiles:
            raise UsageError(f"unknown profile {name!r} (choose from: {', '.join(self.profiles)})")
        return self.profiles[name]


def load_profiles(path: Path) -> ProfileSet:
    where = _display(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UsageError(f"{where}: not found") from None
    except UnicodeDecodeError as exc:
        byte = exc.object[exc.start]
        raise UsageError(f"{where}: not UTF-8 text (byte 0x{byte:02x} at offset {exc.start})") from None
    except OSError as exc:
        raise UsageError(f"{where}: cannot be read ({exc.strerror or exc})") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        at = f" line {mark.line + 1}" if mark else ""
        raise UsageError(f"{where}{at}: not valid YAML ({getattr(exc, 'problem', None) or exc})") from None
    if not isinstance(data, dict) or not isinstance(data.get("profiles"), dict) or not data["profiles"]:
        raise UsageError(f"{where}: expected a mapping with a non-empty 'profiles' mapping")
    unknown = set(data) - {"profiles", "settings"}
    if unknown:
        raise UsageError(
            f"{where}: unknown top-level key {sorted(unknown)[0]!r} (expected profiles, settings)"
        )
    raw = data["profiles"]
    resolved = {name: _resolve(where, raw, name, ()) for name in raw}
    profiles = {name: _build(where, name, merged) for name, merged in resolved.items()}
    settings = data.get("settings") or {}
    if not isinstance(settings, dict):
        raise UsageError(f"{where}: settings: expected a mapping")
    values = {}
    for key, default in SETTINGS_DEFAULTS.items():
        values[key] = _whole(where, f"settings.{key}", settings.get(key, default), minimum=1)
    unknown = set(settings) - set(SETTINGS_DEFAULTS)
    if unknown:
        raise UsageError(f"{where}: settings: unknown key {sorted(unknown)[0]!r}")
    return ProfileSet(profiles, **values)


def _resolve(where: str, raw: dict, name: str, chain: tuple[str, ...]) -> dict:
    if name in chain:
        raise UsageError(f"{where}: profiles.{name}: 'extends' forms a cycle ({' -> '.join((*chain, name))})")
    body = raw.get(name)
    if body is None:
        body = {}
    if not isinstance(body, dict):
        raise UsageError(f"{where}: profiles.{name}: expected a mapping")
    unknown = set(body) - PROFILE_KEYS
    if unknown:
        key = sorted(unknown)[0]
        raise UsageError(
            f"{where}: profiles.{name}.{key}: unknown key (expected one of {', '.join(sorted(PROFILE_KEYS))})"
        )
    parent_name = body.get("extends")
    if parent_name is None:
        return dict(body)
    if parent_name not in raw:
        raise UsageError(f"{where}: profiles.{name}.extends: unknown profile {parent_name!r}")
    parent = _resolve(where, raw, parent_name, (*chain, name))
    merged = {**parent, **body}
    merged["gates"] = {**(parent.get("gates") or {}), **(body.get("gates") or {})}
    return merged


def _build(where: str, name: str, body: dict) -> Profile:
    key = f"profiles.{name}"
    browsers = body.get("browsers", AVAILABLE)
    if browsers != AVAILABLE:
        browsers = parse_browsers(browsers, f"{where}: {key}.browsers")
    markers = body.get("markers") or ""
    if not isinstance(markers, str):
        raise UsageError(f"{where}: {key}.markers: expected a marker expression string")
    workers = parse_workers(str(body.get("workers", "auto")), f"{where}: {key}.workers")
    gates = {}
    for gate, value in (body.get("gates") or {}).items():
        parsed = parse_gate_value(gate, value, f"{where}: {key}.gates.{gate}")
        if parsed is not None:
            gates[gate] = parsed
    return Profile(
        name=name,
        description=str(body.get("description") or ""),
        markers=markers,
        browsers=browsers,
        retries=_whole(where, f"{key}.retries", body.get("retries", 0), minimum=0),
        timeout=_number(where, f"{key}.timeout", body.get("timeout", 120)),
        workers=workers,
        app_coverage=_flag(where, f"{key}.app_coverage", body.get("app_coverage", True)),
        history=_flag(where, f"{key}.history", body.get("history", False)),
        notify=_flag(where, f"{key}.notify", body.get("notify", False)),
        strict=_flag(where, f"{key}.strict", body.get("strict", False)),
        lighthouse=_flag(where, f"{key}.lighthouse", body.get("lighthouse", False)),
        mutation=_flag(where, f"{key}.mutation", body.get("mutation", False)),
        gates=gates,
    )


def _whole(where, key, value, minimum) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise UsageError(f"{where}: {key}: expected a whole number >= {minimum}, got {value!r}")
    return value


def _number(where, key, value) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        raise UsageError(f"{where}: {key}: expected a number of seconds > 0, got {value!r}")
    return float(value)


def _flag(where, key, value) -> bool:
    if not isinstance(value, bool):
        raise UsageError(f"{where}: {key}: expected true or false, got {value!r}")
    return value


def _display(path: Path) -> str:
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


# ---- values given on the command line (also used for the YAML) --------------------------------


def parse_browsers(value, where: str = "--browsers") -> tuple[str, ...]:
    names = value.split(",") if isinstance(value, str) else value
    if not isinstance(names, list | tuple) or not names:
        raise UsageError(f"{where}: expected a list of browsers from {', '.join(BROWSERS)}")
    cleaned = []
    for item in names:
        browser = str(item).strip()
        if not browser:
            raise UsageError(
                f"{where}: expected browser names separated by commas "
                f"(from: {', '.join(BROWSERS)}), got {value!r}"
            )
        if browser not in BROWSERS:
            raise UsageError(f"{where}: unknown browser {browser!r} (choose from: {', '.join(BROWSERS)})")
        if browser not in cleaned:
            cleaned.append(browser)
    return tuple(cleaned)


def parse_workers(value: str, where: str = "--workers") -> str:
    if value == "auto" or WHOLE_NUMBER.fullmatch(value):
        return value
    raise UsageError(f"{where}: expected a whole number >= 0 or 'auto', got {value!r}")


def parse_shard(value: str) -> tuple[int, int]:
    match = SHARD.fullmatch(value.strip())
    if not match or not 1 <= int(match[1]) <= int(match[2]):
        raise UsageError(f"bad --shard {value!r}: expected I/N with 1 <= I <= N, e.g. 2/4")
    return int(match[1]), int(match[2])


def parse_gate_value(name: str, value, where: str) -> float | None:
    if name not in GATES:
        raise UsageError(f"{where}: unknown gate {name!r} (choose from: {', '.join(GATES)})")
    if (isinstance(value, str) and value.strip().lower() == "off") or value is False:
        return None
    spec = GATES[name]
    if isinstance(value, int | float):  # a YAML number
        number = float(value)
    else:
        text = str(value).strip().rstrip("%").removesuffix("ms").strip()
        number = float(text) if DECIMAL.fullmatch(text) else None
    if isinstance(value, bool) or number is None or not math.isfinite(number) or number < 0:
        raise UsageError(f"{where}: expected a number >= 0 or 'off', got {value!r}")
    if spec.unit == "%" and number > 100:
        raise UsageError(f"{where}: a percentage must be <= 100, got {value!r}")
    return number


def parse_gate_overrides(items: list[str]) -> dict[str, float | None]:
    overrides: dict[str, float | None] = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or not name.strip() or not value.strip():
            raise UsageError(f"bad --gate {item!r}: expected NAME=VALUE, e.g. p95_ms=800 or flaky=off")
        overrides[name.strip()] = parse_gate_value(name.strip(), value, f"bad --gate {item!r}")
    return overrides
