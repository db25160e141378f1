"""What the run will test, asked of the harness before pytest starts: the environment, whether it is
the embedded PaperTrade (then its code coverage is measured), the seed, the browsers this machine
has, and whether a remote target answers at all (if not, the run stops with exit 3 at once).
"""

from __future__ import annotations

import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from ci.errors import InfrastructureError, UsageError
from harness.environments import ConfigError, resolve_settings
from harness.local_browsers import BROWSERS, available_browsers

REACHABILITY_TIMEOUT_S = 10


@dataclass(frozen=True)
class TargetPlan:
    env: str | None
    embedded: bool
    base_url: str | None
    seed: int
    seed_source: str


def plan_target(root: Path, env: str | None, seed: int | None) -> TargetPlan:
    """Resolved as the harness will resolve it (root/config/environments.yaml, else the harness's own)."""
    path = root / "config" / "environments.yaml"
    try:
        settings = resolve_settings(cli_env=env, cli_seed=seed, path=path if path.is_file() else None)
    except ConfigError as exc:
        raise UsageError(str(exc)) from None
    return TargetPlan(
        env=settings.env.value,
        embedded=settings.target.embedded,
        base_url=settings.base_url.value,
        seed=settings.seed.value,
        seed_source=settings.seed.source,
    )


def check_reachable(base_url: str, timeout_s: float = REACHABILITY_TIMEOUT_S) -> None:
    """Any HTTP answer will do (even 404 or 500): only no answer at all is unreachable."""
    shown = _without_credentials(base_url)
    try:
        with urllib.request.urlopen(base_url, timeout=timeout_s):
            return
    except urllib.error.HTTPError:
        return
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        raise InfrastructureError(f"target unreachable: {shown} ({reason})") from None


def installed_browsers() -> list[str]:
    """The browsers this machine can launch."""
    return list(available_browsers())


def choose_browsers(requested: tuple[str, ...] | str, available: list[str], remote: bool) -> list[str]:
    """The profile's (or --browsers') list, checked against what this machine has."""
    if requested == "available":
        if remote:
            return ["chromium"]
        if not available:
            raise InfrastructureError(
                "browser missing: no browser is installed (run ci/tradecheck, which installs them)"
            )
        return [b for b in BROWSERS if b in available]
    chosen = list(requested)
    if not remote:
        missing = [b for b in chosen if b not in available]
        if missing:
            raise InfrastructureError(
                f"browser missing: {', '.join(missing)} is not installed here "
                f"(available: {', '.join(available) or 'none'})"
            )
    return chosen


def check_browser_server(ws_endpoint: str, timeout_s: float = REACHABILITY_TIMEOUT_S) -> None:
    """A `playwright launch-server` endpoint must accept a WebSocket before any test is sent to it."""
    from websockets.exceptions import InvalidHandshake, InvalidURI
    from websockets.sync.client import connect

    shown = _without_credentials(ws_endpoint)
    try:
        with connect(ws_endpoint, open_timeout=timeout_s, close_timeout=1):
            return
    except InvalidURI:
        raise UsageError(f"--connect {shown}: not a ws:// or wss:// URL") from None
    except (InvalidHandshake, OSError, TimeoutError) as exc:
        raise InfrastructureError(f"browser server unreachable: {shown} ({exc})") from None


def _without_credentials(url: str) -> str:
    parts = urlsplit(url)
    return parts._replace(netloc=parts.netloc.rpartition("@")[2]).geturl()
