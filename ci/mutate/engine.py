"""One mutation session: copy the project, record the baseline, run each mutant against its tests.

Everything happens in a temporary copy of the project: cosmic-ray writes each mutant into the
copy's source file, the embedded app started by pytest in the copy imports it, and cosmic-ray puts
the original back after the test run. The working tree is never written to, so neither Ctrl-C nor
a crash can leave a mutant in it; the copy is deleted on the way out.
"""

from __future__ import annotations

import collections
import difflib
import functools
import json
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path

import cosmic_ray.plugins
from cosmic_ray.ast import ast_nodes, get_ast_from_path
from cosmic_ray.mutating import mutate_and_test, mutate_code
from cosmic_ray.work_db import WorkDB, use_db
from cosmic_ray.work_item import MutationSpec, TestOutcome, WorkerOutcome, WorkItem, WorkResult

from ci.errors import InfrastructureError, TradecheckError, UsageError
from ci.mutate import contexts, operators
from ci.mutate.config import Equivalent, MutationConfig

COPY_IGNORED = shutil.ignore_patterns(
    ".git", ".venv", "node_modules", "reports", "__pycache__", ".pytest_cache", ".tox", ".coverage*"
)
SESSION_FILE = "session.sqlite"
PROGRESS_FILE = "progress.jsonl"  # one finished mutant a line, written as it finishes (--resume reads it)
REUSABLE = ("killed", "timeout", "survived")
BASELINE_LOG = "baseline.log"
COPY_CHECK_LOG = "copy-check.log"
OUTPUT_EXCERPT_CHARS = 3000
PASSING = ("passed", "skipped", "xfailed")
FAILED_TEST = re.compile(r"^(?:FAILED|ERROR) (\S+)", re.MULTILINE)


class BaselineNotGreen(TradecheckError):
    """The suite fails without any mutant: there is nothing to measure (exit 3)."""

    exit_code = 3


@dataclass
class MutantResult:
    """One mutant and what happened to it; `status` is killed, timeout, survived, not_covered,
    equivalent or error."""

    id: str
    path: str
    line: int
    operator: str
    status: str
    tests: list[str] = field(default_factory=list)
    flows: list[str] = field(default_factory=list)
    diff: str = ""
    seconds: float = 0.0
    detail: str = ""
    killed_by: str = ""  # the first failing test, when pytest names it

    def to_json(self) -> dict:
        return asdict(self)


@dataclass
class Session:
    config: MutationConfig
    equivalents: list[Equivalent]
    out_dir: Path
    contexts_file: Path | None = None
    from_run: Path | None = None
    only: list[str] = field(default_factory=list)
    shard: tuple[int, int] | None = None
    baseline_workers: str = "0"
    # --resume: the mutants an interrupted run of the same folder finished, by id
    resumed: dict[str, MutantResult] = field(default_factory=dict)
    ran: list[str] = field(default_factory=list)  # the mutants whose tests ran in this invocation
    python: str = sys.executable
    echo: Callable[[str], None] = print


@contextmanager
def project_copy(root: Path) -> Iterator[Path]:
    """A throw-away copy of the project (sources, tests, config); removed even on Ctrl-C.

    npm packages (axe-core, Lighthouse) are not copied but linked: tests need them, mutants never
    touch them. Without them every test that loads one fails in the copy, and each mutant such a
    test covers would be counted killed."""
    skipped_packages: list[Path] = []

    def ignore(folder: str, names: list[str]) -> set[str]:
        ignored = COPY_IGNORED(folder, names)
        skipped_packages.extend(Path(folder) / name for name in ignored if name == "node_modules")
        return ignored

    with tempfile.TemporaryDirectory(prefix="tradecheck-mutate-") as tmp:
        copy = Path(tmp) / "project"
        shutil.copytree(root, copy, ignore=ignore, symlinks=True)
        for packages in skipped_packages:
            (copy / packages.relative_to(root)).symlink_to(packages, target_is_directory=True)
        yield copy


@contextmanager
def sigterm_as_interrupt() -> Iterator[None]:
    """SIGTERM unwinds like Ctrl-C, so the copy is restored and removed either way."""

    def interrupt(signum, frame):
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def child_env(copy: Path) -> dict[str, str]:
    # The copy first: the shared venv's editable install points at another checkout.
    return {**os.environ, "PYTHONPATH": str(copy), "PYTHONDONTWRITEBYTECODE": "1"}


def run_logged(command: list[str], copy: Path, log_path: Path) -> subprocess.CompletedProcess:
    """Run `command` in the copy, its output (stdout and stderr) into log_path."""
    with log_path.open("wb") as log:
        return subprocess.run(command, cwd=copy, env=child_env(copy), stdout=log, stderr=subprocess.STDOUT)


