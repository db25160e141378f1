"""The navigation bar of every signed-in page."""

from __future__ import annotations

import allure
from playwright.sync_api import Page


class NavBar:
    def __init__(self, page: Page):
        self.page = page
        self.dashboard_link = page.get_by_test_id("nav-dashboard")
        self.trade_link = page.get_by_test_id("nav-trade")
        self.portfolio_link = page.get_by_test_id("nav-portfolio")
        self.status_link = page.get_by_test_id("nav-status")
        self.user = page.get_by_test_id("nav-user")
        self.logout_button = page.get_by_role("button", name="Log out")
        # Text: Live / Reconnecting… / Offline; attribute data-state: live / reconnecting / offline.
        self.connection = page.get_by_test_id("connection-status")

    @allure.step("Log out")
    def log_out(self) -> None:
        with self.page.expect_navigation():  # to the sign-in page, loaded (see LoginPage.login)
            self.logout_button.click()
