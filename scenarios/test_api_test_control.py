"""The test-control API (flow API-07): it refuses what it cannot act on."""

import pytest

from harness.api_client import error_code

pytestmark = pytest.mark.capability("test_api")


@pytest.mark.provokes_errors
@pytest.mark.flow("API-07")
@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/api/test/users", {"username": ""}),
        ("/api/test/users", {"display_name": 42}),
        ("/api/test/users", {"password": ""}),
        ("/api/test/users", {"cash": "12.345"}),
        ("/api/test/instruments", {"price": "abc"}),
        ("/api/test/instruments", {"price": "0"}),
        ("/api/test/instruments", {}),
        ("/api/test/instruments", {"symbol": "bad symbol!", "price": "10.00"}),
        ("/api/test/prices", {"symbol": "AAPL", "price": "-1"}),
        ("/api/test/feed", {"running": "yes"}),
        ("/api/test/sessions/expire", {}),
        ("/api/test/clock", {}),
        ("/api/test/clock", {"now": "next tuesday"}),
    ],
    ids=[
        "user-empty-name",
        "user-numeric-display-name",
        "user-empty-password",
        "user-cash-three-decimals",
        "instrument-price-not-a-number",
        "instrument-price-zero",
        "instrument-price-missing",
        "instrument-bad-symbol",
        "price-negative",
        "feed-running-not-bool",
        "expire-without-username",
        "clock-without-now",
        "clock-unparseable",
    ],
)
def test_test_control_api_refuses_bad_payloads_with_422(api, path, body):
    response = api.request("POST", path, json=body)
    assert response.status_code == 422
    assert error_code(response) == "validation_error"
