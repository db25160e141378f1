"""Every page describes itself for search engines (Lighthouse's SEO audit `meta-description`)."""

import re
from pathlib import Path

import pytest

pytestmark = pytest.mark.unit

TEMPLATES = Path(__file__).resolve().parents[2] / "papertrade" / "templates"
DESCRIPTION = re.compile(r"\{% block description %\}(.*?)\{% endblock %\}")


def test_base_page_carries_a_meta_description():
    assert (
        '<meta name="description" content="{% block description %}' in (TEMPLATES / "base.html").read_text()
    )


@pytest.mark.parametrize("screen", ["login", "dashboard", "trade", "portfolio", "status"])
def test_each_screen_has_its_own_description(screen):
    found = DESCRIPTION.findall((TEMPLATES / f"{screen}.html").read_text())
    assert len(found) == 1
    assert 50 <= len(found[0]) <= 160  # what search engines show without cutting it
