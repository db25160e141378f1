"""Toasts: fill and cancel notifications shown for a moment in the polite live region."""

from __future__ import annotations

from playwright.sync_api import Page


class Toasts:
    def __init__(self, page: Page):
        self.region = page.get_by_test_id("toast-region")
        self.items = self.region.get_by_role("status")
