"""The JSON API's sign-in and sessions (flow API-01): answers, refusals, lockout and expiry."""

import re
import statistics
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest

pytestmark = pytest.mark.capability("test_api")

NOT_AUTHENTICATED = {"error": {"code": "not_authenticated", "message": "Sign in to continue."}}
INVALID_CREDENTIALS = {"error": {"code": "invalid_credentials", "message": "Invalid username or password."}}
LOCKOUT = timedelta(minutes=15)


def sign_in(api, username, password):
    return api.request("POST", "/api/auth/login", json={"username": username, "password": password})


def refusal_seconds(api, username, password):
    """How long a refused sign-in took, from the request to the answer's headers."""
    response = sign_in(api, username, password)
    assert response.json() == INVALID_CREDENTIALS
    return response.elapsed.total_seconds()


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
    # Both tokens are 32 random bytes (256 bits) in URL-safe base64: 43 characters. Checked as
    # booleans, so a failure never prints a token.
    tokens = [api.session.cookies["pt_session"], response.json()["csrf_token"]]
    shapes = [re.fullmatch(r"[A-Za-z0-9_-]{43}", token) is not None for token in tokens]
    distinct = tokens[0] != tokens[1]
    assert (shapes, distinct) == ([True, True], True)


@pytest.mark.provokes_errors
@pytest.mark.flow("API-01")
def test_wrong_password_answers_401_invalid_credentials(api, account):
    response = api.request("POST", "/api/auth/login", json={"username": account.username, "password": "nope"})
    assert response.status_code == 401
    assert response.json() == INVALID_CREDENTIALS


@pytest.mark.provokes_errors
@pytest.mark.flow("API-01", "AUTH-02")
def test_password_that_cannot_be_encoded_answers_401_invalid_credentials(api, account):
    # A lone surrogate is valid JSON but no UTF-8: the check must refuse it, not let it through.
    response = sign_in(api, account.username, account.password[:8] + "\ud800")
    assert response.status_code == 401
    assert response.json() == INVALID_CREDENTIALS


@pytest.mark.provokes_errors
@pytest.mark.flow("API-01", "AUTH-02")
def test_unknown_username_is_refused_as_slowly_as_a_wrong_password(api, make_account):
    # Else the answer time tells which usernames exist. Interleaved, so machine load hits both alike;
    # four failures per account, so none locks.
    accounts = [make_account(), make_account()]
    unknown, wrong = [], []
    for attempt in range(8):
        known = accounts[attempt % 2]
        unknown.append(refusal_seconds(api, f"{known.username}_nobody", "not-the-password"))
        wrong.append(refusal_seconds(api, known.username, "not-the-password"))
    # Both run one scrypt check (~50 ms); without it an unknown name answers in a few ms.
    assert statistics.median(unknown) >= 0.3 * statistics.median(wrong), (unknown, wrong)


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
    locked_at = datetime.now(UTC).replace(microsecond=0)
    app_clock(locked_at, frozen=True)  # Given five failures at one known instant
    for _ in range(5):
        sign_in(api, account.username, "nope")

    app_clock(locked_at + timedelta(minutes=14), frozen=True)
    assert sign_in(api, account.username, account.password).status_code == 429
    app_clock(locked_at + LOCKOUT - timedelta(milliseconds=1), frozen=True)
    assert sign_in(api, account.username, account.password).status_code == 429  # its last millisecond
    app_clock(locked_at + LOCKOUT, frozen=True)
    assert sign_in(api, account.username, account.password).status_code == 200  # then it is over


@pytest.mark.provokes_errors
@pytest.mark.flow("AUTH-03", "API-01")
def test_a_successful_sign_in_starts_the_failure_count_again(api, account):
    for _ in range(4):
        sign_in(api, account.username, "nope")
    assert sign_in(api, account.username, account.password).status_code == 200
    statuses = [sign_in(api, account.username, "nope").status_code for _ in range(5)]
    assert statuses == [401] * 5  # counted from zero again...
    assert sign_in(api, account.username, account.password).status_code == 429  # ...the fifth locks


@pytest.mark.provokes_errors
@pytest.mark.flow("AUTH-03", "API-07")
def test_after_a_lockout_ends_five_more_failures_lock_again(api, account, app_clock):
    locked_at = datetime.now(UTC)
    for _ in range(5):
        sign_in(api, account.username, "nope")
    app_clock(locked_at + timedelta(minutes=15, seconds=5))  # When the lockout has ended
    statuses = [sign_in(api, account.username, "nope").status_code for _ in range(5)]
    assert statuses == [401] * 5
    assert sign_in(api, account.username, account.password).status_code == 429  # Then locked again


@pytest.mark.provokes_errors
@pytest.mark.flow("AUTH-03", "API-01")
def test_burst_of_concurrent_wrong_passwords_gets_only_five_tries(account, make_api):
    # Guesses checked side by side must not slip past the lock the fifth one sets.
    clients = [make_api() for _ in range(10)]
    with ThreadPoolExecutor(max_workers=len(clients)) as pool:
        answers = list(pool.map(lambda client: sign_in(client, account.username, "nope"), clients))
    assert sorted(answer.status_code for answer in answers) == [401] * 5 + [429] * 5
    assert sign_in(make_api(), account.username, account.password).status_code == 429


@pytest.mark.provokes_errors
@pytest.mark.flow("API-07")
def test_creating_a_user_with_a_taken_username_answers_409(api, account):
    response = api.request("POST", "/api/test/users", json={"username": account.username})
    assert response.status_code == 409
    assert response.json() == {
        "error": {"code": "conflict", "message": f"Username {account.username} is already taken."}
    }
    assert sign_in(api, account.username, account.password).status_code == 200  # the account is intact


@pytest.mark.provokes_errors
@pytest.mark.flow("API-01")
@pytest.mark.parametrize(
    "body",
    [
        {},
        {"username": "someone"},
        {"username": 1, "password": 2},
        {"username": 1, "password": "a-password"},
        {"username": "someone", "password": 2},
        {"username": "   ", "password": "a-password"},
        {"username": "someone", "password": ""},
    ],
    ids=["empty", "no-password", "not-text", "username-not-text", "password-not-text", "blank-username",
         "empty-password"],
)  # fmt: skip
def test_login_without_credentials_answers_422(api, body):
    response = api.request("POST", "/api/auth/login", json=body)
    assert response.status_code == 422
    assert response.json()["error"] == {
        "code": "validation_error", "message": "Username and password are required.",
    }  # fmt: skip


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
