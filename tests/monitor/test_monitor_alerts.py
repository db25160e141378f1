"""The alert state machine over a real store: one message per state change, reminders, a dead
webhook retried, incidents opened at the first failure and closed at the first success."""

from __future__ import annotations

from dataclasses import replace

import pytest
from monitor_builders import T0, make_result, seconds

from monitor.alerts import AlertEngine, check_state
from monitor.config import Alerts, BurnRule
from monitor.store import DEGRADED, DOWN, UP

pytestmark = pytest.mark.unit
RULES = Alerts(down_after=2, degraded_after=3, reminder_s=1800)


class Webhook:
    """Stands in for ci.notify.send: records payloads; `dead` makes it fail like notify does."""

    def __init__(self) -> None:
        self.payloads: list[dict] = []
        self.dead = False

    def __call__(self, url, payload, policy) -> str:
        if self.dead:
            return "notify: webhook at hooks.example failed (HTTP 503; 2 attempts) after 1.0 s"
        self.payloads.append(payload)
        return "notify: posted the verdict to the webhook at hooks.example"

    def kinds(self) -> list[str]:
        return [p["text"].split(":")[0].split(" ", 1)[1] for p in self.payloads]


@pytest.fixture
def config(config):
    """Without the burn-rate rules: these tests are about the state changes."""
    return replace(config, alerts=replace(config.alerts, burn_rules=()))


@pytest.fixture
def webhook():
    return Webhook()


@pytest.fixture
def engine(store, config, webhook):
    lines: list[str] = []
    made = AlertEngine(
        store, config, "local", "https://hooks.example/T000/secret", send=webhook, log=lines.append
    )
    made.lines = lines  # type: ignore[attr-defined]
    return made


def feed(store, engine, config, statuses, start=T0, step=30):
    """Both checks of `config` report `statuses` in turn, one cycle each; returns the alerts."""
    alerts = []
    for n, status in enumerate(statuses):
        at = start + seconds(n * step)
        for check in config.checks:
            store.add(make_result(check.name, status, at))
        alerts += engine.evaluate(config.checks, at + seconds(1))
    return alerts


@pytest.mark.parametrize(
    ("previous", "statuses", "expected"),
    [
        (None, [DOWN], UP),
        (None, [DOWN, DOWN], DOWN),
        (UP, [UP, DOWN], UP),
        (DOWN, [DOWN, DOWN], DOWN),
        (DOWN, [DOWN, UP], UP),
        (DOWN, [DOWN, DEGRADED], UP),
        (UP, [DEGRADED, DEGRADED], UP),
        (UP, [DEGRADED, DEGRADED, DEGRADED], DEGRADED),
        (DEGRADED, [UP, DEGRADED], DEGRADED),
        (DEGRADED, [DEGRADED, DOWN], DEGRADED),
        (DEGRADED, [DEGRADED, UP], UP),
    ],
    ids=[
        "one-failure-is-not-down", "two-failures-are-down", "failure-after-up", "stays-down",
        "first-pass-recovers", "slow-pass-recovers", "two-slow-are-not-degraded", "three-slow-are-degraded",
        "stays-degraded", "one-failure-keeps-degraded", "fast-again",
    ],
)  # fmt: skip
def test_check_state(previous, statuses, expected):
    recent = [make_result("health", s, T0 + seconds(30 * n)) for n, s in enumerate(statuses)]
    assert check_state(previous, recent, RULES) == expected


def test_an_outage_sends_exactly_one_down_and_one_recovered(store, engine, config, webhook):
    feed(store, engine, config, [UP, UP, DOWN, DOWN, DOWN, DOWN, UP, UP])
    assert webhook.kinds() == ["DOWN", "RECOVERED"]
    down = webhook.payloads[0]["text"]
    assert down.startswith("🔴 DOWN: local at local: health, ready\n")
    assert (
        "• `health` failed at step `GET /health`: HTTP 503: injected_fault (request id mon-health-120130;"
        in down
    )
    assert (
        webhook.payloads[1]["text"]
        == "✅ RECOVERED: local at local is back up (down since the alert 90s ago)"
    )


