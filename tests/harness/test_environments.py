"""How the target is resolved: command line > environment variable > YAML, and the errors."""

import pytest

from harness.environments import ConfigError, resolve_settings

pytestmark = pytest.mark.unit

ENVIRONMENTS = """
default: local
environments:
  local:
    embedded: true
    capabilities: {test_api: true}
  staging:
    base_url: https://${STAGING_HOST}/
    username: ${STAGING_USER}
    password: ${STAGING_PASSWORD}
    capabilities: {test_api: false}
"""
STAGING_VARIABLES = {"STAGING_HOST": "staging.example", "STAGING_USER": "qa", "STAGING_PASSWORD": "s3cret"}


@pytest.fixture
def environments(write_yaml):
    return write_yaml(ENVIRONMENTS, "environments.yaml")


def resolve(path, *, environ=None, **cli):
    return resolve_settings(path=path, environ=environ or {}, random_seed=lambda: 4242, **cli)


@pytest.mark.parametrize(
    ("cli_env", "environ", "expected"),
    [
        (None, {}, ("local", "default")),
        (None, {"TRADECHECK_ENV": "staging", **STAGING_VARIABLES}, ("staging", "TRADECHECK_ENV")),
        ("local", {"TRADECHECK_ENV": "staging", **STAGING_VARIABLES}, ("local", "--env")),
    ],
    ids=["yaml-default", "env-variable-over-yaml", "cli-over-env-variable"],
)
def test_environment_name_precedence(environments, cli_env, environ, expected):
    settings = resolve(environments, environ=environ, cli_env=cli_env)
    assert (settings.env.value, settings.env.source) == expected


@pytest.mark.parametrize(
    ("cli_base_url", "environ", "expected"),
    [
        (None, {}, (None, "embedded app")),
        (None, {"PYTEST_BASE_URL": "http://env:1/"}, ("http://env:1", "PYTEST_BASE_URL")),
        ("http://cli:2", {"PYTEST_BASE_URL": "http://env:1"}, ("http://cli:2", "--base-url")),
    ],
    ids=["embedded", "env-variable", "cli-over-env-variable"],
)
def test_base_url_precedence_for_the_embedded_target(environments, cli_base_url, environ, expected):
    settings = resolve(environments, environ=environ, cli_base_url=cli_base_url)
    assert (settings.base_url.value, settings.base_url.source) == expected


def test_configured_target_interpolates_its_variables(environments):
    settings = resolve(environments, environ=STAGING_VARIABLES, cli_env="staging")
    assert settings.base_url.value == "https://staging.example"
    assert settings.base_url.source.endswith("environments.yaml: environments.staging.base_url")
    assert (settings.target.username, settings.target.password) == ("qa", "s3cret")
    assert "s3cret" not in repr(settings)


def test_cli_base_url_needs_no_variable_for_the_configured_one(environments):
    environ = {"STAGING_USER": "qa", "STAGING_PASSWORD": "s3cret"}
    settings = resolve(environments, environ=environ, cli_env="staging", cli_base_url="http://other")
    assert settings.base_url.value == "http://other"


@pytest.mark.parametrize(
    ("cli_seed", "environ", "expected"),
    [
        (None, {}, (4242, "random")),
        (None, {"TRADECHECK_SEED": "7"}, (7, "TRADECHECK_SEED")),
        (9, {"TRADECHECK_SEED": "7"}, (9, "--seed")),
    ],
    ids=["random", "env-variable", "cli-over-env-variable"],
)
def test_seed_precedence(environments, cli_seed, environ, expected):
    settings = resolve(environments, environ=environ, cli_seed=cli_seed)
    assert (settings.seed.value, settings.seed.source) == expected


def test_yaml_seed_is_used_without_cli_or_variable(write_yaml):
    path = write_yaml("default: local\nseed: 31\nenvironments: {local: {embedded: true}}\n")
    assert resolve(path).seed.value == 31


def test_capabilities_say_why_a_test_cannot_run(environments):
    local = resolve(environments).target
    staging = resolve(environments, environ=STAGING_VARIABLES, cli_env="staging").target
    assert local.lacks("test_api") is None
    assert (
        staging.lacks("test_api") == "target 'staging' lacks capability 'test_api' (config/environments.yaml)"
    )
    assert local.lacks("never_declared") is not None


@pytest.mark.parametrize(
    ("text", "cli_env", "environ", "message"),
    [
        (
            ENVIRONMENTS,
            "prod",
            {},
            "environments.yaml: environments: no environment 'prod' (from --env); known: local, staging",
        ),
        (
            ENVIRONMENTS,
            None,
            {"TRADECHECK_ENV": "staging", "STAGING_USER": "qa", "STAGING_PASSWORD": "x"},
            "environments.yaml: environments.staging.base_url: environment variable STAGING_HOST is not set",
        ),
        ("environments: [local\n", None, {}, "environments.yaml: invalid YAML at line 2, column 1"),
        ("- just\n- a list\n", None, {}, "environments.yaml: expected a mapping at the top level, got list"),
        (
            "default: local\n",
            None,
            {},
            "environments.yaml: environments: expected a mapping of environment names",
        ),
        ("environments: {local: {embedded: true}}\n", None, {}, "environments.yaml: default: missing"),
        (
            "default: local\nenvironments: {local: {embeded: true}}\n",
            None,
            {},
            "environments.yaml: environments.local: unknown key 'embeded'",
        ),
        (
            "default: local\nenvironments: {local: {embedded: yes please}}\n",
            None,
            {},
            "environments.yaml: environments.local.embedded: expected true or false",
        ),
        (
            "default: local\nenvironments: {local: {}}\n",
            None,
            {},
            "environments.yaml: environments.local.base_url: missing",
        ),
        (ENVIRONMENTS, None, {"TRADECHECK_SEED": "abc"}, "TRADECHECK_SEED: expected an integer, got 'abc'"),
    ],
    ids=[
        "unknown-env",
        "missing-variable",
        "bad-yaml",
        "not-a-mapping",
        "no-environments",
        "no-default",
        "unknown-key",
        "not-a-bool",
        "no-base-url",
        "bad-seed",
    ],
)
def test_bad_configuration_is_one_line_naming_file_and_key(write_yaml, text, cli_env, environ, message):
    path = write_yaml(text, "environments.yaml")
    with pytest.raises(ConfigError) as error:
        resolve(path, environ=environ, cli_env=cli_env)
    assert message in str(error.value)
    assert "\n" not in str(error.value)


def test_missing_file_is_named(tmp_path):
    with pytest.raises(ConfigError, match=r"nowhere\.yaml: cannot read the file"):
        resolve(tmp_path / "nowhere.yaml")
