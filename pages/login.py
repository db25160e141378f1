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
            self.submit.click()
