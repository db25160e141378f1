"""Gate arithmetic, checked against figures worked out by hand."""

import pytest
from tradecheck_builders import result_record, traffic_record

from ci import gates
from ci.figures import coverage_percent, describe_uncovered, flow_matrix, percentile, traffic_figures
from ci.gates import Measure

pytestmark = pytest.mark.unit


def decide(name, figure, thresholds, strict, applicable=True):
    return gates.decide(name, Measure(figure, "", applicable), thresholds, strict)


BROWSERS = ["chromium", "firefox"]


@pytest.mark.parametrize(
    ("values", "pct", "expected"),
    [
        ([], 95, None),
        ([7.0], 95, 7.0),
        (list(range(1, 101)), 95, 95),  # nearest rank: the 95th of 100
        (list(range(1, 21)), 95, 19),  # ceil(0.95 * 20) = 19
        (list(range(1, 22)), 95, 20),  # ceil(0.95 * 21) = 20
        ([500, 1, 2, 3], 95, 500),  # ceil(0.95 * 4) = 4: the slowest
    ],
    ids=["empty", "one", "hundred", "twenty", "twenty-one", "four-unsorted"],
)
def test_percentile_is_nearest_rank(values, pct, expected):
    assert percentile(values, pct) == expected


def test_p95_counts_only_timed_app_requests_that_were_not_provoked():
    records = [traffic_record("t", duration_ms=float(ms)) for ms in range(1, 20)]  # 1..19 ms
    records += [
        traffic_record("t", duration_ms=9000.0, provoked=True),  # on purpose: not counted
        traffic_record("t", duration_ms=8000.0, url="https://cdn.example/x.js"),  # not the app
        traffic_record("t", duration_ms=None, status=None, failure="net::ERR_CONNECTION_RESET"),
    ]
    figures = traffic_figures(records, ["http://127.0.0.1:8000"])
    assert figures.requests == 20  # 19 timed + the failed one
    assert figures.p95_ms == 19.0  # ceil(0.95 * 19) = 19th of 1..19


def test_error_rate_counts_5xx_and_failed_requests_but_not_provoked_or_aborted():
    records = [traffic_record("t") for _ in range(996)]
    records += [
        traffic_record("t", status=500),
        traffic_record("t", status=None, duration_ms=None, failure="net::ERR_CONNECTION_REFUSED"),
        traffic_record("t", status=503, provoked=True),  # on purpose
        traffic_record("t", status=None, duration_ms=None, failure="net::ERR_ABORTED"),  # the browser gave up
        traffic_record("t", status=404),  # a client error is no server error
        traffic_record("t", status=502),
    ]
    figures = traffic_figures(records)
    assert figures.requests == 1000  # 996 + 500 + refused + 404 + 502
    assert figures.errors == 3
    assert figures.error_rate == pytest.approx(0.3)
    assert decide("error_rate", figures.error_rate, {"error_rate": 0.1}, strict=False).result == "fail"
    assert decide("error_rate", 0.099, {"error_rate": 0.1}, strict=False).result == "pass"


def test_no_traffic_is_no_data():
    figures = traffic_figures([])
    assert (figures.requests, figures.p95_ms, figures.error_rate) == (0, None, None)


def test_thresholds_compare_as_documented():
    thresholds = {"p95_ms": 500, "code_coverage": 90, "page_errors": 0}
    assert decide("p95_ms", 499.9, thresholds, False).result == "pass"
    assert decide("p95_ms", 500, thresholds, False).result == "fail"  # strictly below
    assert decide("code_coverage", 90, thresholds, False).result == "pass"  # at least
    assert decide("code_coverage", 89.99, thresholds, False).result == "fail"
    assert decide("page_errors", 0, thresholds, False).result == "pass"
    assert decide("page_errors", 1, thresholds, False).result == "fail"


def test_a_gate_without_data_fails_only_when_enforced_and_strict():
    assert decide("p95_ms", None, {"p95_ms": 500}, strict=False).result == "n/a"
    assert decide("p95_ms", None, {"p95_ms": 500}, strict=True).result == "fail"
    assert decide("p95_ms", None, {}, strict=True).result == "n/a"  # not a gate of this profile
    not_applicable = decide("code_coverage", None, {"code_coverage": 90}, strict=True, applicable=False)
    assert not_applicable.result == "n/a"


def test_unlisted_gates_are_measured_but_not_enforced():
    result = decide("flaky", 3, {"failures": 0}, strict=False)
    assert (result.enforced, result.result, result.threshold) == (False, "fail", 0)


def test_browser_independent_tests_cover_a_flow_on_every_browser():
    tests = [result_record("api::test_quotes", browser=None, flows=["API-01"])]
    matrix = flow_matrix(tests, ["API-01"], BROWSERS)
    assert matrix == {"API-01": {"chromium": "passed", "firefox": "passed"}}


def test_a_flow_needs_a_pass_and_no_failure_on_every_browser_of_the_run():
    tests = [
        result_record("t::login[chromium]", flows=["AUTH-01"]),
        result_record("t::login[firefox]", browser="firefox", flows=["AUTH-01"]),
        result_record("t::limit[chromium]", flows=["TRD-03"]),
        result_record("t::limit_rests[firefox]", browser="firefox", flows=["TRD-03"]),
        result_record("t::limit_fills[firefox]", "failed", browser="firefox", flows=["TRD-03"]),
        result_record("t::order[chromium]", flows=["TRD-01"]),
        result_record("t::order[firefox]", "skipped", browser="firefox", flows=["TRD-01"]),
    ]
    flows = ["AUTH-01", "TRD-03", "TRD-01", "PORT-01"]
    matrix = flow_matrix(tests, flows, BROWSERS)
    assert matrix["AUTH-01"] == {"chromium": "passed", "firefox": "passed"}
    assert matrix["TRD-03"] == {"chromium": "passed", "firefox": "failed"}  # one red test fails the flow
    assert matrix["TRD-01"] == {"chromium": "passed", "firefox": "skipped"}
    assert matrix["PORT-01"] == {"chromium": "not run", "firefox": "not run"}
    percent, uncovered = coverage_percent(matrix, flows, strict=False)
    assert percent == pytest.approx(25)
    assert uncovered == ["TRD-03", "TRD-01", "PORT-01"]
    assert describe_uncovered(matrix, uncovered, strict=False) == (
        "TRD-03 (firefox: failed), TRD-01 (firefox: skipped), PORT-01 (chromium: not run, firefox: not run)"
    )


def test_a_pass_after_a_retry_covers_a_flow_except_under_strict():
    tests = [
        result_record("t::order[chromium]", flows=["TRD-01"]),
        result_record("t::order[firefox]", browser="firefox", flows=["TRD-01"], attempts=2, flaky=True),
    ]
    matrix = flow_matrix(tests, ["TRD-01"], BROWSERS)
    assert matrix["TRD-01"]["firefox"] == "flaky"
    assert coverage_percent(matrix, ["TRD-01"], strict=False) == (100.0, [])
    assert coverage_percent(matrix, ["TRD-01"], strict=True) == (0.0, ["TRD-01"])


def test_no_flows_to_cover_is_no_data():
    assert coverage_percent({}, [], strict=False) == (None, [])
