"""The result store: several locations writing to one database give one merged report."""

from __future__ import annotations

import pytest
from monitor_builders import T0, make_result, seconds

from monitor.report import OVERALL, report, slo_table
from monitor.slo import Counts, nearest_rank
from monitor.store import DOWN, UP, Store

pytestmark = pytest.mark.unit


@pytest.fixture
def two_locations(store_url):
    """Two processes' stores on one database: eu-west all up, us-east with 2 failures in 10."""
    eu, us = Store(store_url), Store(store_url)
    for n in range(10):
        eu.add(make_result("health", UP, T0 + seconds(30 * n), ms=10 + n, location="eu-west"))
        status = DOWN if n in (3, 4) else UP
        us.add(
            make_result(
                "health",
                status,
                T0 + seconds(30 * n),
                ms=100 + n,
                location="us-east",
                attempts=3 if status == DOWN else 1,
            )
        )
    eu.close()
    us.close()
    merged = Store(store_url)
    yield merged
    merged.close()


def test_two_locations_merge_into_one_report(two_locations):
    now = T0 + seconds(300)
    assert two_locations.locations(T0) == ["eu-west", "us-east"]
    assert two_locations.counts(T0) == {"health": Counts(total=20, good=18, attempts=24, failed_attempts=6)}
    assert two_locations.counts(T0, location="us-east") == {"health": Counts(10, 8, 14, 6)}
    code, text = report(two_locations, 3600, 99.9, now)
    assert code == 1
    assert "SLO 99.9 % over 1h (all locations), until 2026-11-30 12:05 UTC" in text
    assert text.endswith("BREACHED: availability 90.000 % < 99.9 %")
    code, text = report(two_locations, 3600, 99.9, now, location="eu-west")
    assert (code, text.splitlines()[-1]) == (0, "met: availability 100.000 % >= 99.9 %")


def test_percentiles_come_from_the_database_by_nearest_rank(two_locations):
    passed = sorted([10.0 + n for n in range(10)] + [100.0 + n for n in range(10) if n not in (3, 4)])
    for percentile in (50, 95):
        assert two_locations.percentile(T0, percentile) == nearest_rank(passed, percentile)
    assert (two_locations.percentile(T0, 50), two_locations.percentile(T0, 95)) == (18.0, 109.0)
    assert two_locations.percentile(T0 + seconds(3600), 50) is None


def test_slo_table_rows_per_check_and_overall(two_locations):
    two_locations.add(make_result("ready", UP, T0 + seconds(290), ms=5, location="eu-west"))
    table = slo_table(two_locations, (60, 3600), 99.9, T0 + seconds(300))
    assert list(table) == ["health", "ready", OVERALL]
    last_minute, last_hour = table["health"]
    assert (last_minute.total, last_minute.availability) == (
        4,
        100.0,
    )  # 12:04:00 and 12:04:30 at each location
    assert (last_hour.total, last_hour.availability, last_hour.burn_rate) == (20, 90.0, 100.0)
    assert table[OVERALL][1].total == 21


def test_daily_counts_for_the_uptime_bars(two_locations):
    two_locations.add(make_result("health", DOWN, T0 - seconds(86400)))
    daily = two_locations.daily("2026-11-29")
    assert daily == {("health", "2026-11-29"): Counts(1, 0), ("health", "2026-11-30"): Counts(20, 18)}


def test_an_unreachable_store_is_an_infrastructure_error():
    from ci.errors import InfrastructureError

    with pytest.raises(
        InfrastructureError,
        match=r"^store postgresql\+psycopg://nobody:\*\*\*@127.0.0.1:9/x is unreachable: ",
    ):
        Store("postgresql+psycopg://nobody:secret@127.0.0.1:9/x")


def test_a_bad_store_url_is_a_usage_error():
    from ci.errors import UsageError

    with pytest.raises(UsageError, match=r"^--store: not a SQLAlchemy database URL: 'nope'$"):
        Store("nope")


def test_uptime_gate_figure_fails_its_threshold(two_locations):
    from monitor.signoff import GATE_DEFAULT, uptime_figure

    figure, detail = uptime_figure(two_locations, T0 + seconds(300))
    assert (figure, figure >= GATE_DEFAULT) == (90.0, False)
    assert (
        detail == "20 results over 30d at eu-west, us-east; least available: health 90.000 %; 0 incident(s)"
    )
    assert uptime_figure(two_locations, T0 + seconds(86400 * 31)) == (
        None,
        "no monitor results in the last 30d",
    )
