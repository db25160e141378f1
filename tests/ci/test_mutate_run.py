"""`tradecheck mutate` end to end on one line of money.py: a planted weak test lets the mutants
survive and the report names it; Ctrl-C in the middle of a mutant leaves the working tree clean."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parents[2]
MONEY = "papertrade/domain/money.py"
WEAK_TEST = "tests/ci/mutate_samples/weak_quote.py::test_quote_answers"
STRONG_TEST = "tests/ci/mutate_samples/strong_quote.py::test_quote_has_exact_prices"


def positive_cents_line() -> int:
    """The line of cents_to_str that splits a non-negative amount (the one a quote's prices run)."""
    lines = (PROJECT_ROOT / MONEY).read_text(encoding="utf-8").splitlines()
    return max(n for n, text in enumerate(lines, 1) if "divmod(cents, 100)" in text)


def config(tmp_path: Path, *tests: str) -> Path:
    path = tmp_path / "mutation.yaml"
    files = ", ".join(test.partition("::")[0] for test in tests)
    path.write_text(f"modules: [{MONEY}]\ntests: [{files}]\noperators: [core/NumberReplacer]\n")
    return path


def mutate_command(tmp_path: Path, *tests: str) -> list[str]:
    return [
        sys.executable, "-m", "ci.mutate", "--config", str(config(tmp_path, *tests)),
        "--only", f"{MONEY}:{positive_cents_line()}", "--out", str(tmp_path / "out"),
    ]  # fmt: skip


def env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(PROJECT_ROOT)}


def test_weak_test_lets_mutants_survive_and_the_report_names_it(tmp_path):
    run = subprocess.run(
        mutate_command(tmp_path, WEAK_TEST),
        cwd=PROJECT_ROOT,
        env=env(),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 1, run.stdout + run.stderr  # the gate fails: nothing killed
    body = json.loads((tmp_path / "out" / "mutation.json").read_text())
    survivors = [(m["status"], m["tests"]) for m in body["mutants"]]
    assert survivors == [("survived", [WEAK_TEST]), ("survived", [WEAK_TEST])]
    section = (tmp_path / "out" / "mutation.md").read_text()
    assert f"executed by 1 test(s): `{WEAK_TEST}`" in section
    assert "+    whole, frac = divmod(cents, 99)" in section
    assert "mutation_score 0.00 % (>= 90 %) FAILED" in run.stdout


def test_strong_test_kills_the_same_mutants(tmp_path):
    run = subprocess.run(
        mutate_command(tmp_path, STRONG_TEST), cwd=PROJECT_ROOT, env=env(), capture_output=True, text=True,
        timeout=300,
    )  # fmt: skip
    assert run.returncode == 0, run.stdout + run.stderr
    body = json.loads((tmp_path / "out" / "mutation.json").read_text())
    assert [m["status"] for m in body["mutants"]] == ["killed", "killed"]


def tree_state() -> tuple[str, str]:
    status = subprocess.run(
        ["git", "status", "--porcelain", "--", "papertrade"], cwd=PROJECT_ROOT, capture_output=True, text=True
    ).stdout
    return status, hashlib.sha256((PROJECT_ROOT / MONEY).read_bytes()).hexdigest()


def processes_mentioning(text: str) -> list[int]:
    found = []
    for proc in Path("/proc").iterdir():
        try:
            if proc.name.isdigit() and text.encode() in (proc / "cmdline").read_bytes():
                found.append(int(proc.name))
        except OSError:
            continue
    return found


def pytest_processes_in(folder: Path) -> list[int]:
    """pytest processes working in `folder`. A mutant's test command starts as `ci.mutate.child`
    and execs pytest at once, so its command line names pytest, not the child, while it runs."""
    found = []
    for pid in processes_mentioning("pytest"):
        try:
            if Path(f"/proc/{pid}/cwd").resolve() == folder.resolve():
                found.append(pid)
        except OSError:
            continue
    return found


def wait_for(condition, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.05)  # polling a file and a process list: there is nothing to await on
    pytest.fail(f"timed out waiting for {what}")


def test_ctrl_c_during_a_mutant_leaves_the_tree_clean(tmp_path):
    before = tree_state()
    original = (PROJECT_ROOT / MONEY).read_text(encoding="utf-8")
    log = tmp_path / "mutate.log"
    with log.open("w") as out:
        runner = subprocess.Popen(
            mutate_command(tmp_path, WEAK_TEST), cwd=PROJECT_ROOT, env=env(),
            stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),  # a background shell ignores it
        )  # fmt: skip
    try:
        copy_line = wait_for(
            lambda: next((line for line in log.read_text().splitlines() if line.startswith("copy: ")), None),
            120,
            "the copy",
        )
        copy = Path(copy_line.split()[1])
        # Interrupt while the mutant is on disk in the copy and its tests are running.
        wait_for(lambda: (copy / MONEY).exists() and (copy / MONEY).read_text() != original, 180, "a mutant")
        wait_for(lambda: pytest_processes_in(copy), 60, "the mutant's test run")
        os.killpg(runner.pid, signal.SIGINT)
        assert runner.wait(timeout=60) == 130, log.read_text()
    finally:
        if runner.poll() is None:
            runner.kill()
    assert "tradecheck: interrupted" in log.read_text()
    assert tree_state() == before
    assert not copy.exists()
    wait_for(lambda: not processes_mentioning(str(copy)), 30, "the mutant's pytest and app to end")


