"""Test mode under coverage: record which test each request came from, as coverage.py contexts.

The harness tags every request with the id of the test that sends it (header `X-TradeCheck-Test`,
percent-encoded pytest node id). When PaperTrade runs in test mode under `coverage run`, this
middleware switches coverage.py's dynamic context to that id, so the coverage data answers "which
tests executed this line" (`tradecheck mutate` runs only those tests against a mutant of it).

Why a global switch is right here although the app interleaves requests on one event loop: the
coverage context is process-wide, so two tests sending requests at the same moment would blur
each other. That does not happen: the harness starts one app per xdist worker, and a worker runs
one test at a time, so every request an app sees between two switches comes from the same test.
Work that is not a request (the price feed, a WebSocket still pushing after its test ended) is
recorded under the test that was running then, which is the test that could observe it. Lines
run at start-up (imports, module constants) carry the empty context.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote

from starlette.types import ASGIApp, Receive, Scope, Send

TEST_ID_HEADER = b"x-tradecheck-test"


def running_coverage() -> Any | None:
    """The Coverage object measuring this process (`coverage run`), or None."""
    try:
        import coverage
    except ImportError:  # coverage is a harness dependency, not one of the app's
        return None
    return coverage.Coverage.current()


class CoverageContextMiddleware:
    """Switch coverage.py's dynamic context to the test id of each HTTP or WebSocket request."""

    def __init__(self, app: ASGIApp, cov: Any) -> None:
        self.app = app
        self.cov = cov
        self.current: str | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket"):
            for name, value in scope.get("headers") or ():
                if name == TEST_ID_HEADER:
                    self._switch(unquote(value.decode("latin-1")))
                    break
        await self.app(scope, receive, send)

    def _switch(self, test_id: str) -> None:
        if test_id and test_id != self.current:
            self.cov.switch_context(test_id)
            self.current = test_id


def install(app: Any) -> None:
    """Add the middleware when this process is measured by coverage; otherwise do nothing."""
    cov = running_coverage()
    if cov is not None:
        app.add_middleware(CoverageContextMiddleware, cov=cov)
