"""The verdict to a Slack-compatible webhook. A dead or slow webhook costs at most DEADLINE_S
seconds and one line on the console; it never changes the exit code.

The webhook URL is a secret (Slack's carries its token), so only its host is ever printed.
"""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from urllib.parse import urlsplit

ENV_VARIABLE = "TRADECHECK_WEBHOOK_URL"
MAX_FAILURES_LISTED = 10
UNAFFECTED = "the run's verdict and exit code are unaffected"


@dataclass(frozen=True)
class Policy:
    timeout_s: float = 5.0  # each attempt
    attempts: int = 3
    backoff_s: float = 1.0  # before the 2nd attempt; doubles after
    deadline_s: float = 20.0  # all attempts together, whatever the server does


def message(signoff: dict, report_location: str) -> dict:
    go = signoff["verdict"] == "GO"
    t = signoff["tests"]
    headline = f"{'✅' if go else '❌'} TradeCheck {signoff['profile']}: {signoff['verdict']}"
    summary = (
        f"{t['total']} tests: {t['passed']} passed, {t['failed'] + t['error']} failed, "
        f"{t['skipped']} skipped, "
        f"{t['flaky']} flaky · browsers {', '.join(signoff['browsers'])}"
    )
    gate_lines = [
        f"{'❌' if g['result'] == 'fail' else '✅'} {g['title']}: {g['display']} "
        f"({g['comparison']} {g['threshold']:g}{' ' + g['unit'] if g['unit'] else ''})"
        for g in signoff["gates"]
        if g["enforced"]
    ]
    failures = [
        f"• `{f['nodeid']}` — {f.get('category', f['outcome'])}"
        for f in signoff["failures"][:MAX_FAILURES_LISTED]
    ]
    if len(signoff["failures"]) > MAX_FAILURES_LISTED:
        failures.append(f"… and {len(signoff['failures']) - MAX_FAILURES_LISTED} more")
    blocks = [
        {"type": "header", "text": {"type": "plain_text", "text": headline[:150]}},
        {"type": "section", "text": {"type": "mrkdwn", "text": summary}},
        {"type": "section", "text": {"type": "mrkdwn", "text": "*Gates*\n" + "\n".join(gate_lines)[:2900]}},
    ]
    if failures:
        blocks.append(
            {
                "type": "section",
                "text": {"type": "mrkdwn", "text": "*Failures*\n" + "\n".join(failures)[:2900]},
            }
        )
    blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": f"Report: {report_location}"}]})
    text = f"{headline} — {summary}. Report: {report_location}"
    return {"text": text, "blocks": blocks}


def send(url: str, payload: dict, policy: Policy = Policy()) -> str:
    """POST the payload; returns the one line to print. Never raises, never outlasts the deadline."""
    host = urlsplit(url).netloc.rpartition("@")[2] or "?"
    outcome: list[str] = []
    worker = threading.Thread(
        target=lambda: outcome.append(_post_with_retries(url, payload, policy)), daemon=True
    )
    started = time.monotonic()
    worker.start()
    worker.join(policy.deadline_s)
    if worker.is_alive():
        return f"notify: webhook at {host} gave up after {policy.deadline_s:g} s (no answer); {UNAFFECTED}"
    result = outcome[0] if outcome else "unexpected error"
    if result == "ok":
        return f"notify: posted the verdict to the webhook at {host}"
    elapsed = time.monotonic() - started
    return f"notify: webhook at {host} failed ({result}) after {elapsed:.1f} s; {UNAFFECTED}"


def _post_with_retries(url: str, payload: dict, policy: Policy) -> str:
    body = json.dumps(payload).encode("utf-8")
    reason = "not attempted"
    for attempt in range(policy.attempts):
        if attempt:
            time.sleep(policy.backoff_s * 2 ** (attempt - 1))
        try:
            request = urllib.request.Request(
                url, data=body, method="POST", headers={"Content-Type": "application/json"}
            )
            with urllib.request.urlopen(request, timeout=policy.timeout_s) as response:
                response.read(1024)
            return "ok"
        except urllib.error.HTTPError as exc:
            reason = f"HTTP {exc.code}"
            if exc.code < 500 and exc.code != 429:
                return f"{reason}, not retried"
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            reason = _describe(exc)
        except ValueError as exc:  # a malformed URL
            return f"bad URL: {exc}"
        except Exception as exc:  # whatever goes wrong here, the run goes on
            return f"{exc.__class__.__name__}: {exc}"
    return f"{reason}; {policy.attempts} attempts"


def _describe(exc: Exception) -> str:
    inner = getattr(exc, "reason", exc)
    if isinstance(inner, TimeoutError) or "timed out" in str(inner):
        return "timed out"
    return str(inner) or inner.__class__.__name__
