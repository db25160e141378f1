"""Prometheus metrics, one registry per app so several apps can live in one process (tests)."""

from __future__ import annotations

from collections.abc import Iterator

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy.pool import QueuePool

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

    def watch_pool(self, pool: QueuePool, max_overflow: int) -> None:
        """Publish the connection pool's gauges, read at each scrape."""
        self.registry.register(PoolCollector(pool, max_overflow))


class PoolCollector(Collector):
    """`papertrade_db_pool_*`: the configured size and overflow, connections checked out (in use),
    checked in (open, idle) and overflow connections open now."""

    def __init__(self, pool: QueuePool, max_overflow: int) -> None:
        self.pool = pool
        self.max_overflow = max_overflow

    def collect(self) -> Iterator[GaugeMetricFamily]:
        figures = (
            ("size", "Connections the pool keeps open.", self.pool.size()),
            ("max_overflow", "Extra connections allowed under load.", self.max_overflow),
            ("checked_out", "Connections in use.", self.pool.checkedout()),
            ("checked_in", "Open connections idle in the pool.", self.pool.checkedin()),
            # QueuePool counts overflow from -size (nothing opened yet); only the part above 0 is open.
            ("overflow", "Overflow connections open.", max(0, self.pool.overflow())),
        )
        for name, documentation, value in figures:
            yield GaugeMetricFamily(f"papertrade_db_pool_{name}", documentation, value=value)
