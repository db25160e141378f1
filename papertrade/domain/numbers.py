"""Numbers written as text by clients (quantities, prices, ids, limits): ASCII digits only.

`str.isdigit()`, `int()` and `Decimal()` accept every Unicode digit (`"١٠"`, `"１００"`, and
`"²"` passes `isdigit()` but then fails `int()`), and `int()`/`Decimal()` also accept padding,
`_`, `+` and exponents. Text from a request is matched against these patterns first, so only
the forms of docs/papertrade-contract.md ("Numbers in requests") ever reach them.
"""

from __future__ import annotations

import re
from decimal import Decimal

MAX_WHOLE_DIGITS = 18  # fits a signed 64-bit id; far above any quantity or list limit
MAX_DECIMAL_LENGTH = 32  # far above any price, and below int()'s 4,300-digit refusal

_WHOLE = re.compile(r"[0-9]+")
_DECIMAL = re.compile(r"-?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")


def whole_number(text: str) -> int | None:
    """`"42"` -> 42; None for anything but 1 to 18 ASCII digits."""
    if len(text) > MAX_WHOLE_DIGITS or not _WHOLE.fullmatch(text):
        return None
    return int(text)


def decimal_number(text: str) -> Decimal | None:
    """`"150.05"`, `"-1"`, `"5."`, `".5"` as a Decimal; None for any other text."""
    if len(text) > MAX_DECIMAL_LENGTH or not _DECIMAL.fullmatch(text):
        return None
    return Decimal(text)
