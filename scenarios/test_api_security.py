"""The JSON API's defences (flows API-04, API-05, API-09): CSRF, body limits, malformed bodies,
unknown routes, and the headers every answer carries."""

import re

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


SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
        "connect-src 'self' ws: wss:; frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
    ),
}


@pytest.mark.flow("API-09")
@pytest.mark.parametrize(
    ("path", "cache_control"),
    [
        ("/api/version", "no-store"),
        ("/api/nothing-here", "no-store"),
        ("/login", "no-cache"),
        ("stylesheet", "public, max-age=31536000, immutable"),
    ],
    ids=["api", "api-error", "page", "static-file"],
)
def test_every_answer_carries_the_security_headers_and_its_cache_policy(api, path, cache_control):
    if path == "stylesheet":  # its fingerprinted URL, as the sign-in page links it
        path = re.search(r'href="(/static/[^"]+\.css)"', api.request("GET", "/login").text).group(1)
    headers = api.request("GET", path).headers
    assert {name: headers.get(name) for name in SECURITY_HEADERS} == SECURITY_HEADERS
    assert headers["Cache-Control"] == cache_control
