// Trade page: the order ticket (validation, live quote, estimate, submit), open orders
// with cancel buttons, and the order history, all kept current from the stream.
import { centsToMoney, money, pct, toHundredths } from "./format.js";
import { apiFetch, on, subscribe } from "./live.js";
import { byTestId, flash, setSignClass, setText } from "./dom.js";
import { buildOrderRow, syncEmptyState, upsertOrderRow } from "./orders.js";

const MESSAGES = {
  symbol: "Enter a symbol.",
  quantity: "Quantity must be a whole number between 1 and 10,000.",
  limit: "Limit price must be greater than 0.",
};
const WHOLE_NUMBER = /^\d+$/;
const DECIMAL = /^(\d+(\.\d*)?|\.\d+)$/;

const form = byTestId("order-ticket");
const maxQuantity = Number(form.dataset.maxQuantity) || 10000;
const symbolInput = byTestId("ticket-symbol");
const quantityInput = byTestId("ticket-quantity");
const limitInput = byTestId("ticket-limit-price");
const submitButton = byTestId("ticket-submit");
const estimate = byTestId("ticket-estimate");
const estimateSide = form.querySelector(".estimate-side");
const ticketError = byTestId("ticket-error");
const confirmation = byTestId("order-confirmation");
const quoteRegion = byTestId("ticket-quote");
const openOrders = byTestId("open-orders");
const history = byTestId("order-history");

const fields = {
  symbol: { input: symbolInput, error: byTestId("error-symbol") },
  quantity: { input: quantityInput, error: byTestId("error-quantity") },
  limit: { input: limitInput, error: byTestId("error-limit-price") },
};

let currentSymbol = quoteRegion.dataset.symbol || "";
let quote = {
  bid: byTestId("ticket-bid").dataset.value || null,
  ask: byTestId("ticket-ask").dataset.value || null,
};
let lookup = { symbol: "", message: "" }; // the last failed symbol lookup
let lookupSeq = 0;
let requestedSymbol = currentSymbol; // the symbol last looked up (or shown on load)
let attempted = false; // validate on every input once a submit has shown an error
let inFlight = false;
const finished = new Set(); // ids of orders known to be filled or cancelled

const checked = (name) => form.querySelector(`input[name="${name}"]:checked`).value;
const normalizedSymbol = () => symbolInput.value.trim().toUpperCase();

// ---- validation -------------------------------------------------------------------

function validationErrors() {
  const errors = { symbol: "", quantity: "", limit: "" };
  if (!normalizedSymbol()) errors.symbol = MESSAGES.symbol;
  const quantity = quantityInput.value.trim();
  if (!WHOLE_NUMBER.test(quantity) || Number(quantity) < 1 || Number(quantity) > maxQuantity) {
    errors.quantity = MESSAGES.quantity;
  }
  if (checked("type") === "limit") {
    const price = limitInput.value.trim();
    if (!DECIMAL.test(price) || !/[1-9]/.test(price)) errors.limit = MESSAGES.limit;
  }
  return errors;
}

function showFieldError(name, message) {
  const { input, error } = fields[name];
  error.textContent = message;
  error.hidden = !message;
  if (message) {
    input.setAttribute("aria-invalid", "true");
    input.setAttribute("aria-describedby", error.id);
  } else {
    input.removeAttribute("aria-invalid");
    input.removeAttribute("aria-describedby");
  }
}

// Render the inline errors; returns true when one of them blocks submitting.
function renderErrors(showValidation) {
  const errors = showValidation ? validationErrors() : { symbol: "", quantity: "", limit: "" };
  const lookupMessage = lookup.symbol && lookup.symbol === normalizedSymbol() ? lookup.message : "";
  showFieldError("symbol", errors.symbol || lookupMessage);
  showFieldError("quantity", errors.quantity);
  showFieldError("limit", errors.limit);
  return Boolean(errors.symbol || errors.quantity || errors.limit);
}

// ---- quote and estimate -----------------------------------------------------------

