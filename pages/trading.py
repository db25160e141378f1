"""The trade screen: order ticket, live quote, open orders and order history."""

from __future__ import annotations

import allure
from playwright.sync_api import Page

from pages.components.table import DataTable
from pages.screen import Screen


class TradingPage(Screen):
    path = "/trade"
    heading_text = "Trade"

    def __init__(self, page: Page):
        super().__init__(page)
        self.ticket = page.get_by_role("form", name="Order ticket")
        self.symbol = self.ticket.get_by_role("textbox", name="Symbol")
        self.buy = self.ticket.get_by_role("radio", name="Buy")
        self.sell = self.ticket.get_by_role("radio", name="Sell")
        self.market = self.ticket.get_by_role("radio", name="Market")
        self.limit = self.ticket.get_by_role("radio", name="Limit")
        self.quantity = self.ticket.get_by_label("Quantity")
        self.limit_price = self.ticket.get_by_label("Limit price")
        self.estimate = page.get_by_test_id("ticket-estimate")
        self.submit = self.ticket.get_by_role("button", name="Place order")
        self.symbol_error = page.get_by_test_id("error-symbol")
        self.quantity_error = page.get_by_test_id("error-quantity")
        self.limit_price_error = page.get_by_test_id("error-limit-price")
        self.server_error = page.get_by_test_id("ticket-error")
        self.confirmation = page.get_by_test_id("order-confirmation")
        self.confirmation_order_id = page.get_by_test_id("confirmation-order-id")
        quote = page.get_by_role("region", name="Quote")
        self.bid = quote.get_by_test_id("ticket-bid")
        self.ask = quote.get_by_test_id("ticket-ask")
        self.last = quote.get_by_test_id("ticket-last")
        self.open_orders = DataTable(page.get_by_role("table", name="Open orders"), "open-order-row")
        self.open_orders_empty = page.get_by_test_id("open-orders-empty")
        self.history = DataTable(page.get_by_role("table", name="Order history"), "history-row")

    @allure.step("Open the trade screen for {symbol}")
    def open(self, symbol: str | None = None) -> None:
        self.page.goto(self.path if symbol is None else f"{self.path}/{symbol}")
        self.wait_until_live()

    @allure.step("Choose the symbol {symbol}")
    def choose_symbol(self, symbol: str) -> None:
        """Type the symbol and leave the field, which loads its quote (on change)."""
        self.symbol.fill(symbol)
        self.symbol.press("Tab")

    @allure.step("Fill the ticket: {side} {quantity} {symbol} ({order_type})")
    def fill_ticket(
        self,
        symbol: str,
        side: str,
        quantity: object,
        order_type: str = "market",
        limit_price: str | None = None,
    ) -> None:
        self.choose_symbol(symbol)
        (self.buy if side == "buy" else self.sell).check()
        (self.market if order_type == "market" else self.limit).check()
        self.quantity.fill(str(quantity))
        if limit_price is not None:
            self.limit_price.fill(limit_price)

    @allure.step("Place a market order: {side} {quantity} {symbol}")
    def place_market_order(self, symbol: str, side: str, quantity: object) -> None:
        self.fill_ticket(symbol, side, quantity)
        self.submit.click()

    @allure.step("Place a limit order: {side} {quantity} {symbol} at {limit_price}")
    def place_limit_order(self, symbol: str, side: str, quantity: object, limit_price: str) -> None:
        self.fill_ticket(symbol, side, quantity, "limit", limit_price)
        self.submit.click()

    def placed_order_id(self) -> int:
        """The id in the confirmation of the order just placed (waits for the confirmation)."""
        return int(self.confirmation_order_id.inner_text().lstrip("#"))

    @allure.step("Cancel order {order_id}")
    def cancel_order(self, order_id: int) -> None:
        self.page.get_by_role("button", name=f"Cancel order {order_id}", exact=True).click()
