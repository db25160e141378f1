"""Test-mode fault injection: failing or slow routes, a database that seems gone, a stopped stream."""

from __future__ import annotations

import random
import time

import pytest
from fastapi.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from papertrade.web.app import create_app
from papertrade.web.faults import FaultMiddleware, Faults

pytestmark = pytest.mark.unit


@pytest.fixture
def faulty(client):
    """The shared client, with every fault lifted afterwards so other tests never see one."""
    yield client
    client.delete("/api/test/faults")


def test_route_fault_answers_its_status_on_the_prefix_only(faulty):
    created = faulty.post("/api/test/faults", json={"path": "/api/quotes", "status": 503})
    assert created.status_code == 201
    assert created.json()["routes"] == [
        {"id": created.json()["routes"][0]["id"], "path": "/api/quotes", "status": 503, "latency_ms": 0,
         "probability": 1.0, "crash": False, "remaining_s": None}
    ]  # fmt: skip

    hit = faulty.get("/api/quotes/AAPL")
    assert hit.status_code == 503
    assert hit.json()["error"]["code"] == "injected_fault"
    assert hit.headers["x-request-id"]  # still inside the request plumbing: logged and counted
    assert faulty.get("/api/quotes").status_code == 503
    assert faulty.get("/api/quotesX").status_code == 404  # a prefix of the path, not of the text
    assert faulty.get("/health").status_code == 200
    assert faulty.get("/api/test/faults").status_code == 200  # control routes are never faulted


def test_latency_fault_delays_then_answers_normally(faulty):
    faulty.post("/api/test/faults", json={"path": "/health", "latency_ms": 300})
    started = time.perf_counter()
    response = faulty.get("/health")
    elapsed = time.perf_counter() - started
    assert (response.status_code, response.json()) == (200, {"status": "ok"})
    assert elapsed >= 0.3


def test_crash_fault_raises_inside_the_app_which_answers_its_own_500(faulty):
    created = faulty.post("/api/test/faults", json={"path": "/api/instruments", "crash": True})
    fault = created.json()["routes"][0]
    assert (created.status_code, fault["status"], fault["crash"]) == (201, None, True)

    hit = faulty.get("/api/instruments", headers={"X-Request-ID": "crash-1"})
    assert (hit.status_code, hit.json()) == (
        500,
        {"error": {"code": "internal_error", "message": "Something went wrong."}},
    )
    assert hit.headers["x-request-id"] == "crash-1"
    assert faulty.get("/health").status_code == 200


def test_probability_draws_are_fixed_by_the_seed_and_replay_after_reset(make_settings):
    expected = [generator.random() < 0.5 for generator in [random.Random(7)] for _ in range(20)]
    with TestClient(create_app(make_settings(seed=7))) as client:
        client.post("/api/test/faults", json={"path": "/health", "status": 500, "probability": 0.5})
        first = [client.get("/health").status_code == 500 for _ in range(20)]
        client.post("/api/test/reset", json={})
        client.post("/api/test/faults", json={"path": "/health", "status": 500, "probability": 0.5})
        replay = [client.get("/health").status_code == 500 for _ in range(20)]
    assert first == expected
    assert replay == expected
    assert 0 < sum(first) < 20


def test_faults_end_after_their_duration():
    now = [100.0]
    faults = Faults(seed=1, now=lambda: now[0])
    faults.add_route("/api", status=500, latency_ms=0, probability=1.0, duration_s=60)
    faults.set_database_down(True, 30)
    faults.set_stream_down(True, None)
    faults.set_feed_down(True, 10)
    assert faults.pick("/api/me") is not None
    assert faults.feed_down()
    now[0] = 110.0
    assert not faults.feed_down()
    now[0] = 129.999
    assert faults.database_down()
    assert faults.describe()["routes"][0]["remaining_s"] == 30.001
    now[0] = 130.0
    assert not faults.database_down()
    assert faults.pick("/api/me") is not None
    now[0] = 160.0
    assert faults.pick("/api/me") is None
    assert faults.describe() == {
        "routes": [], "database_down": False, "stream_down": True, "feed_down": False,
        "feed_silent": False,
    }  # fmt: skip


def test_a_silent_feed_is_not_a_failing_one_and_ends_with_its_duration():
    now = [100.0]
    faults = Faults(seed=1, now=lambda: now[0])
    faults.set_feed_down(True, 10, silent=True)
    assert (faults.feed_down(), faults.feed_silent()) == (False, True)
    now[0] = 110.0
    assert (faults.feed_down(), faults.feed_silent()) == (False, False)
    faults.set_feed_down(True, None)  # down again, not silent: its ticks fail
    assert (faults.feed_down(), faults.feed_silent()) == (True, False)