function renderQuote(next) {
  const previousLast = toHundredths(byTestId("ticket-last").dataset.value || "");
  quote = { bid: next ? next.bid : null, ask: next ? next.ask : null };
  for (const key of ["bid", "ask", "last"]) {
    const cell = setText(`ticket-${key}`, next ? money(next[key]) : "—");
    cell.dataset.value = next ? next[key] : "";
  }
  setSignClass(setText("ticket-change", next ? pct(next.change_pct) : "—"), next ? next.change_pct : "0");
  quoteRegion.querySelector(".quote-symbol").textContent = next ? next.symbol : normalizedSymbol();
  quoteRegion.querySelector(".quote-name").textContent = next ? next.name || "" : "";
  quoteRegion.dataset.symbol = next ? next.symbol : "";
  const last = next ? toHundredths(next.last) : null;
  if (previousLast !== null && last !== null && previousLast !== last) {
    flash(byTestId("ticket-last"), last > previousLast ? 1 : -1);
  }
  renderEstimate();
}

function renderEstimate() {
  const side = checked("side");
  estimateSide.textContent = side === "buy" ? "cost" : "proceeds";
  const quantity = quantityInput.value.trim();
  let price = null;
  if (checked("type") === "limit") {
    price = DECIMAL.test(limitInput.value.trim()) ? toHundredths(limitInput.value) : null;
  } else {
    price = toHundredths(side === "buy" ? quote.ask : quote.bid);
  }
  const valid = WHOLE_NUMBER.test(quantity) && Number(quantity) >= 1 && Number(quantity) <= maxQuantity;
  estimate.textContent = valid && price !== null && price > 0n ? centsToMoney(price * BigInt(quantity)) : "—";
}

async function loadSymbol() {
  const symbol = normalizedSymbol();
  symbolInput.value = symbol;
  if (symbol === requestedSymbol) return;
  requestedSymbol = symbol;
  const seq = ++lookupSeq;
  if (!symbol) {
    currentSymbol = "";
    lookup = { symbol: "", message: "" };
    renderQuote(null);
    subscribe([]);
    renderErrors(attempted);
    return;
  }
  try {
    const next = await apiFetch(`/api/quotes/${encodeURIComponent(symbol)}`);
    if (seq !== lookupSeq) return;
    currentSymbol = next.symbol;
    lookup = { symbol: "", message: "" };
    renderQuote(next);
    subscribe([next.symbol]);
    window.history.replaceState(null, "", `/trade/${encodeURIComponent(next.symbol)}`);
  } catch (error) {
    if (seq !== lookupSeq) return;
    currentSymbol = "";
    lookup = { symbol, message: error.message };
    if (error.code !== "unknown_symbol") requestedSymbol = ""; // let the next blur retry
    renderQuote(null);
    subscribe([]);
  }
  renderErrors(attempted);
}

// ---- orders -----------------------------------------------------------------------

function cancelCell(order) {
  const td = document.createElement("td");
  td.className = "actions";
  const button = document.createElement("button");
  button.type = "button";
  button.className = "btn btn-small btn-quiet";
  button.dataset.testid = `cancel-order-${order.id}`;
  button.dataset.orderId = String(order.id);
  button.setAttribute("aria-label", `Cancel order ${order.id}`);
  button.textContent = "Cancel";
  td.append(button);
  return td;
}

function applyOrder(order) {
  if (order.status !== "open") finished.add(order.id);
  const status = finished.has(order.id) && order.status === "open" ? null : order.status;
  upsertOrderRow(history.tBodies[0], order, "history-row");
  syncEmptyState(history, "order-history-empty", "No orders yet.", false);
  const openRow = openOrders.querySelector(`[data-testid="open-order-row-${order.id}"]`);
  if (status === "open") {
    if (!openRow) {
      const row = buildOrderRow(order, "open-order-row");
      row.append(cancelCell(order));
      openOrders.tBodies[0].prepend(row);
    }
  } else if (openRow) {
    openRow.remove();
  }
  syncEmptyState(openOrders, "open-orders-empty", "No open orders.", openOrders.tBodies[0].rows.length === 0);
}