# -- baseline ------------------------------------------------------------------------------------
def record_baseline(session: Session, copy: Path, work: Path) -> tuple[contexts.LineTests, dict[str, dict]]:
    """Run the configured tests once under coverage with per-test contexts; refuse a red run."""
    coverage_dir, results_dir = work / "coverage", work / "results"
    command = [
        session.python, "-m", "pytest", *session.config.tests,
        "-p", "no:cacheprovider", "-p", "ci.pytest_results", "--tradecheck-results", str(results_dir),
        "--app-coverage", str(coverage_dir), "--browser", session.config.browser,
        "-n", session.baseline_workers, "-q",
    ]  # fmt: skip
    log_path = session.out_dir / BASELINE_LOG
    session.echo(f"baseline: {shlex.join(command[1:])} (log {log_path})")
    started = time.monotonic()
    process = run_logged(command, copy, log_path)
    records = _test_records([results_dir / "results.jsonl"])
    _refuse_red(records, f"pytest exit {process.returncode}", f"log {log_path}", process.returncode != 0)
    session.echo(f"baseline: {len(records)} tests green in {time.monotonic() - started:.0f} s")
    try:
        return contexts.from_coverage_dir(coverage_dir, copy), _tests(records, session.config.browser)
    except contexts.ContextsError as exc:
        raise InfrastructureError(str(exc)) from None


def check_copy(session: Session, copy: Path, tests: dict[str, dict]) -> None:
    """Without a baseline in the copy, the fastest recorded test of each file runs there unmutated
    first: a copy that cannot run the tests (a file they need not copied) fails every mutant's
    tests, which would count as kills. Refuses (exit 3) when one fails."""
    fastest: dict[str, str] = {}
    for test in sorted(tests, key=lambda name: (tests[name]["duration"], name)):
        fastest.setdefault(test.partition("::")[0], test)
    probes = sorted(fastest.values())
    if not probes:
        return
    started = time.monotonic()
    command = [
        session.python, "-m", "pytest", *probes, "-p", "no:cacheprovider", "-q", "-n", "0",
        "--browser", session.config.browser,
    ]  # fmt: skip
    log_path = session.out_dir / COPY_CHECK_LOG
    process = run_logged(command, copy, log_path)
    if process.returncode != 0:
        failed = FAILED_TEST.search(log_path.read_text(encoding="utf-8", errors="replace"))
        first = f" (first: {failed[1]})" if failed else ""
        raise BaselineNotGreen(
            f"the project copy does not run the tests green: {len(probes)} unmutated probes, pytest exit "
            f"{process.returncode}{first}; every mutant would count as killed (log {log_path})"
        )
    elapsed = time.monotonic() - started
    session.echo(f"copy check: {len(probes)} tests, one per file, green in the copy in {elapsed:.0f} s")


def contexts_from_run(run_dir: Path, root: Path, browser: str) -> tuple[contexts.LineTests, dict[str, dict]]:
    """The contexts of a finished `tradecheck run` (results/*.jsonl and coverage/ of its folder)."""
    files = sorted((run_dir / "results").glob("*.jsonl"))
    if not files:
        raise UsageError(f"--from-run: {run_dir}: no results/*.jsonl (not a tradecheck run folder?)")
    records = _test_records(files)
    _refuse_red(records, "", f"run {run_dir}", False)
    try:
        return contexts.from_coverage_dir(run_dir / "coverage", root), _tests(records, browser)
    except contexts.ContextsError as exc:
        raise UsageError(f"--from-run: {exc}") from None


def _refuse_red(records: list[dict], exit_text: str, where: str, failed_exit: bool) -> None:
    red = [r for r in records if r.get("outcome") not in PASSING]
    if red or failed_exit or not records:
        first = f" (first: {red[0]['nodeid']})" if red else ""
        status = f", {exit_text}" if exit_text else ""
        raise BaselineNotGreen(
            f"baseline run is not green: {len(red)} of {len(records)} tests failed{first}{status}; "
            f"mutation testing on a red suite is meaningless ({where})"
        )


def _tests(records: list[dict], browser: str) -> dict[str, dict]:
    """Per passed test on the mutation browser (or browser-less): its flows and duration."""
    return {
        r["nodeid"]: {"flows": r.get("flows", []), "duration": r.get("duration") or 0.0}
        for r in records
        if r.get("outcome") == "passed" and r.get("browser") in (None, browser)
    }


