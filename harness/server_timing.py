"""Reading the `Server-Timing` response header (W3C Server Timing): PaperTrade puts each
response's database work there as `db` (time in statements, ms) and `dbq` (statements run)."""

from __future__ import annotations

import contextlib
import re
from dataclasses import dataclass

# metric-name *( OWS ";" OWS param-name [ "=" ( token / quoted-string ) ] )
_ENTRY = re.compile(
    r'\s*([!#$%&\'*+\-.^_`|~0-9A-Za-z]+)((?:\s*;\s*[^;,=\s]+(?:\s*=\s*(?:"(?:[^"\\]|\\.)*"|[^;,\s]*))?)*)\s*(?:,|$)'
)
_PARAM = re.compile(r'\s*;\s*([^;,=\s]+)(?:\s*=\s*("(?:[^"\\]|\\.)*"|[^;,\s]*))?')
DB_TIME = "db"
DB_QUERIES = "dbq"


@dataclass(frozen=True)
class DatabaseWork:
    queries: int
    ms: float


def durations(header: str | None) -> dict[str, float]:
    """Each metric's `dur` (the first entry of a name wins, as the standard says); bad entries skipped."""
    found: dict[str, float] = {}
    for entry in _ENTRY.finditer(header or ""):
        name, params = entry.group(1), entry.group(2)
        if name in found:
            continue
        for param in _PARAM.finditer(params):
            if param.group(1).lower() == "dur":
                with contextlib.suppress(ValueError):
                    found[name] = float((param.group(2) or "").strip('"'))
                break
    return found


def database_work(header: str | None) -> DatabaseWork | None:
    """The database work a response reports, or None when it reports none (another server, or off)."""
    metrics = durations(header)
    if DB_QUERIES not in metrics or DB_TIME not in metrics:
        return None
    return DatabaseWork(int(metrics[DB_QUERIES]), metrics[DB_TIME])
