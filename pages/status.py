"""The public status page: the health of each component, the version and the uptime."""

from __future__ import annotations

from playwright.sync_api import Locator, Page

from pages.screen import Screen

COMPONENTS = ("service", "database", "feed")


class StatusPage(Screen):
    path = "/status"
    heading_text = "System status"
    live = False

    def __init__(self, page: Page):
        super().__init__(page)
        self.live_connections = page.get_by_test_id("status-ws-clients")
        self.version = page.get_by_test_id("status-version")
        self.uptime = page.get_by_test_id("status-uptime")

    def health(self, component: str) -> Locator:
        """The health badge of a component: service, database or feed (ok, degraded, paused...)."""
        return self.page.get_by_test_id(f"status-{component}")
