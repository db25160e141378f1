"""The app's clock: real UTC time, shifted by an offset that test mode can set."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta


class Clock:
    """`now()` in UTC; `set(when)` makes it read `when` from now on (time keeps running), and
    `set(when, frozen=True)` makes it read exactly `when` until the next `set`, so a test can stand
    on an instant (the last microsecond of a lockout, the first of a session's expiry)."""

    def __init__(self) -> None:
        self._offset = timedelta(0)
        self._frozen: datetime | None = None
        self._lock = threading.Lock()

    def now(self) -> datetime:
        frozen = self._frozen
        return frozen if frozen is not None else datetime.now(UTC) + self._offset

    def set(self, when: datetime | None, *, frozen: bool = False) -> datetime:
        with self._lock:
            if when is None:
                self._offset, self._frozen = timedelta(0), None
            else:
                if when.tzinfo is None:
                    when = when.replace(tzinfo=UTC)
                self._offset = when - datetime.now(UTC)
                self._frozen = when if frozen else None
        return self.now()


def iso(moment: datetime | None) -> str | None:
    """ISO 8601 in UTC with a `Z`, millisecond precision."""
    if moment is None:
        return None
    if moment.tzinfo is UTC:  # the common case, kept cheap: lists format thousands of these
        return moment.isoformat(timespec="milliseconds")[:-6] + "Z"
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def parse_iso(text: str) -> datetime:
    """Parse ISO 8601 (a trailing `Z` allowed); naive values are UTC."""
    moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00").replace("z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)
