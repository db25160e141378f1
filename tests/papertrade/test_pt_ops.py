"""Operations and HTTP plumbing: health, readiness, metrics, request ids, limits, gzip, caching."""

import re

import pytest
from fastapi.testclient import TestClient
from pt_helpers import page_context
from sqlalchemy.exc import OperationalError

from papertrade.web.app import create_app

pytestmark = pytest.mark.unit


def metric(client, line_prefix):
    text = client.get("/metrics").text
    total = 0.0
    for line in text.splitlines():
        if line.startswith(line_prefix):
            total += float(line.rsplit(" ", 1)[1])
    return total


def test_health_ready_version(client):
    assert client.get("/health").json() == {"status": "ok"}
    assert client.get("/ready").json() == {"status": "ready", "database": "ok"}
    assert client.get("/api/version").json() == {"version": "1.0.0"}


def test_ready_is_503_when_the_database_fails(client, app, monkeypatch):
    def broken():
        raise OperationalError("SELECT 1", {}, Exception("disk I/O error"))

    monkeypatch.setattr(app.state.pt.db, "ping", broken)
    response = client.get("/ready")
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "database": "disk I/O error"}
    assert page_context(client.get("/status").text)["status"]["database"] == "degraded"


def test_metrics_move(client, trader, make_instrument):
    symbol = make_instrument("10.00")
    route = 'papertrade_http_requests_total{method="GET",route="/api/orders/{order_id}",status="404"}'
    before = metric(client, route), metric(client, "papertrade_orders_placed_total")
    rejected_before = metric(client, 'papertrade_orders_rejected_total{reason="insufficient_shares"}')
    trader.get("/api/orders/999999")
    trader.order(symbol, "buy", 1)
    trader.order(symbol, "sell", 5)
    assert metric(client, route) == before[0] + 1
    assert metric(client, "papertrade_orders_placed_total") == before[1] + 1
    assert (
        metric(client, 'papertrade_orders_rejected_total{reason="insufficient_shares"}')
        == rejected_before + 1
    )
    text = client.get("/metrics").text
    for name in (
        "papertrade_http_request_duration_seconds_bucket",
        "papertrade_ws_clients",
        "papertrade_orders_filled_total",
        "papertrade_feed_ticks_total",
    ):
        assert name in text


def test_request_id_is_echoed_or_made(client):
    assert client.get("/health", headers={"X-Request-ID": "abc-123"}).headers["x-request-id"] == "abc-123"
    assert re.fullmatch(r"[0-9a-f]{32}", client.get("/health").headers["x-request-id"])


def test_unknown_routes_are_json_404(client):
    response = client.get("/api/nothing-here")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    page = client.get("/nothing-here", headers={"Accept": "text/html"})
    assert page.status_code == 404
    assert page_context(page.text)["status_code"] == 404


