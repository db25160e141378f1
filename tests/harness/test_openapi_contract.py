"""ApiContract: answers are checked against the published description, one line per problem."""

import json

import pytest
import requests

from harness.openapi_contract import ApiContract

pytestmark = pytest.mark.unit

SPEC = {
    "openapi": "3.1.0",
    "paths": {
        "/api/orders/{order_id}": {
            "get": {
                "responses": {
                    "200": {
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Order"}}}
                    },
                    "404": {
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
                    },
                }
            }
        },
        "/metrics": {"get": {"responses": {"200": {"description": "text"}}}},
    },
    "components": {
        "schemas": {
            "Money": {"type": "string", "pattern": r"^-?\d+\.\d{2}$"},
            "Order": {
                "type": "object",
                "properties": {
                    "id": {"type": "integer"},
                    "fill_price": {"$ref": "#/components/schemas/Money"},
                },
                "required": ["id", "fill_price"],
                "additionalProperties": False,
            },
            "Error": {"type": "object", "required": ["error"]},
        }
    },
}
ROUTE = "/api/orders/{order_id}"


def answer(status: int, body) -> requests.Response:
    response = requests.Response()
    response.status_code = status
    response._content = body.encode() if isinstance(body, str) else json.dumps(body).encode()
    return response


@pytest.fixture
def contract() -> ApiContract:
    return ApiContract(SPEC)


def test_a_fitting_answer_has_no_problems(contract):
    assert contract.problems("GET", ROUTE, answer(200, {"id": 1, "fill_price": "150.05"})) == []
    assert contract.problems("get", "/metrics", answer(200, "# HELP not json")) == []


def test_wrong_fields_are_named_with_their_place(contract):
    problems = contract.problems("GET", ROUTE, answer(200, {"id": "1", "fill_price": 150.05, "venue": "X"}))
    assert problems == [
        "GET /api/orders/{order_id} 200: (body): "
        "Additional properties are not allowed ('venue' was unexpected)",
        "GET /api/orders/{order_id} 200: fill_price: 150.05 is not of type 'string'",
        "GET /api/orders/{order_id} 200: id: '1' is not of type 'integer'",
    ]


def test_a_money_string_must_have_two_decimals(contract):
    [problem] = contract.problems("GET", ROUTE, answer(200, {"id": 1, "fill_price": "150.5"}))
    assert problem.startswith("GET /api/orders/{order_id} 200: fill_price: '150.5' does not match")


def test_undocumented_statuses_routes_and_non_json_bodies_are_problems(contract):
    assert contract.problems("GET", ROUTE, answer(500, {"error": {}})) == [
        "GET /api/orders/{order_id}: status 500 is not documented (documented: 200, 404)"
    ]
    assert contract.problems("DELETE", ROUTE, answer(200, {})) == [
        "DELETE /api/orders/{order_id}: not in the description"
    ]
    assert contract.problems("GET", ROUTE, answer(404, "<html>")) == [
        "GET /api/orders/{order_id} 404: the body is not JSON: '<html>'"
    ]


def test_routes_lists_every_documented_operation(contract):
    assert contract.routes() == {("GET", ROUTE), ("GET", "/metrics")}
