"""Money as integer cents: parsing, JSON strings and the UI display formats."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from papertrade.domain.numbers import decimal_number

CENT = Decimal("0.01")
MAX_AMOUNT = Decimal(10) ** 15  # dollars: its cents still fit the 64-bit integer columns


class MoneyError(ValueError):
    """A value that is not a valid amount of money."""


def round_half_up(numerator: int, denominator: int) -> int:
    """Integer division rounding halves away from zero (ROUND_HALF_UP)."""
    if denominator == 0:
        raise ZeroDivisionError("denominator is zero")
    quotient = Decimal(numerator) / Decimal(denominator)
    return int(quotient.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def to_decimal(value: object) -> Decimal:
    """A Decimal from a JSON number, a Decimal or a decimal string of ASCII digits (`"150.05"`);
    floats go through their repr so 0.1 stays 0.1."""
    if isinstance(value, Decimal):
        number = value
    elif isinstance(value, int) and not isinstance(value, bool):
        number = Decimal(value)
    elif isinstance(value, float):
        number = Decimal(repr(value))
    elif isinstance(value, str) and (parsed := decimal_number(value)) is not None:
        number = parsed
    else:
        raise MoneyError(f"not a number: {value!r}")
    if not number.is_finite():
        raise MoneyError(f"not a finite number: {value!r}")
    return number


def parse_cents(value: object, *, max_decimals: int = 2) -> int:
    """Cents from `"150.05"`, `150.05` or `150`; more than `max_decimals` decimals is an error."""
    number = to_decimal(value)
    if abs(number) >= MAX_AMOUNT:
        raise MoneyError(f"out of range: {value!r}")
    exponent = number.as_tuple().exponent
    if isinstance(exponent, int) and -exponent > max_decimals and number != number.quantize(CENT):
        raise MoneyError(f"too many decimals: {value!r}")
    return int((number * 100).to_integral_value(rounding=ROUND_HALF_UP))


def cents_to_str(cents: int) -> str:
    """JSON form: `"150.05"`, `"-12.30"`."""
    if cents < 0:
        whole, frac = divmod(-cents, 100)
        return f"-{whole}.{frac:02d}"
    whole, frac = divmod(cents, 100)
    return f"{whole}.{frac:02d}"


def pct_str(numerator: int, denominator: int) -> str:
    """`numerator / denominator * 100` with 2 decimals ROUND_HALF_UP, `"0.00"` when undefined."""
    if denominator == 0:
        return "0.00"
    value = (Decimal(numerator) * 100 / Decimal(denominator)).quantize(CENT, rounding=ROUND_HALF_UP)
    if value == 0:
        value = abs(value)
    return f"{value:.2f}"


def _cents_of(value: object) -> int:
    return parse_cents(value, max_decimals=28)  # int dollars too: parse_cents reads JSON numbers


def _grouped(cents: int) -> str:
    whole, frac = divmod(abs(cents), 100)
    return f"${whole:,}.{frac:02d}"


def format_money(value: object) -> str:
    """`$1,234.56` / `-$1,234.56` from a decimal string, Decimal or int dollars."""
    cents = _cents_of(value)
    return ("-" if cents < 0 else "") + _grouped(cents)


def format_pnl(value: object) -> str:
    """Signed P&L: `+$12.34`, `-$12.34`, `$0.00`."""
    cents = _cents_of(value)
    if cents == 0:
        return "$0.00"
    return ("+" if cents > 0 else "-") + _grouped(cents)


def format_pct(value: object) -> str:
    """Signed percentage with 2 decimals: `+1.23%`, `-0.50%`, `0.00%`."""
    number = to_decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)
    if number == 0:
        return "0.00%"
    return f"{'+' if number > 0 else '-'}{abs(number):.2f}%"
