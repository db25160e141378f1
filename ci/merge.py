"""`tradecheck merge DIR...`: shard run folders combined into one run folder, then finished like a
single run (one report, one sign-off, one verdict).

Every file is copied under a name that says which shard it came from, so nothing collides and the
readers of ci.rundata find them by the same patterns as in a single run.
"""

from __future__ import annotations

import json
import shutil
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

from ci import reports, rundata
from ci.errors import UsageError
from ci.finish import finish
from ci.profiles import ProfileSet
from ci.rundata import (
    ALLURE_RESULTS_DIR,
    ARTIFACTS_DIR,
    COVERAGE_DIR,
    JUNIT_FILE,
    RESULTS_DIR,
    TEST_OUTPUT_DIR,
)
from ci.webquality import LIGHTHOUSE_SUMMARY

LIGHTHOUSE_DIR = LIGHTHOUSE_SUMMARY.parent
ARTIFACT_KINDS = ("traffic-", "page-errors-", "target-", "vitals-", "accessibility-", "assets-")
# Written again for the merged run from the merged data
REGENERATED = {"environment.properties", "executor.json"}


def merge(
    root: Path,
    shard_dirs: list[Path],
    settings: ProfileSet,
    out_dir: Path | None = None,
    notify_url: str | None = None,
    reports_root: Path | None = None,
    out=None,
) -> int:
    out = out or sys.stdout
    if not shard_dirs:
        raise UsageError("merge needs at least one run folder")
    runs_data = [rundata.load_run(d) for d in shard_dirs]  # validates every file before anything is written
    junit_suites = [suite for d in shard_dirs for suite in _junit_suites(d / JUNIT_FILE)]
    for directory in shard_dirs:
        _check_allure_results(directory / ALLURE_RESULTS_DIR)
    profiles = {r.meta.profile.get("name") for r in runs_data}
    if len(profiles) > 1:
        raise UsageError(
            f"the run folders ran different profiles ({', '.join(sorted(profiles))}); "
            "merge one profile at a time"
        )
    reports_root = reports_root or root / "reports"
    if out_dir is None:
        out_dir = reports.new_run_dir(reports_root, f"{runs_data[0].meta.profile['name']}-merged")
    elif out_dir.exists() and any(out_dir.iterdir()):
        raise UsageError(f"--out {out_dir}: exists and is not empty")
    out_dir.mkdir(parents=True, exist_ok=True)

    for number, run in enumerate(runs_data, start=1):
        tag = f"shard{number}"
        source = run.directory
        _copy_files(source / RESULTS_DIR, out_dir / RESULTS_DIR, lambda name, t=tag: f"{t}-{name}")
        _copy_files(
            source / ARTIFACTS_DIR, out_dir / ARTIFACTS_DIR, lambda name, t=tag: _artifact_name(name, t)
        )
        _copy_files(
            source / COVERAGE_DIR, out_dir / COVERAGE_DIR, lambda name, t=tag: _coverage_name(name, t)
        )
        _copy_files(
            source / ALLURE_RESULTS_DIR,
            out_dir / ALLURE_RESULTS_DIR,
            lambda name: None if name in REGENERATED else name,
        )
        if (source / LIGHTHOUSE_DIR).is_dir():  # audited once, by the one job that ran Lighthouse
            shutil.copytree(source / LIGHTHOUSE_DIR, out_dir / LIGHTHOUSE_DIR, dirs_exist_ok=True)
        if (source / TEST_OUTPUT_DIR).is_dir():
            shutil.copytree(source / TEST_OUTPUT_DIR, out_dir / TEST_OUTPUT_DIR / tag, dirs_exist_ok=True)
    if junit_suites:
        merged = ET.Element("testsuites")
        merged.extend(junit_suites)
        ET.ElementTree(merged).write(out_dir / JUNIT_FILE, encoding="utf-8", xml_declaration=True)

    meta = rundata.RunMeta.merged([r.meta for r in runs_data], shard_dirs)
    rundata.write_meta(out_dir, meta)
    print(
        f"tradecheck merge · {len(shard_dirs)} run folders → {reports.display(out_dir, root)}",
        file=out,
        flush=True,
    )
    return finish(root, out_dir, settings, notify_url, out, reports_root)


def _copy_files(source: Path, target: Path, rename) -> None:
    if not source.is_dir():
        return
    target.mkdir(parents=True, exist_ok=True)
    for path in sorted(source.iterdir()):
        name = rename(path.name) if path.is_file() else None
        if name is not None:
            shutil.copy2(path, target / name)


def _artifact_name(name: str, tag: str) -> str:
    for kind in ARTIFACT_KINDS:
        if name.startswith(kind):
            return f"{kind}{tag}-{name[len(kind) :]}"
    return f"{tag}-{name}"


def _coverage_name(name: str, tag: str) -> str | None:
    if not name.startswith(".coverage."):
        return None  # the combined .coverage and the text report are made again from the data files
    return f".coverage.{tag}.{name[len('.coverage.') :]}"


def _junit_suites(path: Path) -> list[ET.Element]:
    if not path.is_file():
        return []
    try:
        root = ET.parse(path).getroot()
    except ET.ParseError as exc:
        raise rundata.ResultsError(f"{path}: not valid XML ({exc})") from None
    return [root] if root.tag == "testsuite" else list(root)


def _check_allure_results(directory: Path) -> None:
    """A shard's Allure results must all be readable: a corrupted one would drop its test from the
    report while the verdict still counted it."""
    if not directory.is_dir():
        return
    for path in sorted(directory.glob("*-result.json")) + sorted(directory.glob("*-container.json")):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise rundata.ResultsError(
                f"{path}: not a readable Allure result ({exc.__class__.__name__})"
            ) from None
        if not isinstance(data, dict):
            raise rundata.ResultsError(f"{path}: not a readable Allure result (expected a JSON object)")
