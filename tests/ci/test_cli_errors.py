"""Every bad input: one line `tradecheck: error: ...` on stderr, the documented exit code, no
traceback, and nothing left half-written."""

import errno
import json
import os

import pytest
from tradecheck_builders import closed_port, result_record

from ci import run as run_command

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("argv", "line"),
    [
        (
            ["run", "--profile", "fast"],
            "tradecheck: error: unknown profile 'fast' "
            "(choose from: smoke, regression, nightly, release, mutation)",
        ),
        (["run"], "tradecheck: error: the following arguments are required: --profile"),
        (
            ["run", "--profile", "smoke", "--gate", "p95_ms"],
            "tradecheck: error: bad --gate 'p95_ms': expected NAME=VALUE, e.g. p95_ms=800 or flaky=off",
        ),
        (
            ["run", "--profile", "smoke", "--gate", "p95_ms=slow"],
            "tradecheck: error: bad --gate 'p95_ms=slow': expected a number >= 0 or 'off', got 'slow'",
        ),
        (
            ["run", "--profile", "smoke", "--shard", "3/2"],
            "tradecheck: error: bad --shard '3/2': expected I/N with 1 <= I <= N, e.g. 2/4",
        ),
        (
            ["run", "--profile", "smoke", "--browsers", "edge"],
            "tradecheck: error: --browsers: unknown browser 'edge' (choose from: chromium, firefox, webkit)",
        ),
        (
            ["run", "--profile", "smoke", "--workers", "lots"],
            "tradecheck: error: --workers: expected a whole number >= 0 or 'auto', got 'lots'",
        ),
        (
            ["run", "--profile", "smoke", "--seed", "abc"],
            "tradecheck: error: argument --seed: invalid int value: 'abc'",
        ),
        (
            ["run", "--profile", "smoke", "--workers", "²"],
            "tradecheck: error: --workers: expected a whole number >= 0 or 'auto', got '²'",
        ),
        (
            ["run", "--profile", "smoke", "--workers", "٢"],
            "tradecheck: error: --workers: expected a whole number >= 0 or 'auto', got '٢'",
        ),
        (
            ["run", "--profile", "smoke", "--shard", "١/٢"],
            "tradecheck: error: bad --shard '١/٢': expected I/N with 1 <= I <= N, e.g. 2/4",
        ),
        (
            ["run", "--profile", "smoke", "--gate", "p95_ms=８００"],
            "tradecheck: error: bad --gate 'p95_ms=８００': expected a number >= 0 or 'off', got '８００'",
        ),
        (
            ["run", "--profile", "smoke", "--browsers", " , "],
            "tradecheck: error: --browsers: expected browser names separated by commas "
            "(from: chromium, firefox, webkit), got ' , '",
        ),
        (
            ["run", "--profile", "smoke", "--browsers", "chromium,"],
            "tradecheck: error: --browsers: expected browser names separated by commas "
            "(from: chromium, firefox, webkit), got 'chromium,'",
        ),
    ],
    ids=[
        "unknown-profile",
        "no-profile",
        "gate-syntax",
        "gate-value",
        "shard",
        "browser",
        "workers",
        "seed",
        "workers-superscript",
        "workers-arabic-indic",
        "shard-arabic-indic",
        "gate-fullwidth",
        "browsers-blank",
        "browsers-trailing-comma",
    ],
)
def test_bad_command_lines(project, tradecheck, argv, line):
    code, _out, err = tradecheck(*argv)
    assert (code, err) == (2, [line])
    assert not (project / "reports").exists()


def test_an_unknown_command(project, tradecheck):
    code, _, err = tradecheck("deploy")
    assert code == 2
    assert len(err) == 1
    assert err[0].startswith("tradecheck: error: argument COMMAND: invalid choice: 'deploy'")


def test_a_corrupted_profiles_file(project, tradecheck):
    (project / "config" / "profiles.yaml").write_text("profiles:\n  smoke: {retries: -1}\n")
    code, _, err = tradecheck("run", "--profile", "smoke")
    assert code == 2
    assert err == [
        "tradecheck: error: config/profiles.yaml: profiles.smoke.retries: "
        "expected a whole number >= 0, got -1"
    ]


