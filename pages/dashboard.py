"""The dashboard: balances, watchlist, recent orders and notifications, all updated live."""

from __future__ import annotations

import allure
from playwright.sync_api import Locator, Page

from pages.components.table import DataTable
from pages.screen import Screen


class DashboardPage(Screen):
    path = "/dashboard"
    heading_text = "Dashboard"

    def __init__(self, page: Page):
        super().__init__(page)
        self.cash = page.get_by_test_id("cash-balance")
        self.portfolio_value = page.get_by_test_id("portfolio-value")
        self.day_pnl = page.get_by_test_id("day-pnl")
        self.watchlist = DataTable(page.get_by_role("table", name="Watchlist"), "watchlist-row")
        self.recent_orders = DataTable(page.get_by_role("table", name="Recent orders"), "order-row")
        self.recent_orders_empty = page.get_by_test_id("recent-orders-empty")
        self.notifications = page.get_by_test_id("notifications").get_by_test_id("notification-item")
        self.notifications_empty = page.get_by_test_id("notifications-empty")

    def quote(self, symbol: str, field: str) -> Locator:
        """A watchlist cell: field is bid, ask, last or change."""
        return self.watchlist.cell(symbol, f"quote-{field}")

    @allure.step("Open the ticket for {symbol} from the watchlist")
    def trade(self, symbol: str) -> None:
        self.watchlist.row(symbol).get_by_role("link", name=symbol).click()
