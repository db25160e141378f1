"""What every HTTP request goes through (flows API-05, MON-04): the body limit however the body is
sent (a declared one before the route acts), and the answer and the log line when the app fails on
a request it had no handler for."""

import json
import re
import secrets
import time

import pytest

from harness.api_client import error_code

pytestmark = [pytest.mark.capability("test_api"), pytest.mark.provokes_errors]

JSON_BODY = {"Content-Type": "application/json"}
INTERNAL_ERROR = {"error": {"code": "internal_error", "message": "Something went wrong."}}


def chunked(body: bytes, size: int = 4096):
    """The body as a generator: requests sends it chunked, without Content-Length."""
    for start in range(0, len(body), size):
        yield body[start : start + size]


@pytest.mark.flow("API-05")
def test_a_chunked_body_above_64_kib_answers_413(account):
    response = account.api.request(
        "POST", "/api/watchlist", data=chunked(b" " * (64 * 1024 + 1)), headers=JSON_BODY
    )
    assert (response.status_code, error_code(response)) == (413, "payload_too_large")
    assert response.json()["error"]["message"] == "The request body is too large."


@pytest.mark.flow("API-05")
@pytest.mark.parametrize("sent", ["declared", "chunked"])
def test_a_body_of_exactly_64_kib_is_read(account, make_instrument, sent):
    symbol = make_instrument()
    body = json.dumps({"symbol": symbol}).encode().ljust(64 * 1024)
    data = body if sent == "declared" else chunked(body)
    response = account.api.request("POST", "/api/watchlist", data=data, headers=JSON_BODY)
    assert response.status_code == 200, response.text[:200]
    assert symbol in [q["symbol"] for q in response.json()["quotes"]]


@pytest.mark.flow("API-05")
def test_a_declared_body_above_64_kib_is_refused_before_the_route_acts(account):
    # DELETE /api/watchlist/{symbol} never reads its body: only the Content-Length check stops it.
    response = account.api.request("DELETE", "/api/watchlist/AAPL", data=b" " * (64 * 1024 + 1))
    assert (response.status_code, error_code(response)) == (413, "payload_too_large")
    assert "AAPL" in [q["symbol"] for q in account.api.call("GET", "/api/watchlist", 200)["quotes"]]


@pytest.mark.flow("API-05", "MON-04")
def test_an_unhandled_error_answers_500_with_the_error_body_and_the_request_id(account, crashing_route):
    request_id = f"tc-{secrets.token_hex(8)}"
    response = account.api.request("GET", crashing_route, headers={"X-Request-ID": request_id})
    assert (response.status_code, response.headers["Content-Type"]) == (500, "application/json")
    assert response.json() == INTERNAL_ERROR
    assert response.headers["X-Request-ID"] == request_id


@pytest.mark.flow("MON-04")
def test_an_unhandled_error_is_logged_with_its_request_id_and_traceback(account, target, crashing_route):
    if target.app is None:
        pytest.skip("reads the app's log: embedded target only")
    request_id, offset = f"tc-{secrets.token_hex(8)}", target.app.log_size()
    account.api.request("GET", crashing_route, headers={"X-Request-ID": request_id})
    # The line is written before the answer is sent, so it is there once the answer is.
    lines = [json.loads(line) for line in target.app.log_since(offset).splitlines() if request_id in line]
    errors = [line for line in lines if line.get("logger") == "papertrade.error"]
    assert [(e["level"], e["message"], e["request_id"]) for e in errors] == [
        ("error", "unhandled error", request_id)
    ]
    assert errors[0]["exception"].startswith("Traceback (most recent call last):")
    assert (
        errors[0]["exception"]
        .splitlines()[-1]
        .startswith("papertrade.web.faults.InjectedCrash: Injected by test-mode fault #")
    )


@pytest.mark.flow("MON-04")
def test_each_request_is_logged_as_one_json_line_with_its_route_and_status(account, target):
    if target.app is None:
        pytest.skip("reads the app's log: embedded target only")
    request_id, offset = f"tc-{secrets.token_hex(8)}", target.app.log_size()
    sent = time.perf_counter()
    account.api.request("GET", "/api/orders/999999", headers={"X-Request-ID": request_id})
    logged = target.app.log_lines_with(request_id, offset, until='"route"')  # written after the answer
    seen_ms = (time.perf_counter() - sent) * 1000  # the app's timing of it lies within this
    access = [line for line in map(json.loads, logged) if "route" in line]
    assert [(a["level"], a["method"], a["path"], a["route"], a["status"]) for a in access] == [
        ("info", "GET", "/api/orders/999999", "/api/orders/{order_id}", 404)
    ]
    assert 0 < access[0]["duration_ms"] <= seen_ms  # ms to the hundredth: never 0 for a real request
    assert re.fullmatch(r"127\.0\.0\.1:\d{1,5}", access[0]["client"])  # the client's address and port


@pytest.mark.flow("MON-03")
def test_an_unknown_path_is_counted_and_timed_as_unmatched(api):
    counted = 'papertrade_http_requests_total{method="GET",route="unmatched",status="404"}'
    timed = 'papertrade_http_request_duration_seconds_count{method="GET",route="unmatched"}'
    before = [api.metric(counted), api.metric(timed)]
    for _ in range(2):
        api.request("GET", "/api/nothing-here")
    assert [api.metric(counted), api.metric(timed)] == [before[0] + 2, before[1] + 2]
