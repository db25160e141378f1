"""Two tiny tests on different routes, run by tests/ci/test_mutate_contexts.py (not collected by
default: the file name does not start with test_)."""


def test_reads_a_quote_over_the_api(api, symbol):
    assert api.call("GET", f"/api/quotes/{symbol}", 200)["symbol"] == symbol


def test_opens_the_status_page(page):
    page.goto("/status")
