"""The sign-in screen."""

from __future__ import annotations

from urllib.parse import quote

import allure
from playwright.sync_api import Page

from pages.screen import Screen


class LoginPage(Screen):
    path = "/login"
    heading_text = "Sign in"

    def __init__(self, page: Page):
        super().__init__(page)
        self.username = page.get_by_label("Username")
        self.password = page.get_by_label("Password")
        self.submit = page.get_by_role("button", name="Sign in")
        self.error = page.get_by_role("alert")  # login-error
        self.notice = page.get_by_test_id("login-notice")

    @allure.step("Open the sign-in page")
    def open(self, next_path: str | None = None) -> None:
        self.page.goto(self.path if next_path is None else f"{self.path}?next={quote(next_path)}")

    def login(self, username: str, password: str) -> None:
        with allure.step(f"Sign in as {username}"):  # a context step: the password never becomes a parameter
            self.username.fill(username)
            self.password.fill(password)
            # The form posts and the server answers with the next page (or this one with the
            # error): return once that page has loaded, so that the caller's next goto does not
            # cut its loading short (Firefox over BiDi fails such a goto).
            with self.page.expect_navigation():
                self.submit.click()
