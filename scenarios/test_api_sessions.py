"""Sessions seen from the raw HTTP answers of the pages and the API: the sign-in form's redirects,
signing out one session and its cookies, the CSRF refusal page, unknown and expired sessions, and
the error page of an unknown symbol."""

from datetime import UTC, datetime, timedelta

import pytest

from harness.api_client import CSRF_COOKIE, CSRF_HEADER, SESSION_COOKIE
from harness.served_html import text_of
from harness.server_timing import database_work

pytestmark = pytest.mark.capability("test_api")

NOT_AUTHENTICATED = {"error": {"code": "not_authenticated", "message": "Sign in to continue."}}
SESSION_LIFETIME = timedelta(hours=8)  # PaperTrade's default --session-ttl
SIGNED_OUT = "/login?signed_out=1"


def set_cookies(response):
    """name -> attributes (names lower-cased, Expires left out) of each cookie the answer sets."""
    found = {}
    for header in response.raw.headers.getlist("Set-Cookie"):
        pair, *attributes = (part.strip() for part in header.split(";"))
        fields = {name.lower(): value for name, _, value in (a.partition("=") for a in attributes)}
        found[pair.partition("=")[0]] = {k: v for k, v in fields.items() if k != "expires"}
    return found


def deleted_cookies(response):
    """The cookies the answer deletes (Max-Age=0), as set_cookies gives them."""
    return {name: fields for name, fields in set_cookies(response).items() if fields.get("max-age") == "0"}


def client_with_session(make_api, token):
    """A new client that presents `token` as its session cookie, whatever answers said since."""
    client = make_api()
    client.session.cookies.set(SESSION_COOKIE, token)
    return client


def form_sign_in(client, account, next_path=""):
    form = {"username": account.username, "password": account.password, "next": next_path}
    return client.request("POST", "/login", data=form)


@pytest.mark.flow("API-01")
def test_a_session_is_read_from_the_database_on_its_first_request_only(account, make_api, target):
    other = make_api()
    other.login(account.username, account.password)
    answers = [client.request("GET", "/api/me") for client in (account.api, other) * 3]  # taking turns
    work = [database_work(answer.headers.get("Server-Timing")) for answer in answers]
    if work[0] is None and target.app is None:  # PaperTrade in test mode always reports it
        pytest.skip("the target does not report its database work in Server-Timing")
    assert None not in work, "an answer without its database work in Server-Timing"
    assert [w.queries for w in work] == [1, 1, 0, 0, 0, 0]  # then from memory: no statement at all
    # Time in statements: some when one ran, none without; within the round trip the client saw
    timed = [
        (w.ms > 0, w.ms <= answer.elapsed.total_seconds() * 1000)
        for w, answer in zip(work, answers, strict=True)
    ]
    assert timed == [(True, True)] * 2 + [(False, True)] * 4


@pytest.mark.flow("AUTH-05")
def test_root_answers_303_to_the_dashboard(api):
    response = api.request("GET", "/")
    assert (response.status_code, response.headers["Location"]) == (303, "/dashboard")


@pytest.mark.flow("AUTH-01", "AUTH-05")
@pytest.mark.parametrize(
    ("next_path", "location"),
    [
        ("/portfolio?tab=positions", "/portfolio?tab=positions"),
        ("", "/dashboard"),
        ("//evil.example/", "/dashboard"),
        ("/\t/evil.example/", "/dashboard"),  # URL parsers drop the tab: "//evil.example/"
        ("/\\evil.example/", "/dashboard"),  # browsers read the backslash as a slash
        ("portfolio", "/dashboard"),  # not a path from the root
    ],
    ids=["local-page", "none", "other-host", "other-host-behind-a-tab", "behind-a-backslash", "relative"],
)
def test_form_sign_in_answers_303_to_a_local_next_page_only(api, account, next_path, location):
    response = form_sign_in(api, account, next_path)
    assert (response.status_code, response.headers["Location"]) == (303, location)
    assert api.request("GET", "/api/me").json()["user"]["username"] == account.username


