"""Test pages that read like the scenario: titled fixtures only, every `expect` a step."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from harness.local_browsers import available_browsers

ISOLATED = ("-p", "no:cacheprovider")


def allure_files(directory: Path, suffix: str) -> list[dict]:
    return [json.loads(p.read_text()) for p in sorted(directory.glob(f"*-{suffix}.json"))]


@pytest.mark.unit
def test_only_titled_and_failed_fixtures_reach_the_report(pytester):
    pytester.makeconftest('pytest_plugins = ["fixtures.report_fixtures"]\n')
    pytester.makepyfile(
        test_page="""
        import allure
        import pytest

        @pytest.fixture
        def plumbing(tmp_path):
            return tmp_path

        @pytest.fixture
        @allure.title("Create account")
        def account(plumbing):
            yield "acct"
            with allure.step("Close account"):
                pass

        @pytest.fixture
        @allure.title("Open page")
        def quiet(plumbing):
            yield "page"

        @pytest.fixture
        def broken_plumbing():
            raise RuntimeError("no database")

        def test_reads_like_the_scenario(account, quiet, pytestconfig):
            with allure.step("Place order"):
                pass

        def test_broken_setup_stays_visible(broken_plumbing):
            pass
        """
    )
    results = pytester.path / "allure-results"
    outcome = pytester.runpytest_subprocess(*ISOLATED, "-p", "no:playwright", f"--alluredir={results}")
    outcome.assert_outcomes(passed=1, errors=1)
    befores = sorted(f["name"] for c in allure_files(results, "container") for f in c.get("befores", []))
    afters = sorted(f["name"] for c in allure_files(results, "container") for f in c.get("afters", []))
    assert befores == ["Create account", "Open page", "broken_plumbing"]
    assert afters == ["Create account (tear-down)"]


@pytest.mark.skipif("chromium" not in available_browsers(), reason="Chromium is not installed here")
def test_each_expect_is_a_step_and_the_failing_one_is_red_with_its_actual_value(pytester):
    pytester.makeconftest(
        """
        import pytest
        from harness.local_browsers import launch_args

        pytest_plugins = ["fixtures.expect_steps"]

        @pytest.fixture(scope="session")
        def browser_type_launch_args(browser_type_launch_args):
            return {**browser_type_launch_args, **launch_args("chromium")}
        """
    )
    pytester.makepyfile(
        test_status="""
        from playwright.sync_api import expect

        def test_status(page):
            page.set_content('<p data-testid="status">filled</p>')
            status = page.get_by_test_id("status")
            expect(status).to_have_text("filled")
            expect(status.describe("order status")).to_have_text("cancelled", timeout=300)
        """
    )
    results = pytester.path / "allure-results"
    outcome = pytester.runpytest_subprocess(*ISOLATED, "--browser", "chromium", f"--alluredir={results}")
    outcome.assert_outcomes(failed=1)
    (result,) = allure_files(results, "result")
    steps = [
        (s["name"], s["status"], {p["name"]: p["value"] for p in s.get("parameters", [])})
        for s in result["steps"]
    ]
    assert steps == [
        (
            "expect internal:testid=[data-testid=\"status\"s]: to have text 'filled'",
            "passed",
            {"expected": "'filled'", "actual": "as expected"},
        ),
        (
            "expect order status: to have text 'cancelled'",
            "failed",
            {"expected": "'cancelled'", "actual": "filled"},
        ),
    ]
    assert "Actual value: filled" in result["steps"][1]["statusDetails"]["message"]


@pytest.mark.unit
def test_the_browser_console_is_kept_at_every_level():
    from types import SimpleNamespace

    from fixtures.artifacts import Evidence, _watch

    handlers = {}
    context = SimpleNamespace(on=lambda event, handler: handlers.setdefault(event, handler))
    evidence = Evidence()
    _watch(context, "chromium", recorder=None, evidence=evidence)
    for level, text in (("log", "feed connected"), ("warning", "slow tick"), ("error", "boom")):
        handlers["console"](SimpleNamespace(type=level, text=text))
    assert evidence.console == ["[log] feed connected", "[warning] slow tick", "[error] boom"]
