"""Money parsing and the contract's display formats."""

from decimal import Decimal

import pytest

from papertrade.domain.money import (
    MoneyError,
    cents_to_str,
    format_money,
    format_pct,
    format_pnl,
    parse_cents,
    pct_str,
    round_half_up,
)

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("1234.56", "$1,234.56"),
        ("-1234.56", "-$1,234.56"),
        ("0", "$0.00"),
        ("100000.00", "$100,000.00"),
        (Decimal("0.5"), "$0.50"),
        (7, "$7.00"),
        ("1234567.891", "$1,234,567.89"),
    ],
    ids=["thousands", "negative", "zero", "initial-cash", "decimal", "int-dollars", "rounds-half-up"],
)
def test_format_money(value, expected):
    assert format_money(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("12.34", "+$12.34"),
        ("-12.34", "-$12.34"),
        ("0.00", "$0.00"),
        ("-0.00", "$0.00"),
        ("1500", "+$1,500.00"),
    ],
    ids=["gain", "loss", "zero", "negative-zero", "thousands"],
)
def test_format_pnl(value, expected):
    assert format_pnl(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [("1.23", "+1.23%"), ("-0.5", "-0.50%"), ("0", "0.00%"), ("0.005", "+0.01%"), ("-0.004", "0.00%")],
    ids=["gain", "loss", "zero", "half-up", "rounds-to-zero"],
)
def test_format_pct(value, expected):
    assert format_pct(value) == expected


def test_cents_round_trip():
    assert cents_to_str(15005) == "150.05"
    assert cents_to_str(-1230) == "-12.30"
    assert cents_to_str(5) == "0.05"
    assert parse_cents("150.05") == 15005
    assert parse_cents(150.05) == 15005
    assert parse_cents("150.050") == 15005
    assert parse_cents(3) == 300


@pytest.mark.parametrize(
    "bad",
    ["abc", "1.001", None, True, "NaN", "Infinity", "١٠", "１００", " 1", "+1", "1e2", "1_0", 10**4000],
    ids=[
        "abc",
        "1.001",
        "None",
        "True",
        "NaN",
        "Infinity",
        "arabic-indic",
        "fullwidth",
        "padded",
        "plus",
        "exponent",
        "underscore",
        "4001-digit-int",
    ],
)
def test_parse_cents_rejects(bad):
    with pytest.raises(MoneyError):
        parse_cents(bad)


def test_rounding_is_half_up():
    assert round_half_up(5, 2) == 3
    assert round_half_up(-5, 2) == -3
    assert round_half_up(2543 * 4, 5) == 2034  # 2034.4
    assert pct_str(1, 3) == "33.33"
    assert pct_str(2, 3) == "66.67"
    assert pct_str(-1, 200) == "-0.50"
    assert pct_str(5, 0) == "0.00"