@pytest.mark.provokes_errors
@pytest.mark.flow("AUTH-02", "AUTH-03")
def test_form_sign_in_with_a_blank_password_is_refused_without_counting_a_failure(api, account):
    for _ in range(5):
        blank = api.request("POST", "/login", data={"username": account.username, "password": ""})
        assert blank.status_code == 401
        assert text_of(blank.text, "login-error") == "Invalid username or password."
    assert form_sign_in(api, account).status_code == 303  # Then the account is not locked


@pytest.mark.provokes_errors
@pytest.mark.flow("AUTH-04", "API-01")
@pytest.mark.parametrize(
    ("log_out", "status", "location"),
    [
        (lambda client: client.request("POST", "/api/auth/logout"), 204, None),
        (
            lambda client: client.request(
                "POST", "/logout", data={"csrf_token": client.session.cookies[CSRF_COOKIE]}
            ),
            303,
            SIGNED_OUT,
        ),
    ],
    ids=["api", "form"],
)
def test_log_out_ends_that_session_only_and_deletes_its_cookies(account, make_api, log_out, status, location):
    signed_in, elsewhere = account.api, make_api()
    elsewhere.login(account.username, account.password)  # Given a second session of the same user
    assert signed_in.request("GET", "/api/me").status_code == 200  # the server now caches this one
    token = signed_in.session.cookies[SESSION_COOKIE]
    response = log_out(signed_in)
    assert (response.status_code, response.headers.get("Location")) == (status, location)
    assert deleted_cookies(response) == {
        SESSION_COOKIE: {"max-age": "0", "path": "/", "samesite": "lax", "httponly": ""},
        CSRF_COOKIE: {"max-age": "0", "path": "/", "samesite": "lax"},
    }
    assert client_with_session(make_api, token).request("GET", "/api/me").json() == NOT_AUTHENTICATED
    assert elsewhere.request("GET", "/api/me").json()["user"]["username"] == account.username


@pytest.mark.flow("AUTH-01", "API-01")
@pytest.mark.parametrize("https", [False, True], ids=["http", "behind-an-https-proxy"])
def test_sign_in_cookies_keep_the_session_from_scripts_and_from_plain_http(api, account, https, make_api):
    # Behind a proxy that ends TLS the app sees http, and X-Forwarded-Proto says what the user used
    headers = {"X-Forwarded-Proto": "https"} if https else {}
    credentials = {"username": account.username, "password": account.password}
    secure = {"secure": ""} if https else {}
    expected = {
        SESSION_COOKIE: {"path": "/", "samesite": "lax", "httponly": "", **secure},
        CSRF_COOKIE: {"path": "/", "samesite": "lax", **secure},  # the page's scripts read this one
    }
    assert set_cookies(api.request("POST", "/api/auth/login", json=credentials, headers=headers)) == expected
    form = {**credentials, "next": ""}
    assert set_cookies(make_api().request("POST", "/login", data=form, headers=headers)) == expected


@pytest.mark.flow("AUTH-04")
def test_form_log_out_without_a_session_returns_to_sign_in(api):
    response = api.request("POST", "/logout", data={})
    assert (response.status_code, response.headers["Location"]) == (303, SIGNED_OUT)


@pytest.mark.provokes_errors
@pytest.mark.flow("API-04", "AUTH-04")
@pytest.mark.parametrize("token", [None, "forged"], ids=["missing", "wrong"])
def test_form_log_out_without_the_csrf_token_answers_403_and_keeps_the_session(account, token):
    account.api.session.headers.pop(CSRF_HEADER)  # the form sends its token as a field only
    response = account.api.request("POST", "/logout", data={"csrf_token": token} if token else {})
    assert response.status_code == 403
    assert text_of(response.text, "error-status") == "403"
    assert text_of(response.text, "error-message") == "Missing or invalid CSRF token."
    assert "Set-Cookie" not in response.headers
    assert account.api.request("GET", "/api/me").status_code == 200


