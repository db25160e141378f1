"""Equivalent-mutant entries follow their line when the file's lines move, never mark a mutant whose
line now holds other code, and report the entries that name nothing; start-up-only lines in files
no test reaches go to the configured start-up tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from ci.errors import UsageError
from ci.mutate.cli import parse_only
from ci.mutate.config import Equivalent
from ci.mutate.contexts import LineTests
from ci.mutate.engine import _named, enumerate_mutants, resolve_equivalents, select

SOURCE = """\
def held(position):
    quantity = position or 0
    return quantity
"""
MOVED = '"""A docstring pushed every line down by two."""\n\n' + SOURCE
OPERATOR = "core/NumberReplacer"


def mutants(root: Path, text: str):
    (root / "app.py").write_text(text, encoding="utf-8")
    return enumerate_mutants(root, ["app.py"], (OPERATOR,))


def test_an_entry_with_its_code_follows_the_line_when_it_moves(tmp_path):
    entry = Equivalent(f"app.py:2:27:{OPERATOR}#1", "0 or -1: alike", code="quantity = position or 0")
    before = mutants(tmp_path, SOURCE)
    assert resolve_equivalents(tmp_path, before, [entry]) == ({f"app.py:2:27:{OPERATOR}#1": entry.reason}, [])

    after = mutants(tmp_path, MOVED)
    assert resolve_equivalents(tmp_path, after, [entry]) == ({f"app.py:4:27:{OPERATOR}#1": entry.reason}, [])


def test_an_entry_whose_code_changed_marks_nothing_and_is_reported(tmp_path):
    entry = Equivalent(f"app.py:2:27:{OPERATOR}#1", "stale", code="quantity = position or 1")
    assert resolve_equivalents(tmp_path, mutants(tmp_path, SOURCE), [entry]) == ({}, [entry])


def test_an_entry_without_code_names_its_id_only(tmp_path):
    entry = Equivalent(f"app.py:2:27:{OPERATOR}#1", "by id")
    assert resolve_equivalents(tmp_path, mutants(tmp_path, MOVED), [entry]) == ({}, [entry])


def test_lines_that_ran_only_at_start_up_are_told_apart():
    line_tests = LineTests(
        lines={"app/orders.py": {10: {"t1"}}},
        startup={"app/listings.py": {3, 4}, "app/orders.py": {1, 10}},
    )
    assert line_tests.run_at_startup("app/listings.py", range(3, 4))  # a file no test reaches
    assert line_tests.run_at_startup("app/orders.py", range(1, 2))  # a module-level line
    assert line_tests.tests_for("app/orders.py", range(1, 2)) == {"t1"}  # its file's tests run too
    assert not line_tests.run_at_startup("app/orders.py", range(10, 11))  # a test ran it
    assert not line_tests.run_at_startup("app/listings.py", range(9, 10))


def test_start_up_tests_are_named_by_node_id_or_prefix():
    names = ("scenarios/test_api_test_control.py::test_reset", "scenarios/test_listing.py")
    assert _named("scenarios/test_api_test_control.py::test_reset", names)
    assert _named("scenarios/test_listing.py::test_a[chromium]", names)
    assert not _named("scenarios/test_api_test_control.py::test_reset_other", names)


def test_only_takes_a_mutant_id_as_well_as_a_line(tmp_path):
    items = mutants(tmp_path, SOURCE)
    wanted = f"app.py:2:27:{OPERATOR}#1"
    assert [item.job_id for item in select(items, [wanted], None)] == [wanted]
    assert len(select(items, ["app.py:2"], None)) == 2
    assert parse_only([wanted, "app.py:2", "app.py"]) == [wanted, "app.py:2", "app.py"]
    with pytest.raises(UsageError, match=r"--only: expected PATH, PATH:LINE or a mutant id"):
        parse_only(["app.py:two"])
