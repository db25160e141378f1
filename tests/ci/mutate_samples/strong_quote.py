"""The sharp counterpart of weak_quote.py: the exact prices of a quote, so a wrong price fails it."""


def test_quote_has_exact_prices(api, symbol):
    quote = api.call("GET", f"/api/quotes/{symbol}", 200)
    assert (quote["bid"], quote["ask"]) == ("149.95", "150.05")
