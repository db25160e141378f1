"""Operations: probes, the status page, metrics and request ids."""

import re

import pytest
from playwright.sync_api import expect

from pages.dashboard import DashboardPage
from pages.portfolio import PortfolioPage
from pages.status import COMPONENTS
from pages.trading import TradingPage

UUID4_HEX = re.compile(r"^[0-9a-f]{32}$")


@pytest.mark.smoke
@pytest.mark.flow("MON-01")
@pytest.mark.parametrize(
    ("path", "body"),
    [("/health", {"status": "ok"}), ("/ready", {"status": "ready", "database": "ok"})],
    ids=["health", "ready"],
)
def test_probe_answers_200(api, path, body):
    response = api.request("GET", path)
    assert response.status_code == 200
    assert response.json() == body


@pytest.mark.flow("MON-01")
def test_version_is_semantic(api):
    assert re.fullmatch(r"\d+\.\d+\.\d+", api.call("GET", "/api/version", 200)["version"])


@pytest.mark.flow("MON-02")
def test_status_page_shows_every_component(status_page, api):
    version = api.call("GET", "/api/version", 200)["version"]
    status_page.open()
    expect(status_page.heading).to_be_visible()
    for component in COMPONENTS:
        expect(status_page.health(component)).to_have_text("ok")
    expect(status_page.version).to_have_text(version)
    expect(status_page.live_connections).to_have_text(re.compile(r"^\d+$"))
    expect(status_page.uptime).not_to_be_empty()


@pytest.mark.flow("MON-03")
def test_request_counter_moves_with_traffic(api):
    sample = 'papertrade_http_requests_total{method="GET",route="/health",status="200"}'
    before = api.metric(sample)
    for _ in range(3):
        api.request("GET", "/health")
    assert api.metric(sample) >= before + 3


@pytest.mark.capability("test_api")
@pytest.mark.provokes_errors
@pytest.mark.flow("MON-03")
def test_order_counters_move_with_orders(account, symbol):
    placed, filled = "papertrade_orders_placed_total", "papertrade_orders_filled_total"
    rejected = 'papertrade_orders_rejected_total{reason="insufficient_shares"}'
    before = {name: account.api.metric(name) for name in (placed, filled, rejected)}
    account.api.place_order(symbol, "buy", 1)
    account.api.request(
        "POST",
        "/api/orders",
        json={"symbol": symbol, "side": "sell", "type": "market", "quantity": 5, "limit_price": None},
    )
    after = {name: account.api.metric(name) for name in (placed, filled, rejected)}
    assert after[placed] >= before[placed] + 1
    assert after[filled] >= before[filled] + 1
    assert after[rejected] >= before[rejected] + 1


@pytest.mark.flow("MON-03")
def test_metrics_expose_every_documented_family(api):
    text = api.request("GET", "/metrics").text
    for family in (
        "papertrade_http_requests_total",
        "papertrade_http_request_duration_seconds_bucket",
        "papertrade_ws_clients",
        "papertrade_orders_placed_total",
        "papertrade_orders_filled_total",
        "papertrade_feed_ticks_total",
    ):
        assert re.search(rf"^{family}[{{ ]", text, re.MULTILINE), family


@pytest.mark.flow("MON-04")
@pytest.mark.parametrize(
    "path",
    ["/health", "/api/version", "/login", "/api/nothing-here"],
    ids=["health", "api", "page", "not-found"],
)
def test_every_response_carries_a_new_request_id(api, path):
    assert UUID4_HEX.match(api.request("GET", path).headers["X-Request-ID"])


@pytest.mark.flow("MON-04")
@pytest.mark.parametrize(
    "request_id", ["tradecheck-1234", "a.b:c_D-9", "x" * 128], ids=["plain", "punctuation", "128-chars"]
)
def test_incoming_request_id_is_echoed(api, request_id):
    response = api.request("GET", "/health", headers={"X-Request-ID": request_id})
    assert response.headers["X-Request-ID"] == request_id


@pytest.mark.flow("MON-04")
@pytest.mark.parametrize(
    "request_id", ["two words", "x" * 129, "<script>"], ids=["space", "129-chars", "markup"]
)
def test_an_incoming_request_id_of_other_characters_is_replaced_by_a_new_one(api, request_id):
    response = api.request("GET", "/health", headers={"X-Request-ID": request_id})
    assert UUID4_HEX.match(response.headers["X-Request-ID"])


@pytest.mark.capability("test_api")
@pytest.mark.flow("MON-02")
def test_status_reports_the_feed_paused_then_running_again(api):
    def feed_status():
        return api.request("GET", "/api/status").json()["feed"]

    try:
        api.request("POST", "/api/test/feed", json={"running": False})
        assert feed_status() == "paused"
    finally:
        api.request("POST", "/api/test/feed", json={"running": True})
    assert feed_status() == "ok"


@pytest.mark.flow("MON-05")
@pytest.mark.parametrize(
    "screen", [DashboardPage, TradingPage, PortfolioPage], ids=["dashboard", "trade", "portfolio"]
)
def test_pages_fetch_their_files_from_year_long_cached_urls(signed_in_page, api, screen):
    """Every script, module import, style and image: a file under a plain name costs a
    revalidation round trip on every visit, and module imports wait on one another."""
    view = screen(signed_in_page)
    view.open()
    files = list(dict.fromkeys(view.loaded_files()))
    assert {path.rsplit(".", 1)[-1] for path in files} >= {"js", "css"}, files
    cache_control = {path: api.request("GET", path).headers.get("Cache-Control") for path in files}
    assert cache_control == dict.fromkeys(files, "public, max-age=31536000, immutable")