def _test_records(paths: list[Path]) -> list[dict]:
    records: list[dict] = []
    for path in paths:
        if path.is_file():
            lines = (
                json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()
            )
            records.extend(record for record in lines if record.get("kind") == "test")
    return records


# -- mutants -------------------------------------------------------------------------------------
def enumerate_mutants(copy: Path, files: list[str], operator_names: tuple[str, ...]) -> list[WorkItem]:
    """Every mutant of the scope, each with a stable id: path:line:column:operator[#n]."""
    operators.register()
    items: list[WorkItem] = []
    for path in files:
        module_ast = get_ast_from_path(copy / path)
        for name in operator_names:
            operator = cosmic_ray.plugins.get_operator(name)()
            seen: collections.Counter[str] = collections.Counter()
            # The occurrence counts every position the operator finds, as cosmic-ray's own
            # mutate_code does when it applies one; markers are skipped after counting.
            positions = (
                (node, pos) for node in ast_nodes(module_ast) for pos in operator.mutation_positions(node)
            )
            for occurrence, (node, (start, end)) in enumerate(positions):
                if operators.is_signature_marker(node):
                    continue
                base = f"{path}:{start[0]}:{start[1]}:{name}"
                key = base if not seen[base] else f"{base}#{seen[base]}"
                seen[base] += 1
                spec = MutationSpec(
                    module_path=path, operator_name=name, occurrence=occurrence, start_pos=start, end_pos=end
                )
                items.append(WorkItem.single(job_id=key, mutation=spec))
    return sorted(items, key=lambda item: item.job_id)


def select(items: list[WorkItem], only: list[str], shard: tuple[int, int] | None) -> list[WorkItem]:
    """`--only PATH[:LINE]` or `--only <mutant id>` filters; `--shard I/N` keeps every N-th mutant
    from the I-th on."""
    if only:
        items = [item for item in items if any(_matches(item, wanted) for wanted in only)]
    if shard:
        index, count = shard
        items = [item for position, item in enumerate(items) if position % count == index - 1]
    return items


def resolve_equivalents(
    copy: Path, items: list[WorkItem], entries: list[Equivalent]
) -> tuple[dict[str, str], list[Equivalent]]:
    """{mutant id: reason} for the entries that name a mutant of `items`, and the stale entries.

    An entry with `code` follows its line when the file's lines move: it names the mutant at the
    same column with the same operator whose source line reads `code` (the nearest one to the
    recorded line if several do), and never a mutant whose line now holds other code. An entry
    without `code` names its id exactly.
    """
    by_position: dict[tuple[str, str, str], list[WorkItem]] = collections.defaultdict(list)
    for item in items:
        by_position[Equivalent(item.job_id, "").position_key()].append(item)
    resolved: dict[str, str] = {}
    stale: list[Equivalent] = []
    for entry in entries:
        candidates = by_position.get(entry.position_key(), [])
        if entry.code is not None:
            candidates = [item for item in candidates if _source_line(copy, item) == entry.code]
            candidates.sort(key=lambda item: abs(item.mutations[0].start_pos[0] - entry.line))
        else:
            candidates = [item for item in candidates if item.job_id == entry.mutant]
        if candidates:
            resolved[candidates[0].job_id] = entry.reason
        else:
            stale.append(entry)
    return resolved, stale


def _source_line(copy: Path, item: WorkItem) -> str:
    spec = item.mutations[0]
    return (copy / spec.module_path).read_text(encoding="utf-8").splitlines()[spec.start_pos[0] - 1].strip()


def _matches(item: WorkItem, wanted: str) -> bool:
    if wanted.count(":") > 1:  # a mutant id
        return item.job_id == wanted
    spec = item.mutations[0]
    path, _, line = wanted.partition(":")
    if Path(spec.module_path).as_posix() != path:
        return False
    return not line or spec.start_pos[0] <= int(line) <= spec.end_pos[0]


def mutant_diff(copy: Path, spec: MutationSpec) -> str:
    original = (copy / spec.module_path).read_text(encoding="utf-8")
    operator = cosmic_ray.plugins.get_operator(spec.operator_name)()
    mutated = mutate_code(original, operator, spec.occurrence) or original
    path = Path(spec.module_path).as_posix()
    lines = difflib.unified_diff(
        original.splitlines(keepends=True), mutated.splitlines(keepends=True), f"a/{path}", f"b/{path}", n=1
    )
    return "".join(lines)


def test_command(session: Session, tests: list[str]) -> str:
    return shlex.join(
        [session.python, "-m", "ci.mutate.child", *tests, "-p", "no:cacheprovider",
         "-p", "ci.mutate.ordering", "-x", "-q", "-n", "0", "--browser", session.config.browser]
    )  # fmt: skip


