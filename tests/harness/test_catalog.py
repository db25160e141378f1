"""The flow catalog: the shipped file is valid, and every kind of bad entry is named."""

import pytest

from harness.catalog import SEVERITIES, CatalogError, Flow, load_flow_catalog

pytestmark = pytest.mark.unit

GOOD = "{id: TRD-03, screen: Trading, title: Limit order fills, severity: critical, critical: true}"


def test_shipped_catalog_loads_with_one_flow_per_id():
    catalog = load_flow_catalog()
    assert len(catalog) >= 30
    assert all(flow.id == flow_id and flow.severity in SEVERITIES for flow_id, flow in catalog.items())
    assert {flow.id.split("-")[0] for flow in catalog.values()} == {
        "AUTH",
        "DASH",
        "TRD",
        "PORT",
        "RT",
        "JRN",
        "API",
        "MON",
        "A11Y",
        "WEB",
    }


def test_flow_is_a_frozen_record(write_yaml):
    catalog = load_flow_catalog(write_yaml(f"flows:\n  - {GOOD}\n"))
    assert catalog == {"TRD-03": Flow("TRD-03", "Trading", "Limit order fills", "critical", True)}
    with pytest.raises(AttributeError):
        catalog["TRD-03"].critical = False


@pytest.mark.parametrize(
    ("flows", "message"),
    [
        ("flows: []", "flows: expected a non-empty list of flows"),
        (f"flows:\n  - {GOOD}\n  - {GOOD}", "flows[1].id: duplicate flow id 'TRD-03'"),
        (
            "flows:\n  - {id: TRADE-3, screen: Trading, title: x, severity: normal, critical: true}",
            "flows[0].id: expected an id like TRD-03",
        ),
        (
            "flows:\n  - {id: TRD-01, screen: Checkout, title: x, severity: normal, critical: true}",
            "flows[0].screen: expected one of Login, Dashboard",
        ),
        (
            "flows:\n  - {id: TRD-01, screen: Trading, title: x, severity: high, critical: true}",
            "flows[0].severity: expected one of blocker, critical, normal, minor, trivial, got 'high'",
        ),
        (
            "flows:\n  - {id: TRD-01, screen: Trading, title: x, severity: normal, critical: maybe}",
            "flows[0].critical: expected true or false, got 'maybe'",
        ),
        (
            "flows:\n  - {id: TRD-01, screen: Trading, title: x, severity: normal}",
            "flows[0].critical: missing",
        ),
        (
            "flows:\n  - {id: TRD-01, screen: Trading, title: ' ', severity: normal, critical: true}",
            "flows[0].title: expected a non-empty text",
        ),
        (
            "flows:\n  - {id: TRD-01, screen: Trading, title: x, severity: minor, critical: true, owner: me}",
            "flows[0]: unknown key 'owner'",
        ),
        ("flows: [\n", "invalid YAML"),
    ],
    ids=[
        "empty",
        "duplicate",
        "bad-id",
        "bad-screen",
        "bad-severity",
        "bad-critical",
        "missing-key",
        "blank-title",
        "unknown-key",
        "bad-yaml",
    ],
)
def test_bad_catalog_is_one_line_naming_file_and_key(write_yaml, flows, message):
    with pytest.raises(CatalogError) as error:
        load_flow_catalog(write_yaml(flows, "flows.yaml"))
    assert "flows.yaml: " in str(error.value)
    assert message in str(error.value)
    assert "\n" not in str(error.value)
