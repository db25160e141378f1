"""A data table whose rows carry `data-testid="<prefix>-<key>"` and whose cells carry their own testid."""

from __future__ import annotations

import re

from playwright.sync_api import Locator


class DataTable:
    def __init__(self, root: Locator, row_prefix: str):
        self.root = root
        self.row_prefix = row_prefix
        self.rows = root.get_by_test_id(re.compile(rf"^{re.escape(row_prefix)}-"))

    def row(self, key: object) -> Locator:
        return self.root.get_by_test_id(f"{self.row_prefix}-{key}")

    def cell(self, key: object, cell_testid: str) -> Locator:
        return self.row(key).get_by_test_id(cell_testid)
