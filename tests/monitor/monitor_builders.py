"""Results made to order for the monitor's self-tests."""

from __future__ import annotations

from datetime import datetime, timedelta

from monitor.store import Result

T0 = datetime(2026, 11, 30, 12, 0, 0)


def make_result(
    check: str = "health",
    status: str = "up",
    at: datetime = T0,
    *,
    ms: float = 10.0,
    location: str = "local",
    attempts: int = 1,
    error: str | None = None,
) -> Result:
    failed = status == "down"
    return Result(
        check=check,
        location=location,
        target="local",
        started_at=at,
        duration_ms=ms,
        status=status,
        attempts=attempts,
        step=f"GET /{check}" if failed else None,
        error=(error or "HTTP 503: injected_fault") if failed else None,
        request_id=f"mon-{check}-{at:%H%M%S}" if failed else None,
    )


def seconds(n: float) -> timedelta:
    return timedelta(seconds=n)
