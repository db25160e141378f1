"""PaperTrade: a paper-trading web app, the embedded default target of TradeCheck."""

__version__ = "1.0.0"
