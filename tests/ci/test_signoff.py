"""The verdict of a run folder: which gates decide it under which profile."""

import pytest
from tradecheck_builders import result_record, traffic_record

from ci import signoff
from ci.appcoverage import AppCoverage
from ci.rundata import load_run

pytestmark = pytest.mark.unit

CATALOG = {
    "AUTH-01": {"title": "Sign in", "critical": True},
    "TRD-01": {"title": "Place a market order", "critical": True},
    "API-01": {"title": "Quotes over the API", "critical": False},
}


def green_tests():
    return [
        result_record("s::login[chromium]", flows=["AUTH-01"]),
        result_record("s::login[firefox]", browser="firefox", flows=["AUTH-01"]),
        result_record("s::order[chromium]", flows=["TRD-01"]),
        result_record("s::order[firefox]", browser="firefox", flows=["TRD-01"]),
        result_record("s::quotes", browser=None, flows=["API-01"]),
    ]


def built(run, catalog, coverage):
    """The sign-off as signoff.json holds it."""
    return signoff.build(run, catalog, coverage).to_json()


def gate(result, name):
    return next(g for g in result["gates"] if g["name"] == name)


def test_a_clean_run_is_go(make_run_dir):
    run = load_run(make_run_dir("clean", green_tests(), traffic=[traffic_record("s::quotes")]))
    result = built(run, CATALOG, AppCoverage(93.5, 2))
    assert result["verdict"] == "GO", result["reasons"]
    assert gate(result, "critical_flows")["figure"] == 100
    assert gate(result, "code_coverage")["figure"] == 93.5


def test_a_failure_after_retries_is_no_go_and_named(make_run_dir):
    tests = green_tests()
    tests[3] = result_record(
        "s::order[firefox]",
        "failed",
        browser="firefox",
        flows=["TRD-01"],
        attempts=2,
        message="AssertionError: Locator expected to be visible",
        assertion=True,
    )
    result = built(load_run(make_run_dir("red", tests)), CATALOG, None)
    assert result["verdict"] == "NO-GO"
    assert gate(result, "failures")["figure"] == 1
    assert "TRD-01 (firefox: failed)" in gate(result, "critical_flows")["detail"]
    [failure] = result["failures"]
    assert (failure["nodeid"], failure["category"]) == (
        "s::order[firefox]",
        "Product defects: an expectation failed",
    )


def test_flaky_tests_are_listed_always_and_fail_only_the_release_profile(make_run_dir):
    tests = green_tests()
    tests[1] = result_record(
        "s::login[firefox]", browser="firefox", flows=["AUTH-01"], attempts=2, flaky=True
    )
    regression = built(load_run(make_run_dir("reg", tests)), CATALOG, AppCoverage(95, 1))
    release = built(load_run(make_run_dir("rel", tests, profile="release")), CATALOG, AppCoverage(95, 1))
    assert [f["nodeid"] for f in regression["flaky"]] == ["s::login[firefox]"]
    assert regression["verdict"] == "GO"
    assert [f["nodeid"] for f in release["flaky"]] == ["s::login[firefox]"]
    assert release["verdict"] == "NO-GO"
    assert gate(release, "flaky")["result"] == "fail"
    assert gate(release, "failures")["figure"] == 1  # a flaky pass counts as a failure
    assert gate(release, "critical_flows")["figure"] == 50  # AUTH-01 only passed after a retry on firefox


def test_code_coverage_below_threshold_is_no_go_for_regression_but_not_smoke(make_run_dir):
    regression = built(load_run(make_run_dir("reg", green_tests())), CATALOG, AppCoverage(80.0, 3))
    smoke = built(
        load_run(make_run_dir("smoke", green_tests(), profile="smoke", browsers=["chromium"])),
        CATALOG,
        AppCoverage(80.0, 3),
    )
    assert regression["verdict"] == "NO-GO"
    assert regression["reasons"] == ["code_coverage: 80.00 % (needs >= 90 %)"]
    assert smoke["verdict"] == "GO"
    assert gate(smoke, "code_coverage")["enforced"] is False


def test_page_errors_and_slow_traffic_are_no_go(make_run_dir):
    traffic = [traffic_record("s::quotes", duration_ms=900.0) for _ in range(20)]
    errors = [{"nodeid": "s::login[chromium]", "browser": "chromium", "message": "TypeError: x is undefined"}]
    result = built(
        load_run(make_run_dir("slow", green_tests(), traffic=traffic, page_errors=errors)),
        CATALOG,
        AppCoverage(95, 1),
    )
    assert result["verdict"] == "NO-GO"
    assert gate(result, "p95_ms")["figure"] == 900.0
    assert gate(result, "page_errors")["figure"] == 1
    assert "TypeError: x is undefined" in gate(result, "page_errors")["detail"]


def test_no_test_at_all_is_no_go(make_run_dir):
    result = built(load_run(make_run_dir("empty", [])), CATALOG, None)
    assert result["verdict"] == "NO-GO"
    assert "no test ran" in result["reasons"]


def test_every_failure_infrastructure_is_recognised(make_run_dir):
    tests = [
        result_record("s::login[chromium]", "error", message="ConnectionError: ECONNREFUSED 127.0.0.1:8000"),
        result_record("s::order[chromium]", "failed", message="Failed: Timeout >120.0s"),
    ]
    result = signoff.build(load_run(make_run_dir("down", tests, browsers=["chromium"])), CATALOG, None)
    assert [f["category"] for f in result.failures] == [
        "Infrastructure: app unreachable",
        "Infrastructure: timeouts",
    ]
    assert signoff.all_failures_are_infrastructure(result)


def test_the_markdown_names_verdict_gates_matrix_and_failures(make_run_dir):
    tests = green_tests()
    tests[0] = result_record(
        "s::login[chromium]", "failed", flows=["AUTH-01"], message="AssertionError: boom"
    )
    result = signoff.build(load_run(make_run_dir("md", tests)), CATALOG, AppCoverage(91, 1))
    result.report = "reports/runs/x/allure-report/index.html"
    text = signoff.render_markdown(result)
    assert text.startswith("# TradeCheck sign-off: ❌ NO-GO")
    assert "| AUTH-01 | Sign in | ★ | ❌ failed | ✅ passed |" in text
    assert "`s::login[chromium]`: AssertionError: boom" in text
    assert text.rstrip().endswith("Report: reports/runs/x/allure-report/index.html")


def test_a_run_that_mutation_tested_the_app_has_its_section_and_gate(make_run_dir):
    from ci.mutate import report
    from ci.mutate.engine import MutantResult

    directory = make_run_dir("mutation", green_tests(), profile="mutation")
    tests = [f"s::t{i}" for i in range(7)]
    mutants = [
        MutantResult("m.py:1:0:op", "m.py", 1, "op", "killed", tests[:1], ["AUTH-01"], killed_by=tests[0]),
        MutantResult("m.py:2:0:op", "m.py", 2, "op", "survived", tests, ["AUTH-01"], diff="-a\n+b\n"),
    ]
    (directory / report.MUTATION_DIR).mkdir()
    report.write(directory / report.MUTATION_DIR, mutants, report.summarize(mutants, threshold=90))

    result = signoff.build(load_run(directory), CATALOG, AppCoverage(93.5, 2))

    assert gate(result.to_json(), "mutation_score")["figure"] == 50.0
    text = signoff.render_markdown(result)
    assert "## Mutation testing" in text
    assert (
        "`m.py:2:0:op` — executed by 7 test(s): `s::t0`, `s::t1`, `s::t2`, `s::t3`, `s::t4` and 2 more"
        in text
    )
