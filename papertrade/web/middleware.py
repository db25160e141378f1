"""Per-request plumbing as pure ASGI: request id, body-size limit, security headers, metrics,
the Server-Timing header and one JSON access-log line per request."""

from __future__ import annotations

import json
import logging
import re
import time
import uuid
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from papertrade.db import QueryStats, measure_queries
from papertrade.metrics import Metrics

access_log = logging.getLogger("papertrade.access")
error_log = logging.getLogger("papertrade.error")

REQUEST_ID_HEADER = b"x-request-id"
VALID_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:\-]{1,128}$")
SECURITY_HEADERS = (
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
    (
        b"content-security-policy",
        b"default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
        b"connect-src 'self' ws: wss:; frame-ancestors 'none'; base-uri 'self'; form-action 'self'",
    ),
)


def server_timing(stats: QueryStats) -> bytes:
    """The database work so far as a Server-Timing value: `db` the time in statements (ms),
    `dbq` the number of statements (a count in the `dur` slot, the one numeric field the
    standard has, so browsers' developer tools show it too)."""
    return f'db;desc="database";dur={stats.seconds * 1000:.3f}, dbq;desc="queries";dur={stats.count}'.encode()


class _BodyTooLarge(Exception):
    pass


def _json_bytes(status: int, code: str, message: str) -> bytes:
    return json.dumps({"error": {"code": code, "message": message}}).encode()


class RequestContextMiddleware:
    def __init__(
        self, app: ASGIApp, metrics: Metrics, max_body_bytes: int, server_timing: bool = False
    ) -> None:
        self.app = app
        self.metrics = metrics
        self.max_body_bytes = max_body_bytes
        self.server_timing = server_timing

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        with measure_queries() as stats:
            await self._http(scope, receive, send, stats)

    async def _http(self, scope: Scope, receive: Receive, send: Send, stats: QueryStats) -> None:
        started = time.perf_counter()
        headers = dict(scope.get("headers") or [])
        incoming = headers.get(REQUEST_ID_HEADER, b"").decode("latin-1")
        request_id = incoming if VALID_REQUEST_ID.match(incoming) else uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id
        state: dict[str, Any] = {"status": 500, "started": False}

        async def send_wrapper(message: Message) -> None:
            if message["type"] == "http.response.start":
                state["started"] = True
                state["status"] = message["status"]
                response_headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in response_headers}
                response_headers.append((REQUEST_ID_HEADER, request_id.encode()))
                response_headers.extend(item for item in SECURITY_HEADERS if item[0] not in present)
                if b"cache-control" not in present:
                    response_headers.append((b"cache-control", b"no-store"))
                if self.server_timing:
                    response_headers.append((b"server-timing", server_timing(stats)))
                message = {**message, "headers": response_headers}
            await send(message)

        received = 0

        async def receive_wrapper() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body_bytes:
                    raise _BodyTooLarge()
            return message

        try:
            declared = int(headers.get(b"content-length", b"0") or 0)
        except ValueError:
            declared = 0
        try:
            if declared > self.max_body_bytes:
                raise _BodyTooLarge()
            await self.app(scope, receive_wrapper, send_wrapper)
        except _BodyTooLarge:
            if not state["started"]:
                await self._send_error(
                    send_wrapper, 413, "payload_too_large", "The request body is too large."
                )
        except Exception:
            error_log.exception("unhandled error", extra={"request_id": request_id})
            if not state["started"]:
                await self._send_error(send_wrapper, 500, "internal_error", "Something went wrong.")
        finally:
            self._record(scope, state["status"], started, request_id)

    @staticmethod
    async def _send_error(send: Send, status: int, code: str, message: str) -> None:
        body = _json_bytes(status, code, message)
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})

    def _record(self, scope: Scope, status: int, started: float, request_id: str) -> None:
        duration = time.perf_counter() - started
        route_obj = scope.get("route")
        route = getattr(route_obj, "path", None) or "unmatched"
        method = scope.get("method", "")
        self.metrics.http_requests.labels(method=method, route=route, status=str(status)).inc()
        self.metrics.http_duration.labels(method=method, route=route).observe(duration)
        client = scope.get("client")
        access_log.info(
            "request",
            extra={
                "access": {
                    "request_id": request_id,
                    "method": method,
                    "path": scope.get("path", ""),
                    "route": route,
                    "status": status,
                    "duration_ms": round(duration * 1000, 2),
                    "client": f"{client[0]}:{client[1]}" if client else None,
                }
            },
        )


class JsonFormatter(logging.Formatter):
    """One JSON object a line: ts, level, then the access fields or the message."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
        }
        access = getattr(record, "access", None)
        if access is not None:
            entry.update(access)
        else:
            entry["logger"] = record.name
            entry["message"] = record.getMessage()
            if getattr(record, "request_id", None):
                entry["request_id"] = record.request_id
            if record.exc_info:
                entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry)
