"""reports/: one folder per run, the `latest` link, and the Allure history carried between runs.

Nothing a finished run left is changed by a later run until that run has finished too: the
history is worked on as a copy inside the new run's folder and moved into place by rename, and
`latest` is switched by renaming a new link over the old one. An interrupted run leaves only its
own half-written folder behind (and it is pruned with the other old runs later).
"""

from __future__ import annotations

import os
import shutil
from datetime import UTC, datetime
from pathlib import Path

RUNS = "runs"
LATEST = "latest"
HISTORY = "history"
WORKING_HISTORY = ".allure-history.jsonl"


def new_run_dir(reports: Path, label: str, now: datetime | None = None) -> Path:
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%SZ")
    runs = reports / RUNS
    runs.mkdir(parents=True, exist_ok=True)
    for attempt in range(1, 100):
        name = f"{stamp}-{label}" if attempt == 1 else f"{stamp}-{label}-{attempt}"
        try:
            (runs / name).mkdir()
        except FileExistsError:
            continue
        return runs / name
    raise FileExistsError(f"{runs}: could not create a new run folder for {stamp}-{label}")


def switch_latest(reports: Path, run_dir: Path) -> None:
    """Point reports/latest at run_dir in one rename, so a reader never sees it missing or half-set."""
    reports.mkdir(parents=True, exist_ok=True)
    link = reports / LATEST
    tmp = reports / f".{LATEST}.{os.getpid()}.tmp"
    if tmp.is_symlink() or tmp.exists():
        tmp.unlink()
    tmp.symlink_to(os.path.relpath(run_dir, reports))
    os.replace(tmp, link)


def latest_target(reports: Path) -> Path | None:
    link = reports / LATEST
    return link.resolve() if link.is_symlink() else None


def history_file(reports: Path, profile: str) -> Path:
    """One history per profile: a smoke run is no earlier run of the regression suite."""
    return reports / HISTORY / f"{profile}.jsonl"


def prepare_history(reports: Path, run_dir: Path, limit: int, profile: str) -> Path:
    """A working copy of the kept history (its last `limit` entries) for Allure to append to."""
    working = run_dir / WORKING_HISTORY
    kept = history_file(reports, profile)
    lines = []
    if kept.is_file():
        lines = [line for line in kept.read_text(encoding="utf-8").splitlines() if line.strip()]
    working.write_text("".join(line + "\n" for line in lines[-limit:]), encoding="utf-8")
    return working


def commit_history(reports: Path, working: Path, limit: int, profile: str) -> None:
    """Replace the kept history with the working copy (trimmed to `limit` runs) in one rename."""
    kept = history_file(reports, profile)
    kept.parent.mkdir(parents=True, exist_ok=True)
    lines = [line for line in working.read_text(encoding="utf-8").splitlines() if line.strip()]
    tmp = kept.with_name(f".{kept.name}.{os.getpid()}.tmp")
    with tmp.open("w", encoding="utf-8") as stream:
        stream.writelines(line + "\n" for line in lines[-limit:])
        stream.flush()
        os.fsync(stream.fileno())
    os.replace(tmp, kept)
    working.unlink()


def prune_runs(reports: Path, keep: int) -> list[Path]:
    """Remove the oldest run folders beyond `keep`, never the one `latest` points to."""
    runs = reports / RUNS
    if not runs.is_dir():
        return []
    folders = sorted((p for p in runs.iterdir() if p.is_dir() and not p.is_symlink()), key=lambda p: p.name)
    protected = latest_target(reports)
    removed = []
    for folder in folders[:-keep] if keep > 0 else folders:
        if protected is not None and folder.resolve() == protected:
            continue
        shutil.rmtree(folder, ignore_errors=True)
        removed.append(folder)
    return removed


def is_inside(path: Path, reports: Path) -> bool:
    return path.resolve().is_relative_to(reports.resolve())


def display(path: Path, root: Path) -> str:
    try:
        return str(path.relative_to(root))
    except ValueError:
        return str(path)
