"""The JSON API's sign-in and sessions (flow API-01): answers, refusals, lockout and expiry."""

from datetime import UTC, datetime, timedelta

import pytest

from harness.api_client import error_code

pytestmark = pytest.mark.capability("test_api")

NOT_AUTHENTICATED = {"error": {"code": "not_authenticated", "message": "Sign in to continue."}}


@pytest.mark.smoke
@pytest.mark.flow("API-01")
def test_login_answers_the_user_and_a_csrf_token(api, account):
    response = api.request(
        "POST", "/api/auth/login", json={"username": account.username, "password": account.password}
    )
    assert response.status_code == 200
    assert response.json()["user"]["username"] == account.username
    assert response.json()["user"]["display_name"] == account.display_name
    assert response.json()["csrf_token"] == api.session.cookies["pt_csrf"]


@pytest.mark.provokes_errors
@pytest.mark.flow("API-01")
def test_wrong_password_answers_401_invalid_credentials(api, account):
    response = api.request("POST", "/api/auth/login", json={"username": account.username, "password": "nope"})
    assert response.status_code == 401
    assert response.json() == {
        "error": {"code": "invalid_credentials", "message": "Invalid username or password."}
    }


@pytest.mark.provokes_errors
@pytest.mark.flow("API-01")
def test_locked_account_answers_429(api, account):
    for _ in range(5):
        api.request("POST", "/api/auth/login", json={"username": account.username, "password": "nope"})
    response = api.request(
        "POST", "/api/auth/login", json={"username": account.username, "password": account.password}
    )
    assert response.status_code == 429
    assert response.json()["error"] == {
        "code": "account_locked",
        "message": "Too many failed sign-in attempts. Your account is locked for 15 minutes.",
    }


@pytest.mark.provokes_errors
@pytest.mark.flow("AUTH-03", "API-07")
def test_lockout_lasts_exactly_fifteen_minutes(api, account, app_clock):
    credentials = {"username": account.username, "password": account.password}
    locked_at = datetime.now(UTC)
    for _ in range(5):
        api.request("POST", "/api/auth/login", json={**credentials, "password": "nope"})

    app_clock(locked_at + timedelta(minutes=14))
    assert api.request("POST", "/api/auth/login", json=credentials).status_code == 429
    app_clock(locked_at + timedelta(minutes=15, seconds=5))
    assert api.request("POST", "/api/auth/login", json=credentials).status_code == 200


@pytest.mark.provokes_errors
@pytest.mark.flow("API-01")
@pytest.mark.parametrize(
    "body",
    [{}, {"username": "someone"}, {"username": 1, "password": 2}],
    ids=["empty", "no-password", "not-text"],
)
def test_login_without_credentials_answers_422(api, body):
    response = api.request("POST", "/api/auth/login", json=body)
    assert response.status_code == 422
    assert error_code(response) == "validation_error"


@pytest.mark.provokes_errors
@pytest.mark.flow("API-01")
@pytest.mark.parametrize(
    "path",
    [
        "/api/me",
        "/api/portfolio",
        "/api/orders",
        "/api/transactions",
        "/api/transactions.csv",
        "/api/notifications",
        "/api/watchlist",
    ],
    ids=lambda path: path.removeprefix("/api/"),
)
def test_anonymous_requests_answer_401(api, path):
    response = api.request("GET", path)
    assert response.status_code == 401
    assert response.json() == NOT_AUTHENTICATED


@pytest.mark.provokes_errors
@pytest.mark.flow("API-01", "AUTH-04")
def test_logout_ends_the_api_session(account):
    assert account.api.request("GET", "/api/me").status_code == 200
    account.api.logout()
    assert account.api.request("GET", "/api/me").json() == NOT_AUTHENTICATED


@pytest.mark.provokes_errors
@pytest.mark.flow("API-01", "AUTH-06")
def test_expired_session_answers_401(api, account):
    signed_in = account.api
    api.expire_sessions(account.username)
    response = signed_in.request("GET", "/api/portfolio")
    assert response.status_code == 401
    assert response.json() == NOT_AUTHENTICATED
