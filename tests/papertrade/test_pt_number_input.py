"""Numbers in requests take ASCII digits only (docs/papertrade-contract.md, "Numbers in requests").

Python's `isdigit()`, `int()` and `Decimal()` take any Unicode digit, padding, `_`, `+` and
exponents; each form below was accepted, or answered 500, before the app matched the text first.
"""

from decimal import Decimal

import pytest

from papertrade.domain.numbers import decimal_number, whole_number

pytestmark = pytest.mark.unit

QUANTITY_ERROR = {
    "error": {"code": "validation_error", "message": "Quantity must be a whole number between 1 and 10,000."}
}
LIMIT_ERROR = {"error": {"code": "validation_error", "message": "Limit price must be greater than 0."}}
LIST_LIMIT_ERROR = {
    "error": {"code": "validation_error", "message": "Limit must be a whole number between 1 and 500."}
}

# Refused as a quantity, a price and a list limit alike (an empty list limit means the default).
NOT_ASCII_DIGITS = [
    pytest.param("²", id="superscript-two"),
    pytest.param("١٠", id="arabic-indic-ten"),
    pytest.param("１００", id="fullwidth-hundred"),
    pytest.param("۱۰", id="persian-ten"),
    pytest.param(" 10 ", id="space-padded"),
    pytest.param("10\n", id="newline-after"),
    pytest.param("\u200310", id="em-space-before"),
    pytest.param("+5", id="plus-sign"),
    pytest.param("1e3", id="exponent"),
    pytest.param("0x10", id="hex"),
    pytest.param("1_000", id="underscore"),
    pytest.param("1,000", id="thousands-comma"),
    pytest.param("NaN", id="nan-text"),
    pytest.param("Infinity", id="infinity-text"),
    pytest.param("9" * 5000, id="5000-digits"),
]
EMPTY = pytest.param("", id="empty")


@pytest.mark.parametrize("text", [*NOT_ASCII_DIGITS, EMPTY])
def test_whole_number_refuses_all_but_ascii_digits(text):
    assert whole_number(text) is None


@pytest.mark.parametrize("text", [*NOT_ASCII_DIGITS, EMPTY])
def test_decimal_number_refuses_all_but_ascii_digits(text):
    assert decimal_number(text) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [("10", 10), ("007", 7), ("9" * 18, 10**18 - 1)],
    ids=["ten", "leading-zeros", "18-digits"],
)
def test_whole_number_reads_ascii_digits(text, expected):
    assert whole_number(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [("150.05", "150.05"), ("-1.00", "-1.00"), ("140", "140"), ("140.", "140"), (".5", "0.5")],
    ids=["two-decimals", "negative", "whole", "trailing-point", "leading-point"],
)
def test_decimal_number_reads_the_forms_the_order_ticket_sends(text, expected):
    assert decimal_number(text) == Decimal(expected)


def _order(symbol, **change):
    return {"symbol": symbol, "side": "buy", "type": "market", "quantity": 1, "limit_price": None, **change}


@pytest.mark.parametrize(
    "quantity",
    [*NOT_ASCII_DIGITS, EMPTY, pytest.param(True, id="json-true"), pytest.param(10.5, id="json-fraction")],
)
def test_order_quantity_in_any_other_form_answers_422(trader, make_instrument, quantity):
    response = trader.post("/api/orders", json=_order(make_instrument("10.00"), quantity=quantity))

    assert (response.status_code, response.json()) == (422, QUANTITY_ERROR)
    assert trader.get("/api/orders").json()["orders"] == []


@pytest.mark.parametrize(
    "quantity",
    [10, "10", 10.0],
    ids=["json-integer", "ascii-digit-string", "json-whole-float"],
)
def test_order_quantity_as_a_json_number_or_ascii_digits_is_taken(trader, make_instrument, quantity):
    response = trader.post("/api/orders", json=_order(make_instrument("10.00"), quantity=quantity))

    assert response.status_code == 201, response.text
    assert (response.json()["quantity"], response.json()["fill_price"]) == (10, "10.05")


