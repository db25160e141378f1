// Order rows shared by the dashboard (recent orders) and the trade page (open orders,
// history). The markup mirrors the `order_cells` macro in templates/_macros.html.
import { clockTime, money } from "./format.js";

const TERMINAL = new Set(["filled", "cancelled"]);

export function orderPrice(order) {
  if (order.status === "filled" && order.fill_price) return money(order.fill_price);
  if (order.limit_price) return money(order.limit_price);
  return "—";
}

function cell(testid, text, className) {
  const td = document.createElement("td");
  td.dataset.testid = testid;
  if (className) td.className = className;
  td.textContent = text;
  return td;
}

function statusCell(status) {
  const td = document.createElement("td");
  td.dataset.testid = "order-status";
  const badge = document.createElement("span");
  badge.className = `badge badge-${status}`;
  badge.textContent = status;
  td.append(badge);
  return td;
}

// A <tr> for `order` with testid `${prefix}-${id}`.
export function buildOrderRow(order, prefix) {
  const row = document.createElement("tr");
  row.dataset.testid = `${prefix}-${order.id}`;
  row.dataset.orderId = String(order.id);
  row.dataset.status = order.status;
  const time = document.createElement("td");
  time.className = "muted";
  const stamp = document.createElement("time");
  stamp.dateTime = order.created_at || "";
  stamp.textContent = clockTime(order.created_at);
  time.append(stamp);
  row.append(
    cell("order-id", `#${order.id}`, "muted"),
    time,
    cell("order-symbol", order.symbol, "sym"),
    cell("order-side", order.side, `side-${order.side}`),
    cell("order-type", order.type),
    cell("order-quantity", String(order.quantity), "num"),
    cell("order-price", orderPrice(order), "num"),
    statusCell(order.status),
  );
  return row;
}

// Insert or refresh the row for `order` at the top of `tbody`. A finished order never goes
// back to `open` (a late HTTP answer may arrive after the stream reported the fill).
export function upsertOrderRow(tbody, order, prefix, limit) {
  const existing = tbody.querySelector(`[data-testid="${prefix}-${order.id}"]`);
  if (existing) {
    if (TERMINAL.has(existing.dataset.status) && order.status === "open") return existing;
    const fresh = buildOrderRow(order, prefix);
    existing.replaceWith(fresh);
    return fresh;
  }
  const row = buildOrderRow(order, prefix);
  tbody.prepend(row);
  if (limit) {
    const rows = tbody.querySelectorAll("tr");
    for (let i = limit; i < rows.length; i += 1) rows[i].remove();
  }
  return row;
}

// Show `text` in an empty-state paragraph after `table` when `empty`, remove it otherwise.
export function syncEmptyState(table, testid, text, empty) {
  const current = document.querySelector(`[data-testid="${testid}"]`);
  if (!empty) {
    if (current) current.remove();
    return;
  }
  if (current) return;
  const p = document.createElement("p");
  p.className = "empty";
  p.dataset.testid = testid;
  p.textContent = text;
  (table.closest(".table-wrap") || table).after(p);
}
