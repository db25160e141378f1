// Dashboard: live watchlist quotes, account figures, recent orders and notifications.
import { money, pct, pnl, toHundredths } from "./format.js";
import { on, subscribe } from "./live.js";
import { byTestId, flash, setSignClass, setText } from "./dom.js";
import { syncEmptyState, upsertOrderRow } from "./orders.js";

const RECENT_ORDERS = 10;
const NOTIFICATIONS = 20;

const watchlist = byTestId("watchlist");
const recentOrders = byTestId("recent-orders");
const notificationList = document.querySelector('[data-testid="notifications"] .notification-list');

subscribe([...watchlist.querySelectorAll("tr[data-symbol]")].map((row) => row.dataset.symbol));

on("tick", ({ quote }) => {
  if (!quote) return;
  const row = watchlist.querySelector(`tr[data-symbol="${CSS.escape(quote.symbol)}"]`);
  if (!row) return;
  const lastCell = byTestId("quote-last", row);
  const before = toHundredths(lastCell.dataset.value || "");
  const after = toHundredths(quote.last);
  setText("quote-bid", money(quote.bid), row);
  setText("quote-ask", money(quote.ask), row);
  setText("quote-last", money(quote.last), row);
  lastCell.dataset.value = quote.last;
  setSignClass(setText("quote-change", pct(quote.change_pct), row), quote.change_pct);
  if (before !== null && after !== null && before !== after) flash(lastCell, after > before ? 1 : -1);
});

on("portfolio", ({ portfolio }) => {
  if (!portfolio) return;
  setText("cash-balance", money(portfolio.cash));
  setText("available-cash", money(portfolio.available_cash));
  setText("portfolio-value", money(portfolio.total_value));
  setText("positions-value", money(portfolio.positions_value));
  setSignClass(setText("day-pnl", pnl(portfolio.day_pnl)), portfolio.day_pnl);
});

on("order", ({ order }) => {
  if (!order) return;
  upsertOrderRow(recentOrders.tBodies[0], order, "order-row", RECENT_ORDERS);
  syncEmptyState(recentOrders, "recent-orders-empty", "No orders yet.", false);
});

on("notification", ({ notification }) => {
  if (!notification || !notificationList) return;
  const selector = `[data-notification-id="${CSS.escape(String(notification.id))}"]`;
  if (notificationList.querySelector(selector)) return;
  const item = document.createElement("li");
  item.className = `notification kind-${notification.kind}`;
  item.dataset.testid = "notification-item";
  item.dataset.notificationId = String(notification.id);
  item.title = notification.created_at || "";
  item.textContent = notification.message;
  notificationList.prepend(item);
  const items = notificationList.querySelectorAll("li");
  for (let i = NOTIFICATIONS; i < items.length; i += 1) items[i].remove();
  const empty = byTestId("notifications-empty");
  if (empty) empty.remove();
});
