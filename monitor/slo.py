"""SLO arithmetic on counts of check results, pure and exact.

A result is *good* when the check passed (up or degraded: correct but slow still serves users)
and *bad* when it failed after its retries. Over a window:

  availability      = good / total
  error budget      = 1 - SLO                       (0.1 % of results for 99.9 %)
  burn rate         = (1 - availability) / (1 - SLO) (1 spends the budget exactly over the SLO period)
  budget left       = 1 - burn rate                  (of the window's budget; negative = overspent)
  error rate        = failed attempts / attempts     (retried attempts included: flakiness shows
                                                      here before it costs availability)
  p50, p95          nearest-rank percentiles of the latency of passed results
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class Counts:
    total: int = 0  # results
    good: int = 0  # up or degraded
    attempts: int = 0
    failed_attempts: int = 0

    def __add__(self, other: Counts) -> Counts:
        return Counts(
            self.total + other.total,
            self.good + other.good,
            self.attempts + other.attempts,
            self.failed_attempts + other.failed_attempts,
        )


@dataclass(frozen=True)
class SloFigures:
    window_s: float
    total: int
    availability: float | None  # percent
    error_rate: float | None  # percent of attempts
    budget_left: float | None  # percent of the window's budget
    burn_rate: float | None
    p50_ms: float | None
    p95_ms: float | None
    slo: float

    @property
    def breached(self) -> bool:
        return self.availability is not None and self.availability < self.slo


def availability(counts: Counts) -> float | None:
    return None if counts.total == 0 else 100 * counts.good / counts.total


def burn_rate(counts: Counts, slo: float) -> float | None:
    """How many times faster than allowed the window spends the error budget."""
    if counts.total == 0:
        return None
    # Decimal: 100 - 99.9 in floats is 0.0999999..., and one bad result in 1000 must burn exactly 1.
    allowed = (100 - Decimal(str(slo))) / 100
    return float(Decimal(counts.total - counts.good) / counts.total / allowed)


def nearest_rank(sorted_values: Sequence[float], percentile: float) -> float | None:
    """The value at rank ceil(p/100 × n) (1-based) of an ascending list: always an observed value."""
    if not sorted_values:
        return None
    rank = max(1, math.ceil(percentile / 100 * len(sorted_values)))
    return sorted_values[rank - 1]


def rank_offset(count: int, percentile: float) -> int | None:
    """The 0-based offset `nearest_rank` reads, so a database can answer it with ORDER BY ... OFFSET."""
    return None if count == 0 else max(1, math.ceil(percentile / 100 * count)) - 1


def figures(
    counts: Counts, slo: float, window_s: float, p50_ms: float | None, p95_ms: float | None
) -> SloFigures:
    burn = burn_rate(counts, slo)
    return SloFigures(
        window_s=window_s,
        total=counts.total,
        availability=availability(counts),
        error_rate=None if counts.attempts == 0 else 100 * counts.failed_attempts / counts.attempts,
        budget_left=None if burn is None else float(100 * (1 - Decimal(str(burn)))),
        burn_rate=burn,
        p50_ms=p50_ms,
        p95_ms=p95_ms,
        slo=slo,
    )


def burning(long_counts: Counts, short_counts: Counts, slo: float, factor: float) -> bool:
    """Multiwindow burn-rate rule: both windows spend the budget at least `factor` times too fast
    (the long window proves it matters, the short one that it is still happening)."""
    long_burn, short_burn = burn_rate(long_counts, slo), burn_rate(short_counts, slo)
    return long_burn is not None and short_burn is not None and min(long_burn, short_burn) >= factor
