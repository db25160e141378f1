"""What an app that died mid-run means for the gates and the exit code.

The harness marks each request refused after the embedded app died `app_down` (fixtures/artifacts.py)
and names the death in the first failure it caused (fixtures/target_app.py, ci/categories.py).
Those requests say nothing about how the app serves, so the traffic gates leave them out; an app
stopped from outside makes the run an infrastructure failure (exit 3), a crash stays a NO-GO.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from ci.categories import CATEGORIES

APP_KILLED = next(category.name for category in CATEGORIES if category.id == "app-killed")


def while_app_up(records: Iterable[Mapping]) -> list[Mapping]:
    """The traffic records made while the app was running."""
    return [record for record in records if not record.get("app_down")]


def app_killed(failures: Iterable[Mapping]) -> str | None:
    """The line for exit 3 when the app was stopped from outside during the run (sign-off failures
    with their category), else None."""
    killed = [failure for failure in failures if failure.get("category") == APP_KILLED]
    if not killed:
        return None
    first = (killed[0].get("message") or "").splitlines()[0].split(": ", 1)[-1]
    return f"{first} (under {killed[0]['nodeid']}; {len(killed)} test(s) failed for it)"
