"""config/profiles.yaml and the command-line values that refine a profile."""

import pytest

from ci.errors import UsageError
from ci.gates import GATES
from ci.profiles import (
    load_profiles,
    parse_browsers,
    parse_gate_overrides,
    parse_gate_value,
    parse_shard,
    parse_workers,
)

pytestmark = pytest.mark.unit


def test_the_four_profiles_say_what_the_issue_asks(profiles):
    smoke, regression = profiles.get("smoke"), profiles.get("regression")
    nightly, release = profiles.get("nightly"), profiles.get("release")
    assert (smoke.markers, smoke.browsers, smoke.retries) == ("smoke", ("chromium",), 0)
    assert (regression.markers, regression.browsers, regression.retries) == ("", "available", 1)
    assert regression.gates["critical_flows"] == 100
    assert regression.gates["flow_coverage"] == 90
    assert regression.gates["code_coverage"] == 90
    assert regression.gates["p95_ms"] == 500
    assert regression.gates["error_rate"] == 0.1
    assert regression.gates["page_errors"] == 0
    assert (nightly.history, nightly.notify, nightly.retries) == (True, True, 1)
    lighthouse = {"lighthouse_performance": 90, "lighthouse_accessibility": 90}
    assert (regression.lighthouse, nightly.lighthouse, release.lighthouse) == (False, True, True)
    assert nightly.gates == {**regression.gates, **lighthouse}  # extends merges gates
    assert release.strict
    assert release.gates == {**regression.gates, **lighthouse, "flaky": 0, "uptime": 99.9}
    assert profiles.history_limit >= 1
    assert profiles.keep_runs >= 1


def test_every_profile_keeps_allure_history(profiles):
    assert [
        name for name in ("smoke", "regression", "nightly", "release") if not profiles.get(name).history
    ] == []


def test_gate_overrides_replace_add_and_drop(profiles):
    overrides = parse_gate_overrides(["p95_ms=800", "code_coverage=85%", "page_errors=off", "flaky=0"])
    profile = profiles.get("regression").with_gate_overrides(overrides)
    assert profile.gates["p95_ms"] == 800
    assert profile.gates["code_coverage"] == 85
    assert "page_errors" not in profile.gates
    assert profile.gates["flaky"] == 0


@pytest.mark.parametrize(
    ("item", "message"),
    [
        ("p95_ms", "bad --gate 'p95_ms': expected NAME=VALUE, e.g. p95_ms=800 or flaky=off"),
        ("=5", "bad --gate '=5': expected NAME=VALUE, e.g. p95_ms=800 or flaky=off"),
        (
            "speed=5",
            f"bad --gate 'speed=5': unknown gate 'speed' (choose from: {', '.join(GATES)})",
        ),
        ("p95_ms=fast", "bad --gate 'p95_ms=fast': expected a number >= 0 or 'off', got 'fast'"),
        ("p95_ms=-1", "bad --gate 'p95_ms=-1': expected a number >= 0 or 'off', got '-1'"),
        ("code_coverage=120", "bad --gate 'code_coverage=120': a percentage must be <= 100, got '120'"),
        ("error_rate=nan", "bad --gate 'error_rate=nan': expected a number >= 0 or 'off', got 'nan'"),
    ],
    ids=["no-value", "no-name", "unknown", "not-a-number", "negative", "over-100", "nan"],
)
def test_bad_gate_overrides_are_one_clear_line(item, message):
    with pytest.raises(UsageError) as caught:
        parse_gate_overrides([item])
    assert str(caught.value) == message


@pytest.mark.parametrize(("text", "expected"), [("1/1", (1, 1)), ("2/4", (2, 4)), (" 3/3 ", (3, 3))], ids=str)
def test_shard_specs(text, expected):
    assert parse_shard(text) == expected


@pytest.mark.parametrize(
    "text",
    ["0/2", "3/2", "1/0", "2", "a/b", "1/2/3", "-1/2", "", "١/٢", "１/２", "1/²", "+1/2", "1/" + "9" * 5000],
    ids=[
        "zero",
        "beyond",
        "of-zero",
        "no-slash",
        "letters",
        "three-parts",
        "negative",
        "empty",
        "arabic-indic",
        "fullwidth",
        "superscript",
        "plus",
        "5000-digits",
    ],
)
def test_bad_shard_specs(text):
    with pytest.raises(UsageError, match=r"^bad --shard .*: expected I/N with 1 <= I <= N, e.g. 2/4$"):
        parse_shard(text)


@pytest.mark.parametrize(
    "value",
    ["", " , ", "chromium,", ",firefox", "chromium,,firefox", ["chromium", " "]],
    ids=["empty", "blank", "trailing-comma", "leading-comma", "double-comma", "yaml-blank-item"],
)
def test_empty_browser_names_are_a_usage_error(value):
    with pytest.raises(UsageError) as caught:
        parse_browsers(value)
    assert str(caught.value) == (
        "--browsers: expected browser names separated by commas (from: chromium, firefox, webkit), "
        f"got {value!r}"
    )


