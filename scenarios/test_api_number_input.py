"""Numbers in requests take ASCII digits only: other scripts' digits, superscripts, padding, signs
and exponents in text are refused with the contract's error (docs/papertrade-contract.md,
"Numbers in requests")."""

import pytest

pytestmark = [pytest.mark.capability("test_api"), pytest.mark.provokes_errors]

ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
FULLWIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


def validation_error(message):
    return {"error": {"code": "validation_error", "message": message}}


QUANTITY = "Quantity must be a whole number between 1 and 10,000."
LIMIT_PRICE = "Limit price must be greater than 0."


@pytest.mark.flow("API-02")
@pytest.mark.parametrize(
    ("change", "message"),
    [
        pytest.param({"quantity": "²"}, QUANTITY, id="quantity-superscript"),
        pytest.param({"quantity": "١٠"}, QUANTITY, id="quantity-arabic-indic"),
        pytest.param({"quantity": "１００"}, QUANTITY, id="quantity-fullwidth"),
        pytest.param({"quantity": " 10 "}, QUANTITY, id="quantity-padded"),
        pytest.param({"quantity": "+5"}, QUANTITY, id="quantity-plus"),
        pytest.param({"quantity": "1e3"}, QUANTITY, id="quantity-exponent-text"),
        pytest.param({"quantity": "0x10"}, QUANTITY, id="quantity-hex"),
        pytest.param({"quantity": "1_000"}, QUANTITY, id="quantity-underscore"),
        pytest.param({"quantity": True}, QUANTITY, id="quantity-true"),
        pytest.param({"type": "limit", "limit_price": "١٤٠.٠٠"}, LIMIT_PRICE, id="limit-arabic-indic"),
        pytest.param({"type": "limit", "limit_price": "１４０"}, LIMIT_PRICE, id="limit-fullwidth"),
        pytest.param({"type": "limit", "limit_price": "²"}, LIMIT_PRICE, id="limit-superscript"),
        pytest.param({"type": "limit", "limit_price": " 140.00"}, LIMIT_PRICE, id="limit-padded"),
        pytest.param({"type": "limit", "limit_price": "+140"}, LIMIT_PRICE, id="limit-plus"),
        pytest.param({"type": "limit", "limit_price": "1e2"}, LIMIT_PRICE, id="limit-exponent-text"),
        pytest.param({"type": "limit", "limit_price": "1_40"}, LIMIT_PRICE, id="limit-underscore"),
        pytest.param({"type": "limit", "limit_price": "NaN"}, LIMIT_PRICE, id="limit-nan"),
        pytest.param({"type": "limit", "limit_price": "Infinity"}, LIMIT_PRICE, id="limit-infinity"),
    ],
)
def test_order_number_other_than_ascii_digits_answers_422(account, symbol, change, message):
    body = {"symbol": symbol, "side": "buy", "type": "market", "quantity": 1, "limit_price": None, **change}

    response = account.api.request("POST", "/api/orders", json=body)

    assert response.status_code == 422
    assert response.json() == validation_error(message)
    assert account.api.call("GET", "/api/orders", 200) == {"orders": []}


@pytest.mark.flow("API-02")
@pytest.mark.parametrize(
    "limit",
    ["²", "٥", "５", " 5", "+5", "5e1"],
    ids=["superscript", "arabic-indic", "fullwidth", "padded", "plus", "exponent"],
)
def test_list_limit_other_than_ascii_digits_answers_422(account, limit):
    response = account.api.request("GET", "/api/orders", params={"limit": limit})

    assert response.status_code == 422
    assert response.json() == validation_error("Limit must be a whole number between 1 and 500.")


@pytest.mark.flow("API-02")
@pytest.mark.parametrize("digits", [ARABIC_INDIC, FULLWIDTH], ids=["arabic-indic", "fullwidth"])
def test_order_id_in_other_digits_names_no_order(account, symbol, digits):
    order = account.api.place_order(symbol, "buy", 1, limit_price="140.00")  # Given a resting order
    other_id = str(order["id"]).translate(digits)

    cancel = account.api.request("POST", f"/api/orders/{other_id}/cancel")  # When cancelled by that id

    assert (cancel.status_code, cancel.json()["error"]["code"]) == (404, "not_found")
    assert account.api.order(order["id"])["status"] == "open"  # Then it still rests


@pytest.mark.flow("API-07")
@pytest.mark.parametrize(
    "price",
    ["١٤٠", "１４０", "²", "1e2", True],
    ids=["arabic-indic", "fullwidth", "superscript", "exponent-text", "json-true"],
)
def test_test_control_price_other_than_ascii_decimal_answers_422(api, symbol, price):
    response = api.request("POST", "/api/test/prices", json={"symbol": symbol, "price": price})

    assert response.status_code == 422
    assert response.json() == validation_error("price must be an amount with at most 2 decimals.")
    assert api.call("GET", f"/api/quotes/{symbol}", 200)["last"] == "150.00"


@pytest.mark.flow("API-07")
@pytest.mark.parametrize("amount", ["1000000000000000", 1e15], ids=["text", "json-number"])
def test_test_control_amount_of_a_quadrillion_answers_422(api, symbol, amount):
    price = api.request("POST", "/api/test/prices", json={"symbol": symbol, "price": amount})
    cash = api.request("POST", "/api/test/users", json={"cash": amount})

    assert (price.status_code, price.json()) == (
        422,
        validation_error("price must be an amount with at most 2 decimals."),
    )
    assert (cash.status_code, cash.json()) == (
        422,
        validation_error("cash must be an amount with at most 2 decimals."),
    )
    assert api.call("GET", f"/api/quotes/{symbol}", 200)["last"] == "150.00"


@pytest.mark.flow("API-07")
def test_test_control_cash_just_below_a_quadrillion_is_accepted(make_account):
    account = make_account(cash="999999999999999.99")
    assert account.api.portfolio()["cash"] == "999999999999999.99"


@pytest.mark.flow("API-07")
@pytest.mark.parametrize(("price", "last"), [(151, "151.00"), (151.25, "151.25")], ids=["integer", "decimal"])
def test_test_control_price_as_a_json_number_is_taken(api, symbol, price, last):
    response = api.request("POST", "/api/test/prices", json={"symbol": symbol, "price": price})
    assert (response.status_code, response.json()["last"]) == (200, last)


def limit_buy(account, symbol, limit_price):
    body = {"symbol": symbol, "side": "buy", "type": "limit", "quantity": 1, "limit_price": limit_price}
    return account.api.request("POST", "/api/orders", json=body)


@pytest.mark.flow("API-02")
def test_a_limit_price_written_in_32_characters_is_read(account, symbol):
    response = limit_buy(account, symbol, "140.00".rjust(32, "0"))  # leading zeros: the same price
    assert (response.status_code, response.json()["limit_price"]) == (201, "140.00")


@pytest.mark.provokes_errors
@pytest.mark.flow("API-02")
def test_a_limit_price_written_in_33_characters_is_refused(account, symbol):
    response = limit_buy(account, symbol, "140.00".rjust(33, "0"))
    assert (response.status_code, response.json()) == (422, validation_error(LIMIT_PRICE))
