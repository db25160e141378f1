"""The listed instruments PaperTrade starts with; the base price is also the previous close."""

from __future__ import annotations

from typing import NamedTuple


class Listing(NamedTuple):
    symbol: str
    name: str
    base_cents: int


LISTED: tuple[Listing, ...] = (
    Listing("AAPL", "Apple Inc.", 15000),
    Listing("MSFT", "Microsoft Corporation", 33000),
    Listing("GOOGL", "Alphabet Inc. Class A", 13500),
    Listing("AMZN", "Amazon.com, Inc.", 13000),
    Listing("TSLA", "Tesla, Inc.", 25000),
    Listing("NVDA", "NVIDIA Corporation", 45000),
    Listing("META", "Meta Platforms, Inc.", 30000),
    Listing("NFLX", "Netflix, Inc.", 40000),
    Listing("JPM", "JPMorgan Chase & Co.", 14500),
    Listing("V", "Visa Inc.", 24000),
    Listing("KO", "The Coca-Cola Company", 5800),
    Listing("DIS", "The Walt Disney Company", 9000),
)

LISTED_SYMBOLS: tuple[str, ...] = tuple(listing.symbol for listing in LISTED)
