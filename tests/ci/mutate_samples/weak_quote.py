"""A planted weak test for tests/ci/test_mutate_run.py: it reads a quote but checks only the status,
so a mutant that gets the prices wrong survives it."""


def test_quote_answers(api, symbol):
    assert api.request("GET", f"/api/quotes/{symbol}").status_code == 200
