"""A dead app: its refused requests are out of the traffic gates, and a kill from outside is exit 3."""

import pytest
from tradecheck_builders import traffic_record

from ci.faults import APP_KILLED, app_killed, while_app_up
from ci.figures import traffic_figures

pytestmark = pytest.mark.unit

KILLED = (
    "fixtures.target_app.AppDown: PaperTrade was stopped from outside: killed by signal SIGKILL from "
    "outside (a user, CI or the out-of-memory killer); infrastructure\nlast lines of its log (...)"
)


def test_requests_refused_by_a_dead_app_do_not_count_as_server_errors():
    records = [traffic_record(f"t{n}") for n in range(99)] + [
        traffic_record("t99", status=500),
        *(
            traffic_record("t100", duration_ms=None, status=None, failure="ConnectionError", app_down=True)
            for _ in range(20)
        ),
    ]
    assert len(while_app_up(records)) == 100
    figures = traffic_figures(records)
    assert (figures.requests, figures.errors, figures.error_rate) == (100, 1, 1.0)


def test_an_app_killed_from_outside_names_the_infrastructure_failure():
    failures = [
        {"nodeid": "a::test_one", "category": "Product defects: an expectation failed", "message": "x"},
        {"nodeid": "a::test_two", "category": APP_KILLED, "message": KILLED},
        {"nodeid": "a::test_three", "category": APP_KILLED, "message": "... not run against it"},
    ]
    assert app_killed(failures) == (
        "PaperTrade was stopped from outside: killed by signal SIGKILL from outside (a user, CI or the "
        "out-of-memory killer); infrastructure (under a::test_two; 2 test(s) failed for it)"
    )
    assert app_killed(failures[:1]) is None
    assert app_killed([{**failures[1], "category": "Product defects: app crashed"}]) is None