def test_resume_reuses_the_journaled_mutants_and_runs_the_rest(tmp_path):
    """An interrupted run goes on where it stopped: a journaled result stands as long as the
    mutant's code is the same, and a mutant whose code changed runs again."""
    from ci.mutate import contexts
    from ci.mutate.engine import MutantResult, enumerate_mutants, mutant_diff

    out = tmp_path / "out"
    out.mkdir()
    line = positive_cents_line()
    contexts.save(
        contexts.LineTests(lines={MONEY: {line: {WEAK_TEST}}}),
        {WEAK_TEST: {"flows": ["MON-01"], "duration": 1.0}},
        out / contexts.CONTEXTS_FILE,
    )
    first, second = [
        i
        for i in enumerate_mutants(PROJECT_ROOT, [MONEY], ("core/NumberReplacer",))
        if i.mutations[0].start_pos[0] == line
    ]
    journaled = [
        # What the weak test cannot do: this "kill" can only come from the journal.
        MutantResult(first.job_id, MONEY, line, "core/NumberReplacer", "killed", [WEAK_TEST],
                     diff=mutant_diff(PROJECT_ROOT, first.mutations[0]), seconds=7.0, killed_by=WEAK_TEST),
        MutantResult(second.job_id, MONEY, line, "core/NumberReplacer", "killed", [WEAK_TEST],
                     diff="--- code that has changed since", seconds=7.0),
    ]  # fmt: skip
    (out / "progress.jsonl").write_text(
        "".join(json.dumps(r.to_json()) + "\n" for r in journaled) + '{"id": "cut sh'
    )
    config_path = config(tmp_path, WEAK_TEST)

    run = subprocess.run(
        [sys.executable, "-m", "ci.mutate", "--config", str(config_path), "--only", f"{MONEY}:{line}",
         "--resume", str(out)],
        cwd=PROJECT_ROOT, env=env(), capture_output=True, text=True, timeout=300,
    )  # fmt: skip

    assert run.returncode == 1, run.stdout + run.stderr
    body = json.loads((out / "mutation.json").read_text())
    assert {m["id"]: m["status"] for m in body["mutants"]} == {
        first.job_id: "killed",
        second.job_id: "survived",
    }
    assert f"killed      {first.job_id} (1 tests, 7.0 s) (resumed)" in run.stdout
    assert body["summary"]["timings"][0]["ran"] == 1  # only the changed mutant ran again
    journal = [json.loads(line) for line in (out / "progress.jsonl").read_text().splitlines()[3:]]
    assert [(r["id"], r["status"]) for r in journal] == [(second.job_id, "survived")]
