"""Lighthouse: summaries of its results, the median run, the gates, the table and bad input."""

import json

import pytest

from ci.errors import INFRASTRUCTURE, USAGE, InfrastructureError
from ci.lighthouse import (
    GATE_SPECS,
    LighthouseResult,
    PageAudit,
    RunSummary,
    accessibility_gate,
    lighthouse_command,
    main,
    median_index,
    performance_gate,
    preflight,
    render_markdown,
    summarize,
    write_allure_results,
)

pytestmark = pytest.mark.unit

METRICS = {"fcp_ms": 300.0, "lcp_ms": 450.0, "tbt_ms": 20.0, "cls": 0.001, "speed_index_ms": 600.0}


def lhr(performance=0.97, accessibility=1.0, seo=1.0, error=None):
    return {
        "finalDisplayedUrl": "http://127.0.0.1:8000/dashboard",
        "runtimeError": error,
        "categories": {
            "performance": {"score": performance},
            "accessibility": {"score": accessibility},
            "best-practices": {"score": 1.0},
            "seo": {"score": seo},
        },
        "audits": {
            "first-contentful-paint": {"numericValue": 300.0},
            "largest-contentful-paint": {"numericValue": 450.0},
            "total-blocking-time": {"numericValue": 20.0},
            "cumulative-layout-shift": {"numericValue": 0.001},
            "speed-index": {"numericValue": 600.0},
        },
    }


def run(performance, accessibility=100):
    scores = {"performance": performance, "accessibility": accessibility, "best-practices": 100, "seo": 100}
    return RunSummary(scores, METRICS, "http://x/dashboard")


def audit(page, performances, accessibility=100, preset="desktop"):
    runs = [run(p, accessibility) for p in performances]
    return PageAudit(
        page, preset, f"/{page}", runs, median_index(runs), f"lighthouse/{page}-{preset}.report.html"
    )


def test_summary_has_scores_out_of_100_and_metrics():
    summary = summarize(lhr(performance=0.861, seo=0.91), "http://x/dashboard")
    assert summary.scores == {"performance": 86, "accessibility": 100, "best-practices": 100, "seo": 91}
    assert summary.metrics == METRICS


def test_page_that_did_not_load_is_infrastructure():
    error = {"code": "FAILED_DOCUMENT_REQUEST", "message": "net::ERR_CONNECTION_REFUSED"}
    with pytest.raises(InfrastructureError, match=r"http://x/ did not load: FAILED_DOCUMENT_REQUEST"):
        summarize(lhr(error=error), "http://x/")


@pytest.mark.parametrize(
    ("performances", "kept"),
    [([97, 62, 99], 0), ([99, 97, 62], 1), ([90, 90, 90], 1), ([80, 100], 0), ([75], 0)],
    ids=["middle-first", "middle-second", "ties-keep-middle", "even-lower-middle", "one-run"],
)
def test_median_run_by_performance_score(performances, kept):
    assert median_index([run(p) for p in performances]) == kept


def test_noisy_run_does_not_decide_the_gate():
    result = LighthouseResult([audit("login", [100, 100, 100]), audit("dashboard", [99, 86, 98])])
    assert performance_gate(result) == (98.0, "lowest: dashboard (desktop), runs 99, 86, 98")


def test_slow_page_fails_the_performance_gate():
    result = LighthouseResult([audit("login", [100, 100, 100]), audit("dashboard", [70, 86, 64])])
    figure, detail = performance_gate(result)
    assert (figure, detail) == (70.0, "lowest: dashboard (desktop), runs 70, 86, 64")
    *_, comparison, threshold = GATE_SPECS["lighthouse_performance"]
    assert (comparison, threshold) == (">=", 90)
    assert not figure >= threshold


def test_unlabelled_input_fails_the_accessibility_gate():
    result = LighthouseResult([audit("trade", [99, 99, 99], accessibility=87)])
    figure, detail = accessibility_gate(result)
    assert (figure, detail) == (87.0, "lowest: trade (desktop), runs 87, 87, 87")
    assert not figure >= GATE_SPECS["lighthouse_accessibility"][3]


