"""The instruments every PaperTrade lists, in listing order (docs/papertrade-contract.md, Domain rules):
a new account's watchlist and the trade screen's instrument list both start with them."""

LISTED_SYMBOLS = ["AAPL", "MSFT", "GOOGL", "AMZN", "TSLA", "NVDA", "META", "NFLX", "JPM", "V", "KO", "DIS"]
