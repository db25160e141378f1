"""Builders for the CI wrapper's self-tests: run folders made of synthetic records, a fake Allure
CLI, a tiny pytest project that stands in for the harness, and tradecheck's command line."""

from __future__ import annotations

import json
import shutil
import textwrap
from pathlib import Path

import pytest

from ci import cli
from ci.profiles import load_profiles
from ci.rundata import RunMeta, write_meta

PROJECT_ROOT = Path(__file__).resolve().parents[2]
PROFILES = PROJECT_ROOT / "config" / "profiles.yaml"
SYNTHETIC_FLOWS = """\
flows:
  - {id: AUTH-01, screen: Login, title: Sign in, severity: blocker, critical: true}
  - {id: TRD-01, screen: Trading, title: Place a market order, severity: critical, critical: true}
  - {id: API-01, screen: API, title: Quotes over the API, severity: normal, critical: false}
"""


def write_jsonl(path: Path, records) -> None:
    path.write_text("".join(json.dumps(record) + "\n" for record in records))


@pytest.fixture
def profiles():
    return load_profiles(PROFILES)


@pytest.fixture
def make_run_dir(tmp_path, profiles):
    """A run folder as `tradecheck run` leaves it after pytest, from synthetic records."""

    def make(
        name,
        tests,
        profile="regression",
        browsers=("chromium", "firefox"),
        traffic=(),
        page_errors=(),
        shard=None,
        coverage_files=(),
    ):
        directory = tmp_path / name
        (directory / "results").mkdir(parents=True)
        (directory / "artifacts").mkdir()
        lines = [{"kind": "collected", "total": len(tests)}, *tests]
        (directory / "results" / "results.jsonl").write_text("".join(json.dumps(r) + "\n" for r in lines))
        (directory / "artifacts" / "traffic-gw0.jsonl").write_text(
            "".join(json.dumps(r) + "\n" for r in traffic)
        )
        (directory / "artifacts" / "page-errors-gw0.jsonl").write_text(
            "".join(json.dumps(r) + "\n" for r in page_errors)
        )
        target = {"env": "local", "base_url": "http://127.0.0.1:8000", "app_version": "1.0"}
        (directory / "artifacts" / "target-gw0.json").write_text(json.dumps(target))
        for source in coverage_files:
            (directory / "coverage").mkdir(exist_ok=True)
            shutil.copy(source, directory / "coverage" / source.name)
        write_meta(
            directory,
            RunMeta(
                profile=profiles.get(profile).to_json(),
                status="tested",
                browsers=list(browsers),
                env="local",
                seed=7,
                shard=shard,
                app_coverage=bool(coverage_files),
                started_at="2030-01-01T00:00:00Z",
                finished_at="2030-01-01T00:01:00Z",
            ),
        )
        return directory

    return make


@pytest.fixture
def fake_allure(tmp_path, monkeypatch):
    """An `allure` stand-in that writes index.html into --output; records its arguments."""
    script = tmp_path / "fake-allure"
    calls = tmp_path / "fake-allure-calls.jsonl"
    script.write_text(
        textwrap.dedent(
            f"""\
            #!/usr/bin/env python3
            import json, pathlib, sys
            args = sys.argv[1:]
            out = pathlib.Path(args[args.index("--output") + 1])
            out.mkdir(parents=True, exist_ok=True)
            (out / "index.html").write_text("<html>fake report</html>")
            with open({str(calls)!r}, "a") as stream:
                stream.write(json.dumps(args) + "\\n")
            """
        )
    )
    script.chmod(0o755)
    monkeypatch.setenv("TRADECHECK_ALLURE", str(script))
    return calls


@pytest.fixture
def project(tmp_path, monkeypatch):
    """A copy of the project's config with an empty reports/ folder, as tradecheck's root."""
    root = tmp_path / "project"
    (root / "config").mkdir(parents=True)
    shutil.copy(PROFILES, root / "config" / "profiles.yaml")
    (root / "config" / "flows.yaml").write_text(SYNTHETIC_FLOWS)
    monkeypatch.setenv("TRADECHECK_ROOT", str(root))
    monkeypatch.chdir(root)
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    monkeypatch.delenv("TRADECHECK_WEBHOOK_URL", raising=False)
    return root


@pytest.fixture
def tradecheck(capsys):
    """Run tradecheck's main() in-process: (exit code, stdout, stderr lines)."""

    def call(*argv):
        code = cli.main(list(argv))
        captured = capsys.readouterr()
        return code, captured.out, [line for line in captured.err.splitlines() if line.strip()]

    return call
