"""Synthetic monitoring of a TradeCheck target: checks, result store, SLOs, alerts, status page."""
