"""The read-only commands: profiles, gates, open and diff."""

import pytest
from tradecheck_builders import result_record

from ci import inspect
from ci.gates import GATES

pytestmark = pytest.mark.unit


def test_profiles_lists_each_profile_with_its_gates(project, tradecheck):
    code, out, err = tradecheck("profiles")
    assert (code, err) == (0, [])
    assert "smoke: The fastest check" in out
    assert "  gates: failures <= 0, page_errors <= 0, error_rate < 0.1 %, p95_ms < 500 ms" in out


def test_gates_lists_every_registered_gate_and_who_enforces_it(project, tradecheck):
    code, out, _ = tradecheck("gates")
    assert code == 0
    assert [line.split(":")[0] for line in out.splitlines() if not line.startswith(" ")] == list(GATES)
    assert "flaky: Tests that passed only after a retry (default <= 0)\n  decides in: release <= 0" in out


def test_open_without_a_finished_run_is_a_usage_error(project, tradecheck):
    code, _, err = tradecheck("open")
    assert code == 2
    assert err == [
        f"tradecheck: error: no finished run yet ({project / 'reports' / 'latest'} does not exist)"
    ]


def test_open_names_the_latest_report(project, tradecheck, make_run_dir, monkeypatch):
    run = make_run_dir("r", [result_record("s::a[chromium]")])
    (run / "allure-report").mkdir()
    (run / "allure-report" / "index.html").write_text("<html></html>")
    (project / "reports").mkdir()
    (project / "reports" / "latest").symlink_to(run)
    opened = []
    monkeypatch.setattr(inspect.shutil, "which", lambda name: None)
    monkeypatch.setattr(inspect.webbrowser, "open", opened.append)
    code, out, _ = tradecheck("open")
    assert code == 0
    assert out == f"report: {run / 'allure-report' / 'index.html'}\n"
    assert opened == [(run / "allure-report" / "index.html").as_uri()]


def test_diff_names_changed_tests_and_gates(project, tradecheck, make_run_dir):
    before = make_run_dir("a", [result_record("s::a[chromium]"), result_record("s::b[chromium]")])
    after = make_run_dir(
        "b", [result_record("s::a[chromium]", "failed"), result_record("s::c[chromium]", flaky=True)]
    )
    (before / "signoff.json").write_text(
        '{"verdict": "GO", "gates": [{"name": "failures", "display": "0", "result": "pass"}]}'
    )
    (after / "signoff.json").write_text(
        '{"verdict": "NO-GO", "gates": [{"name": "failures", "display": "1", "result": "fail"}]}'
    )
    code, out, _ = tradecheck("diff", str(before), str(after))
    assert code == 0
    assert out.splitlines()[1:] == [
        "verdict: GO → NO-GO",
        "tests changed: 3",
        "  s::a[chromium]: passed → failed",
        "  s::b[chromium]: passed → absent",
        "  s::c[chromium]: absent → flaky",
        "gates changed: 1",
        "  failures: 0 (pass) → 1 (fail)",
    ]
