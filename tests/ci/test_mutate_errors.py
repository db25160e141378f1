"""`tradecheck mutate`: bad input gives one line and its exit code; scores and the gate."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from ci.errors import UsageError
from ci.mutate import contexts, report
from ci.mutate.config import load_config, load_equivalents
from ci.mutate.engine import MutantResult, project_copy

pytestmark = pytest.mark.unit

PROJECT_ROOT = Path(__file__).resolve().parents[2]
CONFIG = PROJECT_ROOT / "config" / "mutation.yaml"


def mutate(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "ci.mutate", *args],
        cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=120,
        env={"PYTHONPATH": str(PROJECT_ROOT), "PATH": "/usr/bin:/bin"},
    )  # fmt: skip


def test_project_config_loads_with_every_module_and_operator():
    config = load_config(CONFIG, PROJECT_ROOT)
    assert "papertrade/domain/orders.py" in config.module_files(PROJECT_ROOT)
    assert "tradecheck/RemoveStatement" in config.operators


def test_unknown_module_is_one_line_with_exit_2(tmp_path):
    result = mutate("--module", "papertrade/nowhere.py", "--out", str(tmp_path))
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        f"tradecheck: error: --module: unknown module 'papertrade/nowhere.py' "
        f"(no such .py file or folder under {PROJECT_ROOT})"
    ]


def test_unknown_module_in_the_config_names_the_file(tmp_path):
    config = tmp_path / "mutation.yaml"
    config.write_text(CONFIG.read_text().replace("papertrade/web/feed.py", "papertrade/web/fed.py"))
    with pytest.raises(UsageError, match=r"mutation.yaml: modules: unknown module 'papertrade/web/fed.py'"):
        load_config(config, PROJECT_ROOT)


def test_unknown_operator_is_a_usage_error(tmp_path):
    config = tmp_path / "mutation.yaml"
    config.write_text("modules: [papertrade/domain]\ntests: [scenarios]\noperators: [core/NoSuchThing]\n")
    with pytest.raises(UsageError, match=r"operators: unknown operator 'core/NoSuchThing'"):
        load_config(config, PROJECT_ROOT)


def test_equivalent_without_a_reason_is_refused(tmp_path):
    path = tmp_path / "eq.yaml"
    path.write_text("equivalents:\n  - {mutant: 'papertrade/domain/money.py:51:32:core/NumberReplacer'}\n")
    with pytest.raises(
        UsageError, match=r"equivalents\[0\] needs 'mutant' \(its id\) and a non-empty 'reason'"
    ):
        load_equivalents(path)


def test_missing_contexts_file_is_one_line_with_exit_2(tmp_path):
    missing = tmp_path / "contexts.json"
    result = mutate(
        "--contexts", str(missing), "--only", "papertrade/domain/money.py:51", "--out", str(tmp_path)
    )
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        f"tradecheck: error: {missing}: coverage-context file not found "
        "(run `tradecheck mutate` without --contexts to record one)"
    ]


def test_red_baseline_is_refused_with_exit_3(tmp_path):
    config = tmp_path / "mutation.yaml"
    config.write_text(
        "modules: [papertrade/domain/money.py]\ntests: [tests/ci/mutate_samples/red_suite.py]\n"
        "operators: [core/NumberReplacer]\n"
    )
    result = mutate("--config", str(config), "--out", str(tmp_path / "out"))
    assert result.returncode == 3
    assert (
        result.stderr.strip()
        .splitlines()[-1]
        .startswith(
            "tradecheck: error: baseline run is not green: 1 of 1 tests failed "
            "(first: tests/ci/mutate_samples/red_suite.py::test_always_fails), pytest exit 1; "
            "mutation testing on a red suite is meaningless"
        )
    )


def test_run_folder_without_results_is_exit_2(tmp_path):
    result = mutate("--from-run", str(tmp_path), "--out", str(tmp_path / "out"))
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        f"tradecheck: error: --from-run: {tmp_path}: no results/*.jsonl (not a tradecheck run folder?)"
    ]


def test_bad_shard_is_exit_2(tmp_path):
    result = mutate("--shard", "3/2", "--out", str(tmp_path))
    assert result.returncode == 2
    assert "--shard: expected I/N with 1 <= I <= N, got '3/2'" in result.stderr


def test_lines_run_only_at_start_up_belong_to_the_tests_of_their_module():
    line_tests = contexts.LineTests(
        lines={"m.py": {10: {"t1"}, 20: {"t2"}}, "other.py": {5: {"t3"}}}, startup={"m.py": {1, 10}}
    )
    assert line_tests.tests_for("m.py", [20]) == {"t2"}
    assert line_tests.tests_for("m.py", [1]) == {"t1", "t2"}
    assert line_tests.tests_for("m.py", [99]) == set()


def result(status: str, flows=("TRD-01",)) -> MutantResult:
    return MutantResult(id=status, path="p.py", line=1, operator="op", status=status, flows=list(flows))


def test_score_counts_not_covered_against_and_leaves_out_equivalents():
    results = [result(s) for s in ("killed", "timeout", "survived", "not_covered", "equivalent", "error")]
    summary = report.summarize(results, threshold=90)
    assert summary["overall"]["score"] == 50.0  # 2 killed of 4 counted
    assert summary["passed"] is False
    assert report.mutation_score_gate(summary) == (
        50.0,
        "2 killed, 1 survived, 1 not covered, 1 equivalent, 1 errors",
    )


def test_gate_passes_at_the_threshold():
    results = [result("killed")] * 9 + [result("survived")]
    summary = report.summarize(results, threshold=90)
    assert (summary["overall"]["score"], summary["passed"]) == (90.0, True)
    assert summary["flows"]["TRD-01"]["score"] == 90.0


def test_a_module_constant_is_read_where_its_name_is_used():
    source = (
        "LIMIT = 5\nclass Order:\n    cap = LIMIT\n    def fits(self, n):\n        return n <= self.cap\n"
    )
    uses = contexts.name_uses(source)
    assert uses[1] == {3}  # LIMIT, read by the class attribute
    assert uses[3] == {5}  # Order.cap, read as self.cap


def test_a_copy_that_cannot_run_the_recorded_tests_is_refused_before_any_mutant(tmp_path):
    """--contexts skips the baseline; a test green in the tree but red in the copy must not turn
    every mutant it covers into a kill."""
    red = "tests/ci/mutate_samples/red_suite.py::test_always_fails"
    line_tests = contexts.LineTests(lines={"papertrade/domain/money.py": {51: {red}}}, startup={})
    contexts.save(line_tests, {red: {"flows": [], "duration": 0.01}}, tmp_path / "contexts.json")
    config = tmp_path / "mutation.yaml"
    config.write_text(
        "modules: [papertrade/domain/money.py]\n"
        "tests: [tests/ci/mutate_samples]\n"
        "operators: [core/NumberReplacer]\n"
    )

    result = mutate(
        "--config", str(config), "--contexts", str(tmp_path / "contexts.json"),
        "--only", "papertrade/domain/money.py:51", "--out", str(tmp_path / "out"),
    )  # fmt: skip

    assert result.returncode == 3, result.stdout + result.stderr
    log = tmp_path / "out" / "copy-check.log"
    assert result.stderr.strip().splitlines() == [
        "tradecheck: error: the project copy does not run the tests green: 1 unmutated probes, pytest "
        f"exit 1 (first: {red}); every mutant would count as killed (log {log})"
    ]
    assert not (tmp_path / "out" / "mutation.json").exists()


def test_the_copy_links_the_npm_packages_the_tests_load(tmp_path):
    (tmp_path / "ci" / "node_modules" / "axe-core").mkdir(parents=True)
    (tmp_path / "ci" / "node_modules" / "axe-core" / "axe.min.js").write_text("// axe")
    (tmp_path / ".venv" / "node_modules").mkdir(parents=True)  # ignored trees are not searched
    with project_copy(tmp_path) as copy:
        assert (copy / "ci" / "node_modules" / "axe-core" / "axe.min.js").read_text() == "// axe"
        assert (copy / "ci" / "node_modules").is_symlink()
        assert not (copy / ".venv").exists()


def test_resume_with_its_own_output_folder_is_one_line_with_exit_2(tmp_path):
    result = mutate("--resume", str(tmp_path), "--out", str(tmp_path / "elsewhere"))
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "tradecheck: error: --resume takes the output folder, contexts and progress of the run it "
        "continues: drop --out"
    ]


def test_resume_of_a_folder_without_a_run_is_one_line_with_exit_2(tmp_path):
    result = mutate("--resume", str(tmp_path))
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        f"tradecheck: error: --resume: {tmp_path}: no contexts.json (no mutate run reached its mutants there)"
    ]


def test_shards_that_ran_side_by_side_share_their_wall_time():
    timings = [
        {"started": "2026-12-05T10:00:00+00:00", "seconds": 3600.0, "ran": 100, "mutant_seconds": 3500.0},
        {"started": "2026-12-05T10:30:00+00:00", "seconds": 3600.0, "ran": 50, "mutant_seconds": 3000.0},
    ]
    summary = report.summarize([result("killed")], threshold=90, timings=timings)
    assert report.rate(summary) == {
        "runs": 2, "ran": 150, "seconds": 5400.0, "per_hour": 100.0, "mutant_seconds": 6500.0,
    }  # fmt: skip


def test_the_tests_that_reached_a_rare_branch_around_the_mutant_rank_first():
    source = "def size(x):\n    if x > 10:\n        return 'big'\n    return 'small'\n\nLIMIT = 3\n"
    assert contexts.enclosing_functions(source, [2]) == {1, 2, 3, 4}
    assert contexts.enclosing_functions(source, [6]) == {6}  # outside any function: itself
    line_tests = contexts.LineTests(lines={"m.py": {2: {"a", "b", "c"}, 3: {"c"}, 4: {"a", "b"}}})
    scores = line_tests.specificity("m.py", {1, 2, 3, 4})
    assert {test: round(score, 2) for test, score in scores.items()} == {"a": 0.83, "b": 0.83, "c": 1.33}


def test_a_mutants_tests_run_in_the_order_the_engine_names_them(tmp_path):
    # pytest alone groups the tests of a session-scoped parametrized fixture (pytest-playwright's
    # browser) and runs them first: the killer the engine names second would run last.
    (tmp_path / "test_order.py").write_text(
        "import pytest\n"
        "@pytest.fixture(scope='session', params=['chromium'])\n"
        "def engine(request):\n    return request.param\n"
        "def test_a(engine): pass\n"
        "def test_b(engine): pass\n"
        "def test_killer(): assert False\n",
        encoding="utf-8",
    )
    names = [f"test_order.py::{name}" for name in ("test_a[chromium]", "test_killer", "test_b[chromium]")]
    ran = subprocess.run(
        [sys.executable, "-m", "pytest", *names, "-p", "ci.mutate.ordering", "-p", "no:cacheprovider",
         "-x", "-v", "-c", "/dev/null", "--rootdir", str(tmp_path)],
        cwd=tmp_path, capture_output=True, text=True, timeout=120,
        env={"PYTHONPATH": str(PROJECT_ROOT), "PATH": "/usr/bin:/bin"},
    )  # fmt: skip
    ran_tests = [line.split(" ")[0] for line in ran.stdout.splitlines() if line.startswith("test_order.py::")]
    assert ran_tests == names[:2], ran.stdout