def test_a_failed_browser_check_names_its_screenshot_and_trace_folder(store, engine, config, webhook):
    journeys = replace(config.checks[0], name="journeys", kind="browser")
    config = replace(config, checks=(journeys,))
    for n in range(2):
        failed = make_result("journeys", DOWN, T0 + seconds(30 * n))
        store.add(replace(failed, step="test_x[chromium]", request_id=None, artifacts="/srv/monitor/j/1"))
        engine.evaluate(config.checks, T0 + seconds(30 * n + 1))
    assert (
        "• `journeys` failed at step `test_x[chromium]`: HTTP 503: injected_fault "
        "(request id -; screenshot and trace in /srv/monitor/j/1)" in webhook.payloads[0]["text"]
    )
    assert store.incidents(T0)[0].artifacts == "/srv/monitor/j/1"


def test_a_single_failure_below_the_rule_sends_nothing(store, engine, config, webhook):
    feed(store, engine, config, [UP, DOWN, UP, DOWN, UP])
    assert webhook.payloads == []


def test_a_reminder_every_interval_while_still_down(store, engine, config, webhook):
    # 2 failures at 12:00:00 and 12:10:00 (down), then down every 10 minutes until 13:10
    feed(store, engine, config, [DOWN] * 8, step=600)
    assert webhook.kinds() == ["DOWN", "REMINDER", "REMINDER"]
    assert webhook.payloads[1]["text"].startswith(
        "🔴 REMINDER: local at local still down for 30m: health, ready"
    )


def test_slow_answers_send_degraded_then_recovered(store, engine, config, webhook):
    feed(store, engine, config, [DEGRADED, DEGRADED, DEGRADED, DEGRADED, UP])
    assert webhook.kinds() == ["DEGRADED", "RECOVERED"]
    assert (
        webhook.payloads[0]["text"] == "🟠 DEGRADED: local at local: health, ready slower than the threshold"
    )


def test_a_dead_webhook_is_retried_next_cycle_and_never_raises(store, engine, config, webhook):
    webhook.dead = True
    feed(store, engine, config, [UP, DOWN, DOWN])
    assert webhook.payloads == []
    assert engine.lines[-1] == "monitor: alert (down) not delivered to hooks.example; retried next cycle"
    assert "secret" not in "\n".join(engine.lines)
    feed(store, engine, config, [DOWN], start=T0 + seconds(90))  # still dead: still pending
    webhook.dead = False
    feed(store, engine, config, [DOWN], start=T0 + seconds(120))
    assert webhook.kinds() == ["DOWN"]
    feed(store, engine, config, [DOWN], start=T0 + seconds(150))
    assert webhook.kinds() == ["DOWN"]  # delivered once, not again


def test_incidents_run_from_the_first_failure_to_the_first_success(store, engine, config):
    feed(store, engine, config, [UP, DOWN, DOWN, DOWN, UP])
    incidents = {i.check: i for i in store.incidents(T0 - seconds(3600))}
    health = incidents["health"]
    assert (health.started_at, health.ended_at) == (T0 + seconds(30), T0 + seconds(120))
    assert (health.step, health.cause, health.request_id) == (
        "GET /health",
        "HTTP 503: injected_fault",
        "mon-health-120030",
    )


def test_state_survives_the_process_so_once_under_cron_does_not_repeat(store, config, webhook):
    for status, minute in [(DOWN, 0), (DOWN, 1), (DOWN, 2)]:
        fresh = AlertEngine(
            store, config, "local", "https://hooks.example/x", send=webhook, log=lambda _: None
        )
        for check in config.checks:
            store.add(make_result(check.name, status, T0 + seconds(60 * minute)))
        fresh.evaluate(config.checks, T0 + seconds(60 * minute + 1))
    assert webhook.kinds() == ["DOWN"]


def test_burning_budget_sends_one_message_for_the_rules_that_start_together(store, config, webhook):
    rules = (BurnRule("fast", 3600, 300, 14.4), BurnRule("slow", 6 * 3600, 1800, 6))
    burning_config = replace(config, alerts=replace(config.alerts, burn_rules=rules, down_after=100))
    engine = AlertEngine(
        store, burning_config, "local", "https://hooks.example/x", send=webhook, log=lambda _: None
    )
    feed(store, engine, burning_config, [UP] * 8 + [DOWN, DOWN, UP])
    assert webhook.kinds() == ["BURNING"]
    text = webhook.payloads[0]["text"]
    assert "• fast: burn rate 111.1 over 1h and 111.1 over 5m (alert at 14.4, which spends 2 % of" in text
    assert "• slow: burn rate 111.1 over 6h and 111.1 over 30m (alert at 6, which spends 5 % of" in text
