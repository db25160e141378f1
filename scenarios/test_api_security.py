"""The JSON API's defences (flows API-04, API-05): CSRF, body limits, malformed bodies, unknown routes."""

import pytest

from harness.api_client import error_code

pytestmark = pytest.mark.capability("test_api")

CSRF_FAILED = {"error": {"code": "csrf_failed", "message": "Missing or invalid CSRF token."}}


@pytest.mark.provokes_errors
@pytest.mark.flow("API-04")
@pytest.mark.parametrize("token", [None, "forged"], ids=["missing", "wrong"])
@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("POST", "/api/orders", {"symbol": "AAPL", "side": "buy", "type": "market", "quantity": 1}),
        ("POST", "/api/watchlist", {"symbol": "AAPL"}),
        ("DELETE", "/api/watchlist/AAPL", None),
        ("POST", "/api/auth/logout", None),
    ],
    ids=["order", "watch", "unwatch", "logout"],
)
def test_state_change_without_the_csrf_token_answers_403(account, method, path, body, token):
    headers = {"X-CSRF-Token": token} if token else {}
    account.api.session.headers.pop("X-CSRF-Token")
    response = account.api.request(method, path, json=body, headers=headers)
    assert response.status_code == 403
    assert response.json() == CSRF_FAILED


@pytest.mark.provokes_errors
@pytest.mark.flow("API-05")
def test_body_above_64_kib_answers_413(account):
    response = account.api.request(
        "POST",
        "/api/watchlist",
        data=b"{" + b" " * (64 * 1024 + 1) + b"}",
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 413
    assert error_code(response) == "payload_too_large"


@pytest.mark.provokes_errors
@pytest.mark.flow("API-05")
@pytest.mark.parametrize("body", ["symbol=AAPL", "[" * 50_000], ids=["form", "nested-past-the-parser"])
def test_body_that_is_not_json_answers_400(account, body):
    response = account.api.request(
        "POST", "/api/orders", data=body, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400
    assert response.json() == {"error": {"code": "bad_request", "message": "The request body must be JSON."}}


@pytest.mark.provokes_errors
@pytest.mark.flow("API-05")
def test_unknown_route_answers_404_not_found(api):
    response = api.request("GET", "/api/nothing-here")
    assert response.status_code == 404
    assert error_code(response) == "not_found"
