"""Core Web Vitals p75 per screen and browser, and the lcp_p75_ms / cls_p75 gates."""

import json

import pytest

from ci.webvitals import (
    GATE_SPECS,
    cls_p75_gate,
    lcp_p75_gate,
    read_vitals,
    render_markdown,
    vitals_by_screen,
)

pytestmark = pytest.mark.unit


def load(screen, browser, lcp, cls, inp=None, fcp=None):
    return {"screen": screen, "browser": browser, "lcp_ms": lcp, "cls": cls, "inp_ms": inp, "fcp_ms": fcp}


DASHBOARD_CHROMIUM = [
    load("dashboard", "chromium", lcp, cls)
    for lcp, cls in [(400, 0.0), (800, 0.02), (1200, 0.05), (1600, 0.08), (3000, 0.3)]
]
FIREFOX = [load("dashboard", "firefox", 900, None, inp=40, fcp=300), load("login", "firefox", 200, None)]


def passes(name, figure):
    _, _, comparison, default = GATE_SPECS[name]
    assert comparison == "<="
    return figure <= default


def test_p75_is_the_nearest_rank_per_screen_and_browser():
    rows = vitals_by_screen([*DASHBOARD_CHROMIUM, *FIREFOX, load(None, "chromium", 9999, 1.0)])
    assert [(r.screen, r.browser, r.loads) for r in rows] == [
        ("dashboard", "chromium", 5),
        ("dashboard", "firefox", 1),
        ("login", "firefox", 1),
    ]
    # five loads: rank ceil(0.75 * 5) = 4
    assert rows[0].p75 == {"lcp_ms": 1600.0, "cls": 0.08, "inp_ms": None, "fcp_ms": None}
    assert rows[1].p75 == {"lcp_ms": 900.0, "cls": None, "inp_ms": 40.0, "fcp_ms": 300.0}


def test_gates_pass_on_good_loads_and_name_the_worst_screen():
    assert lcp_p75_gate([*DASHBOARD_CHROMIUM, *FIREFOX]) == (
        1600.0,
        "worst: dashboard on chromium (1600 ms, 5 loads)",
    )
    assert cls_p75_gate([*DASHBOARD_CHROMIUM, *FIREFOX]) == (
        0.08,
        "worst: dashboard on chromium (0.080, 5 loads); not measured by firefox",
    )
    assert passes("lcp_p75_ms", 1600.0)
    assert passes("cls_p75", 0.08)


def test_slow_largest_paint_fails_lcp_gate():
    slow = [load("portfolio", "firefox", lcp, None) for lcp in (2400, 2600, 2700, 2800)]
    figure, detail = lcp_p75_gate([*DASHBOARD_CHROMIUM, *slow])
    assert (figure, detail) == (2700.0, "worst: portfolio on firefox (2700 ms, 4 loads)")
    assert not passes("lcp_p75_ms", figure)


def test_layout_shift_fails_cls_gate():
    shifting = [load("portfolio", "chromium", 500, cls) for cls in (0.05, 0.12, 0.25, 0.25)]
    figure, detail = cls_p75_gate([*DASHBOARD_CHROMIUM, *shifting])
    assert (figure, detail) == (0.25, "worst: portfolio on chromium (0.250, 4 loads)")
    assert not passes("cls_p75", figure)


def test_no_measure_is_none_not_zero():
    assert cls_p75_gate(FIREFOX) == (None, "no page load measured it")
    assert lcp_p75_gate([]) == (None, "no page load measured it")


def test_table_and_files(tmp_path):
    (tmp_path / "vitals-gw0.jsonl").write_text(
        "\n".join(json.dumps(r) for r in FIREFOX) + "\n", encoding="utf-8"
    )
    rows = vitals_by_screen(read_vitals(tmp_path))
    assert render_markdown(rows).splitlines()[2:] == [
        "| dashboard | firefox | 1 | 900 ms | n/a | 40 ms | 300 ms |",
        "| login | firefox | 1 | 200 ms | n/a | n/a | n/a |",
    ]
    assert render_markdown([]) == "_No page load recorded Web Vitals._"
