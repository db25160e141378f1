"""Prometheus metrics, one registry per app so several apps can live in one process (tests)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.http_requests = Counter(
            "papertrade_http_requests",
            "HTTP requests by method, route template and status.",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.http_duration = Histogram(
            "papertrade_http_request_duration_seconds",
            "HTTP request duration by method and route template.",
            ["method", "route"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.ws_clients = Gauge(
            "papertrade_ws_clients", "Open WebSocket connections.", registry=self.registry
        )
        self.orders_placed = Counter("papertrade_orders_placed", "Orders accepted.", registry=self.registry)
        self.orders_filled = Counter("papertrade_orders_filled", "Orders filled.", registry=self.registry)
        self.orders_rejected = Counter(
            "papertrade_orders_rejected", "Orders rejected, by reason.", ["reason"], registry=self.registry
        )
        self.feed_ticks = Counter("papertrade_feed_ticks", "Market feed ticks.", registry=self.registry)
