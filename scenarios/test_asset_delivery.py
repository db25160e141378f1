"""Asset delivery per screen (the CDN workstream), from the browser's own network data: budgets
by type on a cold load, compression, image sizes and formats, allowed origins, and a warm reload
that fetches no static file. Budgets and pages: config/webquality.yaml."""

import pytest

from harness.webquality import load_web_quality

pytestmark = pytest.mark.capability("test_api")

SCREENS = list(load_web_quality().pages)


@pytest.mark.flow("WEB-01", "WEB-02")
@pytest.mark.parametrize("screen", SCREENS, ids=SCREENS)
def test_screen_is_delivered_within_budget_and_cached_for_a_reload(measure_assets, screen):
    delivered = measure_assets(screen)
    assert delivered.over_budget == [], f"cold load bytes: {delivered.cold}"
    assert delivered.problems == []
    assert delivered.warm["total"] == delivered.warm["document"]  # only the page itself is fetched again
