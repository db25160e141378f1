"""What tradecheck adds to Allure: environment, executor, categories, pointers into the report,
and the single-file page that opens from disk."""

import hashlib
import json

import pytest
from tradecheck_builders import result_record

from ci import allure
from ci.categories import CATEGORIES, allure_rules, classify

pytestmark = pytest.mark.unit


def test_environment_properties_escape_keys_and_skip_empty_values(tmp_path):
    allure.write_environment(
        tmp_path, {"Target URL": "http://h:1/a=b", "Seed": 7, "Shards": "", "Git commit": None}
    )
    assert (tmp_path / "environment.properties").read_text() == "Target\\ URL=http://h:1/a=b\nSeed=7\n"


def test_executor_names_the_ci_build(monkeypatch):
    github = {
        "GITHUB_ACTIONS": "true",
        "GITHUB_SERVER_URL": "https://github.com",
        "GITHUB_REPOSITORY": "acme/trade",
        "GITHUB_RUN_ID": "42",
        "GITHUB_RUN_NUMBER": "7",
        "GITHUB_WORKFLOW": "e2e",
        "GITHUB_JOB": "merge",
    }
    info = allure.executor_info("TradeCheck nightly", github)
    assert info["buildUrl"] == "https://github.com/acme/trade/actions/runs/42"
    assert (info["type"], info["buildName"], info["buildOrder"]) == ("github", "e2e #7 (merge)", 7)
    gitlab = allure.executor_info(
        "r",
        {
            "GITLAB_CI": "true",
            "CI_JOB_URL": "https://gl/j/1",
            "CI_JOB_NAME": "report",
            "CI_PIPELINE_IID": "3",
        },
    )
    assert (gitlab["type"], gitlab["buildUrl"], gitlab["buildName"]) == (
        "gitlab",
        "https://gl/j/1",
        "report #3",
    )
    assert allure.executor_info("r", {})["type"] == "local"


def test_the_config_carries_categories_and_history(tmp_path):
    path = allure.write_config(tmp_path / "allurerc.json", "TradeCheck", tmp_path / "h.jsonl", 20)
    config = json.loads(path.read_text())
    assert config["historyPath"] == str(tmp_path / "h.jsonl")
    assert config["historyLimit"] == 20
    assert [rule["name"] for rule in config["categories"]["rules"]] == [c.name for c in CATEGORIES]
    assert config["plugins"]["awesome"]["options"]["singleFile"] is True
    assert "historyPath" not in json.loads(
        allure.write_config(tmp_path / "b.json", "T", None, 20).read_text()
    )


@pytest.mark.parametrize(
    ("message", "assertion", "category"),
    [
        (
            "playwright._impl._errors.Error: net::ERR_CONNECTION_REFUSED at http://127.0.0.1:8000/",
            False,
            "Infrastructure: app unreachable",
        ),
        (
            "playwright._impl._errors.TargetClosedError: Target page, context or browser has been closed",
            False,
            "Infrastructure: browser crash",
        ),
        (
            "worker 'gw1' crashed while running 'scenarios/test_x.py::test_y'",
            None,
            "Infrastructure: browser crash",
        ),
        (
            "playwright._impl._errors.TimeoutError: Locator.click: Timeout 30000ms exceeded.",
            False,
            "Infrastructure: timeouts",
        ),
        ("Failed: Timeout >120.0s", True, "Infrastructure: timeouts"),
        (
            "AssertionError: Locator expected to have text '$1,000.00'",
            True,
            "Product defects: an expectation failed",
        ),
        (
            "AttributeError: 'NoneType' object has no attribute 'click'",
            False,
            "Test defects: broken test code, fixture or data",
        ),
    ],
    ids=["refused", "closed", "worker-crash", "pw-timeout", "pytest-timeout", "assertion", "test-bug"],
)
def test_failures_are_sorted_into_infrastructure_product_and_test_defects(message, assertion, category):
    assert classify(result_record("t", "failed", message=message, assertion=assertion)).name == category


def test_the_rules_are_valid_javascript_regular_expressions():
    for rule in allure_rules():
        pattern = rule["matchers"][0].get("message")
        assert pattern is None or "(?" not in pattern  # no inline flags: JavaScript has none


