"""Waiting on a condition outside the browser (a log line, an API answer), where Playwright's
auto-waiting `expect` cannot reach: probe again every POLL_S until the condition holds or the
deadline passes, then hand back the last value so the caller's assertion shows what was seen."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

POLL_S = 0.05  # between two probes

T = TypeVar("T")


def poll(probe: Callable[[], T], done: Callable[[T], bool], *, timeout_s: float) -> T:
    """probe() until done(its value) or `timeout_s` has passed; the last value either way."""
    deadline = time.monotonic() + timeout_s
    while True:
        value = probe()
        if done(value) or time.monotonic() >= deadline:
            return value
        time.sleep(POLL_S)
