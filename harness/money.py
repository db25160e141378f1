"""Amounts as PaperTrade's screens show them, for expectations computed from API answers."""

from __future__ import annotations

from decimal import Decimal

CENT = Decimal("0.01")


def usd(amount: str) -> str:
    """An API amount ("1234.5", "-3") as the screens write it ("$1,234.50", "-$3.00")."""
    value = Decimal(amount).quantize(CENT)
    return f"{'-' if value < 0 else ''}${abs(value):,.2f}"
