"""axe-core results read into violations; serious and critical ones block."""

import pytest

from harness.axe import AxeUnavailable, axe_script, blocking, parse_violations, report

pytestmark = pytest.mark.unit

RESULTS = {
    "violations": [
        {
            "id": "region",
            "impact": "moderate",
            "help": "All page content should be contained by landmarks",
            "helpUrl": "https://dequeuniversity.com/rules/axe/4.10/region",
            "nodes": [{"target": ["p.footer"]}],
        },
        {
            "id": "label",
            "impact": "critical",
            "help": "Form elements must have labels",
            "helpUrl": "https://dequeuniversity.com/rules/axe/4.10/label",
            "nodes": [{"target": ["#ticket-quantity"]}, {"target": [["iframe#x", "input.y"]]}],
        },
        {
            "id": "color-contrast",
            "impact": "serious",
            "help": "Elements must meet minimum color contrast ratio thresholds",
            "helpUrl": "https://dequeuniversity.com/rules/axe/4.10/color-contrast",
            "nodes": [{"target": [".muted"]}],
        },
    ]
}


def test_violations_come_most_severe_first_with_their_targets():
    violations = parse_violations(RESULTS)
    assert [(v.rule, v.impact) for v in violations] == [
        ("label", "critical"),
        ("color-contrast", "serious"),
        ("region", "moderate"),
    ]
    assert violations[0].targets == ("#ticket-quantity", "iframe#x >>> input.y")


def test_only_serious_and_critical_block():
    assert [v.rule for v in blocking(parse_violations(RESULTS))] == ["label", "color-contrast"]


def test_report_names_rule_impact_target_and_help_url():
    first_line = report(parse_violations(RESULTS)).splitlines()[0]
    assert first_line == (
        "label (critical): Form elements must have labels — #ticket-quantity, iframe#x >>> input.y — "
        "https://dequeuniversity.com/rules/axe/4.10/label"
    )
    assert report([]) == "no violations"


def test_missing_axe_names_the_install_command(tmp_path):
    with pytest.raises(AxeUnavailable, match=r"install it with: npm ci --prefix ci$"):
        axe_script(tmp_path / "axe.min.js")
