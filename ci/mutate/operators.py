"""Mutation operators: cosmic-ray's own, selected by name, plus two it lacks.

cosmic-ray gives comparisons (and their boundaries: `<` ↔ `<=`), arithmetic, numeric constants,
`True`/`False`, `and`/`or` and negated conditions. Added here, as a cosmic-ray operator provider
named `tradecheck`:
- RemoveStatement: a `raise` or a call statement becomes `pass` (a guard that no longer refuses,
  an effect that no longer happens). Logging calls are left alone: removing one changes nothing a
  test can see.
- ReplaceReturnValue: `return <value>` becomes `return None` (a result swapped for nothing).
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterable, Iterator
from typing import ClassVar

import cosmic_ray.plugins
import parso.python.tree
from cosmic_ray.operators.operator import Example, Operator

PROVIDER = "tradecheck"
LOGGING_CALL = re.compile(r"^\s*(\w*log|logger|logging|warnings)\.")


def _is_call_statement(node) -> bool:
    if node.type not in ("atom_expr", "power"):
        return False
    last = node.children[-1]
    return last.type == "trailer" and last.children[0].type == "operator" and last.children[0].value == "("


class RemoveStatement(Operator):
    """A `raise` or a call statement becomes `pass`."""

    def mutation_positions(self, node):
        parent = node.parent
        if parent is None or parent.type != "simple_stmt" or parent.children[0] is not node:
            return
        if node.type == "raise_stmt" or (
            _is_call_statement(node) and not LOGGING_CALL.match(node.get_code())
        ):
            yield (node.start_pos, node.end_pos)

    def mutate(self, node, index):
        assert index == 0
        return parso.python.tree.Keyword("pass", node.start_pos, prefix=node.get_first_leaf().prefix)

    @classmethod
    def examples(cls):
        return (
            Example("if x:\n    raise ValueError(x)\n", "if x:\n    pass\n"),
            Example("session.add(order)\n", "pass\n"),
            Example("await hub.publish(event)\n", "pass\n"),
        )


class ReplaceReturnValue(Operator):
    """`return <value>` becomes `return None`."""

    def mutation_positions(self, node):
        if (
            node.type == "return_stmt"
            and len(node.children) == 2
            and node.children[1].get_code().strip() != "None"
        ):
            yield (node.start_pos, node.end_pos)

    def mutate(self, node, index):
        assert index == 0
        value = node.children[1]
        node.children[1] = parso.python.tree.Keyword("None", value.start_pos, prefix=" ")
        return node

    @classmethod
    def examples(cls):
        return (Example("def f():\n    return x + 1\n", "def f():\n    return None\n"),)


class TradeCheckOperators:
    """cosmic-ray operator provider (the `cosmic_ray.operator_providers` entry point interface)."""

    _operators: ClassVar[dict[str, type[Operator]]] = {
        "RemoveStatement": RemoveStatement,
        "ReplaceReturnValue": ReplaceReturnValue,
    }

    def __iter__(self) -> Iterator[str]:
        return iter(self._operators)

    def __getitem__(self, name: str) -> type[Operator]:
        return self._operators[name]


def is_signature_marker(node) -> bool:
    """The bare `*` or `/` of a parameter list (the keyword-only or positional-only marker).

    cosmic-ray's binary-operator replacement takes it for multiplication or division; swapping the
    two changes nothing for any call that runs at all, so such a mutant proves nothing."""
    parent = getattr(node, "parent", None)
    return (
        node.type == "operator" and node.value in ("*", "/") and parent is not None
        and parent.type in ("parameters", "lambdef")
    )  # fmt: skip


def register() -> None:
    """Make the provider known to cosmic-ray in this process (idempotent).

    The entry point in pyproject.toml does the same once the project is reinstalled; registering
    here keeps a checkout that was installed before it working.
    """
    cosmic_ray.plugins.OPERATOR_PROVIDERS.setdefault(PROVIDER, TradeCheckOperators())


def select(patterns: Iterable[str]) -> list[str]:
    """The full names (`provider/Operator`) of every operator matching one of the glob `patterns`."""
    register()
    names = cosmic_ray.plugins.operator_names()
    return [name for name in names if any(fnmatch.fnmatchcase(name, pattern) for pattern in patterns)]


def unknown_patterns(patterns: Iterable[str]) -> list[str]:
    register()
    names = cosmic_ray.plugins.operator_names()
    return [p for p in patterns if not any(fnmatch.fnmatchcase(name, p) for name in names)]
