"""What every screen has: its page, its path and, once signed in, the nav bar and the toasts."""

from __future__ import annotations

import allure
from playwright.sync_api import Page

from pages.components.nav import NavBar
from pages.components.toasts import Toasts


class Screen:
    path = "/"
    heading_text = ""
    live = True  # the page keeps a WebSocket open for live updates

    def __init__(self, page: Page):
        self.page = page
        self.heading = page.get_by_role("heading", level=1, name=self.heading_text)
        self.nav = NavBar(page)
        self.toasts = Toasts(page)

    def open(self) -> None:
        with allure.step(f"Open the {self.heading_text.lower()} screen"):
            self.page.goto(self.path)
            if self.live:
                self.wait_until_live()

    def wait_until_live(self) -> None:
        """Until the page's WebSocket is connected: updates made after this reach the page."""
        self.nav.connection.filter(has_text="Live").wait_for()

    def loaded_files(self) -> list[str]:
        """Paths of the same-origin files (scripts, modules, styles, images) the page has fetched
        so far, in order, one entry per fetch; API calls made with fetch() are left out."""
        return self.page.evaluate(
            """() => performance.getEntriesByType("resource")
                .filter((entry) => !["fetch", "xmlhttprequest", "beacon"].includes(entry.initiatorType))
                .map((entry) => new URL(entry.name))
                .filter((url) => url.origin === location.origin)
                .map((url) => url.pathname)"""
        )
