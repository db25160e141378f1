"""Browser checks: the `monitor` journeys run by pytest against a running PaperTrade; a fault
injected through its test API makes one journey fail, and the result, the alert and the kept
screenshot and trace name it."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
import requests
import yaml

from harness.embedded_app import EmbeddedApp
from harness.yamlfile import REPO_ROOT
from monitor.browser import _judge
from monitor.checks import CheckFailed
from monitor.cli import main
from monitor.config import DEFAULT_CONFIG, MonitorConfigError, load_config
from monitor.store import DOWN, UP, Store

ORDER_JOURNEY = "test_a_limit_order_far_below_the_market_rests_and_is_cancelled[chromium]"


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    embedded = EmbeddedApp(tmp_path_factory.mktemp("app"))
    embedded.start()
    yield embedded
    embedded.stop()


@pytest.fixture
def base_url(app):
    yield app.base_url
    requests.post(f"{app.base_url}/api/test/reset", json={}, timeout=10)


def config_file(tmp_path: Path, **journeys) -> Path:
    """config/monitor.yaml with one attempt per browser check (no retry wait in a self-test)."""
    data = yaml.safe_load(DEFAULT_CONFIG.read_text(encoding="utf-8"))
    data["checks"]["journeys"].update(
        {"retry": {"strategy": "fixed", "attempts": 1, "delay": "1s"}}, **journeys
    )
    path = tmp_path / "monitor.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


def run_journeys(tmp_path: Path, base_url: str, *extra: str):
    store_url = f"sqlite:///{tmp_path / 'monitor.db'}"
    code = main([
        "--once", "--check", "journeys", "--config", str(config_file(tmp_path)), "--base-url", base_url,
        "--store", store_url, "--status-dir", str(tmp_path / "status"),
        "--artifacts-dir", str(tmp_path / "artifacts"), *extra,
    ])  # fmt: skip
    store = Store(store_url)
    try:
        return code, store.recent("journeys", "local", 1)[-1], store.incidents(datetime(2000, 1, 1))
    finally:
        store.close()


def test_the_journeys_pass_on_a_healthy_app_and_leave_nothing_behind(tmp_path, base_url):
    code, result, _ = run_journeys(tmp_path, base_url)
    assert (code, result.status, result.attempts, result.error, result.artifacts) == (0, UP, 1, None, None)
    assert list((tmp_path / "artifacts" / "journeys").iterdir()) == []


def test_a_failing_journey_is_named_with_its_screenshot_and_trace(tmp_path, base_url, capsys):
    requests.post(f"{base_url}/api/test/faults", json={"path": "/api/orders", "status": 500}, timeout=10)
    code, result, _ = run_journeys(tmp_path, base_url)
    assert (code, result.status, result.step) == (0, DOWN, ORDER_JOURNEY)
    assert "(open)" in result.error  # the confirmation never came
    assert "\n" not in result.error
    folder = Path(result.artifacts)
    assert folder.parent == tmp_path / "artifacts" / "journeys"
    kept = {p.name for p in folder.rglob("*") if p.is_file()}
    assert {"test-failed-1.png", "trace.zip", "pytest.log"} <= kept
    assert f"screenshot and trace in {folder}" in capsys.readouterr().out


def test_journeys_that_place_orders_are_left_out_where_the_environment_forbids_orders(tmp_path, base_url):
    environments = yaml.safe_load((REPO_ROOT / "config" / "environments.yaml").read_text(encoding="utf-8"))
    environments["environments"]["local"]["capabilities"]["orders"] = False
    path = tmp_path / "environments.yaml"
    path.write_text(yaml.safe_dump(environments), encoding="utf-8")
    requests.post(f"{base_url}/api/test/faults", json={"path": "/api/orders", "status": 500}, timeout=10)
    code, result, _ = run_journeys(tmp_path, base_url, "--environments", str(path))
    assert (code, result.status) == (0, UP)  # the order journey, which the fault would break, did not run


@pytest.mark.unit
@pytest.mark.parametrize(
    ("entry", "message"),
    [
        pytest.param(
            {"browser": "netscape"},
            "checks.journeys.browser: expected one of chromium, firefox, webkit, got 'netscape'",
            id="unknown-browser",
        ),
        pytest.param(
            {"select": " "},
            "checks.journeys.select: expected a pytest -m expression, got ' '",
            id="empty-select",
        ),
    ],
)  # fmt: skip
def test_bad_browser_check_settings_are_one_line(tmp_path, entry, message):
    with pytest.raises(MonitorConfigError) as error:
        load_config(config_file(tmp_path, **entry))
    assert message in str(error.value)


@pytest.mark.unit
def test_browser_settings_on_an_api_check_are_refused(tmp_path):
    data = yaml.safe_load(DEFAULT_CONFIG.read_text(encoding="utf-8"))
    data["checks"]["health"]["browser"] = "firefox"
    path = tmp_path / "monitor.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    with pytest.raises(MonitorConfigError, match=r"checks.health.browser: only for checks of kind browser"):
        load_config(path)


@pytest.mark.unit
@pytest.mark.parametrize(
    ("code", "records", "step", "error"),
    [
        pytest.param(5, [], "select the journeys", "no scenario matches -m 'monitor'", id="nothing-selected"),
        pytest.param(0, [{"kind": "test", "nodeid": "a.py::test_x[chromium]", "outcome": "skipped",
                          "message": "target 'staging' lacks capability 'orders'"}],
                     "run the journeys",
                     "every journey was skipped (target 'staging' lacks capability 'orders')",
                     id="all-skipped"),
        pytest.param(1, [{"kind": "collect_error", "nodeid": "a.py", "message": "SyntaxError"}],
                     "collect the journeys", "a.py: SyntaxError", id="collection-error"),
    ],
)  # fmt: skip
def test_a_run_that_checks_nothing_is_a_failure(tmp_path, code, records, step, error):
    (tmp_path / "pytest.log").write_text("", encoding="utf-8")
    with pytest.raises(CheckFailed) as failure:
        _judge(code, records, tmp_path, "monitor")
    assert (failure.value.step, failure.value.error) == (step, error)
