"""Helpers shared by PaperTrade's unit tests (a module, not conftest, so tests can import it)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

PAGE_TEMPLATE = """<!doctype html><title>{name}</title><h1>{name}</h1>
<meta name="csrf-token" content="{{{{ csrf_token or '' }}}}">
<script src="{{{{ asset('js/app.js') }}}}"></script>
<pre id="context">{{{{ {{{keys}}} | tojson }}}}</pre>"""

PAGES = {
    "login.html": ["error", "notice", "next", "username", "user"],
    "dashboard.html": ["portfolio", "watchlist", "recent_orders", "notifications", "user", "version"],
    "trade.html": ["symbol", "quote", "instruments", "open_orders", "history", "max_quantity"],
    "portfolio.html": ["portfolio", "transactions"],
    "status.html": ["status", "user"],
    "error.html": ["status_code", "message", "user"],
}


def write_test_templates(directory: Path) -> Path:
    """Stand-in templates that print their context as JSON (the real ones are written elsewhere)."""
    directory.mkdir(parents=True, exist_ok=True)
    for name, keys in PAGES.items():
        mapping = ", ".join(f'"{key}": {key}' for key in keys)
        (directory / name).write_text(PAGE_TEMPLATE.format(name=name, keys=mapping))
    return directory


def write_test_static(directory: Path) -> Path:
    (directory / "js").mkdir(parents=True, exist_ok=True)
    (directory / "js" / "app.js").write_text("console.log('papertrade');\n" + "// padding\n" * 200)
    return directory


def page_context(html: str) -> dict[str, Any]:
    match = re.search(r'<pre id="context">(.*)</pre>', html, re.S)
    assert match, html
    return json.loads(match.group(1))


class Trader:
    """A signed-in user talking to the app through the shared client with their own cookies."""

    def __init__(self, client: TestClient, user: dict[str, Any]) -> None:
        self.client = client
        self.user = user
        self.session_token = ""
        self.csrf = ""

    @property
    def id(self) -> int:
        return self.user["id"]

    def login(self) -> Trader:
        response = self.client.post(
            "/api/auth/login", json={"username": self.user["username"], "password": self.user["password"]}
        )
        assert response.status_code == 200, response.text
        self.session_token = response.cookies["pt_session"]
        self.csrf = response.json()["csrf_token"]
        self.client.cookies.clear()
        return self

    @property
    def cookie_header(self) -> str:
        return f"pt_session={self.session_token}; pt_csrf={self.csrf}"

    def request(self, method: str, url: str, *, csrf: bool = True, **kwargs: Any):
        headers = {"Cookie": self.cookie_header, **kwargs.pop("headers", {})}
        if csrf:
            headers["X-CSRF-Token"] = self.csrf
        response = self.client.request(method, url, headers=headers, **kwargs)
        self.client.cookies.clear()
        return response

    def get(self, url: str, **kwargs: Any):
        return self.request("GET", url, **kwargs)

    def post(self, url: str, **kwargs: Any):
        return self.request("POST", url, **kwargs)

    def delete(self, url: str, **kwargs: Any):
        return self.request("DELETE", url, **kwargs)

    def order(self, symbol: str, side: str, quantity: int, limit_price: str | None = None):
        body = {
            "symbol": symbol,
            "side": side,
            "type": "limit" if limit_price is not None else "market",
            "quantity": quantity,
            "limit_price": limit_price,
        }
        return self.post("/api/orders", json=body)

    def portfolio(self) -> dict[str, Any]:
        response = self.get("/api/portfolio")
        assert response.status_code == 200, response.text
        return response.json()

    def websocket(self):
        return self.client.websocket_connect("/ws", headers={"Cookie": self.cookie_header})
