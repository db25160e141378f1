"""Positions, P&L, allocation, transactions and the CSV export on the Portfolio screen.

A test instrument at 150.00 quotes bid 149.95 / ask 150.05: a buy of 10 costs 1,500.50.
"""

import pytest
from playwright.sync_api import expect

from pages.trading import TradingPage

pytestmark = pytest.mark.capability("test_api")


@pytest.mark.flow("PORT-05")
def test_new_account_has_no_positions_and_no_transactions(portfolio_page):
    portfolio_page.open()
    expect(portfolio_page.positions_empty).to_have_text("You have no positions yet.")
    expect(portfolio_page.transactions_empty).to_have_text("No transactions yet.")
    expect(portfolio_page.cash).to_have_text("$100,000.00")
    expect(portfolio_page.allocation_of("CASH")).to_have_text("CASH 100.00%")


@pytest.mark.smoke
@pytest.mark.flow("PORT-01")
def test_position_after_a_buy(portfolio_page, account, symbol):
    account.api.place_order(symbol, "buy", 10)
    portfolio_page.open()
    expect(portfolio_page.position(symbol, "quantity")).to_have_text("10")
    expect(portfolio_page.position(symbol, "avg-cost")).to_have_text("$150.05")
    expect(portfolio_page.position(symbol, "market-value")).to_have_text("$1,500.00")
    expect(portfolio_page.position(symbol, "unrealized-pnl")).to_have_text("-$0.50")
    expect(portfolio_page.position(symbol, "unrealized-pnl-pct")).to_have_text("-0.03%")
    expect(portfolio_page.cash).to_have_text("$98,499.50")
    expect(portfolio_page.total_value).to_have_text("$99,999.50")


@pytest.mark.flow("PORT-01")
def test_average_cost_and_pnl_over_two_buys(portfolio_page, account, symbol, api):
    account.api.place_order(symbol, "buy", 10)  # 10 x 150.05 = 1,500.50
    api.set_price(symbol, "152.00")
    account.api.place_order(symbol, "buy", 5)  # 5 x 152.05 = 760.25
    portfolio_page.open()
    expect(portfolio_page.position(symbol, "quantity")).to_have_text("15")
    expect(portfolio_page.position(symbol, "avg-cost")).to_have_text("$150.72")  # 2,260.75 / 15
    expect(portfolio_page.position(symbol, "market-value")).to_have_text("$2,280.00")
    expect(portfolio_page.position(symbol, "unrealized-pnl")).to_have_text("+$19.25")
    expect(portfolio_page.position(symbol, "unrealized-pnl-pct")).to_have_text("+0.85%")
    expect(portfolio_page.unrealized_pnl).to_have_text("+$19.25")


@pytest.mark.flow("PORT-01")
def test_every_position_is_valued_when_holding_several(portfolio_page, account, make_instrument):
    """Also the portfolio's query budget (config/database.yaml) at more than one position."""
    symbols = [make_instrument("150.00") for _ in range(3)]
    for symbol in symbols:
        account.api.place_order(symbol, "buy", 10)  # 1,500.50 each
    portfolio_page.open()
    for symbol in symbols:
        expect(portfolio_page.position(symbol, "market-value")).to_have_text("$1,500.00")
        expect(portfolio_page.allocation_of(symbol)).to_have_text(f"{symbol} 1.50%")
    expect(portfolio_page.cash).to_have_text("$95,498.50")
    expect(portfolio_page.total_value).to_have_text("$99,998.50")
    expect(portfolio_page.allocation_of("CASH")).to_have_text("CASH 95.50%")


@pytest.mark.flow("PORT-01")
def test_allocation_splits_the_total_value(portfolio_page, account, symbol, api):
    account.api.place_order(symbol, "buy", 10)
    api.set_price(symbol, "152.00")
    account.api.place_order(symbol, "buy", 5)
    portfolio_page.open()
    # total 97,739.25 cash + 2,280.00 positions = 100,019.25
    expect(portfolio_page.total_value).to_have_text("$100,019.25")
    expect(portfolio_page.allocation_of(symbol)).to_have_text(f"{symbol} 2.28%")
    expect(portfolio_page.allocation_of("CASH")).to_have_text("CASH 97.72%")
    expect(portfolio_page.position(symbol, "allocation")).to_have_text("2.28%")