@pytest.mark.parametrize(
    ("option", "line"),
    [
        (
            "--browsers",
            "tradecheck: error: --browsers: expected browser names separated by commas "
            "(from: chromium, firefox, webkit), got ''",
        ),
        ("--workers", "tradecheck: error: --workers: expected a whole number >= 0 or 'auto', got ''"),
        ("--shard", "tradecheck: error: bad --shard '': expected I/N with 1 <= I <= N, e.g. 2/4"),
    ],
    ids=["browsers", "workers", "shard"],
)
def test_an_empty_browsers_workers_or_shard_is_a_usage_error(project, tradecheck, monkeypatch, option, line):
    monkeypatch.setattr("ci.cli.run", lambda *args: pytest.fail("a run started"))
    code, _, err = tradecheck("run", "--profile", "smoke", option, "")
    assert (code, err) == (2, [line])


@pytest.mark.parametrize(
    ("content", "line"),
    [
        (
            "profiles:\n  smoke: {description: café}\n".encode("latin-1"),
            "tradecheck: error: config/profiles.yaml: not UTF-8 text (byte 0xe9 at offset 36)",
        ),
        (
            "profiles:\n  smoke: {}\n".encode("utf-16"),
            "tradecheck: error: config/profiles.yaml: not UTF-8 text (byte 0xff at offset 0)",
        ),
    ],
    ids=["latin-1", "utf-16"],
)
def test_a_profiles_file_that_is_not_utf8(project, tradecheck, content, line):
    (project / "config" / "profiles.yaml").write_bytes(content)
    code, _, err = tradecheck("run", "--profile", "smoke")
    assert (code, err) == (2, [line])
    assert not (project / "reports").exists()


def test_no_project_here(tmp_path, monkeypatch, tradecheck):
    monkeypatch.delenv("TRADECHECK_ROOT", raising=False)
    monkeypatch.chdir(tmp_path)
    code, _, err = tradecheck("run", "--profile", "smoke")
    assert code == 2
    assert err == [
        f"tradecheck: error: no config/profiles.yaml in {tmp_path.resolve()} or any folder above it "
        "(run tradecheck inside the project)"
    ]


def test_allure_cli_missing_is_infrastructure(project, tradecheck, monkeypatch, tmp_path):
    monkeypatch.setenv("TRADECHECK_ALLURE", str(tmp_path / "no-such-allure"))
    (project / "scenarios").mkdir()
    code, _, err = tradecheck("run", "--profile", "smoke")
    assert code == 3
    assert len(err) == 1
    assert err[0].startswith("tradecheck: error: Allure CLI missing: ")
    assert not (project / "reports").exists()


def test_an_unreachable_target_stops_before_pytest(project, tradecheck, fake_allure):
    (project / "scenarios").mkdir()
    port = closed_port()
    (project / "config" / "environments.yaml").write_text(
        f"default: remote\nenvironments:\n  remote:\n    base_url: http://127.0.0.1:{port}\n"
    )
    code, _, err = tradecheck("run", "--profile", "smoke")
    assert code == 3
    assert len(err) == 1
    assert err[0].startswith(f"tradecheck: error: target unreachable: http://127.0.0.1:{port} (")
    assert not (project / "reports").exists()


def test_a_missing_browser_is_infrastructure(project, tradecheck, fake_allure, monkeypatch):
    (project / "scenarios").mkdir()
    monkeypatch.setattr(run_command, "installed_browsers", lambda: ["chromium"])
    code, _, err = tradecheck("run", "--profile", "smoke", "--browsers", "chromium,firefox")
    assert (code, err) == (
        3,
        ["tradecheck: error: browser missing: firefox is not installed here (available: chromium)"],
    )


def test_an_unknown_environment_is_a_configuration_error(project, tradecheck, fake_allure):
    (project / "scenarios").mkdir()
    code, _, err = tradecheck("run", "--profile", "smoke", "--env", "moon")
    assert code == 2
    assert len(err) == 1
    assert "no environment 'moon'" in err[0]


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (lambda d: (d / "run.json").unlink(), "not a tradecheck run directory (no run.json)"),
        (lambda d: (d / "run.json").write_text("{not json"), "run.json: not valid JSON"),
        (lambda d: (d / "results" / "results.jsonl").unlink(), "results: no test results (*.jsonl)"),
        (
            lambda d: (d / "results" / "results.jsonl").write_text('{"kind": "test"}\n'),
            "results.jsonl: missing 'nodeid', 'outcome'",
        ),
        (
            lambda d: (d / "results" / "results.jsonl").write_text(
                '{"kind": "collected"}\n{oops\n{"kind": "x"}\n'
            ),
            "results.jsonl line 2: not valid JSON",
        ),
        (
            lambda d: (d / "artifacts" / "traffic-gw0.jsonl").write_text('["not", "an", "object"]\n'),
            "traffic-gw0.jsonl line 1: expected a JSON object",
        ),
        (lambda d: (d / "artifacts" / "target-gw0.json").write_text("{"), "target-gw0.json: not valid JSON"),
        (lambda d: (d / "junit.xml").write_text("<testsuites><testsuite>"), "junit.xml: not valid XML"),
    ],
    ids=[
        "no-run-json",
        "bad-run-json",
        "no-results",
        "incomplete-record",
        "bad-line",
        "not-object",
        "bad-target",
        "bad-junit",
    ],
)
def test_merge_rejects_missing_or_corrupted_result_files(
    project, tradecheck, make_run_dir, fake_allure, damage, message
):
    good = make_run_dir("shard1", [result_record("s::a[chromium]")])
    bad = make_run_dir("shard2", [result_record("s::b[chromium]")])
    damage(bad)
    code, _, err = tradecheck("merge", str(good), str(bad))
    assert code == 2
    assert len(err) == 1
    assert err[0].startswith("tradecheck: error: ")
    assert message in err[0]
    assert not (project / "reports").exists()