def test_no_audit_is_no_figure():
    assert performance_gate(LighthouseResult()) == (None, "no page audited")


def test_table_shows_kept_run_and_every_performance_score():
    table = render_markdown(LighthouseResult([audit("dashboard", [99, 86, 98])], wall_seconds=61.4))
    assert table.splitlines()[2] == (
        "| dashboard | desktop | 98 | 100 | 100 | 100 | 300 ms | 450 ms | 20 ms | 0.001 | 600 ms "
        "| 99 / 86 / 98 |"
    )
    assert table.splitlines()[-1] == "Lighthouse wall time: 61 s"


def test_allure_result_per_page_with_the_html_report(tmp_path):
    (tmp_path / "lighthouse").mkdir()
    (tmp_path / "lighthouse" / "dashboard-desktop.report.html").write_text("<html>report</html>")
    result = LighthouseResult([audit("dashboard", [70, 86, 64])])
    write_allure_results(result, tmp_path, tmp_path / "allure-results", {"lighthouse_performance": 90})
    [written] = [json.loads(p.read_text()) for p in (tmp_path / "allure-results").glob("*-result.json")]
    assert written["name"] == "Lighthouse: dashboard (desktop)"
    assert (written["status"], written["statusDetails"]["message"]) == ("failed", "performance 70 < 90")
    [attachment] = written["attachments"]
    assert (tmp_path / "allure-results" / attachment["source"]).read_text() == "<html>report</html>"


def test_missing_lighthouse_names_the_install_command(tmp_path):
    with pytest.raises(InfrastructureError, match=r"install it with: npm ci --prefix ci"):
        lighthouse_command(tmp_path)


def test_unknown_page_in_config_exits_2_naming_file_and_key(tmp_path, capsys):
    config = tmp_path / "webquality.yaml"
    config.write_text(
        "web_quality:\n  pages: {login: {path: /login}}\n  lighthouse: {pages: [login, checkout]}\n"
        "  budgets: {default: {script: 1, style: 1, image: 1, font: 0, total: 3}}\n"
    )
    assert main(["--out", str(tmp_path / "out"), "--config", str(config)]) == USAGE
    assert capsys.readouterr().err == (
        f"tradecheck: error: {config}: web_quality.lighthouse.pages[1]: unknown page 'checkout' "
        "(expected one of login)\n"
    )


def test_bad_budget_exits_2_naming_the_key(tmp_path, capsys):
    config = tmp_path / "webquality.yaml"
    config.write_text(
        "web_quality:\n  pages: {login: {path: /login}}\n"
        "  budgets: {default: {script: 1, style: 1, image: 1, font: 0, total: 3}, login: {script: lots}}\n"
    )
    assert main(["--out", str(tmp_path / "out"), "--config", str(config)]) == USAGE
    assert capsys.readouterr().err == (
        f"tradecheck: error: {config}: web_quality.budgets.login.script: "
        "expected a number of bytes, got 'lots'\n"
    )


def test_missing_lighthouse_exits_3(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr("ci.lighthouse.lighthouse_command", lambda root: lighthouse_command(tmp_path))
    assert main(["--out", str(tmp_path / "out")]) == INFRASTRUCTURE
    assert "lighthouse is not installed" in capsys.readouterr().err


def test_preflight_names_axe_then_lighthouse(tmp_path):
    with pytest.raises(
        InfrastructureError, match=r"axe-core is not installed .*install it with: npm ci --prefix ci"
    ):
        preflight(tmp_path, lighthouse=False)
    axe = tmp_path / "ci" / "node_modules" / "axe-core" / "axe.min.js"
    axe.parent.mkdir(parents=True)
    axe.write_text("window.axe = {};")
    preflight(tmp_path, lighthouse=False)
    with pytest.raises(InfrastructureError, match=r"lighthouse is not installed"):
        preflight(tmp_path, lighthouse=True)
