"""Per-test coverage contexts name the right tests: two tests on different routes, each route's
lines attributed to its own test only."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

from ci.mutate.engine import contexts_from_run

PROJECT_ROOT = Path(__file__).resolve().parents[2]
SAMPLES = "tests/ci/mutate_samples/tagged_routes.py"
API_TEST = f"{SAMPLES}::test_reads_a_quote_over_the_api"
PAGE_TEST = f"{SAMPLES}::test_opens_the_status_page[chromium]"


def first_body_line(path: str, function: str) -> int:
    tree = ast.parse((PROJECT_ROOT / path).read_text(encoding="utf-8"))
    node = next(
        n
        for n in ast.walk(tree)
        if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef) and n.name == function
    )
    return node.body[0].lineno


def test_each_route_line_names_only_the_test_that_requested_it(tmp_path):
    run_dir = tmp_path / "run"  # laid out like a `tradecheck run` folder: results/ and coverage/
    command = [
        sys.executable, "-m", "pytest", SAMPLES, "-p", "no:cacheprovider", "-n", "0", "--browser", "chromium",
        "--app-coverage", str(run_dir / "coverage"),
        "-p", "ci.pytest_results", "--tradecheck-results", str(run_dir / "results"), "-q",
    ]  # fmt: skip
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT)}
    run = subprocess.run(command, cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout[-3000:]

    before = sorted(p.relative_to(run_dir) for p in run_dir.rglob("*"))
    line_tests, tests = contexts_from_run(run_dir, PROJECT_ROOT, "chromium")
    # the run folder is only read: two shards reading it at once once both wrote one combined file
    assert sorted(p.relative_to(run_dir) for p in run_dir.rglob("*")) == before

    quote_line = first_body_line("papertrade/web/api.py", "quote")
    status_line = first_body_line("papertrade/web/pages.py", "status_page")
    assert line_tests.lines["papertrade/web/api.py"][quote_line] == {API_TEST}
    assert line_tests.lines["papertrade/web/pages.py"][status_line] == {PAGE_TEST}
    assert sorted(tests) == [PAGE_TEST, API_TEST]
