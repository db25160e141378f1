"""The webhook: a dead, failing or slow one costs bounded time and one line, never the verdict."""

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from tradecheck_builders import closed_port, result_record

from ci import notify
from ci.notify import Policy

pytestmark = pytest.mark.unit

FAST = Policy(timeout_s=0.5, attempts=3, backoff_s=0.05, deadline_s=5)
SECRET_PATH = "/services/T000/B000/SECRETTOKEN"


@pytest.fixture
def webhook():
    """A local webhook on 127.0.0.1 whose answer the test chooses: a status, or a delay."""
    received = []
    behaviour = {"status": 200, "delay": 0.0}

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append(json.loads(body))
            time.sleep(behaviour["delay"])
            self.send_response(behaviour["status"])
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args):
            pass

    class QuietServer(ThreadingHTTPServer):
        daemon_threads = True

        def handle_error(self, request, client_address):
            pass  # the client gave up on a slow answer: that is the point of those tests

    server = QuietServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}{SECRET_PATH}", behaviour, received
    server.shutdown()
    server.server_close()


@pytest.fixture
def signoff_data():
    return {
        "verdict": "NO-GO",
        "profile": "nightly",
        "browsers": ["chromium", "firefox"],
        "tests": {"total": 10, "passed": 8, "failed": 1, "error": 1, "skipped": 0, "flaky": 1},
        "gates": [
            {
                "name": "failures",
                "title": "Tests failed after retries",
                "display": "2",
                "threshold": 0,
                "comparison": "<=",
                "unit": "",
                "enforced": True,
                "result": "fail",
            },
            {
                "name": "p95_ms",
                "title": "p95 response time",
                "display": "120 ms",
                "threshold": 500,
                "comparison": "<",
                "unit": "ms",
                "enforced": True,
                "result": "pass",
            },
        ],
        "failures": [
            {
                **result_record("scenarios/test_orders.py::test_limit_order[firefox]", "failed"),
                "category": "Product defects: an expectation failed",
            }
        ],
    }


def timed(call):
    started = time.monotonic()
    line = call()
    return line, time.monotonic() - started


def test_the_verdict_is_posted_as_slack_text_and_blocks(webhook, signoff_data):
    url, _, received = webhook
    line = notify.send(url, notify.message(signoff_data, "https://ci.example/run/1"), FAST)
    assert line == "notify: posted the verdict to the webhook at 127.0.0.1:" + url.split(":")[2].split("/")[0]
    [payload] = received
    assert payload["text"].startswith("❌ TradeCheck nightly: NO-GO")
    assert "https://ci.example/run/1" in payload["text"]
    assert payload["blocks"][0]["type"] == "header"
    blocks_text = json.dumps(payload["blocks"], ensure_ascii=False)
    assert "test_limit_order[firefox]" in blocks_text
    assert "Tests failed after retries: 2 (<= 0)" in blocks_text


def test_a_failing_webhook_is_retried_a_bounded_number_of_times(webhook, signoff_data):
    url, behaviour, received = webhook
    behaviour["status"] = 500
    line, elapsed = timed(lambda: notify.send(url, notify.message(signoff_data, "r"), FAST))
    assert len(received) == 3
    assert "failed (HTTP 500; 3 attempts)" in line
    assert elapsed < 3
    assert "SECRETTOKEN" not in line


def test_a_client_error_is_not_retried(webhook, signoff_data):
    url, behaviour, received = webhook
    behaviour["status"] = 404
    line = notify.send(url, notify.message(signoff_data, "r"), FAST)
    assert len(received) == 1
    assert "failed (HTTP 404, not retried)" in line


def test_a_closed_port_is_one_line_and_quick(signoff_data):
    port = closed_port()
    line, elapsed = timed(lambda: notify.send(f"http://127.0.0.1:{port}{SECRET_PATH}", {"text": "x"}, FAST))
    assert line.startswith(f"notify: webhook at 127.0.0.1:{port} failed (")
    assert "3 attempts" in line
    assert "\n" not in line
    assert "SECRETTOKEN" not in line
    assert elapsed < 3


def test_a_slow_webhook_times_out_per_attempt(webhook):
    url, behaviour, _ = webhook
    behaviour["delay"] = 3
    line, elapsed = timed(
        lambda: notify.send(url, {"text": "x"}, Policy(timeout_s=0.3, attempts=2, backoff_s=0.05))
    )
    assert "failed (timed out; 2 attempts)" in line
    assert elapsed < 2


def test_the_deadline_bounds_every_attempt_together(webhook):
    url, behaviour, _ = webhook
    behaviour["delay"] = 5
    line, elapsed = timed(
        lambda: notify.send(url, {"text": "x"}, Policy(timeout_s=10, attempts=3, deadline_s=0.5))
    )
    assert line.startswith("notify: webhook at 127.0.0.1:")
    assert "gave up after 0.5 s" in line
    assert elapsed < 1.5


def test_a_malformed_url_is_one_line():
    line = notify.send("notaurl", {"text": "x"}, FAST)
    assert line.startswith("notify: webhook at ? failed (bad URL")
