"""The status page: what the HTML, the JSON and the Prometheus file show after an incident."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest
from monitor_builders import T0, make_result, seconds

from ci.errors import UsageError
from monitor.alerts import AlertEngine
from monitor.statuspage import (
    bar_colour,
    human_duration,
    probe_directory,
    render_html,
    snapshot,
    sparkline,
    write_status,
)
from monitor.store import DEGRADED, DOWN, UP

pytestmark = pytest.mark.unit
NOW = T0 + seconds(600)


@pytest.fixture
def page_data(store, config):
    """health: up, down from 12:01:00 to 12:02:30 (4 failures), then up; ready: slow at the end."""
    config = replace(config, alerts=replace(config.alerts, burn_rules=()))
    engine = AlertEngine(store, config, "local", None, log=lambda _: None)
    for n in range(20):
        at = T0 + seconds(30 * n)
        store.add(make_result("health", DOWN if 2 <= n <= 4 else UP, at, ms=10 + n))
        store.add(make_result("ready", DEGRADED if n >= 17 else UP, at, ms=2000 if n >= 17 else 5))
        engine.evaluate(config.checks, at + seconds(1))
    return snapshot(store, config, "staging", NOW)


def test_json_has_the_state_the_incident_and_the_slo(page_data):
    assert page_data["state"] == DEGRADED
    health, ready = page_data["checks"]
    assert (health["name"], health["state"], health["locations"]) == ("health", UP, {"local": UP})
    assert (ready["state"], ready["last"]["status"], ready["last"]["duration_ms"]) == (
        DEGRADED,
        DEGRADED,
        2000.0,
    )
    assert page_data["incidents"] == [
        {
            "check": "health",
            "location": "local",
            "started_at": "2026-11-30T12:01:00Z",
            "ended_at": "2026-11-30T12:02:30Z",
            "duration_s": 90,
            "ongoing": False,
            "step": "GET /health",
            "cause": "HTTP 503: injected_fault",
            "request_id": "mon-health-120100",
            "artifacts": None,
        }
    ]
    one_hour = health["windows"][0]
    assert (one_hour["window"], one_hour["total"], one_hour["availability"], one_hour["breached"]) == (
        "1h",
        20,
        85.0,
        True,
    )
    assert page_data["overall"][0]["availability"] == 92.5
    latencies = [(w["window"], w["p50_ms"], w["p95_ms"]) for w in health["windows"]]
    assert latencies == [("1h", 21.0, 29.0), ("24h", 21.0, 29.0), ("7d", None, None), ("30d", None, None)]
    assert len(health["uptime_days"]) == 90
    assert health["uptime_days"][-1] == {"day": "2026-11-30", "availability": 85.0, "results": 20}
    assert health["uptime_days"][0] == {"day": "2026-09-02", "availability": None, "results": 0}
    assert [p["status"] for p in health["sparkline"]].count(DOWN) == 3


def test_html_shows_the_incident_with_its_duration(page_data):
    html = render_html(page_data)
    assert '<span class="pill degraded" data-testid="overall-state">degraded</span>' in html
    assert (
        '<td>health</td><td>local</td><td class="when">2026-11-30T12:01:00Z</td>\n'
        '<td class="when">2026-11-30T12:02:30Z</td><td class="when">1 min 30 s</td>' in html
    )
    assert html.count('title="2026-') == 180  # 90 bars per check
    assert 'title="2026-11-30: 85.00 % of 20"' in html
    assert html.count("<svg") == 2
    assert [needle for needle in ("<script", "http://", "https://") if needle in html] == []  # self-contained


def test_html_escapes_what_the_target_said(page_data):
    page_data["incidents"][0]["cause"] = "<img src=x onerror=alert(1)>"
    assert "&lt;img src=x onerror=alert(1)&gt;" in render_html(page_data)


def test_prometheus_file(page_data, tmp_path):
    folder = tmp_path / "status"
    folder.mkdir()
    write_status(folder, page_data)
    lines = (folder / "metrics.prom").read_text().splitlines()
    for expected in [
        'tradecheck_monitor_check_up{check="health",location="local"} 1.0',
        'tradecheck_monitor_check_degraded{check="ready",location="local"} 1.0',
        'tradecheck_monitor_availability_percent{check="health",window="1h"} 85.0',
        'tradecheck_monitor_burn_rate{check="health",window="1h"} 150.0',
        'tradecheck_monitor_latency_ms{check="all checks",quantile="0.5",window="1h"} 11.0',
        "tradecheck_monitor_open_incidents 0.0",
    ]:
        assert expected in lines
    assert sorted(p.name for p in folder.iterdir()) == ["metrics.prom", "status.html", "status.json"]
    assert json.loads((folder / "status.json").read_text())["target"] == "staging"


def test_sparkline_marks_failures_on_the_baseline():
    svg = sparkline([{"ms": 10.0, "status": UP}, {"ms": 20.0, "status": DOWN}, {"ms": 40.0, "status": UP}])
    assert 'points="0.0,26.0 240.0,2.0"' in svg
    assert '<circle cx="120.0" cy="33" r="2.5" fill="#d33"/>' in svg
    assert sparkline([]) == ""


@pytest.mark.parametrize(
    ("value", "colour"), [(None, "#ccc"), (100.0, "#2a6"), (99.9, "#2a6"), (99.5, "#e9b000"), (98.0, "#d33")],
    ids=["no-data", "all-up", "at-slo", "below-slo", "bad-day"],
)  # fmt: skip
def test_bar_colours(value, colour):
    assert bar_colour(value, 99.9) == colour


@pytest.mark.parametrize(
    ("s", "text"), [(59, "59 s"), (90, "1 min 30 s"), (3720, "1 h 02 min")], ids=["s", "min", "h"]
)
def test_human_durations(s, text):
    assert human_duration(s) == text


def test_an_unwritable_status_folder_is_a_usage_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(UsageError, match=r"^--status-dir: cannot write the status page to .*/file/status \("):
        probe_directory(blocker / "status")


def test_a_failed_write_leaves_the_previous_page_whole(page_data, tmp_path, monkeypatch):
    folder = tmp_path / "status"
    folder.mkdir()
    write_status(folder, page_data)
    before = (folder / "status.html").read_text()
    monkeypatch.setattr("monitor.statuspage.render_html", lambda data: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        write_status(folder, page_data)
    assert (folder / "status.html").read_text() == before
    assert sorted(p.name for p in folder.iterdir()) == ["metrics.prom", "status.html", "status.json"]
