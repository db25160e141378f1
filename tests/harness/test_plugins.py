"""The plugins in a pytest of their own (pytester): flow ids, capability skips, usage errors."""

import pytest

pytestmark = pytest.mark.unit

# In-process runs share this process's Playwright state: keep pytest-playwright out of them.
ISOLATED = ("-p", "no:cacheprovider", "-p", "no:playwright")
PLUGINS = 'pytest_plugins = ["fixtures.settings", "fixtures.flows"]\n'
STAGING_VARIABLES = {
    "TRADECHECK_STAGING_URL": "https://staging.example",
    "TRADECHECK_STAGING_USERNAME": "qa",
    "TRADECHECK_STAGING_PASSWORD": "s3cret",
}


@pytest.fixture
def project(pytester, monkeypatch):
    monkeypatch.delenv("TRADECHECK_ENV", raising=False)
    monkeypatch.delenv("PYTEST_BASE_URL", raising=False)
    pytester.makeconftest(PLUGINS)
    pytester.makeini(
        "[pytest]\nmarkers =\n    flow(id)\n    capability(name)\n    critical\n    regression\n"
    )
    return pytester


def test_unknown_flow_id_fails_collection_with_one_line(project):
    project.makepyfile(
        test_orders="""
        import pytest

        @pytest.mark.flow("TRD-99")
        def test_something():
            pass
    """
    )
    result = project.runpytest(*ISOLATED)
    assert result.ret == pytest.ExitCode.INTERRUPTED
    result.stdout.fnmatch_lines(
        [
            "*ERROR collecting test_orders.py*",
            "test_orders.py::test_something: unknown flow id 'TRD-99': not in config/flows.yaml",
        ]
    )
    result.stdout.no_fnmatch_line("*Traceback*")


def test_known_flow_id_marks_a_critical_flow(project):
    project.makepyfile(
        test_orders="""
        import pytest

        @pytest.mark.flow("TRD-03")
        def test_critical():
            pass

        @pytest.mark.flow("TRD-05")
        def test_not_critical():
            pass
    """
    )
    result = project.runpytest(*ISOLATED, "-m", "critical", "-v")
    result.assert_outcomes(passed=1, deselected=1)
    result.stdout.fnmatch_lines(["*test_critical PASSED*"])


def test_missing_capability_skips_with_the_reason(project, monkeypatch):
    for name, value in STAGING_VARIABLES.items():
        monkeypatch.setenv(name, value)
    project.makepyfile(
        test_arranged="""
        import pytest

        @pytest.mark.capability("test_api")
        def test_needs_the_test_api():
            assert False, "must not run"

        def test_needs_nothing():
            pass
    """
    )
    result = project.runpytest(*ISOLATED, "--env", "staging", "-rs")
    result.assert_outcomes(passed=1, skipped=1)
    result.stdout.fnmatch_lines(["*target 'staging' lacks capability 'test_api'*"])


def test_header_shows_each_setting_and_its_source(project, monkeypatch):
    monkeypatch.setenv("TRADECHECK_SEED", "81723")
    project.makepyfile(test_nothing="def test_nothing(): pass\n")
    result = project.runpytest(*ISOLATED)
    result.stdout.fnmatch_lines(
        [
            "tradecheck env: local (default)",
            "base_url: * (embedded app)",
            "seed: 81723 (TRADECHECK_SEED)",
        ]
    )


@pytest.mark.parametrize(
    ("args", "environ", "message"),
    [
        (
            ["--env", "nowhere"],
            {},
            "ERROR: config/environments.yaml: environments: no environment 'nowhere' *",
        ),
        (
            [],
            {"TRADECHECK_ENV": "staging"},
            "ERROR: config/environments.yaml: environments.staging.username: environment variable "
            "TRADECHECK_STAGING_USERNAME is not set",
        ),
    ],
    ids=["unknown-env", "missing-variable"],
)
def test_bad_configuration_is_a_usage_error(project, monkeypatch, args, environ, message):
    for name in STAGING_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    project.makepyfile(test_nothing="def test_nothing(): pass\n")
    result = project.runpytest_subprocess(*ISOLATED, *args)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([message])
    assert "Traceback" not in result.stderr.str()


def test_bad_environments_file_is_a_usage_error(project):
    project.makefile(".yaml", environments="environments: [local\n")
    project.makepyfile(test_nothing="def test_nothing(): pass\n")
    result = project.runpytest_subprocess(*ISOLATED, "--environments", "environments.yaml")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["ERROR: environments.yaml: invalid YAML at line *"])
