"""Which tests executed each line: PaperTrade's coverage data, recorded with per-test contexts.

The app, started by the harness under `coverage run` in test mode, names the test behind each
request as the coverage.py dynamic context (papertrade/web/coverage_context.py). Combining the data
files of a run gives, for every measured file, line -> the node ids of the tests that ran it. Lines
only run at start-up (imports, module constants, `def` lines) have no test context; they are
attributed to every test that executed any line of the same file (those tests use that module's
definitions), and the tests that ran the lines reading the bound name go first (`name_uses`).
"""

from __future__ import annotations

import ast
import json
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

CONTEXTS_FILE = "contexts.json"


class ContextsError(Exception):
    """The coverage data is missing or unusable; the message is one line for the user."""


@dataclass
class LineTests:
    """{relative path: {line: set of node ids}}; `startup` holds the lines run outside any test."""

    lines: dict[str, dict[int, set[str]]] = field(default_factory=dict)
    startup: dict[str, set[int]] = field(default_factory=dict)

    def tests_for(self, path: str, line_numbers: Iterable[int]) -> set[str]:
        by_line, numbers = self.lines.get(path, {}), list(line_numbers)
        found: set[str] = set().union(*(by_line.get(number, set()) for number in numbers))
        if self.run_at_startup(path, numbers):
            found = found.union(*by_line.values())
        return found

    def specificity(self, path: str, line_numbers: Iterable[int]) -> dict[str, float]:
        """For each test, how much of `line_numbers` it ran that few others ran: the sum, over the
        lines it executed, of 1 / the number of tests that executed each. A test that reached a
        branch only it reaches scores high: it is the one likeliest to notice a change there."""
        by_line = self.lines.get(path, {})
        scores: dict[str, float] = {}
        for number in line_numbers:
            tests = by_line.get(number, ())
            for test in tests:
                scores[test] = scores.get(test, 0.0) + 1 / len(tests)
        return scores

    def run_at_startup(self, path: str, line_numbers: Iterable[int]) -> bool:
        """Whether one of the lines ran at start-up only (an import, a module constant, a `def`):
        what it sets up may show far from its file, in what the app publishes or stores at start."""
        startup, by_line = self.startup.get(path, set()), self.lines.get(path, {})
        return any(number in startup and not by_line.get(number) for number in line_numbers)

    def to_json(self) -> dict:
        return {
            "lines": {
                path: {str(n): sorted(tests) for n, tests in sorted(by_line.items())}
                for path, by_line in sorted(self.lines.items())
            },
            "startup": {path: sorted(numbers) for path, numbers in sorted(self.startup.items())},
        }

    @classmethod
    def from_json(cls, body: dict) -> LineTests:
        return cls(
            lines={
                path: {int(n): set(tests) for n, tests in by_line.items()}
                for path, by_line in body["lines"].items()
            },
            startup={path: set(numbers) for path, numbers in body["startup"].items()},
        )


def from_coverage_dir(directory: Path, measured_root: Path) -> LineTests:
    """Combine the `.coverage.*` files of `directory` (kept) and map lines to tests.

    `measured_root` is the project folder the app ran from: file names are made relative to it.
    """
    data_files = sorted(p for p in directory.glob(".coverage.*") if p.is_file()) if directory.is_dir() else []
    if not data_files:
        raise ContextsError(f"{directory}: no coverage data files (.coverage.*) with per-test contexts")
    import coverage

    # Combined in a folder of its own: the run folder is only read, and shards that read the
    # same run at once do not write one file together.
    with tempfile.TemporaryDirectory(prefix="tradecheck-contexts-") as scratch:
        combined = coverage.CoverageData(basename=str(Path(scratch) / ".coverage-contexts"))
        try:
            coverage.data.combine_parallel_data(combined, data_paths=[str(p) for p in data_files], keep=True)
        except coverage.exceptions.CoverageException as exc:
            raise ContextsError(f"{directory}: coverage data unusable: {exc}") from exc
        return _line_tests(combined, directory, measured_root)


def _line_tests(combined, directory: Path, measured_root: Path) -> LineTests:
    result = LineTests()
    root = measured_root.resolve()
    for filename in combined.measured_files():
        try:
            path = Path(filename).resolve().relative_to(root).as_posix()
        except ValueError:
            continue
        for line, contexts in combined.contexts_by_lineno(filename).items():
            tests = {context for context in contexts if context}
            if tests:
                result.lines.setdefault(path, {})[line] = tests
            else:
                result.startup.setdefault(path, set()).add(line)
    if not any(result.lines.values()):
        raise ContextsError(
            f"{directory}: the coverage data has no per-test contexts (was the app in test mode, "
            "and did the tests run with the fixtures.test_tags plugin?)"
        )
    return result


def save(line_tests: LineTests, tests: dict[str, dict], path: Path) -> None:
    """The contexts file: lines -> tests, and per test its flows and baseline duration."""
    body = {"line_tests": line_tests.to_json(), "tests": tests}
    path.write_text(json.dumps(body, indent=1, sort_keys=True), encoding="utf-8")


def load(path: Path) -> tuple[LineTests, dict[str, dict]]:
    try:
        body = json.loads(path.read_text(encoding="utf-8"))
        return LineTests.from_json(body["line_tests"]), dict(body["tests"])
    except FileNotFoundError as exc:
        raise ContextsError(
            f"{path}: coverage-context file not found "
            "(run `tradecheck mutate` without --contexts to record one)"
        ) from exc
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise ContextsError(f"{path}: not a coverage-context file ({exc.__class__.__name__}: {exc})") from exc


def name_uses(source: str) -> dict[int, set[int]]:
    """For each line of a statement that binds names when the module loads (a module constant, a
    `def` or `class` line, a class attribute), the other lines of the module that read those names.

    Such lines run only at start-up; the tests that ran the lines reading the name are the ones
    most likely to notice a mutant there, so they run first.
    """
    tree = ast.parse(source)
    reads: dict[str, set[int]] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
            reads.setdefault(node.id, set()).add(node.lineno)
        elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Load):
            reads.setdefault(node.attr, set()).add(node.lineno)
    uses: dict[int, set[int]] = {}

    def visit(statements: list[ast.stmt]) -> None:
        for statement in statements:
            names = _bound_names(statement)
            own = set(range(statement.lineno, (statement.end_lineno or statement.lineno) + 1))
            found = set().union(*(reads.get(name, set()) for name in names)) - own if names else set()
            for line in own:
                uses.setdefault(line, set()).update(found)
            if isinstance(statement, ast.ClassDef):
                visit(statement.body)

    visit(tree.body)
    return uses


def enclosing_functions(source: str, line_numbers: Iterable[int]) -> set[int]:
    """Every line of the innermost function around each of `line_numbers` (a line outside any
    function stands for itself)."""
    spans = [
        (node.lineno, node.end_lineno or node.lineno)
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
    ]
    found: set[int] = set()
    for number in line_numbers:
        around = [span for span in spans if span[0] <= number <= span[1]]
        start, end = min(around, key=lambda span: span[1] - span[0]) if around else (number, number)
        found.update(range(start, end + 1))
    return found


def _bound_names(statement: ast.stmt) -> set[str]:
    if isinstance(statement, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
        return {statement.name}
    targets: list[ast.expr] = []
    if isinstance(statement, ast.Assign):
        targets = statement.targets
    elif isinstance(statement, ast.AnnAssign | ast.AugAssign):
        targets = [statement.target]
    return {node.id for target in targets for node in ast.walk(target) if isinstance(node, ast.Name)}
