"""The asset_budget gate and the sign-off's asset table."""

import pytest

from ci.assets import GATE_SPECS, asset_budget_gate, render_markdown

pytestmark = pytest.mark.unit

COLD = {"script": 6654, "style": 3251, "image": 421, "font": 0, "document": 2323, "other": 0, "total": 12649}
WARM = {"script": 0, "style": 0, "image": 0, "font": 0, "document": 2325, "other": 0, "total": 2325}


def record(screen, browser, over_budget=(), problems=()):
    return {
        "screen": screen,
        "browser": browser,
        "cold": COLD,
        "warm": WARM,
        "over_budget": list(over_budget),
        "problems": list(problems),
    }


def test_all_within_budget_passes():
    assert asset_budget_gate([record("dashboard", "chromium"), record("dashboard", "firefox")]) == (
        0.0,
        "2 screen × browser measured",
    )


def test_big_script_fails_and_is_named():
    records = [
        record("dashboard", "chromium", ["dashboard: script 1051287 bytes > budget 40000"]),
        record(
            "dashboard",
            "chromium",
            ["dashboard: script 1051287 bytes > budget 40000"],
            ["/static/js/big.js (1048576 bytes) is not compressed"],
        ),
        record("login", "chromium"),
    ]
    figure, detail = asset_budget_gate(records)
    assert figure == 1.0
    assert detail == (
        "dashboard on chromium: dashboard: script 1051287 bytes > budget 40000; "
        "/static/js/big.js (1048576 bytes) is not compressed"
    )
    *_, comparison, threshold = GATE_SPECS["asset_budget"]
    assert (comparison, threshold) == ("<=", 0)
    assert not figure <= threshold


def test_nothing_measured_is_no_figure():
    assert asset_budget_gate([]) == (None, "no screen measured")


def test_table_row():
    assert render_markdown([record("dashboard", "firefox")]).splitlines()[2] == (
        "| dashboard | firefox | 6.7 kB | 3.3 kB | 0.4 kB | 0.0 kB | 2.3 kB | 12.6 kB | 2.3 kB | none |"
    )
