"""The monitor loop: run the checks that are due, store the results, evaluate the alerts, rewrite
the status page; bounded by --once, --cycles or --duration, and stopped cleanly by SIGINT/SIGTERM
(the check in flight finishes its attempt, the status page is written, exit 130)."""

from __future__ import annotations

import contextlib
import os
import signal
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import requests
from sqlalchemy.exc import SQLAlchemyError

from ci.errors import INTERRUPTED, InfrastructureError, UsageError
from harness.embedded_app import AppStartError, temporary_app
from harness.environments import ENV_VARIABLE, ConfigError, Target, resolve_settings
from harness.local_browsers import available_browsers, install_hint
from harness.yamlfile import REPO_ROOT, display_path
from monitor.alerts import AlertEngine
from monitor.browser import BrowserCheck
from monitor.checks import CHECKS, NEEDS_CREDENTIALS, CheckFailed, Credentials, Interrupted, Runner
from monitor.config import MonitorConfig
from monitor.statuspage import probe_directory, snapshot, write_status
from monitor.store import Result, Store, safe_url


@dataclass(frozen=True)
class Limits:
    once: bool = False
    cycles: int | None = None
    duration_s: float | None = None


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


class LazyCredentials:
    """Credentials of the environment, or (where the target has the test API) a fresh account
    created on first use; a target that is down at start is then a failed check, not a crash."""

    def __init__(self, target: Target, base_url: str) -> None:
        self.target = target
        self.base_url = base_url
        self.value: Credentials | None = None
        self.lock = threading.Lock()
        if target.username and target.password:
            self.value = Credentials(target.username, target.password)

    def get(self) -> Credentials:
        with self.lock:  # checks run concurrently: one account, not one each
            return self._get()

    def _get(self) -> Credentials:
        if self.value is None:
            try:
                response = requests.post(
                    f"{self.base_url}/api/test/users", json={"display_name": "TradeCheck monitor"}, timeout=10
                )
                response.raise_for_status()
                body = response.json()
            except (requests.RequestException, ValueError) as exc:
                raise CheckFailed("create the monitor's account", str(exc).splitlines()[0][:200]) from None
            self.value = Credentials(body["username"], body["password"])
        return self.value


@contextlib.contextmanager
def stop_on_signals(stop: threading.Event) -> Iterator[None]:
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    for sig in previous:
        signal.signal(sig, lambda *_: stop.set())
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


@contextlib.contextmanager
def target_url(target: Target, base_url: str | None, log: Callable[[str], None]) -> Iterator[str]:
    if base_url:
        yield base_url
        return
    with contextlib.ExitStack() as stack:
        try:
            app = stack.enter_context(temporary_app("tradecheck-monitor-"))
        except AppStartError as exc:
            lines = str(exc).splitlines()
            last = lines[-1].strip() if len(lines) > 1 else ""
            # one line: the workdir (and its log) is removed on the way out, so quote its last line
            raise InfrastructureError(
                lines[0].split("; log ")[0] + (f"; its log ends: {last}" if last else "")
            ) from None
        log(f"monitor: started the embedded PaperTrade at {app.base_url} in {app.startup_seconds:.1f} s")
        yield app.base_url


def resolve_target(
    env: str | None, default_env: str, base_url: str | None, environments: Path | None
) -> tuple[Target, str | None]:
    """--env, then TRADECHECK_ENV, then the monitor config's target; ${VARIABLES} from the environment."""
    try:
        chosen = env or os.environ.get(ENV_VARIABLE) or default_env
        settings = resolve_settings(cli_env=chosen, cli_base_url=base_url, path=environments)
    except ConfigError as exc:
        raise UsageError(str(exc)) from None
    return settings.target, settings.base_url.value


def run_monitor(
    config: MonitorConfig,
    *,
    env: str | None,
    base_url: str | None,
    store_url: str,
    status_dir: Path,
    webhook_url: str | None,
    limits: Limits,
    environments: Path | None = None,
    log: Callable[[str], None] = print,
    stop: threading.Event | None = None,
) -> int:
    stop = stop or threading.Event()
    target, resolved_url = resolve_target(env, config.target, base_url, environments)
    signs_in = any(c.kind in NEEDS_CREDENTIALS for c in config.checks)
    has_account = (target.username and target.password) or target.capabilities.get("test_api", False)
    if signs_in and not has_account:
        raise UsageError(
            f"config/environments.yaml: environments.{target.name}: username and password are needed "
            "for the sign-in checks (or the test_api capability)"
        )
    probe_directory(status_dir)
    checks = dict(CHECKS)
    if any(c.kind == "browser" for c in config.checks):
        checks["browser"] = browser_check(config, target.name, environments)
    store = Store(store_url)
    log(f"monitor: target {target.name}, location {config.location}, store {safe_url(store_url)}")
    try:
        with stop_on_signals(stop), target_url(target, resolved_url, log) as url:
            return _loop(config, target, url, store, status_dir, webhook_url, limits, log, stop, checks)
    finally:
        store.close()


