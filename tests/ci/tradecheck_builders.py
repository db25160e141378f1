"""Synthetic records for the CI wrapper's self-tests, in the shapes the harness and
ci.pytest_results write."""

from __future__ import annotations

import socket


def result_record(
    nodeid: str, outcome: str = "passed", browser: str | None = "chromium", flows=(), **extra
) -> dict:
    return {
        "kind": "test",
        "nodeid": nodeid,
        "flows": list(flows),
        "browser": browser,
        "outcome": outcome,
        "attempts": 1,
        "flaky": False,
        "duration": 0.1,
        **extra,
    }


def traffic_record(nodeid: str, duration_ms: float | None = 20.0, status: int | None = 200, **extra) -> dict:
    return {
        "nodeid": nodeid,
        "browser": "chromium",
        "method": "GET",
        "url": "http://127.0.0.1:8000/api/quotes",
        "path": "/api/quotes",
        "status": status,
        "failure": None,
        "duration_ms": duration_ms,
        "provoked": False,
        **extra,
    }


def closed_port() -> int:
    """A port on 127.0.0.1 that nothing listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
