"""Accessibility: axe-core on every screen and on the states users meet, in every browser, and
one journey done with the keyboard alone. Serious and critical violations fail; every violation
is attached to the report with its rule, impact, target and help URL."""

import pytest
from playwright.sync_api import expect

from harness.keyboard import tab_to
from pages.login import LoginPage
from pages.trading import TradingPage

pytestmark = pytest.mark.capability("test_api")

LOCKED = "Too many failed sign-in attempts. Your account is locked for 15 minutes."


@pytest.fixture
def trader(account, symbol):
    """An account holding 10 of `symbol`, with one resting limit order and `symbol` watched."""
    account.api.place_order(symbol, "buy", 10)
    account.api.place_order(symbol, "buy", 5, limit_price="140.00")
    account.api.watch(symbol)
    return account


@pytest.mark.flow("A11Y-01")
def test_sign_in_screen_is_accessible(login_page, check_accessibility):
    login_page.open()
    scan = check_accessibility(login_page.page, "login")
    assert scan.blocking == [], scan.report()


@pytest.mark.provokes_errors
@pytest.mark.flow("A11Y-01")
@pytest.mark.parametrize(
    ("earlier_failures", "wrong_password", "message"),
    [(0, True, "Invalid username or password."), (5, False, LOCKED)],
    ids=["error", "lockout"],
)
def test_sign_in_messages_are_accessible(
    login_page, account, api, check_accessibility, earlier_failures, wrong_password, message
):
    for _ in range(earlier_failures):
        api.request("POST", "/api/auth/login", json={"username": account.username, "password": "wrong"})
    login_page.open()
    login_page.login(account.username, "wrong" if wrong_password else account.password)
    expect(login_page.error).to_have_text(message)
    scan = check_accessibility(login_page.page, f"login: {message}")
    assert scan.blocking == [], scan.report()


@pytest.mark.flow("A11Y-02")
def test_dashboard_is_accessible(dashboard_page, trader, check_accessibility):
    dashboard_page.open()
    expect(dashboard_page.recent_orders.rows).to_have_count(2)
    scan = check_accessibility(dashboard_page.page, "dashboard")
    assert scan.blocking == [], scan.report()


@pytest.mark.flow("A11Y-03")
def test_trade_screen_is_accessible(trading_page, trader, symbol, check_accessibility):
    trading_page.open(symbol)
    expect(trading_page.open_orders.rows).to_have_count(1)
    scan = check_accessibility(trading_page.page, "trade")
    assert scan.blocking == [], scan.report()


@pytest.mark.flow("A11Y-03")
def test_ticket_validation_error_is_accessible(trading_page, symbol, check_accessibility):
    trading_page.open(symbol)
    trading_page.fill_ticket(symbol, "buy", 0)
    trading_page.submit.click()
    expect(trading_page.quantity_error).to_have_text("Quantity must be a whole number between 1 and 10,000.")
    scan = check_accessibility(trading_page.page, "trade: validation error")
    assert scan.blocking == [], scan.report()


@pytest.mark.flow("A11Y-03")
def test_fill_toast_is_accessible(trading_page, symbol, check_accessibility):
    trading_page.open(symbol)
    trading_page.place_market_order(symbol, "buy", 10)
    expect(trading_page.toasts.items).to_have_text(f"Bought 10 {symbol} at $150.05.")
    scan = check_accessibility(trading_page.page, "trade: toast")
    assert scan.blocking == [], scan.report()


@pytest.mark.flow("A11Y-04")
def test_portfolio_with_positions_is_accessible(portfolio_page, trader, symbol, check_accessibility):
    portfolio_page.open()
    expect(portfolio_page.position(symbol, "quantity")).to_have_text("10")
    scan = check_accessibility(portfolio_page.page, "portfolio")
    assert scan.blocking == [], scan.report()


@pytest.mark.flow("A11Y-04")
def test_empty_portfolio_is_accessible(portfolio_page, check_accessibility):
    portfolio_page.open()
    expect(portfolio_page.positions_empty).to_be_visible()
    scan = check_accessibility(portfolio_page.page, "portfolio: empty")
    assert scan.blocking == [], scan.report()


@pytest.mark.flow("A11Y-05")
@pytest.mark.parametrize("signed_in", [False, True], ids=["signed-out", "signed-in"])
def test_status_page_is_accessible(page, signed_in_page, signed_in, check_accessibility):
    tab = signed_in_page if signed_in else page
    tab.goto("/status")
    expect(tab.get_by_role("heading", level=1)).to_have_text("System status")
    scan = check_accessibility(tab, "status" + (": signed in" if signed_in else ""))
    assert scan.blocking == [], scan.report()


@pytest.mark.flow("A11Y-06")
def test_keyboard_user_places_and_cancels_a_limit_order_then_logs_out(page, account, symbol):
    login = LoginPage(page)
    login.open(next_path=f"/trade/{symbol}")
    # Given the username field has focus on arrival, a keyboard user types and tabs
    expect(login.username).to_be_focused()
    page.keyboard.type(account.username)
    tab_to(page, login.password)
    page.keyboard.type(account.password)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    trading = TradingPage(page)
    trading.wait_until_live()
    # When they choose a limit order with the arrow keys and fill it from the keyboard
    tab_to(page, trading.market)
    page.keyboard.press("ArrowRight")
    expect(trading.limit).to_be_checked()
    tab_to(page, trading.quantity)
    page.keyboard.press("ControlOrMeta+a")
    page.keyboard.type("5")
    tab_to(page, trading.limit_price)
    page.keyboard.type("140.00")
    page.keyboard.press("Enter")
    order_id = trading.placed_order_id()
    expect(trading.open_orders.cell(order_id, "order-status")).to_have_text("open")
    # Then they cancel it with Space and log out with Enter, the focus visible at every stop
    tab_to(page, page.get_by_role("button", name=f"Cancel order {order_id}", exact=True))
    page.keyboard.press("Space")
    expect(trading.history.cell(order_id, "order-status")).to_have_text("cancelled")
    tab_to(page, trading.nav.logout_button, backwards=True)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(login.notice).to_have_text("You have been signed out.")
