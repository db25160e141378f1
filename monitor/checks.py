"""API checks and the retry runner.

A check is a function `(Probe) -> None` that raises `CheckFailed(step, error)` naming the step
that failed; each request carries an `X-Request-Id` of ours, so a failure names the id to look up
in the target's log. The runner retries a failed attempt after the configured waits and grades a
passed one `degraded` when it took longer than the check's threshold.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import requests
from websockets.exceptions import InvalidStatus, WebSocketException
from websockets.sync.client import connect

from monitor.config import Check
from monitor.store import DEGRADED, DOWN, UP, Result

USER_AGENT = "tradecheck-monitor"


class CheckFailed(Exception):
    def __init__(
        self, step: str, error: str, request_id: str | None = None, artifacts: str | None = None
    ) -> None:
        super().__init__(f"{step}: {error}")
        self.step = step
        self.error = error
        self.request_id = request_id
        self.artifacts = artifacts  # a browser check's folder with its screenshot and trace


@dataclass(frozen=True)
class Credentials:
    username: str
    password: str


CredentialSource = Callable[[], Credentials]  # may raise CheckFailed (e.g. the account cannot be made)


class Probe:
    """What one attempt of a check talks through: the target, a deadline, fresh cookies."""

    def __init__(self, base_url: str, check: Check, credentials: CredentialSource | None) -> None:
        self.base_url = base_url
        self.check = check
        self.credentials = credentials
        self.deadline = time.monotonic() + check.timeout_s
        self.session = requests.Session()
        self.session.headers["User-Agent"] = USER_AGENT
        self.request_id: str | None = None

    def remaining(self, step: str) -> float:
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise CheckFailed(step, f"timed out after {self.check.timeout_s:g} s", self.request_id)
        return left

    def request(self, step: str, method: str, path: str, *, expect: int = 200, **kwargs: Any) -> Any:
        """The parsed JSON answer of a request that must answer `expect`."""
        self.request_id = f"mon-{uuid.uuid4().hex[:16]}"
        headers = {"X-Request-Id": self.request_id, **kwargs.pop("headers", {})}
        try:
            response = self.session.request(
                method, self.base_url + path, headers=headers, timeout=self.remaining(step), **kwargs
            )
        except requests.Timeout:
            raise CheckFailed(step, f"timed out after {self.check.timeout_s:g} s", self.request_id) from None
        except requests.RequestException as exc:
            raise CheckFailed(step, _first_line(exc), self.request_id) from None
        if response.status_code != expect:
            raise CheckFailed(step, f"HTTP {response.status_code}: {_body_hint(response)}", self.request_id)
        try:
            return response.json()
        except ValueError:
            raise CheckFailed(step, "the answer is not JSON", self.request_id) from None

    def sign_in(self) -> dict[str, Any]:
        if self.credentials is None:
            raise CheckFailed("sign in", "no credentials for this target")
        credentials = self.credentials()
        return self.request(
            "sign in",
            "POST",
            "/api/auth/login",
            json={"username": credentials.username, "password": credentials.password},
        )

    def close(self) -> None:
        self.session.close()


def _first_line(exc: BaseException) -> str:
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return text[:300]


def _body_hint(response: requests.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.text[:120].replace("\n", " ") or "(empty)"
    error = body.get("error") if isinstance(body, dict) else None
    if isinstance(error, dict):
        return f"{error.get('code')}: {error.get('message')}"[:300]
    return json.dumps(body)[:300]


def check_health(probe: Probe) -> None:
    body = probe.request("GET /health", "GET", "/health")
    if body.get("status") != "ok":
        raise CheckFailed("GET /health", f"status is {body.get('status')!r}", probe.request_id)


def check_ready(probe: Probe) -> None:
    body = probe.request("GET /ready", "GET", "/ready")
    if body.get("status") != "ready":
        raise CheckFailed("GET /ready", f"status is {body.get('status')!r}", probe.request_id)


def check_login_portfolio(probe: Probe) -> None:
    probe.sign_in()
    portfolio = probe.request("GET /api/portfolio", "GET", "/api/portfolio")
    if "cash" not in portfolio:
        raise CheckFailed("GET /api/portfolio", "no cash in the portfolio", probe.request_id)


def check_quotes(probe: Probe) -> None:
    symbol = probe.check.symbol
    quote = probe.request(f"GET /api/quotes/{symbol}", "GET", f"/api/quotes/{symbol}")
    if not quote.get("bid") or not quote.get("ask"):
        raise CheckFailed(f"GET /api/quotes/{symbol}", "no bid or ask", probe.request_id)


def check_stream(probe: Probe) -> None:
    probe.sign_in()
    cookie = "; ".join(f"{name}={value}" for name, value in probe.session.cookies.items())
    ws_url = "ws" + probe.base_url.removeprefix("http") + "/ws"
    symbol = probe.check.symbol
    step = "open /ws"
    try:
        with connect(
            ws_url,
            additional_headers={"Cookie": cookie, "User-Agent": USER_AGENT},
            open_timeout=probe.remaining(step),
            close_timeout=1,
        ) as socket:
            step = "subscribe"
            socket.send(json.dumps({"type": "subscribe", "symbols": [symbol]}))
            while True:
                message = json.loads(socket.recv(timeout=probe.remaining(step)))
                if message.get("type") == "subscribed":
                    break
            if message.get("symbols") != [symbol]:
                raise CheckFailed(step, f"subscribed to {message.get('symbols')!r}, not [{symbol!r}]")
    except TimeoutError:
        raise CheckFailed(step, f"timed out after {probe.check.timeout_s:g} s") from None
    except InvalidStatus as exc:
        raise CheckFailed(step, f"handshake refused: HTTP {exc.response.status_code}") from None
    except (WebSocketException, OSError) as exc:
        code = getattr(getattr(exc, "rcvd", None), "code", None)
        raise CheckFailed(step, f"closed with {code}" if code else _first_line(exc)) from None


CHECKS: dict[str, Callable[[Probe], None]] = {
    "health": check_health,
    "ready": check_ready,
    "login_portfolio": check_login_portfolio,
    "quotes": check_quotes,
    "stream": check_stream,
}
NEEDS_CREDENTIALS = ("login_portfolio", "stream", "browser")  # browser: journey_account


class Interrupted(Exception):
    """Stop was asked for while waiting to retry: the check did not finish and leaves no result."""


@dataclass
class Runner:
    base_url: str
    location: str
    target: str
    credentials: CredentialSource | None
    stop: threading.Event
    clock: Callable[[], float] = time.perf_counter
    # kind -> function; a function may return the duration (ms) to grade instead of the wall time
    checks: Mapping[str, Callable[[Probe], float | None]] | None = None

    def run(self, check: Check) -> Result:
        """One check with its retries; raises Interrupted when stopped during a retry wait."""
        started_at = datetime.now(UTC).replace(tzinfo=None)
        waits = check.retry.delays()
        attempt = 0
        while True:
            attempt += 1
            failure, elapsed_ms = self._attempt(check)
            if failure is None:
                status = DEGRADED if elapsed_ms > check.degraded_ms else UP
                return Result(check.name, self.location, self.target, started_at, elapsed_ms, status, attempt)
            if attempt > len(waits):
                return Result(
                    check.name, self.location, self.target, started_at, elapsed_ms, DOWN, attempt,
                    failure.step, failure.error, failure.request_id, failure.artifacts,
                )  # fmt: skip
            if self.stop.wait(waits[attempt - 1]):
                raise Interrupted()

    def _attempt(self, check: Check) -> tuple[CheckFailed | None, float]:
        function = (self.checks or CHECKS)[check.kind]
        probe = Probe(self.base_url, check, self.credentials)
        begin = self.clock()
        measured = None
        try:
            measured = function(probe)
            failure = None
        except CheckFailed as exc:
            failure = exc
        except Exception as exc:  # a bug in a check must not end the monitor: it is a failure
            failure = CheckFailed("check", f"{type(exc).__name__}: {_first_line(exc)}", probe.request_id)
        finally:
            probe.close()
        wall_ms = round((self.clock() - begin) * 1000, 3)
        return failure, measured if failure is None and measured is not None else wall_ms
