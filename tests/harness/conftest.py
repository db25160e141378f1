"""Self-tests of the harness's pure logic and plugins: no browser, no app (all marked `unit`)."""

from pathlib import Path

import pytest


@pytest.fixture
def write_yaml(tmp_path: Path):
    """Writes a YAML text to a file of the test's own and returns its path."""

    def write(text: str, name: str = "file.yaml") -> Path:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return path

    return write