def classify(result: WorkResult) -> str:
    if result.worker_outcome != WorkerOutcome.NORMAL:
        return "error"
    if result.test_outcome == TestOutcome.SURVIVED:
        return "survived"
    if result.test_outcome == TestOutcome.KILLED:
        return "timeout" if result.output == "timeout" else "killed"
    return "error"


def run(session: Session, root: Path) -> list[MutantResult]:
    """Mutants of the scope, each run against the tests that executed its lines; results in order."""
    session.out_dir.mkdir(parents=True, exist_ok=True)
    with sigterm_as_interrupt(), project_copy(root) as copy, tempfile.TemporaryDirectory() as work:
        session.echo(f"copy: {copy} (mutants are written here only; removed at the end)")
        if session.contexts_file:
            try:
                line_tests, tests = contexts.load(session.contexts_file)
            except contexts.ContextsError as exc:
                raise UsageError(str(exc)) from None
        elif session.from_run:
            line_tests, tests = contexts_from_run(session.from_run, root, session.config.browser)
        else:
            line_tests, tests = record_baseline(session, copy, Path(work))
        if session.contexts_file or session.from_run:
            check_copy(session, copy, tests)
        contexts.save(line_tests, tests, session.out_dir / contexts.CONTEXTS_FILE)
        files = session.config.module_files(copy)
        everything = enumerate_mutants(copy, files, session.config.operators)
        equivalents, stale = resolve_equivalents(copy, everything, session.equivalents)
        for entry in stale:
            if entry.path in files:
                session.echo(
                    f"equivalents: {entry.mutant} names no mutant of the current source "
                    f"(its line changed?); re-check the entry"
                )
        items = select(everything, session.only, session.shard)
        if not items:
            raise UsageError("no mutant in the scope (check modules, --only and --shard)")
        session.echo(f"mutants: {len(items)} in {len(files)} files")
        return _run_items(session, copy, items, line_tests, tests, equivalents)


def _run_items(
    session: Session,
    copy: Path,
    items: list[WorkItem],
    line_tests: contexts.LineTests,
    tests: dict,
    equivalents: dict[str, str],
) -> list[MutantResult]:
    db_path = session.out_dir / SESSION_FILE
    db_path.unlink(missing_ok=True)
    results: list[MutantResult] = []
    # Tests that killed earlier mutants of a file run first against the next ones: with -x, a
    # mutant is usually killed by the first test, instead of after every test that only passes by.
    killers: dict[str, collections.Counter[str]] = collections.defaultdict(collections.Counter)
    cwd = os.getcwd()
    saved_env = {name: os.environ.get(name) for name in ("PYTHONPATH",)}
    os.chdir(copy)  # cosmic-ray mutates module_path relative to the working directory, in the copy
    os.environ["PYTHONPATH"] = str(copy)
    # Each mutant is journaled as it finishes: an interrupted run keeps its results (--resume).
    journal_mode = "a" if session.resumed else "w"
    try:
        with (
            use_db(str(db_path), WorkDB.Mode.create) as work_db,
            (session.out_dir / PROGRESS_FILE).open(journal_mode, encoding="utf-8") as journal,
        ):
            work_db.add_work_items(items)
            if journal.tell() and not _ends_with_newline(session.out_dir / PROGRESS_FILE):
                journal.write("\n")  # after a line an interruption cut short
            for number, item in enumerate(items, 1):
                result, ran = _run_one(session, copy, item, line_tests, tests, killers, equivalents)
                work_db.set_result(item.job_id, _as_work_result(result))
                results.append(result)
                if ran:
                    session.ran.append(result.id)
                    journal.write(json.dumps(result.to_json()) + "\n")
                    journal.flush()
                session.echo(
                    f"[{number}/{len(items)}] {result.status:<11} {result.id}"
                    + (f" ({len(result.tests)} tests, {result.seconds:.1f} s)" if result.tests else "")
                    + ("" if ran or result.status in ("not_covered", "equivalent") else " (resumed)")
                )
    finally:
        os.chdir(cwd)
        for name, value in saved_env.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
    return results


def _ends_with_newline(path: Path) -> bool:
    with path.open("rb") as file:
        file.seek(-1, os.SEEK_END)
        return file.read(1) == b"\n"


def load_progress(path: Path) -> dict[str, MutantResult]:
    """The mutants a run journaled in `path`, by id (a line cut short by an interruption is skipped)."""
    found: dict[str, MutantResult] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            result = MutantResult(**json.loads(line))
        except (ValueError, TypeError):
            continue
        found[result.id] = result
    return found


