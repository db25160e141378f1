"""TradeCheck's own mutation operators make exactly the mutants their examples show."""

import pytest
from cosmic_ray.mutating import mutate_code

from ci.mutate.engine import enumerate_mutants, mutant_diff
from ci.mutate.operators import RemoveStatement, ReplaceReturnValue

pytestmark = pytest.mark.unit

EXAMPLES = [(cls, example) for cls in (RemoveStatement, ReplaceReturnValue) for example in cls.examples()]


@pytest.mark.parametrize(
    ("operator", "example"), EXAMPLES, ids=[f"{c.__name__}-{i}" for i, (c, _) in enumerate(EXAMPLES)]
)
def test_operator_example(operator, example):
    assert (
        mutate_code(example.pre_mutation_code, operator(), example.occurrence) == example.post_mutation_code
    )


@pytest.mark.parametrize(
    "code",
    ["log.info('placed %s', order_id)\n", "access_log.info(line)\n", "x = compute()\n", '"""doc"""\n'],
    ids=["logging", "access-log", "assignment", "docstring"],
)
def test_remove_statement_leaves_logging_assignments_and_docstrings(code):
    assert mutate_code(code, RemoveStatement(), 0) is None


def test_return_none_is_not_mutated_again():
    assert mutate_code("def f():\n    return None\n", ReplaceReturnValue(), 0) is None


def test_the_bare_star_of_a_signature_gets_no_mutant_and_the_next_one_keeps_its_place(tmp_path):
    # cosmic-ray takes the keyword-only marker for a multiplication; `/` there changes no call.
    (tmp_path / "m.py").write_text("def scale(a, *, b):\n    return a * b\n")
    items = enumerate_mutants(tmp_path, ["m.py"], ("core/ReplaceBinaryOperator_Mul_Div",))
    assert [item.job_id for item in items] == ["m.py:2:13:core/ReplaceBinaryOperator_Mul_Div"]
    assert "+    return a / b" in mutant_diff(tmp_path, items[0].mutations[0])
