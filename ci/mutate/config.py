"""config/mutation.yaml (scope, operators, timeouts, threshold) and config/mutation-equivalents.yaml."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from ci.errors import UsageError
from ci.mutate import operators
from harness.yamlfile import ConfigFileError, display_path, read_mapping

CONFIG_FILE = Path("config/mutation.yaml")
EQUIVALENTS_FILE = Path("config/mutation-equivalents.yaml")


class MutationConfigError(ConfigFileError):
    pass


@dataclass(frozen=True)
class MutationConfig:
    modules: tuple[str, ...]
    tests: tuple[str, ...]
    browser: str
    operators: tuple[str, ...]  # full cosmic-ray names, expanded from the patterns
    timeout_factor: float
    timeout_floor_s: float
    threshold: float
    # Tests run against mutants of lines that only run when the app starts, in files that no test
    # executes (the listing table): node ids or their prefixes (a file, file::test).
    startup_tests: tuple[str, ...] = ()

    def module_files(self, root: Path) -> list[str]:
        """Every .py file of the scope, relative to `root`, sorted."""
        files: set[str] = set()
        for module in self.modules:
            path = root / module
            found = sorted(path.rglob("*.py")) if path.is_dir() else [path]
            files.update(p.relative_to(root).as_posix() for p in found if "migrations" not in p.parts)
        return sorted(files)


def _strings(path: Path, body: dict, key: str) -> tuple[str, ...]:
    value = body.get(key)
    if not isinstance(value, list) or not value or not all(isinstance(v, str) and v for v in value):
        raise UsageError(f"{display_path(path)}: '{key}' must be a non-empty list of strings")
    return tuple(value)


def _number(path: Path, body: dict, key: str, default: float) -> float:
    value = body.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise UsageError(f"{display_path(path)}: '{key}' must be a number >= 0, got {value!r}")
    return float(value)


def load_config(path: Path, root: Path, modules_override: list[str] | None = None) -> MutationConfig:
    try:
        body = read_mapping(path, MutationConfigError)
    except MutationConfigError as exc:
        raise UsageError(str(exc)) from None
    modules = tuple(modules_override) if modules_override else _strings(path, body, "modules")
    where = "--module" if modules_override else f"{display_path(path)}: modules"
    for module in modules:
        candidate = root / module
        if not (candidate.is_dir() or (candidate.is_file() and candidate.suffix == ".py")):
            raise UsageError(f"{where}: unknown module {module!r} (no such .py file or folder under {root})")
    patterns = _strings(path, body, "operators")
    unknown = operators.unknown_patterns(patterns)
    if unknown:
        raise UsageError(f"{display_path(path)}: operators: unknown operator {unknown[0]!r}")
    timeout = body.get("timeout", {}) or {}
    if not isinstance(timeout, dict):
        raise UsageError(f"{display_path(path)}: 'timeout' must be a mapping with factor and floor_s")
    browser = body.get("browser", "chromium")
    if browser not in ("chromium", "firefox", "webkit"):
        raise UsageError(
            f"{display_path(path)}: 'browser' must be chromium, firefox or webkit, got {browser!r}"
        )
    return MutationConfig(
        modules=modules,
        tests=_strings(path, body, "tests"),
        browser=browser,
        operators=tuple(operators.select(patterns)),
        timeout_factor=_number(path, timeout, "factor", 3),
        timeout_floor_s=_number(path, timeout, "floor_s", 60),
        threshold=_number(path, body, "threshold", 90),
        startup_tests=_strings(path, body, "startup_tests") if "startup_tests" in body else (),
    )


MUTANT_ID = re.compile(r"^(?P<path>[^:]+):(?P<line>\d+):(?P<column>\d+):(?P<operator>[^:]+)$")


@dataclass(frozen=True)
class Equivalent:
    """One entry of the equivalents file: a mutant id, why it is equivalent, and optionally the
    original source line (`code`), which keeps the entry valid when the file's lines move."""

    mutant: str
    reason: str
    code: str | None = None

    @property
    def path(self) -> str:
        return self.mutant.split(":", 1)[0]

    def position_key(self) -> tuple[str, str, str]:
        """(path, column, operator[#n]): the id without its line."""
        found = MUTANT_ID.match(self.mutant)
        return (found["path"], found["column"], found["operator"]) if found else (self.mutant, "", "")

    @property
    def line(self) -> int:
        found = MUTANT_ID.match(self.mutant)
        return int(found["line"]) if found else 0


def load_equivalents(path: Path) -> list[Equivalent]:
    """The entries of the equivalents file; no file means no equivalent mutants."""
    if not path.exists():
        return []
    try:
        body = read_mapping(path, MutationConfigError)
    except MutationConfigError as exc:
        raise UsageError(str(exc)) from None
    entries = body.get("equivalents") or []
    if not isinstance(entries, list):
        raise UsageError(f"{display_path(path)}: 'equivalents' must be a list")
    found: list[Equivalent] = []
    for index, entry in enumerate(entries):
        if not (isinstance(entry, dict) and isinstance(entry.get("mutant"), str) and entry.get("reason")):
            raise UsageError(
                f"{display_path(path)}: equivalents[{index}] needs 'mutant' (its id) and a non-empty 'reason'"
            )
        code = entry.get("code")
        if code is not None and not (isinstance(code, str) and code.strip()):
            raise UsageError(
                f"{display_path(path)}: equivalents[{index}]: 'code' must be the original source line"
            )
        found.append(Equivalent(entry["mutant"], str(entry["reason"]), code.strip() if code else None))
    return found
