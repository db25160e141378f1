"""`tradecheck monitor` on bad input: one line naming what is wrong, exit 2 (3 for infrastructure),
nothing written; `monitor report` exits 1 when the SLO is breached."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from monitor_builders import make_result

from monitor.cli import main
from monitor.runner import utcnow
from monitor.store import DOWN, UP, Store

pytestmark = pytest.mark.unit


@pytest.fixture
def status_dir(tmp_path: Path) -> Path:
    return tmp_path / "status"


def fails(capsys, argv: list[str], code: int) -> str:
    assert main(argv) == code
    out, err = capsys.readouterr()
    assert out == ""
    lines = err.splitlines()
    assert len(lines) == 1, err
    return lines[0]


KNOWN_CHECKS = "health, ready, login_portfolio, quotes, stream, journeys"
A_DURATION = "expected a duration like 30s, 5m, 1h or 7d"
BAD_INPUT = {
    "unknown-check": (
        ["--check", "nope"],
        f"--check: no check 'nope' in config/monitor.yaml; known: {KNOWN_CHECKS}",
    ),
    "bad-interval": (["--interval", "5x"], f"--interval: {A_DURATION}, got '5x'"),
    "bad-duration": (["--duration", "10"], f"--duration: {A_DURATION}, got '10'"),
    "unknown-location": (
        ["--location", "mars"],
        "--location: unknown location 'mars'; config/monitor.yaml locations: local, eu-west, us-east",
    ),
    "unknown-env": (
        ["--env", "nope"],
        "config/environments.yaml: environments: no environment 'nope' (from --env); "
        "known: ci, local, staging",
    ),
    "zero-cycles": (["--cycles", "0"], "argument --cycles: expected a whole number of at least 1, got '0'"),
    "two-bounds": (["--once", "--cycles", "2"], "argument --cycles: not allowed with argument --once"),
    "bad-store-url": (["--store", "nope"], "--store: not a SQLAlchemy database URL: 'nope'"),
}


@pytest.mark.parametrize(("argv", "message"), list(BAD_INPUT.values()), ids=list(BAD_INPUT))
def test_bad_input_is_one_line_and_exit_2(capsys, status_dir, argv, message):
    line = fails(capsys, [*argv, "--status-dir", str(status_dir)], 2)
    assert line == f"tradecheck: error: {message}"


def test_an_unreachable_store_is_exit_3_and_nothing_is_written(capsys, status_dir):
    line = fails(
        capsys,
        [
            "--once",
            "--store",
            "postgresql+psycopg://mon:s3cret@127.0.0.1:9/m",
            "--status-dir",
            str(status_dir),
        ],
        3,
    )
    assert line.startswith(
        "tradecheck: error: store postgresql+psycopg://mon:***@127.0.0.1:9/m is unreachable: "
    )
    assert "s3cret" not in line
    assert list(status_dir.iterdir()) == []


def test_an_unwritable_status_page_path_is_exit_2(capsys, tmp_path):
    (tmp_path / "taken").write_text("a file where the folder should be")
    line = fails(capsys, ["--once", "--status-dir", str(tmp_path / "taken" / "status")], 2)
    assert line.startswith(
        f"tradecheck: error: --status-dir: cannot write the status page to {tmp_path}/taken/status ("
    )


def test_a_bad_config_names_the_file_and_key(capsys, tmp_path, status_dir):
    config = tmp_path / "monitor.yaml"
    config.write_text("checks:\n  health: {kind: health, retry: {strategy: random}}\n")
    line = fails(capsys, ["--config", str(config), "--status-dir", str(status_dir)], 2)
    assert line == (
        f"tradecheck: error: {config}: checks.health.retry.strategy: "
        "expected one of fixed, linear, exponential, got 'random'"
    )


def test_a_target_without_credentials_cannot_sign_in(capsys, status_dir, monkeypatch):
    monkeypatch.setenv("TRADECHECK_STAGING_URL", "https://staging.example")
    monkeypatch.setenv("TRADECHECK_STAGING_USERNAME", "")
    monkeypatch.setenv("TRADECHECK_STAGING_PASSWORD", "")
    line = fails(capsys, ["--env", "staging", "--once", "--status-dir", str(status_dir)], 2)
    assert line == (
        "tradecheck: error: config/environments.yaml: environments.staging: username and password are needed "
        "for the sign-in checks (or the test_api capability)"
    )


@pytest.fixture
def filled_store(tmp_path):
    """The last hour at one location: health 999 up and 1 down, ready 1000 up."""
    url = f"sqlite:///{tmp_path / 'monitor.db'}"
    store = Store(url)
    start = utcnow() - timedelta(minutes=50)
    store.add_many(
        make_result(check, DOWN if (check, n) == ("health", 500) else UP, start + timedelta(seconds=n),
                    ms=float(n % 100) if check == "health" else 5.0)
        for n in range(1000)
        for check in ("health", "ready")
    )  # fmt: skip
    store.close()
    return url


def test_report_meets_the_slo_at_exactly_99_9(capsys, filled_store):
    assert main(["report", "--window", "1h", "--store", filled_store]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("SLO 99.9 % over 1h (all locations), until ")
    assert lines[2:] == [
        "----------  -------  ------------  -----------  ---------  ----------  -----  -----",
        "health      1000     99.900 %      0.0 %        1.00       0.10 %      50 ms  95 ms",
        "ready       1000     100.000 %     100.0 %      0.00       0.00 %      5 ms   5 ms",
        "all checks  2000     99.950 %      50.0 %       0.50       0.05 %      5 ms   90 ms",
        "met: availability 99.950 % >= 99.9 %",
    ]


def test_report_exits_1_when_breached_and_when_empty(capsys, filled_store, tmp_path):
    assert main(["report", "--window", "1h", "--store", filled_store, "--location", "local", "--json"]) == 0
    capsys.readouterr()
    store = Store(filled_store)
    store.add(make_result("ready", DOWN, utcnow()))
    store.close()
    assert main(["report", "--window", "30d", "--store", filled_store]) == 0  # 2 down of 2001
    capsys.readouterr()
    store = Store(filled_store)
    store.add(make_result("ready", DOWN, utcnow()))
    store.close()
    assert main(["report", "--window", "30d", "--store", filled_store]) == 1  # 3 down of 2002
    assert capsys.readouterr().out.splitlines()[-1] == "BREACHED: availability 99.850 % < 99.9 %"
    empty = f"sqlite:///{tmp_path / 'empty.db'}"
    assert main(["report", "--store", empty]) == 1
    assert (
        capsys.readouterr().out.splitlines()[-1]
        == "no results in the window: the SLO cannot be shown to hold"
    )
