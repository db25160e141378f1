"""The portfolio: summary, positions, allocation, transactions and their CSV export."""

from __future__ import annotations

import tempfile
from pathlib import Path

import allure
from playwright.sync_api import Locator, Page

from pages.components.table import DataTable
from pages.screen import Screen


class PortfolioPage(Screen):
    path = "/portfolio"
    heading_text = "Portfolio"

    def __init__(self, page: Page):
        super().__init__(page)
        self.cash = page.get_by_test_id("portfolio-cash")
        self.positions_value = page.get_by_test_id("portfolio-positions-value")
        self.total_value = page.get_by_test_id("portfolio-total-value")
        self.unrealized_pnl = page.get_by_test_id("portfolio-unrealized-pnl")
        self.realized_pnl = page.get_by_test_id("portfolio-realized-pnl")
        self.positions = DataTable(page.get_by_role("table", name="Positions"), "position-row")
        self.positions_empty = page.get_by_test_id("positions-empty")
        self.allocation = page.get_by_test_id("allocation")
        self.transactions = DataTable(page.get_by_role("table", name="Transactions"), "transaction-row")
        self.transactions_empty = page.get_by_test_id("transactions-empty")
        self.export_csv = page.get_by_role("link", name="Export CSV")

    def position(self, symbol: str, field: str) -> Locator:
        """A positions cell: field is quantity, avg-cost, last, market-value, unrealized-pnl,
        unrealized-pnl-pct or allocation."""
        return self.positions.cell(symbol, f"position-{field}")

    def allocation_of(self, key: str) -> Locator:
        return self.allocation.get_by_test_id(f"allocation-{key}")

    @allure.step("Export the transactions as CSV")
    def download_transactions_csv(self) -> str:
        with self.page.expect_download() as download_info:
            self.export_csv.click()
        # save_as, not path(): a remote browser (--connect) keeps the file on its own machine.
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / download_info.value.suggested_filename
            download_info.value.save_as(path)
            return path.read_text(encoding="utf-8")
