"""pytest plugin of a mutant's test command: run the tests in the order the command line names them.

The engine names the likeliest killers first (the tests that killed this file's earlier mutants,
then those that read what the mutated line defines, then the most specific ones) and stops at the
first failure (-x). pytest does not keep that order: it groups the tests that share a session-scoped
parametrized fixture (pytest-playwright's browser) to set it up once, so an API test named 4th ran
97th, after four minutes of browser tests that passed by.
"""

from __future__ import annotations

import pytest


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    rank = {arg: position for position, arg in enumerate(config.args)}
    items.sort(key=lambda item: rank.get(item.nodeid, len(rank)))
