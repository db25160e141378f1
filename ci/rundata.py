"""A run directory and what the test run left in it, read back for gates, sign-off and merge.

reports/runs/<UTC timestamp>-<profile>/
    run.json            what was run: profile (resolved, with gate overrides), browsers, seed...
    results/*.jsonl     one line per finished test (ci.pytest_results)
    artifacts/          the harness's traffic-*.jsonl, page-errors-*.jsonl, target-*.json
    coverage/           PaperTrade's coverage data files (.coverage.*)
    allure-results/     allure-pytest's results, plus environment, executor and categories
    junit.xml           pytest's JUnit XML
    test-output/        pytest-playwright's traces and screenshots
    pytest.log          pytest's own console output
    allure-report/      the generated report; signoff.md and signoff.json
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from ci.errors import UsageError
from ci.profiles import Profile

RUN_FILE = "run.json"
RESULTS_DIR = "results"
ARTIFACTS_DIR = "artifacts"
COVERAGE_DIR = "coverage"
ALLURE_RESULTS_DIR = "allure-results"
ALLURE_REPORT_DIR = "allure-report"
JUNIT_FILE = "junit.xml"
TEST_OUTPUT_DIR = "test-output"
PYTEST_LOG = "pytest.log"


class ResultsError(UsageError):
    """A result file that is missing or cannot be read (names the file and line)."""


@dataclass
class RunData:
    directory: Path
    meta: dict
    tests: list[dict] = field(default_factory=list)
    collect_errors: list[dict] = field(default_factory=list)
    collected: int | None = None
    traffic: list[dict] = field(default_factory=list)
    page_errors: list[dict] = field(default_factory=list)
    targets: list[dict] = field(default_factory=list)

    @property
    def profile(self) -> Profile:
        return Profile.from_json(self.meta["profile"])

    @property
    def browsers(self) -> list[str]:
        return list(self.meta.get("browsers") or [])


def read_meta(directory: Path) -> dict:
    path = directory / RUN_FILE
    if not directory.is_dir():
        raise ResultsError(f"{directory}: not a directory")
    if not path.is_file():
        raise ResultsError(f"{directory}: not a tradecheck run directory (no {RUN_FILE})")
    try:
        meta = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ResultsError(f"{path}: not valid JSON ({exc})") from None
    if not isinstance(meta, dict) or not isinstance(meta.get("profile"), dict):
        raise ResultsError(f"{path}: expected an object with a 'profile' object")
    return meta


def write_meta(directory: Path, meta: dict) -> None:
    write_json_atomically(directory / RUN_FILE, meta)


def write_json_atomically(path: Path, data) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    tmp.replace(path)


def load_run(directory: Path, require_results: bool = True) -> RunData:
    run = RunData(directory, read_meta(directory))
    result_files = sorted((directory / RESULTS_DIR).glob("*.jsonl"))
    if require_results and not result_files:
        raise ResultsError(f"{directory / RESULTS_DIR}: no test results (*.jsonl)")
    for path in result_files:
        latest: dict[str, dict] = {}
        for record in read_jsonl(path, required=("kind",)):
            if record["kind"] == "test":
                _require(path, record, ("nodeid", "outcome"))
                latest[record["nodeid"]] = record  # a test reported twice in one file: the last word counts
            elif record["kind"] == "collect_error":
                run.collect_errors.append(record)
            elif record["kind"] == "collected":
                run.collected = (run.collected or 0) + int(record.get("total") or 0)
        run.tests.extend(latest.values())
    artifacts = directory / ARTIFACTS_DIR
    for path in sorted(artifacts.glob("traffic-*.jsonl")):
        run.traffic.extend(read_jsonl(path, required=("url",)))
    for path in sorted(artifacts.glob("page-errors-*.jsonl")):
        run.page_errors.extend(read_jsonl(path, required=("message",)))
    for path in sorted(artifacts.glob("target-*.json")):
        try:
            target = json.loads(path.read_text(encoding="utf-8"))
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise ResultsError(f"{path}: not valid JSON ({exc.__class__.__name__}: {exc})") from None
        if not isinstance(target, dict):
            raise ResultsError(f"{path}: expected a JSON object")
        run.targets.append(target)
    return run


def read_jsonl(path: Path, required: tuple[str, ...] = ()) -> list[dict]:
    """Records of a JSON-lines file. A last line without its newline is a write cut short by a
    killed process and is dropped; any other line that is not a JSON object is an error."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise ResultsError(f"{path}: not UTF-8 text") from None
    lines = text.split("\n")
    records = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            if number == len(lines):  # unterminated last line
                continue
            raise ResultsError(f"{path} line {number}: not valid JSON") from None
        if not isinstance(record, dict):
            raise ResultsError(f"{path} line {number}: expected a JSON object")
        _require(path, record, required, number)
        records.append(record)
    return records


def _require(path: Path, record: dict, keys: tuple[str, ...], number: int | None = None) -> None:
    missing = [key for key in keys if key not in record]
    if missing:
        at = f" line {number}" if number else ""
        raise ResultsError(f"{path}{at}: missing {', '.join(repr(k) for k in missing)}")