def test_body_over_64_kib_is_413(trader):
    response = trader.post(
        "/api/orders", content=b"x" * (64 * 1024 + 1), headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "payload_too_large"


def test_large_responses_are_gzipped(client):
    response = client.get("/api/quotes", headers={"Accept-Encoding": "gzip"})
    assert response.headers["content-encoding"] == "gzip"
    small = client.get("/health", headers={"Accept-Encoding": "gzip"})
    assert "content-encoding" not in small.headers


def test_static_files_are_fingerprinted_and_cached(client, trader):
    html = trader.get("/dashboard").text
    url = re.search(r'src="(/static/js/app\.[0-9a-f]{8}\.js)"', html).group(1)
    hashed = client.get(url)
    assert hashed.status_code == 200
    assert hashed.headers["cache-control"] == "public, max-age=31536000, immutable"
    plain = client.get("/static/js/app.js")
    assert plain.headers["cache-control"] == "no-cache"
    assert client.get("/static/js/missing.js").status_code == 404
    assert client.get("/static/../conftest.py").status_code == 404


def test_pages_have_etags_and_no_cache(trader):
    first = trader.get("/status")
    assert first.headers["cache-control"] == "no-cache"
    assert first.headers["etag"].startswith('W/"')
    assert first.headers["x-content-type-options"] == "nosniff"
    again = trader.get("/status", headers={"If-None-Match": first.headers["etag"]})
    assert again.status_code in (200, 304)  # uptime text may have moved on
    login = trader.client.get("/login")
    assert trader.client.get("/login", headers={"If-None-Match": login.headers["etag"]}).status_code == 304


def test_page_contexts(trader, make_instrument):
    symbol = make_instrument("10.00")
    order = trader.order(symbol, "buy", 1).json()

    dashboard = page_context(trader.get("/dashboard").text)
    trade = page_context(trader.get(f"/trade/{symbol}").text)
    portfolio = page_context(trader.get("/portfolio").text)
    status = page_context(trader.get("/status").text)

    assert dashboard["portfolio"]["cash"] == "99989.95"
    assert dashboard["recent_orders"][0]["id"] == order["id"]
    assert dashboard["notifications"][0]["kind"] == "fill"
    assert dashboard["watchlist"][0]["symbol"] == "AAPL"
    assert (trade["symbol"], trade["quote"]["last"], trade["max_quantity"]) == (symbol, "10.00", 10000)
    assert trade["history"][0]["id"] == order["id"]
    assert trade["open_orders"] == []
    assert portfolio["transactions"][0]["order_id"] == order["id"]
    assert set(status["status"]) == {
        "service",
        "database",
        "feed",
        "ws_clients",
        "version",
        "uptime",
        "started_at",
    }
    assert re.fullmatch(r"\d+h \d\dm \d\ds", status["status"]["uptime"])
    assert page_context(trader.get("/trade").text)["symbol"] == "AAPL"
    missing = trader.get("/trade/NOPE9")
    assert missing.status_code == 404
    assert page_context(missing.text)["message"] == "Unknown symbol: NOPE9."


def test_jinja_filters_and_asset(app):
    env = app.state.templates.env
    assert env.filters["money"]("1234.5") == "$1,234.50"
    assert env.filters["pnl"]("-3.2") == "-$3.20"
    assert env.filters["pct"]("1.234") == "+1.23%"
    assert re.fullmatch(r"/static/js/app\.[0-9a-f]{8}\.js", env.globals["asset"]("js/app.js"))


def test_feed_pause(client):
    assert client.post("/api/test/feed", json={"running": False}).json() == {"running": False, "steps": []}
    assert page_context(client.get("/status").text)["status"]["feed"] == "paused"
    assert client.post("/api/test/feed", json={"running": True}).json() == {"running": True, "steps": []}


def test_feed_tick_moves_ticking_instruments(app, client):
    before = {q["symbol"]: q["last"] for q in client.get("/api/quotes").json()["quotes"]}
    assert app.state.pt.service.tick()
    after = {q["symbol"]: q["last"] for q in client.get("/api/quotes").json()["quotes"]}
    assert before != after


def test_test_routes_are_absent_without_test_mode(make_settings):
    app = create_app(make_settings(test_mode=False))
    with TestClient(app) as client:
        response = client.post("/api/test/users", json={})
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "not_found"
        assert client.get("/health").status_code == 200
        spec = client.get("/openapi.json").json()
    assert not [path for path in spec["paths"] if path.startswith("/api/test/")]
    assert not [name for name in spec["components"]["schemas"] if name.startswith("Test")]


def test_openapi_describes_bodies_answers_and_errors(client):
    response = client.get("/openapi.json")
    assert response.status_code == 200
    spec = response.json()
    place = spec["paths"]["/api/orders"]["post"]
    assert place["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/OrderRequest"
    }
    assert sorted(place["responses"]) == ["201", "400", "401", "403", "413", "422"]
    assert place["responses"]["422"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Error"
    }
    assert place["security"] == [{"session": []}]
    order = spec["components"]["schemas"]["Order"]
    assert order["additionalProperties"] is False
    assert order["properties"]["status"]["enum"] == ["open", "filled", "cancelled"]
    assert "HTTPValidationError" not in spec["components"]["schemas"]
    assert "/api/test/prices" in spec["paths"]


def test_an_undescribed_route_cannot_ship(make_settings):
    from papertrade.web import openapi

    app = create_app(make_settings())

    @app.get("/api/undescribed")
    async def undescribed() -> dict:
        return {}

    with pytest.raises(LookupError, match=r"GET /api/undescribed is not described"):
        openapi.describe(app)