def _run_one(
    session: Session,
    copy: Path,
    item: WorkItem,
    line_tests: contexts.LineTests,
    tests: dict,
    killers: dict[str, collections.Counter[str]],
    equivalents: dict[str, str],
) -> tuple[MutantResult, bool]:
    """The mutant's result, and whether its tests ran now (not an earlier run's result reused)."""
    spec = item.mutations[0]
    path = Path(spec.module_path).as_posix()
    lines = range(spec.start_pos[0], spec.end_pos[0] + 1)
    executed_by = line_tests.tests_for(path, lines)
    if line_tests.run_at_startup(path, lines):
        executed_by |= {t for t in tests if _named(t, session.config.startup_tests)}
    kills = killers[path]
    # Of the tests behind a start-up line (a constant, a def), those that ran the lines reading
    # the name it binds are the likeliest to notice: they go first. Then, among equals, the tests
    # that reached the rare branches of the functions around the mutant and its readers.
    reader_lines = _readers_lines(copy, path, lines)
    readers = line_tests.tests_for(path, reader_lines)
    region = contexts.enclosing_functions(_source(copy, path), {*lines, *reader_lines})
    specific = line_tests.specificity(path, region)
    selected = sorted(
        (t for t in executed_by if t in tests),
        key=lambda t: (-kills[t], t not in readers, -round(specific.get(t, 0.0), 1), tests[t]["duration"], t),
    )
    flows = sorted({flow for t in selected for flow in tests[t]["flows"]})
    result = MutantResult(
        id=item.job_id, path=path, line=spec.start_pos[0], operator=spec.operator_name, status="",
        tests=selected, flows=flows, diff=mutant_diff(copy, spec),
    )  # fmt: skip
    if item.job_id in equivalents:
        result.status, result.detail = "equivalent", equivalents[item.job_id]
        return result, False
    if not selected:
        result.status = "not_covered"
        return result, False
    earlier = session.resumed.get(item.job_id)
    if earlier is not None and earlier.status in REUSABLE and earlier.diff == result.diff:
        result.status, result.seconds, result.detail = earlier.status, earlier.seconds, earlier.detail
        result.killed_by = earlier.killed_by
        if result.killed_by in tests:
            kills[result.killed_by] += 1
        return result, False
    budget = sum(tests[t]["duration"] for t in selected)
    timeout = session.config.timeout_factor * budget + session.config.timeout_floor_s
    started = time.monotonic()
    outcome = mutate_and_test(item.mutations, test_command(session, selected), timeout)
    result.seconds = round(time.monotonic() - started, 2)
    result.status = classify(outcome)
    if result.status == "killed":
        failed = FAILED_TEST.search(outcome.output or "")
        if failed and failed[1] in tests:
            result.killed_by = failed[1]
            kills[failed[1]] += 1
    if result.status in ("survived", "error"):
        result.detail = (outcome.output or "")[-OUTPUT_EXCERPT_CHARS:]
    return result, True


@functools.cache
def _source(copy: Path, path: str) -> str:
    """The original source (read before any mutant: cosmic-ray restores the file after each)."""
    return (copy / path).read_text(encoding="utf-8")


@functools.cache
def _name_uses(copy: Path, path: str) -> dict[int, set[int]]:
    return contexts.name_uses(_source(copy, path))


def _readers_lines(copy: Path, path: str, lines: range) -> set[int]:
    """Lines that read what the mutated lines define (module constants, defaults, class attributes)."""
    uses = _name_uses(copy, path)
    return set().union(*(uses.get(line, set()) for line in lines))


def _named(test: str, names: tuple[str, ...]) -> bool:
    """Whether node id `test` is one of `names` or lies under one (a file, a file::test prefix)."""
    return any(test == name or test.startswith((f"{name}::", f"{name}[")) for name in names)


def _as_work_result(result: MutantResult) -> WorkResult:
    """The cosmic-ray session keeps every mutant's outcome too (`cr-report session.sqlite`)."""
    if result.status in ("not_covered", "equivalent"):
        return WorkResult(worker_outcome=WorkerOutcome.SKIPPED, output=result.status, diff=result.diff)
    if result.status == "error":
        return WorkResult(worker_outcome=WorkerOutcome.EXCEPTION, output=result.detail, diff=result.diff)
    outcome = TestOutcome.SURVIVED if result.status == "survived" else TestOutcome.KILLED
    return WorkResult(worker_outcome=WorkerOutcome.NORMAL, test_outcome=outcome, diff=result.diff)
