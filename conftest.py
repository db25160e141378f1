"""TradeCheck's fixtures, one plugin per concern (see fixtures/plugins/)."""

pytest_plugins = [
    "fixtures.plugins.settings",
    "fixtures.plugins.target_app",
    "fixtures.plugins.browsers",
    "fixtures.plugins.artifacts",
    "fixtures.plugins.api",
    "fixtures.plugins.data",
    "fixtures.plugins.auth",
    "fixtures.plugins.screens",
    "fixtures.plugins.flows",
    # The self-tests in tests/harness run pytest in pytest; pytest_plugins is only honoured here.
    "pytester",
]
