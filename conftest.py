"""TradeCheck's fixtures, one plugin per concern (see fixtures/)."""

pytest_plugins = [
    "fixtures.settings",
    "fixtures.secrets",
    "fixtures.target_app",
    "fixtures.browsers",
    "fixtures.artifacts",
    "fixtures.api",
    "fixtures.data",
    "fixtures.auth",
    "fixtures.screens",
    "fixtures.flows",
    "fixtures.report_fixtures",
    "fixtures.expect_steps",
    "fixtures.accessibility",
    "fixtures.webvitals",
    "fixtures.assets",
    "fixtures.test_tags",  # after api and browsers: it extends their make_api and new_context
    # The self-tests in tests/harness run pytest in pytest; pytest_plugins is only honoured here.
    "pytester",
]