@pytest.mark.flow("PORT-02")
def test_position_follows_the_price_without_a_reload(portfolio_page, account, symbol, api):
    account.api.place_order(symbol, "buy", 10)
    portfolio_page.open()
    api.set_price(symbol, "160.00")
    expect(portfolio_page.position(symbol, "last")).to_have_text("$160.00")
    expect(portfolio_page.position(symbol, "market-value")).to_have_text("$1,600.00")
    expect(portfolio_page.position(symbol, "unrealized-pnl")).to_have_text("+$99.50")
    expect(portfolio_page.position(symbol, "unrealized-pnl-pct")).to_have_text("+6.63%")
    expect(portfolio_page.total_value).to_have_text("$100,099.50")


@pytest.mark.flow("PORT-02")
def test_new_position_appears_without_a_reload(portfolio_page, account, symbol):
    portfolio_page.open()
    account.api.place_order(symbol, "buy", 10)
    expect(portfolio_page.position(symbol, "quantity")).to_have_text("10")
    expect(portfolio_page.cash).to_have_text("$98,499.50")


@pytest.mark.flow("PORT-03")
def test_partial_sell_books_realized_pnl(signed_in_page, account, symbol, api, portfolio_page):
    account.api.place_order(symbol, "buy", 10)
    api.set_price(symbol, "160.00")
    trading = TradingPage(signed_in_page)
    trading.open(symbol)
    trading.place_market_order(symbol, "sell", 4)  # 4 x 159.95 = 639.80 - cost 600.20
    expect(trading.confirmation).to_contain_text("sold 4")
    portfolio_page.open()
    expect(portfolio_page.realized_pnl).to_have_text("+$39.60")
    expect(portfolio_page.position(symbol, "quantity")).to_have_text("6")
    expect(portfolio_page.position(symbol, "avg-cost")).to_have_text("$150.05")
    expect(portfolio_page.position(symbol, "unrealized-pnl")).to_have_text("+$59.70")  # 960.00 - 900.30


@pytest.mark.flow("PORT-03")
def test_selling_everything_closes_the_position(portfolio_page, account, symbol):
    account.api.place_order(symbol, "buy", 10)
    account.api.place_order(symbol, "sell", 10)  # 10 x 149.95 = 1,499.50
    portfolio_page.open()
    expect(portfolio_page.positions_empty).to_have_text("You have no positions yet.")
    expect(portfolio_page.realized_pnl).to_have_text("-$1.00")
    expect(portfolio_page.cash).to_have_text("$99,999.00")


@pytest.mark.flow("PORT-03")
def test_transactions_list_each_fill(portfolio_page, account, symbol):
    buy = account.api.place_order(symbol, "buy", 10)
    sell = account.api.place_order(symbol, "sell", 4)
    portfolio_page.open()
    expect(portfolio_page.transactions.rows).to_have_count(2)
    expect(portfolio_page.transactions.rows.first.get_by_test_id("transaction-order-id")).to_have_text(
        f"#{sell['id']}"
    )
    expect(portfolio_page.transactions.rows.first.get_by_test_id("transaction-realized-pnl")).to_have_text(
        "-$0.40"
    )
    expect(portfolio_page.transactions.rows.last.get_by_test_id("transaction-order-id")).to_have_text(
        f"#{buy['id']}"
    )
    expect(portfolio_page.transactions.rows.last.get_by_test_id("transaction-amount")).to_have_text(
        "$1,500.50"
    )


@pytest.mark.flow("PORT-04")
def test_csv_export_lists_the_transactions_oldest_first(portfolio_page, account, symbol):
    buy = account.api.place_order(symbol, "buy", 10)
    sell = account.api.place_order(symbol, "sell", 4)
    portfolio_page.open()
    rows = [line.split(",") for line in portfolio_page.download_transactions_csv().splitlines()]
    assert rows[0] == [
        "executed_at",
        "order_id",
        "symbol",
        "side",
        "quantity",
        "price",
        "amount",
        "realized_pnl",
    ]
    assert [row[1:] for row in rows[1:]] == [
        [str(buy["id"]), symbol, "buy", "10", "150.05", "1500.50", "0.00"],
        [str(sell["id"]), symbol, "sell", "4", "149.95", "599.80", "-0.40"],
    ]