function showConfirmation(order) {
  const idSpan = document.createElement("span");
  idSpan.dataset.testid = "confirmation-order-id";
  idSpan.textContent = String(order.id);
  let rest;
  if (order.status === "filled") {
    const verb = order.side === "buy" ? "bought" : "sold";
    rest = ` filled: ${verb} ${order.quantity} ${order.symbol} at ${money(order.fill_price)}.`;
  } else if (order.status === "open") {
    rest = ` placed: ${order.side} ${order.quantity} ${order.symbol} limit ${money(order.limit_price)} (open).`;
  } else {
    rest = ` ${order.status}.`;
  }
  confirmation.replaceChildren("Order #", idSpan, rest);
  confirmation.hidden = false;
}

function showTicketError(message) {
  ticketError.textContent = message;
  ticketError.hidden = !message;
}

async function submitOrder(event) {
  event.preventDefault();
  if (inFlight) return;
  symbolInput.value = normalizedSymbol();
  if (renderErrors(true)) {
    attempted = true;
    const firstInvalid = Object.values(fields).find(({ error }) => !error.hidden);
    if (firstInvalid) firstInvalid.input.focus();
    return;
  }
  const type = checked("type");
  const body = {
    symbol: normalizedSymbol(),
    side: checked("side"),
    type,
    quantity: Number.parseInt(quantityInput.value.trim(), 10),
    limit_price: type === "limit" ? limitInput.value.trim() : null,
  };
  inFlight = true;
  submitButton.disabled = true;
  form.setAttribute("aria-busy", "true");
  try {
    const order = await apiFetch("/api/orders", { method: "POST", body });
    showTicketError("");
    showConfirmation(order);
    applyOrder(order);
  } catch (error) {
    confirmation.hidden = true;
    confirmation.replaceChildren();
    showTicketError(error.message);
  } finally {
    inFlight = false;
    submitButton.disabled = false;
    form.removeAttribute("aria-busy");
  }
}

async function cancelOrder(button) {
  const id = button.dataset.orderId;
  button.disabled = true;
  try {
    const order = await apiFetch(`/api/orders/${encodeURIComponent(id)}/cancel`, { method: "POST" });
    showTicketError("");
    applyOrder(order);
  } catch (error) {
    showTicketError(error.message);
    if (error.code === "order_not_open") {
      try {
        applyOrder(await apiFetch(`/api/orders/${encodeURIComponent(id)}`));
      } catch (ignored) {
        // The stream will bring the order's final state.
      }
    }
  } finally {
    if (button.isConnected) button.disabled = false;
  }
}

// ---- wiring -----------------------------------------------------------------------

function syncLimitField() {
  const isLimit = checked("type") === "limit";
  limitInput.disabled = !isLimit;
  if (!isLimit) showFieldError("limit", "");
}

form.addEventListener("submit", submitOrder);
form.addEventListener("input", (event) => {
  if (event.target === symbolInput) {
    if (attempted || lookup.message) renderErrors(attempted);
    return;
  }
  if (event.target.name === "type") syncLimitField();
  if (attempted) renderErrors(true);
  renderEstimate();
});
form.addEventListener("change", (event) => {
  if (event.target === symbolInput) {
    loadSymbol();
    return;
  }
  if (event.target.name === "type") syncLimitField();
  if (attempted) renderErrors(true);
  renderEstimate();
});
// Some automation drivers (Firefox over BiDi) fill the field without a later `change`.
symbolInput.addEventListener("blur", loadSymbol);
openOrders.addEventListener("click", (event) => {
  const button = event.target.closest("button[data-order-id]");
  if (button && !button.disabled) cancelOrder(button);
});

on("tick", ({ quote: next }) => {
  if (next && next.symbol === currentSymbol) renderQuote(next);
});
on("order", ({ order }) => {
  if (order) applyOrder(order);
});

for (const row of history.querySelectorAll("tr[data-order-id]")) {
  if (row.dataset.status !== "open") finished.add(Number(row.dataset.orderId));
}
syncLimitField();
renderEstimate();
if (currentSymbol) subscribe([currentSymbol]);
