"""Signing in and out, lockout, redirects and session expiry on the Login screen."""

import re

import pytest
from playwright.sync_api import expect

from pages.dashboard import DashboardPage
from pages.login import LoginPage

pytestmark = pytest.mark.capability("test_api")

GENERIC_ERROR = "Invalid username or password."
LOCKED = "Too many failed sign-in attempts. Your account is locked for 15 minutes."


def fail_sign_ins(api, username, times):
    for _ in range(times):
        api.request("POST", "/api/auth/login", json={"username": username, "password": "not-the-password"})


@pytest.mark.smoke
@pytest.mark.flow("AUTH-01")
def test_valid_credentials_land_on_the_dashboard(login_page, account):
    login_page.open()
    login_page.login(account.username, account.password)
    dashboard = DashboardPage(login_page.page)
    expect(dashboard.heading).to_be_visible()
    expect(dashboard.nav.user).to_have_text(account.display_name)


@pytest.mark.provokes_errors
@pytest.mark.flow("AUTH-02")
@pytest.mark.parametrize("wrong", ["password", "username"], ids=["wrong-password", "unknown-user"])
def test_bad_credentials_get_one_generic_message(login_page, account, wrong):
    login_page.open()
    username = account.username + "x" if wrong == "username" else account.username
    login_page.login(username, account.password + "x" if wrong == "password" else account.password)
    expect(login_page.error).to_have_text(GENERIC_ERROR)
    expect(login_page.heading).to_be_visible()


@pytest.mark.provokes_errors
@pytest.mark.flow("AUTH-03")
def test_five_failed_sign_ins_lock_out_even_the_right_password(login_page, account, api):
    fail_sign_ins(api, account.username, 5)
    login_page.open()
    login_page.login(account.username, account.password)
    expect(login_page.error).to_have_text(LOCKED)


@pytest.mark.provokes_errors
@pytest.mark.flow("AUTH-03")
def test_four_failed_sign_ins_do_not_lock(login_page, account, api):
    fail_sign_ins(api, account.username, 4)
    login_page.open()
    login_page.login(account.username, account.password)
    expect(DashboardPage(login_page.page).heading).to_be_visible()


@pytest.mark.smoke
@pytest.mark.flow("AUTH-04")
def test_log_out_returns_to_sign_in_with_a_notice(dashboard_page):
    dashboard_page.open()
    dashboard_page.nav.log_out()
    expect(LoginPage(dashboard_page.page).notice).to_have_text("You have been signed out.")


@pytest.mark.flow("AUTH-04")
def test_after_log_out_the_dashboard_asks_to_sign_in(dashboard_page):
    dashboard_page.open()
    dashboard_page.nav.log_out()
    dashboard_page.page.goto(dashboard_page.path)
    expect(LoginPage(dashboard_page.page).heading).to_be_visible()
    expect(dashboard_page.page).to_have_url(re.compile(r"/login\?next=(%2F|/)dashboard$"))


@pytest.mark.flow("AUTH-05")
@pytest.mark.parametrize(
    "path", ["/dashboard", "/trade", "/portfolio"], ids=["dashboard", "trade", "portfolio"]
)
def test_protected_page_asks_to_sign_in_then_returns_there(login_page, account, path):
    login_page.page.goto(path)
    expect(login_page.heading).to_be_visible()
    login_page.login(account.username, account.password)
    expect(login_page.page).to_have_url(re.compile(rf"{re.escape(path)}$"))


@pytest.mark.flow("AUTH-06")
def test_expired_session_asks_to_sign_in_again_and_returns(portfolio_page, account, api):
    portfolio_page.open()
    api.expire_sessions(account.username)
    portfolio_page.page.reload()
    login_page = LoginPage(portfolio_page.page)
    expect(login_page.notice).to_have_text("Your session has expired. Please sign in again.")
    login_page.login(account.username, account.password)
    expect(portfolio_page.heading).to_be_visible()
    expect(portfolio_page.page).to_have_url(re.compile(r"/portfolio$"))
