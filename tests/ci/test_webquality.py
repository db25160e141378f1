"""The web-quality sign-off section and gate figures, read from a run folder."""

import json

import pytest

from ci.lighthouse import LighthouseResult, PageAudit, RunSummary
from ci.webquality import GATE_SPECS, render_markdown, web_quality_figures

pytestmark = pytest.mark.unit

COLD = {"script": 0, "style": 3251, "image": 421, "font": 0, "document": 823, "other": 0, "total": 4495}
METRICS = {"fcp_ms": 300.0, "lcp_ms": 450.0, "tbt_ms": 20.0, "cls": 0.001, "speed_index_ms": 600.0}


def write_jsonl(path, records):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r) + "\n" for r in records))


@pytest.fixture
def run_dir(tmp_path):
    write_jsonl(
        tmp_path / "artifacts" / "vitals-gw0.jsonl",
        [
            {
                "screen": "portfolio",
                "browser": "chromium",
                "lcp_ms": 500,
                "cls": 0.184,
                "inp_ms": None,
                "fcp_ms": 500,
            }
        ],
    )
    write_jsonl(
        tmp_path / "artifacts" / "accessibility-gw0.jsonl",
        [
            {
                "state": "trade",
                "browser": "firefox",
                "violations": [{"impact": "critical"}, {"impact": "minor"}],
            },
            {"state": "login", "browser": "firefox", "violations": []},
        ],
    )
    write_jsonl(
        tmp_path / "artifacts" / "assets-gw1.jsonl",
        [
            {
                "screen": "login",
                "browser": "firefox",
                "cold": COLD,
                "warm": COLD,
                "over_budget": [],
                "problems": [],
            }
        ],
    )
    return tmp_path


def test_figures_of_every_gate_without_lighthouse(run_dir):
    figures = web_quality_figures(run_dir)
    assert set(figures) == set(GATE_SPECS)
    assert figures["cls_p75"] == (0.184, "worst: portfolio on chromium (0.184, 1 loads)")
    assert figures["lighthouse_performance"] == (None, "Lighthouse did not run in this profile")
    assert figures["asset_budget"] == (0.0, "1 screen × browser measured")


def test_lighthouse_summary_is_read_back(run_dir):
    runs = [
        RunSummary({"performance": p, "accessibility": 100, "best-practices": 100, "seo": 100}, METRICS, "")
        for p in (99, 86, 98)
    ]
    result = LighthouseResult([PageAudit("dashboard", "desktop", "/dashboard", runs, 2, "x.html")], 61.0)
    (run_dir / "lighthouse").mkdir()
    (run_dir / "lighthouse" / "summary.json").write_text(json.dumps(result.to_json()))
    assert web_quality_figures(run_dir)["lighthouse_performance"] == (
        98.0,
        "lowest: dashboard (desktop), runs 99, 86, 98",
    )


def test_section_lists_accessibility_counts(run_dir):
    section = render_markdown(run_dir)
    assert "axe-core on 2 screen states × browsers (firefox): 1 critical, 1 minor." in section
    assert "_Lighthouse did not run in this profile._" in section
