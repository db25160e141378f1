// Portfolio page: summary, positions, allocation and transactions, live from the stream.
import { clockTime, money, pct, pnl, share } from "./format.js";
import { on, subscribe } from "./live.js";
import { byTestId, setSignClass, setText } from "./dom.js";
import { syncEmptyState } from "./orders.js";

const positions = byTestId("positions");
const allocation = byTestId("allocation");
const transactions = byTestId("transactions");

function cell(tag, testid, text, className) {
  const element = document.createElement(tag);
  if (testid) element.dataset.testid = testid;
  if (className) element.className = className;
  element.textContent = text;
  return element;
}

function buildPositionRow(symbol) {
  const row = document.createElement("tr");
  row.dataset.testid = `position-row-${symbol}`;
  row.dataset.symbol = symbol;
  const head = document.createElement("th");
  head.scope = "row";
  const link = cell("a", null, symbol, "sym");
  link.href = `/trade/${encodeURIComponent(symbol)}`;
  head.append(link);
  row.append(head);
  for (const testid of ["quantity", "avg-cost", "last", "market-value", "unrealized-pnl",
    "unrealized-pnl-pct", "allocation"]) {
    row.append(cell("td", `position-${testid}`, "", "num"));
  }
  return row;
}

function fillPositionRow(row, position) {
  setText("position-quantity", String(position.quantity), row);
  setText("position-avg-cost", money(position.avg_cost), row);
  setText("position-last", money(position.last), row);
  setText("position-market-value", money(position.market_value), row);
  setSignClass(setText("position-unrealized-pnl", pnl(position.unrealized_pnl), row), position.unrealized_pnl);
  setSignClass(setText("position-unrealized-pnl-pct", pct(position.unrealized_pnl_pct), row),
    position.unrealized_pnl_pct);
  setText("position-allocation", share(position.allocation_pct), row);
}

function allocationItem(key, value) {
  const item = document.createElement("li");
  item.dataset.testid = `allocation-${key}`;
  const meter = document.createElement("meter");
  meter.min = 0;
  meter.max = 100;
  meter.value = Number.parseFloat(value) || 0; // presentation only; the text is exact
  meter.setAttribute("aria-hidden", "true");
  item.append(cell("span", null, key, "alloc-key"), " ", cell("span", null, share(value), "alloc-pct"), meter);
  return item;
}

function heldSymbols(portfolio) {
  return portfolio.positions.map((position) => position.symbol);
}

function renderPortfolio(portfolio) {
  setText("portfolio-cash", money(portfolio.cash));
  setText("portfolio-available-cash", money(portfolio.available_cash));
  setText("portfolio-positions-value", money(portfolio.positions_value));
  setText("portfolio-total-value", money(portfolio.total_value));
  setSignClass(setText("portfolio-day-pnl", pnl(portfolio.day_pnl)), portfolio.day_pnl);
  setSignClass(setText("portfolio-unrealized-pnl", pnl(portfolio.unrealized_pnl)), portfolio.unrealized_pnl);
  setSignClass(setText("portfolio-realized-pnl", pnl(portfolio.realized_pnl)), portfolio.realized_pnl);

  const tbody = positions.tBodies[0];
  const existing = new Map([...tbody.rows].map((row) => [row.dataset.symbol, row]));
  const ordered = portfolio.positions.map((position) => {
    const row = existing.get(position.symbol) || buildPositionRow(position.symbol);
    existing.delete(position.symbol);
    fillPositionRow(row, position);
    return row;
  });
  for (const stale of existing.values()) stale.remove();
  ordered.forEach((row, index) => {
    if (tbody.rows[index] !== row) tbody.insertBefore(row, tbody.rows[index] || null);
  });
  syncEmptyState(positions, "positions-empty", "You have no positions yet.", ordered.length === 0);

  allocation.replaceChildren(
    ...portfolio.positions.map((position) => allocationItem(position.symbol, position.allocation_pct)),
    allocationItem("CASH", portfolio.cash_allocation_pct),
  );

  const symbols = heldSymbols(portfolio);
  if (symbols.join() !== subscribed.join()) {
    subscribed = symbols;
    subscribe(symbols);
  }
}

function buildTransactionRow(t) {
  const row = document.createElement("tr");
  row.dataset.testid = `transaction-row-${t.id}`;
  row.dataset.transactionId = String(t.id);
  const time = document.createElement("td");
  time.className = "muted";
  const stamp = cell("time", null, clockTime(t.executed_at));
  stamp.dateTime = t.executed_at || "";
  time.append(stamp);
  const realized = cell("td", "transaction-realized-pnl", pnl(t.realized_pnl), "num");
  setSignClass(realized, t.realized_pnl);
  row.append(
    time,
    cell("td", "transaction-order-id", `#${t.order_id}`, "muted"),
    cell("td", "transaction-symbol", t.symbol, "sym"),
    cell("td", "transaction-side", t.side, `side-${t.side}`),
    cell("td", "transaction-quantity", String(t.quantity), "num"),
    cell("td", "transaction-price", money(t.price), "num"),
    cell("td", "transaction-amount", money(t.amount), "num"),
    realized,
  );
  return row;
}

let subscribed = [...positions.tBodies[0].rows].map((row) => row.dataset.symbol);
subscribe(subscribed);

on("portfolio", ({ portfolio }) => {
  if (portfolio) renderPortfolio(portfolio);
});

on("fill", ({ transaction }) => {
  if (!transaction) return;
  const tbody = transactions.tBodies[0];
  if (tbody.querySelector(`[data-testid="transaction-row-${transaction.id}"]`)) return;
  tbody.prepend(buildTransactionRow(transaction));
  syncEmptyState(transactions, "transactions-empty", "No transactions yet.", false);
});