def _loop(
    config: MonitorConfig,
    target: Target,
    url: str,
    store: Store,
    status_dir: Path,
    webhook_url: str | None,
    limits: Limits,
    log: Callable[[str], None],
    stop: threading.Event,
    checks: dict[str, Callable[..., float | None]],
) -> int:
    credentials = LazyCredentials(target, url)
    if any(c.kind in NEEDS_CREDENTIALS for c in config.checks):
        # made before the first check so that creating the account (slow on purpose: password
        # hashing) does not count against a check's timeout; a failure here is retried by the checks
        with contextlib.suppress(CheckFailed):
            credentials.get()
    runner = Runner(url, config.location, target.name, credentials.get, stop, checks=checks)
    engine = AlertEngine(store, config, target.name, webhook_url, log=log)
    started = time.monotonic()
    deadline = None if limits.duration_s is None else started + limits.duration_s
    next_due = {check.name: started for check in config.checks}
    cycles = 0
    with ThreadPoolExecutor(max_workers=len(config.checks), thread_name_prefix="check") as pool:
        while True:
            now = time.monotonic()
            due = [c for c in config.checks if next_due[c.name] <= now]
            for check in due:  # the next run is due one interval after this one was
                next_due[check.name] = max(next_due[check.name] + check.interval_s, now)
            # concurrently: a check that waits to retry must not delay the others' schedule
            for check, future in [(c, pool.submit(runner.run, c)) for c in due]:
                try:
                    result = future.result()
                except Interrupted:
                    continue
                try:
                    store.add(result)
                except SQLAlchemyError as exc:
                    log(f"monitor: store unavailable, result of {check.name} lost: {_reason(exc)}")
                    continue
                log(describe(result))
            _after_cycle(config, target, store, status_dir, engine, log)
            cycles += 1
            if stop.is_set():
                log("monitor: interrupted; status page written")
                return INTERRUPTED
            if limits.once or (limits.cycles is not None and cycles >= limits.cycles):
                return 0
            wake = min(next_due.values())
            if deadline is not None and wake >= deadline:
                return 0
            if stop.wait(max(0.0, wake - time.monotonic()) + 0.001):
                # signalled while idle: nothing in flight, the page of the last cycle is current
                log("monitor: interrupted; status page written")
                return INTERRUPTED


def browser_check(config: MonitorConfig, env: str, environments: Path | None) -> BrowserCheck:
    """The browser check kind for this environment; its browsers must be installed (exit 3)."""
    here = available_browsers()
    for check in config.checks:
        if check.kind == "browser" and check.browser not in here:
            raise InfrastructureError(
                f"check {check.name}: {check.browser} is not installed here; "
                f"install it with: {install_hint(check.browser)}"
            )
    folder = config.artifacts_dir if config.artifacts_dir.is_absolute() else REPO_ROOT / config.artifacts_dir
    probe_directory(
        folder, f"{display_path(config.path)}: artifacts.dir: cannot write browser-check artifacts"
    )
    return BrowserCheck(env, environments, folder, config.artifacts_keep)


def describe(result: Result) -> str:
    """One console line per result."""
    attempts = "" if result.attempts == 1 else f" ({result.attempts} attempts)"
    detail = f" — {result.step}: {result.error}" if result.error else ""
    if result.artifacts:
        detail += f" (screenshot and trace in {result.artifacts})"
    return (
        f"{result.started_at:%H:%M:%S} {result.location} {result.check} {result.status} "
        f"{result.duration_ms:.0f} ms{attempts}{detail}"
    )


def _after_cycle(
    config: MonitorConfig,
    target: Target,
    store: Store,
    status_dir: Path,
    engine: AlertEngine,
    log: Callable[[str], None],
) -> None:
    now = utcnow()
    try:
        engine.evaluate(config.checks, now)
        write_status(status_dir, snapshot(store, config, target.name, now))
    except SQLAlchemyError as exc:
        log(f"monitor: store unavailable, alerts and status page skipped this cycle: {_reason(exc)}")
    except OSError as exc:
        log(f"monitor: cannot write the status page to {status_dir}: {exc.strerror}")


def _reason(exc: Exception) -> str:
    return str(getattr(exc, "orig", None) or exc).splitlines()[0][:200]
