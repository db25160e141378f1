"""SLO arithmetic with exact figures, durations, retry waits."""

from __future__ import annotations

import pytest

from monitor.config import MonitorConfigError, Retry, format_duration, parse_duration
from monitor.slo import Counts, burn_rate, burning, figures, nearest_rank, rank_offset

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("bad", "availability", "burn", "budget_left"),
    [(0, 100.0, 0.0, 100.0), (1, 99.9, 1.0, 0.0), (3, 99.7, 3.0, -200.0), (1000, 0.0, 1000.0, -99900.0)],
    ids=["clean", "budget-spent-exactly", "three-times-over", "all-down"],
)
def test_availability_burn_rate_and_budget_of_1000_results(bad, availability, burn, budget_left):
    f = figures(
        Counts(total=1000, good=1000 - bad, attempts=1000, failed_attempts=bad), 99.9, 3600, 12.0, 40.0
    )
    assert (f.availability, f.burn_rate, f.budget_left) == (availability, burn, budget_left)
    assert f.breached is (availability < 99.9)


def test_half_the_budget_left_at_99_95():
    f = figures(Counts(total=2000, good=1999, attempts=2000, failed_attempts=1), 99.9, 86400, None, None)
    assert (f.availability, f.burn_rate, f.budget_left, f.breached) == (99.95, 0.5, 50.0, False)


def test_error_rate_counts_retried_attempts():
    # 3 passed (one on its 3rd attempt), 1 failed after 3 attempts: 2 + 3 failed of 1+1+3+3 attempts
    f = figures(Counts(total=4, good=3, attempts=8, failed_attempts=5), 99.9, 3600, None, None)
    assert f.error_rate == 62.5
    assert f.availability == 75.0


def test_an_empty_window_has_no_figures_and_is_not_breached():
    f = figures(Counts(), 99.9, 3600, None, None)
    assert (f.availability, f.burn_rate, f.budget_left, f.error_rate, f.breached) == (
        None,
        None,
        None,
        None,
        False,
    )


@pytest.mark.parametrize(
    ("values", "percentile", "expected"),
    [
        ([10, 20, 30, 40, 50, 60, 70, 80, 90, 100], 50, 50),
        ([10, 20, 30, 40, 50, 60, 70, 80, 90, 100], 95, 100),
        (list(range(1, 21)), 95, 19),
        (list(range(1, 21)), 50, 10),
        ([7], 95, 7),
        ([], 50, None),
    ],
    ids=["p50-of-10", "p95-of-10", "p95-of-20", "p50-of-20", "single", "empty"],
)
def test_nearest_rank_percentiles(values, percentile, expected):
    assert nearest_rank(values, percentile) == expected
    offset = rank_offset(len(values), percentile)
    assert (None if offset is None else values[offset]) == expected


@pytest.mark.parametrize(
    ("long_bad", "short_bad", "expected"),
    [(144, 12, True), (143, 12, False), (144, 11, False)],
    ids=["both-at-14.4", "long-just-below", "short-just-below"],
)
def test_multiwindow_rule_needs_both_windows_at_the_factor(long_bad, short_bad, expected):
    # SLO 99.9 %: 144 bad of 10000 burns at exactly 14.4; 12 bad of 833 at 14.406, 11 at 13.205
    long_counts = Counts(total=10000, good=10000 - long_bad)
    short_counts = Counts(total=833, good=833 - short_bad)
    assert burn_rate(long_counts, 99.9) == long_bad / 10
    assert burning(long_counts, short_counts, 99.9, 14.4) is expected


def test_no_burn_alert_without_results_in_a_window():
    assert burning(Counts(total=10, good=0), Counts(), 99.9, 1) is False


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("500ms", 0.5), ("30s", 30), ("5m", 300), ("1h", 3600), ("24h", 86400), ("7d", 604800), ("1.5m", 90)],
    ids=["ms", "s", "m", "h", "24h", "d", "fraction"],
)
def test_durations(text, seconds):
    assert parse_duration(text, "x") == seconds


@pytest.mark.parametrize(
    "text", ["5x", "30", "", "0s", "-1m", "m5"], ids=["unit", "bare", "empty", "zero", "neg", "order"]
)
def test_bad_durations_name_the_key(text):
    with pytest.raises(MonitorConfigError, match=r"^--interval: expected a duration (like 30s|above zero)"):
        parse_duration(text, "--interval")


@pytest.mark.parametrize(
    ("seconds", "text"), [(30, "30s"), (300, "5m"), (86400, "24h"), (604800, "7d"), (0.5, "500ms")],
    ids=["s", "m", "24h", "7d", "ms"],
)  # fmt: skip
def test_durations_print_as_written(seconds, text):
    assert format_duration(seconds) == text


@pytest.mark.parametrize(
    ("strategy", "waits"),
    [("fixed", [2.0, 2.0, 2.0]), ("linear", [2.0, 4.0, 6.0]), ("exponential", [2.0, 4.0, 8.0])],
    ids=["fixed", "linear", "exponential"],
)
def test_retry_waits(strategy, waits):
    assert Retry(strategy=strategy, attempts=4, delay_s=2.0).delays() == waits
    assert Retry(strategy=strategy, attempts=1, delay_s=2.0).delays() == []
