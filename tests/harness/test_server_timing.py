"""The database work each response reports (Server-Timing) reaches the traffic log."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest

from fixtures.artifacts import RunRecorder
from fixtures.target_app import RunningTarget
from harness.api_client import ApiExchange
from harness.server_timing import DatabaseWork, database_work, durations

pytestmark = pytest.mark.unit
PAPERTRADE = 'db;desc="database";dur=1.250, dbq;desc="queries";dur=4'


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (PAPERTRADE, {"db": 1.25, "dbq": 4.0}),
        ('cache;desc="hit, warm", db;dur=2', {"db": 2.0}),  # a comma inside a quoted description
        ("db;dur=2, db;dur=9", {"db": 2.0}),  # the first entry of a name wins
        ("miss, db;dur=abc, total;dur=7.5", {"total": 7.5}),  # no dur, a bad dur
        ("", {}),
        (None, {}),
    ],
    ids=["papertrade", "quoted-comma", "duplicate", "no-or-bad-dur", "empty", "absent"],
)
def test_durations_of_each_metric(header, expected):
    assert durations(header) == expected


def test_database_work_needs_both_metrics():
    assert database_work(PAPERTRADE) == DatabaseWork(queries=4, ms=1.25)
    assert database_work("db;dur=1.0") is None


def traffic(tmp_path, exchange) -> dict:
    recorder = RunRecorder(tmp_path, RunningTarget("local", "http://127.0.0.1:8000", "1.0", None))
    recorder.current = ("scenarios/test_api.py::test_x", False)
    recorder.record_api_exchange(exchange)
    recorder.close()
    (log,) = tmp_path.glob("traffic-*.jsonl")
    return json.loads(log.read_text())


def test_an_api_exchange_with_server_timing_records_queries_and_database_time(tmp_path):
    exchange = SimpleNamespace(
        method="GET",
        url="http://127.0.0.1:8000/api/portfolio",
        status=200,
        failure=None,
        duration_ms=3.5,
        server_timing=PAPERTRADE,
    )
    record = traffic(tmp_path, exchange)
    assert (record["path"], record["db_queries"], record["db_ms"]) == ("/api/portfolio", 4, 1.25)


def test_an_exchange_without_server_timing_records_none(tmp_path):
    exchange = ApiExchange("GET", "http://127.0.0.1:8000/api/quotes", 200, None, 1.0)
    record = traffic(tmp_path, exchange)
    assert (record["db_queries"], record["db_ms"]) == (None, None)
