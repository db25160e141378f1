"""Why a test failed: infrastructure, product or test defect. One rule set for the Allure report's
categories and for the sign-off, so both tell the same story.

Rules are tried in order and the first that matches wins. Patterns are plain regular expressions
valid in both Python and JavaScript (Allure 3 compiles them with `new RegExp`), hence no inline
flags: case variants are spelled out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Category:
    id: str
    name: str
    infrastructure: bool
    message: str | None = None  # regex searched in the failure message
    statuses: tuple[str, ...] = ("failed", "broken")

    def matches(self, status: str, message: str) -> bool:
        if status not in self.statuses:
            return False
        return self.message is None or re.search(self.message, message or "") is not None


CATEGORIES = (
    # The embedded app died mid-run (fixtures/target_app.py names how); before "app unreachable",
    # whose connection errors such a failure also quotes.
    Category(
        "app-killed", "Infrastructure: app killed", True, message=r"PaperTrade was stopped from outside"
    ),
    Category("app-crashed", "Product defects: app crashed", False, message=r"PaperTrade crashed"),
    Category(
        "app-unreachable",
        "Infrastructure: app unreachable",
        True,
        message=(
            r"ECONNREFUSED|ERR_CONNECTION_REFUSED|NS_ERROR_CONNECTION_REFUSED|[Cc]onnection refused"
            r"|ConnectionError|ERR_NAME_NOT_RESOLVED|NS_ERROR_UNKNOWN_HOST|[Tt]arget (app )?unreachable"
            r"|ERR_CONNECTION_RESET|NS_ERROR_NET_RESET|RemoteDisconnected"
            r"|PaperTrade exited with code \d+ during start-up|PaperTrade did not answer"
            r"|PaperTrade could not start"
        ),
    ),
    Category(
        "browser-crash",
        "Infrastructure: browser crash",
        True,
        message=(
            r"Target crashed|[Pp]age crashed|[Bb]rowser has (been )?(closed|disconnected)"
            r"|Target page, context or browser has been closed|[Bb]rowser closed"
            r"|[Ee]xecutable doesn't exist|[Ww]orker '?\w*'? crashed|crashed while running"
        ),
    ),
    Category(
        "timeout",
        "Infrastructure: timeouts",
        True,
        message=r"Timeout \d+(\.\d+)?ms exceeded|TimeoutError|Failed: Timeout|[Tt]imed out",
    ),
    Category("product", "Product defects: an expectation failed", False, statuses=("failed",)),
    Category("test-defect", "Test defects: broken test code, fixture or data", False, statuses=("broken",)),
)


def allure_status(test: dict) -> str:
    """allure-pytest's status for a failed test: an AssertionError (and pytest.fail) is `failed`,
    any other exception `broken`."""
    if test.get("assertion") is None:
        message = test.get("message") or ""
        return "failed" if message.startswith(("AssertionError", "assert ", "Failed:")) else "broken"
    return "failed" if test["assertion"] else "broken"


def classify(test: dict) -> Category:
    status, message = allure_status(test), test.get("message") or ""
    for category in CATEGORIES:
        if category.matches(status, message):
            return category
    return CATEGORIES[-1]


def allure_rules() -> list[dict]:
    """The `categories.rules` of the Allure 3 configuration."""
    rules = []
    for category in CATEGORIES:
        matcher: dict = {"statuses": list(category.statuses)}
        if category.message:
            matcher["message"] = category.message
        rules.append({"id": category.id, "name": category.name, "matchers": [matcher], "expand": True})
    return rules
