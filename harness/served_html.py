"""A page as the server sent it, before any script runs: what a user sees first, and what a client
without JavaScript sees at all. Pages mark their values with `data-testid` (the contract's list)."""

from __future__ import annotations

import html
import re


def text_of(page: str, testid: str) -> str | None:
    """The text of the first element with this data-testid in an HTML answer (None when it has none)."""
    found = re.search(rf'data-testid="{re.escape(testid)}"[^>]*>([^<]*)<', page)
    return html.unescape(found.group(1)) if found else None


def rows_of(page: str, prefix: str) -> list[str]:
    """In page order, what follows `prefix-` in each data-testid that starts with it: the ids of a
    list's rows (`order-row-42` -> "42")."""
    return re.findall(rf'data-testid="{re.escape(prefix)}-([^"]+)"', page)
