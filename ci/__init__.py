"""tradecheck: the CI wrapper of TradeCheck (see `ci.cli` for the commands and exit codes)."""
