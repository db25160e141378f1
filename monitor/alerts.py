"""Alert rules and their state machine; the state lives in the store, so `--once` under cron
alerts exactly like a long-running process.

Per check (per location): `down` after `down_after` consecutive failed results, `degraded` after
`degraded_after` consecutive slow ones; one failure short of the rule keeps the previous state, and
the first passing result ends `down` (closing the check's incident). The target's state at a
location is the worst of its checks'. Messages go out on changes of that state only: `down`,
`degraded`, `recovered` (back to up), a `reminder` every `reminder` while still down, and `burning`
when a multiwindow burn-rate rule starts to hold. A message the webhook did not take is kept and
retried every cycle until delivered or replaced by a newer one; the monitor never stops for it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from ci import notify
from monitor.config import Alerts, Check, MonitorConfig, format_duration
from monitor.slo import Counts, burn_rate, burning
from monitor.store import DEGRADED, DOWN, UP, Result, StateRow, Store

SEVERITY = {UP: 0, DEGRADED: 1, DOWN: 2}
KIND_OF_STATE = {DOWN: "down", DEGRADED: "degraded", UP: "recovered"}
EMOJI = {"down": "🔴", "degraded": "🟠", "recovered": "✅", "reminder": "🔴", "burning": "🔥"}
WEBHOOK_POLICY = notify.Policy(timeout_s=3.0, attempts=2, backoff_s=1.0, deadline_s=8.0)
TARGET_KEY = "target"
BURN_KEY = "burn"
NO_ARTIFACTS = "no screenshot or trace (API check)"


def check_state(previous: str | None, recent: Sequence[Result], rules: Alerts) -> str:
    """The state of one check after its newest result; `recent` is oldest first."""
    latest = recent[-1].status

    def streak(status: str, length: int) -> bool:
        return len(recent) >= length and all(r.status == status for r in recent[-length:])

    if latest == DOWN:
        if previous == DOWN or streak(DOWN, rules.down_after):
            return DOWN
        return previous or UP
    if latest == DEGRADED and (previous == DEGRADED or streak(DEGRADED, rules.degraded_after)):
        return DEGRADED
    return UP


def worst(states: Sequence[str]) -> str:
    return max(states, key=SEVERITY.__getitem__, default=UP)


@dataclass
class Alert:
    kind: str
    headline: str
    lines: list[str] = field(default_factory=list)

    def payload(self) -> dict[str, Any]:
        text = f"{EMOJI[self.kind]} {self.kind.upper()}: {self.headline}"
        blocks: list[dict[str, Any]] = [{"type": "section", "text": {"type": "mrkdwn", "text": text[:2900]}}]
        if self.lines:
            body = "\n".join(self.lines)[:2900]
            blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": body}})
        return {"text": text + ("\n" + "\n".join(self.lines) if self.lines else ""), "blocks": blocks}


def _failure_line(result: Result) -> str:
    return (
        f"• `{result.check}` failed at step `{result.step}`: {result.error} "
        f"(request id {result.request_id or '-'}; "
        f"{f'screenshot and trace in {result.artifacts}' if result.artifacts else NO_ARTIFACTS})"
    )


class AlertEngine:
    def __init__(
        self,
        store: Store,
        config: MonitorConfig,
        target: str,
        webhook_url: str | None,
        *,
        send: Callable[..., str] = notify.send,
        log: Callable[[str], None] = print,
    ) -> None:
        self.store = store
        self.config = config
        self.rules = config.alerts
        self.target = target
        self.location = config.location
        self.webhook_url = webhook_url
        self.send = send
        self.log = log

    def evaluate(self, checks: Sequence[Check], now: datetime) -> list[Alert]:
        """Update the states from the newest results and deliver what changed; returns the alerts."""
        latest: dict[str, tuple[str, Result]] = {}
        limit = max(self.rules.down_after, self.rules.degraded_after)
        for check in checks:
            recent = self.store.recent(check.name, self.location, limit)
            if recent:
                latest[check.name] = (self._check(check.name, recent, now), recent[-1])
        alerts = [a for a in [self._target(latest, now)] if a is not None]
        alerts += self._burn(now)
        return alerts

    def _check(self, name: str, recent: list[Result], now: datetime) -> str:
        key = f"check:{name}"
        row = self.store.state(self.location, key)
        previous = row.state if row else None
        state = check_state(previous, recent, self.rules)
        if state != previous:
            if state == DOWN:
                first = len(recent) - 1
                while first > 0 and recent[first - 1].status == DOWN:
                    first -= 1
                self.store.open_incident(recent[first])
            if previous == DOWN:
                self.store.close_incident(name, self.location, recent[-1].started_at)
            self.store.save_state(self.location, key, StateRow(state, now))
        return state

    def _where(self) -> str:
        return f"{self.target} at {self.location}"

    def _target(self, latest: dict[str, tuple[str, Result]], now: datetime) -> Alert | None:
        if not latest:
            return None
        state = worst([s for s, _ in latest.values()])
        row = self.store.state(self.location, TARGET_KEY) or StateRow(UP, now)
        down = [r for s, r in latest.values() if s == DOWN]
        alert = None
        if state != row.state:
            kind = KIND_OF_STATE[state]
            if kind == "recovered":
                lasted = format_duration(max(1, round((now - row.since).total_seconds())))
                alert = Alert(kind, f"{self._where()} is back up ({row.state} since the alert {lasted} ago)")
            elif kind == "down":
                names = ", ".join(r.check for r in down)
                alert = Alert(kind, f"{self._where()}: {names}", [_failure_line(r) for r in down])
            else:
                slow = [n for n, (s, _) in latest.items() if s == DEGRADED]
                alert = Alert(kind, f"{self._where()}: {', '.join(slow)} slower than the threshold")
            row = StateRow(state, now, row.last_sent, row.pending)
        elif (
            state == DOWN
            and row.last_sent
            and now - row.last_sent >= timedelta(seconds=self.rules.reminder_s)
        ):
            since = format_duration(max(1, round((now - row.since).total_seconds())))
            names = ", ".join(r.check for r in down)
            alert = Alert("reminder", f"{self._where()} still down for {since}: {names}",
                          [_failure_line(r) for r in down])  # fmt: skip
        self._deliver(TARGET_KEY, row, alert, now)
        return alert

    def _burn(self, now: datetime) -> list[Alert]:
        """One `burning` message for the rules that started to hold this cycle (several rules
        usually start together: one message, not three)."""
        slo = self.config.slo_target
        lines = []
        for rule in self.rules.burn_rules:
            key = f"burn:{rule.name}"
            long_counts = self._total(now, rule.long_s)
            short_counts = self._total(now, rule.short_s)
            state = "burning" if burning(long_counts, short_counts, slo, rule.factor) else "ok"
            row = self.store.state(self.location, key) or StateRow("ok", now)
            if state == row.state:
                continue
            if state == "burning":
                share = rule.factor * rule.long_s / (30 * 86400) * 100
                long_window, short_window = format_duration(rule.long_s), format_duration(rule.short_s)
                lines.append(
                    f"• {rule.name}: burn rate {burn_rate(long_counts, slo):.1f} over {long_window} "
                    f"and {burn_rate(short_counts, slo):.1f} over {short_window} (alert at {rule.factor:g}, "
                    f"which spends {share:.0f} % of a 30-day budget in {long_window})"
                )
            self.store.save_state(self.location, key, StateRow(state, now))
        row = self.store.state(self.location, BURN_KEY) or StateRow("ok", now)
        alert = None
        if lines:
            alert = Alert("burning", f"{self._where()}: error budget burning (SLO {slo:g} %)", lines)
        self._deliver(BURN_KEY, row, alert, now)
        return [alert] if alert else []

    def _total(self, now: datetime, window_s: float) -> Counts:
        since = now - timedelta(seconds=window_s)
        return sum(self.store.counts(since, location=self.location).values(), start=Counts())

    def _deliver(self, key: str, row: StateRow, alert: Alert | None, now: datetime) -> None:
        payload = alert.payload() if alert else row.pending
        if payload is not None:
            label = alert.kind if alert else "pending alert"
            if not self.webhook_url:
                self.log(f"monitor: alert ({label}): {payload['text'].splitlines()[0]}")
                row.pending = None
            else:
                line = self.send(self.webhook_url, payload, WEBHOOK_POLICY)
                if "posted" in line:
                    self.log(f"monitor: alert ({label}) posted: {payload['text'].splitlines()[0]}")
                    row.pending = None
                else:
                    host = urlsplit(self.webhook_url).netloc.rpartition("@")[2] or "?"
                    self.log(f"monitor: alert ({label}) not delivered to {host}; retried next cycle")
                    row.pending = payload
            if alert is not None:
                row.last_sent = now
        self.store.save_state(self.location, key, row)