@pytest.mark.parametrize(
    "limit_price",
    [
        *NOT_ASCII_DIGITS,
        EMPTY,  # counts as no limit price, which a limit order must have
        pytest.param("١٠.٥٠", id="arabic-indic-decimal"),
        pytest.param("-Infinity", id="minus-infinity-text"),
        pytest.param(True, id="json-true"),
        pytest.param(10**4000, id="json-integer-4001-digits"),
    ],
)
def test_limit_price_in_any_other_form_answers_422(trader, make_instrument, limit_price):
    body = _order(make_instrument("10.00"), type="limit", limit_price=limit_price)

    response = trader.post("/api/orders", json=body)

    assert (response.status_code, response.json()) == (422, LIMIT_ERROR)
    assert trader.get("/api/orders").json()["orders"] == []


@pytest.mark.parametrize(
    ("limit_price", "expected"),
    [("9.5", "9.50"), ("9.", "9.00"), (".5", "0.50"), ("9", "9.00"), (9.5, "9.50")],
    ids=["one-decimal", "trailing-point", "leading-point", "whole", "json-number"],
)
def test_limit_price_as_decimal_text_or_json_number_is_taken(trader, make_instrument, limit_price, expected):
    body = _order(make_instrument("10.00"), type="limit", limit_price=limit_price)

    response = trader.post("/api/orders", json=body)

    assert response.status_code == 201, response.text
    assert (response.json()["limit_price"], response.json()["status"]) == (expected, "open")


@pytest.mark.parametrize("price", [*NOT_ASCII_DIGITS, EMPTY])
def test_test_mode_price_in_any_other_form_answers_422(client, make_instrument, price):
    symbol = make_instrument("10.00")

    response = client.post("/api/test/prices", json={"symbol": symbol, "price": price})

    assert response.status_code == 422
    assert response.json() == {
        "error": {"code": "validation_error", "message": "price must be an amount with at most 2 decimals."}
    }
    assert client.get(f"/api/quotes/{symbol}").json()["last"] == "10.00"


@pytest.mark.parametrize("limit", NOT_ASCII_DIGITS)
def test_list_limit_in_any_other_form_answers_422(trader, limit):
    response = trader.get("/api/orders", params={"limit": limit})

    assert (response.status_code, response.json()) == (422, LIST_LIMIT_ERROR)


@pytest.mark.parametrize(
    "digits",
    [str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"), str.maketrans("0123456789", "０１２３４５６７８９")],
    ids=["arabic-indic", "fullwidth"],
)
def test_order_id_in_other_digits_is_not_found(trader, make_instrument, digits):
    order = trader.order(make_instrument("10.00"), "buy", 1, limit_price="5.00").json()
    other_digits = str(order["id"]).translate(digits)

    assert trader.get(f"/api/orders/{order['id']}").status_code == 200
    for response in (
        trader.get(f"/api/orders/{other_digits}"),
        trader.post(f"/api/orders/{other_digits}/cancel"),
    ):
        assert (response.status_code, response.json()["error"]["code"]) == (404, "not_found")
    assert trader.get(f"/api/orders/{order['id']}").json()["status"] == "open"


def test_superscript_order_id_is_not_found(trader):
    response = trader.get("/api/orders/²")

    assert (response.status_code, response.json()["error"]["code"]) == (404, "not_found")


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"], ids=str)
def test_nan_and_infinity_tokens_are_not_json(trader, make_instrument, constant):
    body = (
        f'{{"symbol": "{make_instrument("10.00")}", "side": "buy", "type": "market", "quantity": {constant}}}'
    )

    response = trader.post("/api/orders", content=body, headers={"Content-Type": "application/json"})

    assert response.status_code == 400
    assert response.json() == {"error": {"code": "bad_request", "message": "The request body must be JSON."}}


@pytest.mark.parametrize(
    "cash", ["١٠٠", "1" + "0" * 15, 10**30], ids=["arabic-indic", "quadrillion", "json-1e30"]
)
def test_test_mode_cash_out_of_form_or_range_answers_422(client, cash):
    response = client.post("/api/test/users", json={"cash": cash})

    assert response.status_code == 422
    assert response.json()["error"] == {
        "code": "validation_error",
        "message": "cash must be an amount with at most 2 decimals.",
    }
