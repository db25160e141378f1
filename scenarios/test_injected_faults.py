"""What users and operators see when part of the platform fails, caused for real through
PaperTrade's test-mode fault injection (and lifted after each test)."""

import pytest
from playwright.sync_api import expect

from harness.api_client import error_code

pytestmark = [pytest.mark.capability("test_api"), pytest.mark.provokes_errors]


@pytest.mark.flow("MON-01")
def test_ready_answers_503_while_the_database_is_down_then_recovers(api, app_faults):
    app_faults.take_down("database")
    response = api.request("GET", "/ready")
    assert (response.status_code, response.json()) == (
        503,
        {"status": "unavailable", "database": "database unreachable (injected by test mode)"},
    )
    assert api.request("GET", "/health").json() == {"status": "ok"}  # alive, not ready
    app_faults.lift_faults()
    assert api.request("GET", "/ready").json() == {"status": "ready", "database": "ok"}


@pytest.mark.flow("MON-02")
def test_status_reports_the_database_degraded_while_it_is_down(api, app_faults):
    app_faults.take_down("database")
    assert api.call("GET", "/api/status", 200)["database"] == "degraded"


@pytest.mark.flow("API-07")
def test_an_injected_route_fault_answers_its_status_until_lifted(account, app_faults):
    fault = app_faults.inject_fault("/api/portfolio", status=503)
    response = account.api.request("GET", "/api/portfolio")
    assert (response.status_code, error_code(response)) == (503, "injected_fault")
    assert response.json()["error"]["message"] == f"Injected by test-mode fault #{fault['routes'][0]['id']}."
    assert account.api.request("GET", "/api/me").status_code == 200  # other routes go on
    app_faults.lift_faults()
    assert account.api.request("GET", "/api/portfolio").status_code == 200


@pytest.mark.flow("RT-04")
def test_the_dashboard_reconnects_once_the_stream_is_back(dashboard_page, app_faults):
    dashboard_page.open()
    app_faults.take_down("stream")
    expect(dashboard_page.nav.connection).to_have_attribute("data-state", "reconnecting")
    app_faults.lift_faults()
    expect(dashboard_page.nav.connection).to_have_text("Live")
