"""The command line and settings: precedence, bad input, exit codes, clean shutdown."""

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from papertrade.__main__ import main
from papertrade.config import Settings, SettingsError, load_settings

pytestmark = pytest.mark.unit
ROOT = Path(__file__).resolve().parents[2]


def test_settings_precedence_cli_over_env_over_defaults():
    env = {"PAPERTRADE_PORT": "9001", "PAPERTRADE_TEST_MODE": "true", "PAPERTRADE_TICK_INTERVAL": "0.5"}
    settings = load_settings({"port": 9002, "host": None}, env=env)
    assert (settings.port, settings.test_mode, settings.tick_interval, settings.host) == (
        9002,
        True,
        0.5,
        "127.0.0.1",
    )
    assert load_settings({}, env={}) == Settings()


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"PAPERTRADE_PORT": "x"}, "PAPERTRADE_PORT must be an int"),
        ({"PAPERTRADE_TEST_MODE": "maybe"}, "PAPERTRADE_TEST_MODE must be true or false"),
        ({"PAPERTRADE_TICK_INTERVAL": "0"}, "tick interval must be greater than 0"),
    ],
    ids=["port", "bool", "interval"],
)
def test_bad_settings_name_the_setting(env, message):
    with pytest.raises(SettingsError, match=message):
        load_settings({}, env=env)


def test_bad_database_exits_3(capsys, tmp_path):
    code = main(["migrate", "--database-url", f"sqlite:///{tmp_path}/missing/dir/x.db"])
    assert code == 3
    assert capsys.readouterr().err.startswith(
        f"papertrade: cannot open database sqlite:///{tmp_path}/missing"
    )


def test_unreachable_postgresql_exits_3_with_one_line_and_no_password(capsys):
    with socket.socket() as closed:  # a port nothing listens on
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    code = main(["migrate", "--database-url", f"postgresql+psycopg://trader:hunter2@127.0.0.1:{port}/pt"])
    err = capsys.readouterr().err
    assert code == 3
    assert err.startswith(
        f"papertrade: cannot open database postgresql+psycopg://trader:***@127.0.0.1:{port}/pt: "
    )
    assert "hunter2" not in err
    assert err.count("\n") == 1


def test_port_in_use_exits_2(capsys):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert main(["--port", str(port)]) == 2
    assert capsys.readouterr().err.strip() == f"papertrade: port {port} on 127.0.0.1 is already in use"


def test_argument_errors_exit_2():
    with pytest.raises(SystemExit) as exited:
        main(["--port", "not-a-number"])
    assert exited.value.code == 2


def test_server_starts_and_stops_cleanly_on_sigterm(tmp_path):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    command = [
        sys.executable,
        "-m",
        "papertrade",
        "--test-mode",
        "--port",
        str(port),
        "--database-url",
        f"sqlite:///{tmp_path / 'cli.db'}",
        "--log-level",
        "warning",
    ]
    process = subprocess.Popen(command, cwd=ROOT, stderr=subprocess.PIPE, text=True, env={**os.environ})
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                if requests.get(f"http://127.0.0.1:{port}/health", timeout=1).ok:
                    break
            except requests.ConnectionError:
                time.sleep(0.1)
        else:
            pytest.fail("server did not become healthy")
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=15) == 0
    finally:
        if process.poll() is None:
            process.kill()
    assert f"PaperTrade 1.0.0 listening on http://127.0.0.1:{port} (test mode)" in process.stderr.read()
