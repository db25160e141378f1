"""Sign-in, sessions, CSRF and lockout, through the API and the HTML forms."""

from datetime import UTC, datetime, timedelta

import pytest
from pt_helpers import page_context

pytestmark = pytest.mark.unit

LOCKED = "Too many failed sign-in attempts. Your account is locked for 15 minutes."


@pytest.fixture
def clock(client):
    """Move the app's clock; back to real time afterwards."""

    def move(delta: timedelta) -> None:
        now = datetime.now(UTC) + delta
        assert client.post("/api/test/clock", json={"now": now.isoformat()}).status_code == 200

    yield move
    client.post("/api/test/clock", json={"now": None})


def login(client, username, password):
    response = client.post("/api/auth/login", json={"username": username, "password": password})
    client.cookies.clear()
    return response


def test_login_sets_cookies_and_me_answers(client, make_trader):
    trader = make_trader(display_name="Ada Lovelace")
    response = client.post(
        "/api/auth/login", json={"username": trader.user["username"], "password": "s3cret-pass"}
    )
    client.cookies.clear()
    assert response.status_code == 200
    body = response.json()
    assert body["user"] == {
        "id": trader.id,
        "username": trader.user["username"],
        "display_name": "Ada Lovelace",
    }
    cookies = response.headers.get_list("set-cookie")
    session_cookie = next(c for c in cookies if c.startswith("pt_session="))
    csrf_cookie = next(c for c in cookies if c.startswith("pt_csrf="))
    assert "httponly" in session_cookie.lower()
    assert "samesite=lax" in session_cookie.lower()
    assert "httponly" not in csrf_cookie.lower()
    assert f"pt_csrf={body['csrf_token']}" in csrf_cookie
    assert trader.get("/api/me").json()["user"]["id"] == trader.id


def test_wrong_password_and_missing_fields(client, trader):
    wrong = login(client, trader.user["username"], "nope")
    assert wrong.status_code == 401
    assert wrong.json() == {
        "error": {"code": "invalid_credentials", "message": "Invalid username or password."}
    }
    assert login(client, "nobody-here", "x").status_code == 401
    missing = client.post("/api/auth/login", json={"username": "x"})
    assert (missing.status_code, missing.json()["error"]["code"]) == (422, "validation_error")


def test_api_without_session_is_401(client):
    client.cookies.clear()
    response = client.get("/api/portfolio")
    assert response.status_code == 401
    assert response.json() == {"error": {"code": "not_authenticated", "message": "Sign in to continue."}}


def test_state_change_without_csrf_is_403(trader):
    response = trader.post("/api/orders", csrf=False, json={"symbol": "AAPL", "side": "buy", "quantity": 1})
    assert response.status_code == 403
    assert response.json() == {"error": {"code": "csrf_failed", "message": "Missing or invalid CSRF token."}}
    forged = trader.post("/api/auth/logout", csrf=False, headers={"X-CSRF-Token": "forged"})
    assert forged.status_code == 403
    assert trader.get("/api/me").status_code == 200


def test_logout_ends_the_session(trader):
    assert trader.post("/api/auth/logout").status_code == 204
    assert trader.get("/api/me").status_code == 401


def test_five_failures_lock_the_account_for_15_minutes(client, trader, clock):
    username = trader.user["username"]
    statuses = [login(client, username, "wrong").status_code for _ in range(5)]
    assert statuses == [401] * 5

    locked = login(client, username, "s3cret-pass")
    assert locked.status_code == 429
    assert locked.json() == {"error": {"code": "account_locked", "message": LOCKED}}

    clock(timedelta(minutes=14))
    assert login(client, username, "s3cret-pass").status_code == 429
    clock(timedelta(minutes=15, seconds=5))
    assert login(client, username, "s3cret-pass").status_code == 200


def test_success_resets_the_failure_count(client, trader):
    username = trader.user["username"]
    for _ in range(4):
        login(client, username, "wrong")
    assert login(client, username, "s3cret-pass").status_code == 200
    for _ in range(4):
        login(client, username, "wrong")
    assert login(client, username, "s3cret-pass").status_code == 200


def test_sessions_expire_after_the_ttl(trader, clock):
    assert trader.get("/api/me").status_code == 200
    clock(timedelta(seconds=28801))
    assert trader.get("/api/me").status_code == 401
    page = trader.get("/dashboard", follow_redirects=False)
    assert page.status_code == 303
    assert page.headers["location"] == "/login?next=/dashboard&expired=1"


def test_expire_sessions_test_route(client, trader):
    response = client.post("/api/test/sessions/expire", json={"username": trader.user["username"]})
    assert response.json() == {"expired": 1}
    assert trader.get("/api/me").status_code == 401


def test_login_page_and_form(client, trader):
    client.cookies.clear()
    page = client.get("/login?next=/trade/AAPL")
    assert page.status_code == 200
    assert page_context(page.text) == {
        "error": None,
        "notice": None,
        "next": "/trade/AAPL",
        "username": "",
        "user": None,
    }
    assert page_context(client.get("/login?signed_out=1").text)["notice"] == "You have been signed out."
    assert page_context(client.get("/login?expired=1").text)["notice"] == (
        "Your session has expired. Please sign in again."
    )
    form = {"username": trader.user["username"], "password": "s3cret-pass", "next": "/trade/AAPL"}
    response = client.post("/login", data=form, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/trade/AAPL"
    assert "pt_session" in response.cookies
    client.cookies.clear()


@pytest.mark.parametrize(
    "target",
    ["https://evil.example/", "//evil.example/x", "/\\evil.example", "javascript:alert(1)"],
    ids=["absolute", "scheme-relative", "backslash", "javascript"],
)
def test_login_form_never_redirects_off_site(client, trader, target):
    form = {"username": trader.user["username"], "password": "s3cret-pass", "next": target}
    response = client.post("/login", data=form, follow_redirects=False)
    client.cookies.clear()
    assert response.headers["location"] == "/dashboard"


def test_login_form_failure_rerenders_with_401(client, trader):
    form = {"username": trader.user["username"], "password": "wrong", "next": "/portfolio"}
    response = client.post("/login", data=form)
    assert response.status_code == 401
    context = page_context(response.text)
    assert (context["error"], context["username"], context["next"]) == (
        "Invalid username or password.",
        trader.user["username"],
        "/portfolio",
    )


def test_protected_pages_redirect_to_login(client):
    client.cookies.clear()
    for path in ("/dashboard", "/trade", "/trade/AAPL", "/portfolio"):
        response = client.get(path, follow_redirects=False)
        assert response.status_code == 303
        assert response.headers["location"] == f"/login?next={path}"
    assert client.get("/", follow_redirects=False).headers["location"] == "/dashboard"


def test_logout_form_needs_the_csrf_field(trader):
    refused = trader.post("/logout", csrf=False, data={"csrf_token": "wrong"}, follow_redirects=False)
    assert refused.status_code == 403
    assert trader.get("/api/me").status_code == 200
    response = trader.post("/logout", csrf=False, data={"csrf_token": trader.csrf}, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/login?signed_out=1"
    assert trader.get("/api/me").status_code == 401
