"""Every flow of the catalog is covered by at least one scenario."""

import re
from pathlib import Path

import pytest

from harness.catalog import load_flow_catalog

pytestmark = pytest.mark.unit

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"
FLOW_MARK = re.compile(r"mark\.flow\(([^)]*)\)")


def test_every_catalog_flow_has_a_scenario():
    declared = {
        flow_id
        for path in SCENARIOS.glob("test_*.py")
        for arguments in FLOW_MARK.findall(path.read_text(encoding="utf-8"))
        for flow_id in re.findall(r'"([A-Z][A-Z0-9]*-\d{2})"', arguments)
    }
    assert sorted(set(load_flow_catalog()) - declared) == []
