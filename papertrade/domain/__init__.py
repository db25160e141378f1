"""Business rules of PaperTrade: money, instruments, prices, accounts, orders and valuation."""
