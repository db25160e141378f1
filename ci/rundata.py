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
import time
from dataclasses import asdict, dataclass, field, fields
from datetime import UTC, datetime
from pathlib import Path

from ci.errors import UsageError
from ci.profiles import Profile

RUN_FILE = "run.json"
RESULTS_DIR = "results"
RESULTS_FILE = "results.jsonl"  # in RESULTS_DIR, one per pytest run (ci.pytest_results writes it)
ARTIFACTS_DIR = "artifacts"
COVERAGE_DIR = "coverage"
ALLURE_RESULTS_DIR = "allure-results"
ALLURE_REPORT_DIR = "allure-report"
JUNIT_FILE = "junit.xml"
TEST_OUTPUT_DIR = "test-output"
PYTEST_LOG = "pytest.log"


class ResultsError(UsageError):
    """A result file that is missing or cannot be read (names the file and line)."""


def iso_time(timestamp: float | None = None) -> str:
    """`2030-01-01T00:00:00Z`: how run.json writes a moment."""
    moment = datetime.fromtimestamp(time.time() if timestamp is None else timestamp, UTC)
    return moment.isoformat(timespec="seconds").replace("+00:00", "Z")


def _parse_time(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


@dataclass
class RunMeta:
    """run.json: what a run folder holds — what was run, where, and how it ended.

    Written when the run starts (status "running"), after pytest ("tested" or "interrupted") and
    after the sign-off ("finished" or "report-failed"); a merge writes one for the merged folder.
    """

    profile: dict  # the resolved profile, gate overrides included (Profile.to_json)
    tool: str = "tradecheck"
    status: str = "running"
    browsers: list[str] = field(default_factory=list)
    env: str | None = None
    embedded: bool | None = None
    base_url: str | None = None
    seed: int | str | None = None
    workers: str | None = None
    shard: str | None = None  # "I/N" of a shard run
    shards: list[str] = field(default_factory=list)  # the shards a merged folder was made of
    merged_from: list[str] = field(default_factory=list)
    connect: bool = False
    app_coverage: bool = False
    git_commit: str | None = None
    started_at: str | None = None
    finished_at: str | None = None
    duration_s: float | None = None
    merged_at: str | None = None
    pytest_command: list[str] = field(default_factory=list)
    pytest_exit_code: int | None = None
    verdict: str | None = None
    secret_leaks: list[dict] = field(default_factory=list)  # ci.secrets.Leak records, never the values

    @classmethod
    def merged(cls, metas: list[RunMeta], directories: list[Path]) -> RunMeta:
        """The run.json of shard run folders merged into one."""
        first = metas[0]
        seeds = list(dict.fromkeys(m.seed for m in metas if m.seed is not None))
        started = min((m.started_at for m in metas if m.started_at), default=None)
        finished = max((m.finished_at for m in metas if m.finished_at), default=None)
        return cls(
            profile=first.profile,
            status="tested",
            browsers=list(dict.fromkeys(b for m in metas for b in m.browsers)),
            env=first.env,
            embedded=first.embedded,
            seed=seeds[0] if len(seeds) == 1 else ", ".join(map(str, seeds)) or None,
            shards=[m.shard or d.name for m, d in zip(metas, directories, strict=True)],
            merged_from=[str(d) for d in directories],
            app_coverage=any(m.app_coverage for m in metas),
            git_commit=first.git_commit,
            started_at=started,
            finished_at=finished,
            duration_s=(
                round((_parse_time(finished) - _parse_time(started)).total_seconds(), 1)
                if started and finished
                else None
            ),
            merged_at=iso_time(),
            secret_leaks=[leak for m in metas for leak in m.secret_leaks],
        )

    @property
    def shard_labels(self) -> list[str]:
        return self.shards or ([self.shard] if self.shard else [])

    def to_json(self) -> dict:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict) -> RunMeta:
        known = {f.name for f in fields(cls)}
        return cls(**{key: value for key, value in data.items() if key in known})


@dataclass
class RunData:
    directory: Path
    meta: RunMeta
    tests: list[dict] = field(default_factory=list)
    collect_errors: list[dict] = field(default_factory=list)
    collected: int | None = None
    traffic: list[dict] = field(default_factory=list)
    page_errors: list[dict] = field(default_factory=list)
    targets: list[dict] = field(default_factory=list)

    @property
    def profile(self) -> Profile:
        return Profile.from_json(self.meta.profile)

    @property
    def browsers(self) -> list[str]:
        return list(self.meta.browsers)


def read_meta(directory: Path) -> RunMeta:
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
    try:
        return RunMeta.from_json(meta)
    except TypeError as exc:
        raise ResultsError(f"{path}: {exc}") from None


def write_meta(directory: Path, meta: RunMeta) -> None:
    write_json_atomically(directory / RUN_FILE, meta.to_json())


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
