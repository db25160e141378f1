// One WebSocket per page to /ws: reconnects with backoff, resubscribes, keeps the
// connection indicator, turns every server message into a `pt:<type>` DOM event and
// shows notifications as toasts. Also the small fetch helper the page modules share.

const MIN_BACKOFF_MS = 500;
const MAX_BACKOFF_MS = 8000;
const PING_INTERVAL_MS = 25000;
const TOAST_MS = 6000;
const SIGNED_OUT_CODE = 4401;

const STATE_TEXT = { live: "Live", reconnecting: "Reconnecting…", offline: "Offline" };

let socket = null;
let symbols = [];
let backoff = MIN_BACKOFF_MS;
let retryTimer = null;
let pingTimer = null;
let stopped = false;

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

export function csrfToken() {
  const meta = document.querySelector('meta[name="csrf-token"]');
  if (meta && meta.content) return meta.content;
  const cookie = document.cookie.split("; ").find((part) => part.startsWith("pt_csrf="));
  return cookie ? decodeURIComponent(cookie.slice("pt_csrf=".length)) : "";
}

// fetch() with the CSRF header and JSON in and out. Resolves to the parsed body (null for
// an empty one); rejects with ApiError carrying the server's {"error": {code, message}}.
export async function apiFetch(path, options = {}) {
  const headers = { Accept: "application/json", ...(options.headers || {}) };
  const init = { method: options.method || "GET", credentials: "same-origin", headers };
  if (init.method !== "GET" && init.method !== "HEAD") headers["X-CSRF-Token"] = csrfToken();
  if (options.body !== undefined) {
    headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(options.body);
  }
  let response;
  try {
    response = await fetch(path, init);
  } catch (networkError) {
    throw new ApiError(0, "network_error", "Could not reach the server. Check your connection and try again.");
  }
  const text = await response.text();
  let data = null;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch (parseError) {
      data = null;
    }
  }
  if (!response.ok) {
    const error = (data && data.error) || {};
    throw new ApiError(response.status, error.code || "http_error",
      error.message || `The request failed (HTTP ${response.status}).`);
  }
  return data;
}

// Listen to one kind of server message; the handler gets the whole message.
export function on(type, handler) {
  document.addEventListener(`pt:${type}`, (event) => handler(event.detail));
}

// Replace the set of symbols this page streams ticks for.
export function subscribe(list) {
  symbols = [...new Set(list.map((symbol) => String(symbol).trim().toUpperCase()).filter(Boolean))];
  send({ type: "subscribe", symbols });
}

export function showToast(message) {
  const region = document.querySelector('[data-testid="toast-region"]');
  if (!region) return;
  const toast = document.createElement("div");
  toast.className = "toast";
  toast.setAttribute("role", "status");
  toast.dataset.testid = "toast";
  toast.textContent = message;
  toast.addEventListener("click", () => toast.remove());
  region.prepend(toast);
  setTimeout(() => toast.remove(), TOAST_MS);
}

function setState(state) {
  const indicator = document.querySelector('[data-testid="connection-status"]');
  if (!indicator) return;
  indicator.dataset.state = state;
  const label = indicator.querySelector(".conn-text") || indicator;
  label.textContent = STATE_TEXT[state];
}

function send(message) {
  if (socket && socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(message));
}

function socketUrl() {
  const scheme = window.location.protocol === "https:" ? "wss:" : "ws:";
  return `${scheme}//${window.location.host}/ws`;
}

function clearTimers() {
  clearTimeout(retryTimer);
  retryTimer = null;
  clearInterval(pingTimer);
  pingTimer = null;
}

function goToLogin() {
  stopped = true;
  clearTimers();
  setState("offline");
  // Same shape as the server's own redirect: /login?next=/trade/AAPL&expired=1
  const next = encodeURIComponent(window.location.pathname + window.location.search).replace(/%2F/g, "/");
  window.location.assign(`/login?next=${next}&expired=1`);
}

async function checkSession() {
  try {
    const response = await fetch("/api/me", { credentials: "same-origin", headers: { Accept: "application/json" } });
    if (response.status === 401 && !stopped) goToLogin();
  } catch (networkError) {
    // Still unreachable: the retry loop carries on.
  }
}

function connect() {
  clearTimers();
  if (stopped || !navigator.onLine) {
    if (!navigator.onLine) setState("offline");
    return;
  }
  const ws = new WebSocket(socketUrl());
  let opened = false;
  socket = ws;
  ws.addEventListener("open", () => {
    if (socket !== ws) return;
    opened = true;
    backoff = MIN_BACKOFF_MS;
    setState("live");
    if (symbols.length) send({ type: "subscribe", symbols });
    pingTimer = setInterval(() => send({ type: "ping" }), PING_INTERVAL_MS);
  });
  ws.addEventListener("message", (event) => {
    if (socket !== ws) return;
    let message;
    try {
      message = JSON.parse(event.data);
    } catch (parseError) {
      return;
    }
    if (!message || typeof message.type !== "string") return;
    document.dispatchEvent(new CustomEvent(`pt:${message.type}`, { detail: message }));
    // The answer to a subscription carries each symbol's current quote: pages take them as
    // ticks, so a price that moved since the page got its quote (or while reconnecting) shows.
    if (message.type === "subscribed" && Array.isArray(message.quotes)) {
      for (const quote of message.quotes) {
        document.dispatchEvent(new CustomEvent("pt:tick", { detail: { type: "tick", seq: message.seq, quote } }));
      }
    }
    if (message.type === "notification" && message.notification) showToast(message.notification.message);
  });
  ws.addEventListener("close", (event) => {
    if (socket !== ws) return;
    socket = null;
    clearTimers();
    if (event.code === SIGNED_OUT_CODE) {
      goToLogin();
      return;
    }
    if (stopped) return;
    if (!navigator.onLine) {
      setState("offline");
      return;
    }
    setState("reconnecting");
    // A refused handshake never opens and carries no close code: ask whether we are still signed in.
    if (!opened) checkSession();
    retryTimer = setTimeout(connect, backoff);
    backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
  });
}

function disconnect() {
  clearTimers();
  if (socket) {
    const ws = socket;
    socket = null;
    ws.close(1000);
  }
}

window.addEventListener("offline", () => {
  disconnect();
  setState("offline");
});

window.addEventListener("online", () => {
  if (stopped || socket) return;
  backoff = MIN_BACKOFF_MS;
  setState("reconnecting");
  connect();
});

// Leaving the page closes the socket on purpose; do not flash "Reconnecting…" meanwhile.
window.addEventListener("pagehide", () => {
  stopped = true;
  disconnect();
});
window.addEventListener("pageshow", (event) => {
  if (event.persisted) {
    stopped = false;
    connect();
  }
});

if (document.querySelector('[data-testid="connection-status"]')) connect();