def test_failures_point_at_their_report_entry(tmp_path):
    uuid_old, uuid_new = "11111111-aaaa", "22222222-bbbb"
    for uuid, stop in ((uuid_old, 1), (uuid_new, 2)):  # a rerun leaves two results; the last one counts
        (tmp_path / f"{uuid}-result.json").write_text(
            json.dumps(
                {
                    "uuid": uuid,
                    "stop": stop,
                    "name": "test_order[firefox]",
                    "fullName": "scenarios.test_trade#test_order",
                    "parameters": [{"name": "browser_name", "value": "'firefox'"}],
                }
            )
        )
    (tmp_path / "bad-result.json").write_text("{")
    test = result_record(
        "scenarios/test_trade.py::test_order[firefox]",
        "failed",
        browser="firefox",
        allure={"full_name": "scenarios.test_trade#test_order", "params": {"browser_name": "'firefox'"}},
    )
    other = result_record(
        "scenarios/test_trade.py::test_order[chromium]",
        allure={"full_name": "scenarios.test_trade#test_order", "params": {"browser_name": "'chromium'"}},
    )
    index = allure.result_index(tmp_path, [test, other])
    assert index == {
        test["nodeid"]: {
            "uuid": uuid_new,
            "report_id": hashlib.md5(uuid_new.encode()).hexdigest(),
            "name": "test_order[firefox]",
        }
    }


PAGE = """<!DOCTYPE html>
<html dir="ltr" lang="en">
<head>
    <meta charset="utf-8">
</head>
<body>
    <script src="data:text/javascript;base64,AAAA"></script>
    <script async src="https://www.googletagmanager.com/gtag/js?id=G-X"></script>
    <script>
        gtag('config', 'G-X', {"single_file": "true"});
    </script>
    <script async>
      window.allureReportDataReady = false;
      window.allureReportData = window.allureReportData || {};
    </script>
</body>
</html>
"""


def test_the_single_file_page_defines_its_data_store_first_and_calls_no_analytics(tmp_path):
    index = tmp_path / "index.html"
    index.write_text(PAGE)
    allure.fix_single_file_page(index)
    allure.fix_single_file_page(index)  # twice changes nothing more
    html = index.read_text()
    assert html.index(allure.EARLY_DATA_STORE) < html.index("data:text/javascript")
    assert html.count(allure.EARLY_DATA_STORE) == 1
    assert "googletagmanager" not in html
    assert "gtag(" not in html
    assert "window.allureReportData = window.allureReportData || {};" in html


def test_a_run_too_large_for_one_page_gets_the_multi_file_report(tmp_path, monkeypatch):
    script = tmp_path / "allure"
    script.write_text(
        "#!/usr/bin/env python3\n"
        "import json, pathlib, sys\n"
        "args = sys.argv[1:]\n"
        "config = json.loads(pathlib.Path(args[args.index('--config') + 1]).read_text())\n"
        "if config['plugins']['awesome']['options']['singleFile']:\n"
        "    sys.exit('The report is too large to be generated in the single file mode!')\n"
        "out = pathlib.Path(args[args.index('--output') + 1])\n"
        "(out / 'widgets').mkdir(parents=True)\n"
        "(out / 'index.html').write_text('<html></html>')\n"
    )
    script.chmod(0o755)
    monkeypatch.setenv("TRADECHECK_ALLURE", str(script))
    (tmp_path / "results").mkdir()
    index = allure.build_report(tmp_path / "results", tmp_path, "TradeCheck", None, 20)
    assert index == tmp_path / "allure-report" / "index.html"
    assert index.is_file()
    assert (
        json.loads((tmp_path / "allurerc.json").read_text())["plugins"]["awesome"]["options"]["singleFile"]
        is False
    )


def test_a_failing_allure_cli_is_one_infrastructure_line(tmp_path, monkeypatch):
    script = tmp_path / "allure"
    script.write_text("#!/bin/sh\necho 'Error: something broke' >&2\nexit 1\n")
    script.chmod(0o755)
    monkeypatch.setenv("TRADECHECK_ALLURE", str(script))
    (tmp_path / "results").mkdir()
    with pytest.raises(
        allure.InfrastructureError, match=r"^Allure report generation failed: Error: something broke$"
    ):
        allure.build_report(tmp_path / "results", tmp_path, "TradeCheck", None, 20)
