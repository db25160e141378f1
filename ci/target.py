"""What the run will test, asked of the harness before pytest starts: the environment, whether it is
the embedded PaperTrade (then its code coverage is measured), the seed, the browsers this machine
has, and whether a remote target answers at all (if not, the run stops with exit 3 at once).
"""

from __future__ import annotations

import random
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from ci.errors import InfrastructureError, UsageError
from ci.profiles import KNOWN_BROWSERS

REACHABILITY_TIMEOUT_S = 10


@dataclass(frozen=True)
class TargetPlan:
    env: str | None
    embedded: bool
    base_url: str | None
    seed: int
    seed_source: str


def plan_target(root: Path, env: str | None, seed: int | None) -> TargetPlan:
    try:
        from harness.environments import ConfigError, resolve_settings
    except ImportError:  # a project without the harness's settings: trust the command line
        chosen = seed if seed is not None else random.randrange(100_000)
        return TargetPlan(
            env, env in (None, "local"), None, chosen, "--seed" if seed is not None else "random"
        )
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
    shown = urlsplit(base_url)._replace(netloc=urlsplit(base_url).netloc.rpartition("@")[2]).geturl()
    try:
        with urllib.request.urlopen(base_url, timeout=timeout_s):
            return
    except urllib.error.HTTPError:
        return
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        raise InfrastructureError(f"target unreachable: {shown} ({reason})") from None


def installed_browsers() -> list[str] | None:
    """The browsers this machine can launch, or None when the harness cannot tell."""
    try:
        from harness.local_browsers import available_browsers
    except ImportError:
        return None
    return list(available_browsers())


def choose_browsers(requested: tuple[str, ...] | str, available: list[str] | None, remote: bool) -> list[str]:
    """The profile's (or --browsers') list, checked against what this machine has."""
    if requested == "available":
        if remote:
            return ["chromium"]
        if available is None:
            return ["chromium"]
        if not available:
            raise InfrastructureError(
                "browser missing: no browser is installed (run ci/tradecheck, which installs them)"
            )
        return [b for b in KNOWN_BROWSERS if b in available]
    chosen = list(requested)
    if not remote and available is not None:
        missing = [b for b in chosen if b not in available]
        if missing:
            raise InfrastructureError(
                f"browser missing: {', '.join(missing)} is not installed here "
                f"(available: {', '.join(available) or 'none'})"
            )
    return chosen


def describe(plan: TargetPlan) -> Mapping[str, str]:
    return {
        "env": plan.env or "default",
        "target": "embedded PaperTrade" if plan.embedded else (plan.base_url or "?"),
        "seed": f"{plan.seed} ({plan.seed_source})",
    }