@pytest.mark.parametrize(
    "value",
    ["²", "٢", "２", "-1", "+2", " 2", "2.0", "1e1", "0x2", ""],
    ids=[
        "superscript",
        "arabic-indic",
        "fullwidth",
        "negative",
        "plus",
        "padded",
        "decimal",
        "exponent",
        "hex",
        "empty",
    ],
)
def test_workers_take_ascii_digits_or_auto(value):
    with pytest.raises(UsageError) as caught:
        parse_workers(value)
    assert str(caught.value) == f"--workers: expected a whole number >= 0 or 'auto', got {value!r}"


@pytest.mark.parametrize(
    "value",
    ["٣٠٠", "３００", "³", "1e3", "1_000", "+300", "0x12c", "inf"],
    ids=["arabic-indic", "fullwidth", "superscript", "exponent", "underscore", "plus", "hex", "inf"],
)
def test_gate_values_take_ascii_decimals(value):
    with pytest.raises(UsageError) as caught:
        parse_gate_overrides([f"p95_ms={value}"])
    assert str(caught.value) == f"bad --gate 'p95_ms={value}': expected a number >= 0 or 'off', got {value!r}"


@pytest.mark.parametrize(
    ("gate", "value", "expected"),
    [
        ("p95_ms", "300", 300),
        ("p95_ms", "300ms", 300),
        ("code_coverage", "85%", 85),
        ("code_coverage", "85.5 %", 85.5),
        ("error_rate", ".5", 0.5),
        ("p95_ms", 800, 800),
        ("flow_coverage", 92.5, 92.5),
    ],
    ids=["whole", "ms", "percent", "decimal-percent", "leading-point", "yaml-int", "yaml-float"],
)
def test_gate_values_in_the_forms_people_write(gate, value, expected):
    assert parse_gate_value(gate, value, "here") == expected


def test_browsers_and_workers():
    assert parse_browsers("chromium, firefox,chromium") == ("chromium", "firefox")
    assert parse_workers("auto") == "auto"
    assert parse_workers("0") == "0"
    with pytest.raises(UsageError, match="unknown browser 'edge'"):
        parse_browsers("chromium,edge")
    with pytest.raises(UsageError, match="expected a whole number >= 0 or 'auto', got 'many'"):
        parse_workers("many")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("profiles: [unclosed", r"profiles\.yaml line 1: not valid YAML"),
        ("- just\n- a list\n", r"expected a mapping with a non-empty 'profiles' mapping"),
        (
            "profiles:\n  fast:\n    retries: many\n",
            r"profiles\.fast\.retries: expected a whole number >= 0, got 'many'",
        ),
        ("profiles:\n  fast:\n    speed: 11\n", r"profiles\.fast\.speed: unknown key"),
        (
            "profiles:\n  fast:\n    browsers: [chromium, edge]\n",
            r"profiles\.fast\.browsers: unknown browser 'edge'",
        ),
        ("profiles:\n  fast:\n    gates: {p99: 1}\n", r"profiles\.fast\.gates\.p99: unknown gate 'p99'"),
        ("profiles:\n  a: {extends: b}\n  b: {extends: a}\n", r"'extends' forms a cycle \(a -> b -> a\)"),
        ("profiles:\n  a: {extends: zzz}\n", r"profiles\.a\.extends: unknown profile 'zzz'"),
        ("profiles:\n  a: {strict: maybe}\n", r"profiles\.a\.strict: expected true or false, got 'maybe'"),
        (
            "profiles:\n  a: {}\nsettings: {keep_runs: 0}\n",
            r"settings\.keep_runs: expected a whole number >= 1",
        ),
    ],
    ids=[
        "yaml",
        "not-mapping",
        "retries",
        "unknown-key",
        "browser",
        "gate",
        "cycle",
        "extends",
        "flag",
        "settings",
    ],
)
def test_a_bad_profiles_file_names_file_and_key(tmp_path, text, message):
    path = tmp_path / "profiles.yaml"
    path.write_text(text)
    with pytest.raises(UsageError, match=message) as caught:
        load_profiles(path)
    assert "\n" not in str(caught.value)


def test_a_profiles_file_that_is_not_utf8(tmp_path):
    path = tmp_path / "profiles.yaml"
    path.write_bytes(b"profiles:\n  smoke: {description: \xff}\n")
    with pytest.raises(UsageError) as caught:
        load_profiles(path)
    assert str(caught.value) == f"{path}: not UTF-8 text (byte 0xff at offset 33)"


def test_a_profiles_path_that_is_a_folder(tmp_path):
    (tmp_path / "profiles.yaml").mkdir()
    with pytest.raises(UsageError) as caught:
        load_profiles(tmp_path / "profiles.yaml")
    assert str(caught.value) == f"{tmp_path / 'profiles.yaml'}: cannot be read (Is a directory)"


def test_a_missing_profiles_file(tmp_path):
    with pytest.raises(UsageError, match=r"profiles\.yaml: not found"):
        load_profiles(tmp_path / "profiles.yaml")