def test_merge_of_a_folder_that_does_not_exist(project, tradecheck, tmp_path):
    code, _, err = tradecheck("merge", str(tmp_path / "nowhere"))
    assert (code, err) == (2, [f"tradecheck: error: {tmp_path / 'nowhere'}: not a directory"])


def test_merge_refuses_runs_of_different_profiles(project, tradecheck, make_run_dir, fake_allure):
    smoke = make_run_dir("a", [result_record("s::a[chromium]")], profile="smoke")
    regression = make_run_dir("b", [result_record("s::b[chromium]")])
    code, _, err = tradecheck("merge", str(smoke), str(regression))
    assert code == 2
    assert err == [
        "tradecheck: error: the run folders ran different profiles (regression, smoke); "
        "merge one profile at a time"
    ]


def test_a_cut_off_last_line_is_a_killed_writer_not_corruption(make_run_dir):
    from ci.rundata import load_run

    directory = make_run_dir("cut", [result_record("s::a[chromium]")])
    with (directory / "results" / "results.jsonl").open("a") as stream:
        stream.write(
            json.dumps(result_record("s::b[chromium]"))[:30]
        )  # no newline: the process died mid-write
    assert [t["nodeid"] for t in load_run(directory).tests] == ["s::a[chromium]"]


def test_merge_refuses_a_corrupted_allure_result(project, tradecheck, make_run_dir, fake_allure):
    shard = make_run_dir("a", [result_record("s::a[chromium]")])
    (shard / "allure-results").mkdir()
    (shard / "allure-results" / "0a1b-result.json").write_text('{"uuid": "0a1b", "name": "s::a"')
    code, _, err = tradecheck("merge", str(shard))
    assert code == 2
    assert err == [
        f"tradecheck: error: {shard / 'allure-results' / '0a1b-result.json'}: "
        "not a readable Allure result (JSONDecodeError)"
    ]
    assert not (project / "reports" / "runs").exists()  # nothing written


def test_a_dead_browser_server_stops_the_run_before_any_test(project, tradecheck, fake_allure):
    """Even a selection without browser tests must not say GO on a dead --connect endpoint."""
    (project / "scenarios").mkdir()
    endpoint = f"ws://127.0.0.1:{closed_port()}/playwright"
    code, _, err = tradecheck("run", "--profile", "smoke", "--connect", endpoint)
    assert code == 3
    assert len(err) == 1
    assert err[0].startswith(f"tradecheck: error: browser server unreachable: {endpoint} (")
    assert not (project / "reports").exists()


def test_a_full_disk_while_signing_off_is_infrastructure(
    project, tradecheck, make_run_dir, fake_allure, monkeypatch
):
    """The sign-off cannot be written: one line, exit 3, and reports/latest still names the earlier run."""
    (project / "reports" / "runs" / "earlier").mkdir(parents=True)
    (project / "reports" / "latest").symlink_to("runs/earlier")
    shard = make_run_dir("a", [result_record("s::a[chromium]")])
    target = project / "reports" / "runs" / "merged"

    from ci import rundata

    write = rundata.write_json_atomically

    def full_disk(path, data):  # the disk fills up as the sign-off is written
        if path.name == "signoff.json":
            raise OSError(errno.ENOSPC, "No space left on device", str(path))
        write(path, data)

    monkeypatch.setattr("ci.rundata.write_json_atomically", full_disk)
    code, _, err = tradecheck("merge", str(shard), "--out", str(target))
    assert code == 3
    assert err == [f"tradecheck: error: cannot write {target / 'signoff.json'}: No space left on device"]
    assert os.readlink(project / "reports" / "latest") == "runs/earlier"
