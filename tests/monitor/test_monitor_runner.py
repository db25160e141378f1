"""The retry runner with stand-in checks: waits by strategy, degraded grading, interruption."""

from __future__ import annotations

import itertools

import pytest

from monitor.checks import CheckFailed, Interrupted, Runner
from monitor.config import Check, Retry
from monitor.store import DEGRADED, DOWN, UP

pytestmark = pytest.mark.unit


class Stop:
    """Stands in for threading.Event: records the waits instead of waiting."""

    def __init__(self, interrupt_at: int | None = None) -> None:
        self.waits: list[float] = []
        self.interrupt_at = interrupt_at

    def wait(self, seconds: float) -> bool:
        self.waits.append(seconds)
        return self.interrupt_at is not None and len(self.waits) >= self.interrupt_at

    def is_set(self) -> bool:
        return False


def flaky(failures: int):
    """A check that fails `failures` times, then passes."""
    calls = itertools.count(1)

    def check(probe) -> None:
        if next(calls) <= failures:
            raise CheckFailed("GET /health", "HTTP 503: injected_fault", "mon-1")

    return check


def run(check_function, *, retry: Retry, stop: Stop, attempt_ms: float = 20.0):
    ticks = itertools.count(0)
    runner = Runner(
        "http://127.0.0.1:9",
        "eu-west",
        "staging",
        None,
        stop,  # type: ignore[arg-type]
        clock=lambda: next(ticks) * attempt_ms / 1000,
        checks={"health": check_function},
    )
    check = Check("health", "health", interval_s=30, timeout_s=5, degraded_ms=100, retry=retry)
    return runner.run(check)


@pytest.mark.parametrize(
    ("strategy", "waits"),
    [("fixed", [1.5, 1.5]), ("linear", [1.5, 3.0]), ("exponential", [1.5, 3.0])],
    ids=["fixed", "linear", "exponential"],
)
def test_a_check_passing_on_its_third_attempt_counts_as_up(strategy, waits):
    stop = Stop()
    result = run(flaky(2), retry=Retry(strategy, attempts=3, delay_s=1.5), stop=stop)
    assert (result.status, result.attempts, result.duration_ms, result.error) == (UP, 3, 20.0, None)
    assert stop.waits == waits


def test_a_failure_after_every_attempt_is_down_with_its_step_error_and_request_id():
    stop = Stop()
    result = run(flaky(10), retry=Retry("exponential", attempts=4, delay_s=1.0), stop=stop)
    assert (result.status, result.attempts) == (DOWN, 4)
    assert (result.step, result.error, result.request_id) == (
        "GET /health",
        "HTTP 503: injected_fault",
        "mon-1",
    )
    assert (result.location, result.target) == ("eu-west", "staging")
    assert stop.waits == [1.0, 2.0, 4.0]


def test_a_correct_but_slow_answer_is_degraded():
    assert run(flaky(0), retry=Retry(), stop=Stop(), attempt_ms=100.5).status == DEGRADED
    assert run(flaky(0), retry=Retry(), stop=Stop(), attempt_ms=100.0).status == UP


def test_a_bug_in_a_check_is_a_failure_not_a_crash():
    def broken(probe) -> None:
        raise KeyError("cash")

    result = run(broken, retry=Retry(attempts=1), stop=Stop())
    assert (result.status, result.step, result.error) == (DOWN, "check", "KeyError: 'cash'")


def test_stop_during_a_retry_wait_leaves_no_result():
    with pytest.raises(Interrupted):
        run(flaky(5), retry=Retry(attempts=3), stop=Stop(interrupt_at=1))
