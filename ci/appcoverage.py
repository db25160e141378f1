"""PaperTrade's line coverage: combine the data files of every app process of a run, then measure.

The harness starts the embedded app under `coverage run --parallel-mode --data-file
DIR/.coverage`, once per xdist worker, so DIR holds one `.coverage.<host>.<pid>.<random>` file per
app process (and, after a merge, those of every shard). They are combined, keeping the originals
so that a later merge can combine them again, with the project's [tool.coverage] settings.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path


@dataclass
class AppCoverage:
    percent: float | None
    data_files: int
    detail: str = ""


def measure(directory: Path, project_root: Path) -> AppCoverage:
    data_files = sorted(p for p in directory.glob(".coverage.*") if p.is_file()) if directory.is_dir() else []
    if not data_files:
        return AppCoverage(None, 0, "no coverage data recorded")
    import coverage  # imported here: only runs against the embedded app need it

    config = project_root / "pyproject.toml"
    cov = coverage.Coverage(
        data_file=str(directory / ".coverage"),
        config_file=str(config) if config.is_file() else True,
    )
    try:
        cov.combine([str(directory)], keep=True)
        cov.save()
        table = io.StringIO()
        percent = cov.report(file=table, show_missing=True, skip_covered=True)
        (directory / "coverage.txt").write_text(table.getvalue(), encoding="utf-8")
    except coverage.exceptions.CoverageException as exc:
        return AppCoverage(None, len(data_files), f"coverage data unusable: {exc}")
    return AppCoverage(round(percent, 2), len(data_files), f"{len(data_files)} app process(es) combined")