@pytest.mark.provokes_errors
@pytest.mark.flow("AUTH-05", "API-01")
def test_unknown_session_cookie_asks_to_sign_in_without_an_expiry_notice(make_api):
    stranger = client_with_session(make_api, "no-such-session")
    page = stranger.request("GET", "/dashboard")
    assert (page.status_code, page.headers["Location"]) == (303, "/login?next=/dashboard")
    assert stranger.request("GET", "/api/me").json() == NOT_AUTHENTICATED


@pytest.mark.provokes_errors
@pytest.mark.flow("AUTH-06", "API-07")
def test_session_lasts_eight_hours_then_the_page_asks_to_sign_in_again(account, app_clock):
    signed_in_at = datetime.now(UTC)
    client = account.api
    assert client.request("GET", "/dashboard").status_code == 200  # the server now caches the session
    app_clock(signed_in_at + SESSION_LIFETIME - timedelta(minutes=1))
    assert client.request("GET", "/dashboard").status_code == 200
    app_clock(signed_in_at + SESSION_LIFETIME + timedelta(minutes=1))
    page = client.request("GET", "/dashboard")
    assert (page.status_code, page.headers["Location"]) == (303, "/login?next=/dashboard&expired=1")
    assert client.request("GET", "/api/me").json() == NOT_AUTHENTICATED


@pytest.mark.provokes_errors
@pytest.mark.flow("AUTH-06", "API-07")
def test_a_session_ends_at_exactly_eight_hours(account, make_api, app_clock):
    signed_in_at = datetime.now(UTC).replace(microsecond=0)
    app_clock(signed_in_at, frozen=True)
    remembered, unseen = make_api(), make_api()
    remembered.login(account.username, account.password)
    unseen.login(account.username, account.password)
    app_clock(signed_in_at + SESSION_LIFETIME - timedelta(milliseconds=1), frozen=True)
    assert remembered.request("GET", "/api/me").status_code == 200  # looked up, then kept by the server

    app_clock(signed_in_at + SESSION_LIFETIME, frozen=True)
    assert remembered.request("GET", "/api/me").json() == NOT_AUTHENTICATED
    assert unseen.request("GET", "/api/me").json() == NOT_AUTHENTICATED  # first looked up now


@pytest.mark.flow("AUTH-06", "API-07")
def test_expiring_sessions_counts_the_live_ones(api, account, make_api):
    account.api.request("GET", "/api/me")
    make_api().login(account.username, account.password)  # Given two live sessions
    assert api.expire_sessions(account.username) == 2
    assert api.expire_sessions(account.username) == 0  # both have already ended
    assert api.expire_sessions(f"{account.username}_nobody") == 0


@pytest.mark.flow("AUTH-06", "API-07")
def test_expiring_sessions_leaves_out_one_that_ends_at_this_very_moment(api, account, make_api, app_clock):
    signed_in_at = datetime.now(UTC).replace(microsecond=0) + timedelta(minutes=1)  # after account's own
    app_clock(signed_in_at, frozen=True)
    make_api().login(account.username, account.password)
    app_clock(signed_in_at + SESSION_LIFETIME, frozen=True)  # it has just ended: not live any more
    assert api.expire_sessions(account.username) == 0


@pytest.mark.provokes_errors
@pytest.mark.flow("API-07", "API-01")
def test_reset_ends_every_session(api, account, target):
    if target.app is None:  # a reset empties the whole app: only the embedded one is this worker's alone
        pytest.skip("a reset would empty an app other workers may share: embedded target only")
    assert account.api.request("GET", "/api/me").status_code == 200  # the server now caches the session
    assert api.call("POST", "/api/test/reset", 200, json={}) == {"reset": True}
    assert account.api.request("GET", "/api/me").json() == NOT_AUTHENTICATED


@pytest.mark.provokes_errors
@pytest.mark.flow("TRD-06")
def test_trade_page_of_an_unknown_symbol_answers_404_to_the_signed_in_user(account):
    page = account.api.request("GET", "/trade/zzzzz")
    assert page.status_code == 404
    assert text_of(page.text, "error-status") == "404"
    assert text_of(page.text, "error-message") == "Unknown symbol: ZZZZZ."
    assert text_of(page.text, "nav-user") == account.display_name  # still shown as signed in