def test_database_down_fails_ready_and_status_until_lifted(faulty):
    assert faulty.post("/api/test/faults/database", json={"down": True}).json()["database_down"] is True
    ready = faulty.get("/ready")
    assert ready.status_code == 503
    assert ready.json() == {
        "status": "unavailable",
        "database": "database unreachable (injected by test mode)",
    }
    assert faulty.get("/api/status").json()["database"] == "degraded"
    faulty.post("/api/test/faults/database", json={"down": False})
    assert faulty.get("/ready").json() == {"status": "ready", "database": "ok"}


def test_stopped_stream_drops_sockets_and_refuses_new_ones(faulty, trader):
    with trader.websocket() as ws:
        ws.send_json({"type": "ping"})
        ws.receive_json()
        assert faulty.post("/api/test/faults/stream", json={"down": True}).json()["stream_down"] is True
        with pytest.raises(WebSocketDisconnect) as dropped:
            ws.receive_json()
    assert dropped.value.code == 1012
    with pytest.raises(WebSocketDisconnect) as refused, trader.websocket():
        pass
    assert refused.value.code == 1013
    faulty.post("/api/test/faults/stream", json={"down": False})
    with trader.websocket() as ws:
        ws.send_json({"type": "ping"})
        assert ws.receive_json()["type"] == "pong"


def test_a_failing_feed_degrades_its_status_until_a_tick_succeeds(faulty):
    faulty.post("/api/test/feed", json={"running": False})  # only the steps below tick
    assert faulty.post("/api/test/faults/feed", json={"down": True}).json()["feed_down"] is True
    assert faulty.post("/api/test/feed", json={"steps": 2}).json()["steps"] == [None, None]
    faulty.post("/api/test/feed", json={"running": True})
    assert faulty.get("/api/status").json()["feed"] == "degraded"
    faulty.post("/api/test/faults/feed", json={"down": False})
    assert faulty.post("/api/test/feed", json={"steps": 1}).json()["steps"][0]  # it moved prices
    assert faulty.get("/api/status").json()["feed"] == "ok"


def test_reset_lifts_every_fault(faulty):
    faulty.post("/api/test/faults", json={"path": "/api/instruments", "status": 500})
    faulty.post("/api/test/faults/database", json={"down": True, "duration_s": 600})
    faulty.post("/api/test/faults/stream", json={"down": True})
    faulty.post("/api/test/faults/feed", json={"down": True})
    faulty.post("/api/test/reset", json={})
    assert faulty.get("/api/test/faults").json() == {
        "routes": [],
        "database_down": False,
        "stream_down": False,
        "feed_down": False,
        "feed_silent": False,
    }
    assert faulty.get("/api/instruments").status_code == 200
    assert faulty.get("/ready").status_code == 200


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"path": "api/quotes", "status": 500}, "path"),
        ({"path": "/api/test/users", "status": 500}, "path"),
        ({"path": "/api/quotes", "status": 700}, "status"),
        ({"path": "/api/quotes"}, "status"),
        ({"path": "/api/quotes", "status": 500, "probability": 1.5}, "probability"),
        ({"path": "/api/quotes", "latency_ms": -1}, "latency_ms"),
        ({"path": "/api/quotes", "status": 500, "duration_s": 0}, "duration_s"),
        ({"path": "/api/quotes", "crash": "yes"}, "crash"),
        ({"path": "/api/quotes", "status": 500, "crash": True}, "crash"),
    ],
    ids=[
        "relative-path",
        "control-path",
        "status-range",
        "nothing-to-do",
        "probability",
        "latency",
        "duration",
        "crash-not-a-bool",
        "crash-and-status",
    ],
)
def test_bad_fault_requests_name_the_field(faulty, body, field):
    response = faulty.post("/api/test/faults", json=body)
    assert response.status_code == 422
    assert field in response.json()["error"]["message"]
    assert faulty.get("/api/test/faults").json()["routes"] == []


def test_no_fault_injection_without_test_mode(make_settings):
    app = create_app(make_settings(test_mode=False))
    assert app.state.pt.faults is None
    assert not [m for m in app.user_middleware if m.cls is FaultMiddleware]
    with TestClient(app) as client:
        for method, path in [
            ("post", "/api/test/faults"),
            ("get", "/api/test/faults"),
            ("delete", "/api/test/faults"),
            ("post", "/api/test/faults/database"),
            ("post", "/api/test/faults/stream"),
            ("post", "/api/test/faults/feed"),
            ("post", "/api/test/feed"),
        ]:
            assert client.request(method, path, json={"down": True}).status_code == 404, path
