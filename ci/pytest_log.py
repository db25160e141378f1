"""Reading pytest's console output (pytest.log of a run folder) for the one line a user needs."""

from __future__ import annotations

from pathlib import Path


def summary_line(log: Path) -> str | None:
    """pytest's closing line, e.g. `=== 3 failed, 40 passed in 12.3s ===`."""
    for line in reversed(tail(log)):
        stripped = line.strip()
        if (
            stripped.startswith("=")
            and stripped.endswith("=")
            and (" in " in stripped or "no tests ran" in stripped)
        ):
            return stripped
    return None


def last_error_line(log: Path) -> str:
    lines = [line.strip() for line in tail(log) if line.strip() and not set(line.strip()) <= set("=-_ ")]
    errors = [line for line in lines if "error" in line.lower()]
    return (errors or lines or ["no output"])[-1][:300]


def usage_error(log: Path) -> str:
    """`python -m pytest: error: unrecognized arguments: --x` -> `unrecognized arguments: --x`."""
    return last_error_line(log).split(": error: ", 1)[-1]


def tail(path: Path, limit: int = 200) -> list[str]:
    try:
        return path.read_text(encoding="utf-8", errors="replace").splitlines()[-limit:]
    except OSError:
        return []
