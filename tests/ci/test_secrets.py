"""No secret in a run's output: the scan of the run folder (zip entries included) and the `secrets`
gate on planted files; then a real run whose account creation fails with the password in the
request body, signed in, on the embedded app, whose folder holds no password, session or CSRF
value anywhere."""

import base64
import json
import os
import re
import shutil
import stat
import zipfile
from pathlib import Path

import pytest
from tradecheck_builders import closed_port

from ci import allure, secrets
from ci import run as run_command
from ci.gates import GATES
from ci.rundata import load_run
from harness.redaction import SECRETS_FILE_VARIABLE, append_secrets, read_secrets

PROJECT_ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "Zq8" + "planted" + "Pw41"  # spelt in two parts: the test's own source shows no secret
SESSION = "sess-" + "Abc123def456ghi"
CSRF = "csrf-" + "Xyz987wvu654tsr"


@pytest.fixture
def run_folder(tmp_path):
    folder = tmp_path / "run"
    (folder / "allure-results").mkdir(parents=True)
    (folder / "test-output" / "t1").mkdir(parents=True)
    (folder / "pytest.log").write_text(f"kwargs = {{'json': {{'password': '{PASSWORD}'}}}}\n")
    (folder / "junit.xml").write_text(f"<failure>Cookie: pt_session={SESSION}; pt_csrf={CSRF}</failure>")
    (folder / "allure-results" / "a-result.json").write_text(json.dumps({"trace": f"X-CSRF-Token: '{CSRF}'"}))
    (folder / "signoff.md").write_text("nothing secret here\n")
    (folder / "allure-report").mkdir()
    embedded = base64.b64encode(f"trace: password = '{PASSWORD}' (a test result)".encode()).decode()
    (folder / "allure-report" / "index.html").write_text(
        f'<script>d("data/test-results/1.json","{embedded}")'
    )
    (folder / "screenshot.png").write_bytes(b"\x89PNG\xff\xfe" + PASSWORD.encode())
    with zipfile.ZipFile(folder / "attachments.zip", "w") as attachments:
        attachments.writestr("notes.md", f"password: {PASSWORD}")  # no entry a trace redacts
    with zipfile.ZipFile(folder / "test-output" / "t1" / "trace.zip", "w") as trace:
        trace.writestr("trace.network", json.dumps({"name": "Cookie", "value": f"pt_session={SESSION}"}))
        trace.writestr("trace.trace", f'fill "{PASSWORD}" into Password')
        trace.writestr("resources/page.png", b"\x89PNG\xff\xfe")
    return folder


def everything(folder: Path) -> str:
    """Every file of the folder as text, zip entries unpacked, the data files of a single-file
    Allure report (`d("name", "<base64>")`) decoded."""
    texts = []
    for path in sorted(folder.rglob("*")):
        if path.is_file() and not path.is_symlink():
            if zipfile.is_zipfile(path):
                with zipfile.ZipFile(path) as archive:
                    texts += [archive.read(entry).decode("latin-1") for entry in archive.infolist()]
            else:
                texts.append(path.read_bytes().decode("latin-1"))
                for data in re.findall(r'd\("[^"]+","([A-Za-z0-9+/=]+)"\)', texts[-1]):
                    texts.append(base64.b64decode(data).decode("latin-1"))
    return "\n".join(texts)


@pytest.mark.unit
def test_scan_redacts_every_text_file_and_zip_entry_and_names_where(run_folder):
    leaks = secrets.scan_and_redact(run_folder, [PASSWORD])
    assert leaks == [
        secrets.Leak("allure-report/index.html", redacted=True),
        secrets.Leak("allure-results/a-result.json", redacted=True),
        secrets.Leak("attachments.zip!notes.md", redacted=False),
        secrets.Leak("junit.xml", redacted=True),
        secrets.Leak("pytest.log", redacted=True),
        secrets.Leak("screenshot.png", redacted=False),
        secrets.Leak("test-output/t1/trace.zip!trace.network", redacted=True),
        secrets.Leak("test-output/t1/trace.zip!trace.trace", redacted=True),
    ]
    (run_folder / "screenshot.png").unlink()
    (run_folder / "attachments.zip").unlink()
    text = everything(run_folder)
    assert (PASSWORD in text, SESSION in text, CSRF in text) == (False, False, False)
    assert "kwargs = {'json': {'password': '<redacted>'}}" in text
    assert "trace: password = '<redacted>' (a test result)" in text
    assert secrets.scan_and_redact(run_folder, [PASSWORD]) == []  # nothing left behind


@pytest.mark.unit
def test_gate_figure_counts_leaks_and_names_files_never_values(run_folder):
    figure, detail = secrets.gate_figure(secrets.scan_and_redact(run_folder, [PASSWORD]))
    assert figure == 8
    assert detail == (
        "found and redacted in allure-report/index.html, allure-results/a-result.json, "
        "attachments.zip!notes.md (not redactable), junit.xml, pytest.log and 3 more"
    )
    assert secrets.gate_figure([]) == (0, "no known secret in the run folder")


@pytest.mark.unit
def test_the_gate_fails_on_one_leak_kept_in_run_json(run_folder):
    leaks = secrets.scan_and_redact(run_folder, [PASSWORD])[:1]
    stored = json.loads(json.dumps([leak.to_json() for leak in leaks]))
    figure, _ = secrets.gate_figure([secrets.Leak.from_json(leak) for leak in stored])
    spec = GATES["secrets"]
    assert (figure, spec.passes(figure, 0), spec.passes(0, 0)) == (1, False, True)


@pytest.mark.unit
def test_handover_file_is_private_named_for_children_and_removed(monkeypatch):
    monkeypatch.delenv(SECRETS_FILE_VARIABLE, raising=False)
    monkeypatch.setenv("TRADECHECK_WEBHOOK_URL", "https://hooks.example/T000/B000/xyzsecret")
    with secrets.handover() as path:
        assert os.environ[SECRETS_FILE_VARIABLE] == str(path)
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        append_secrets(path, [PASSWORD, "short"])
        with path.open("a") as stream:
            stream.write('"cut sho')  # a writer killed mid-line
        assert read_secrets(path) == {PASSWORD}
        with secrets.handover() as inner:  # a run inside an open hand-over joins it
            assert inner == path
        assert path.exists()
        assert secrets.known_secrets("https://hooks.example/other") == {
            PASSWORD,
            "https://hooks.example/T000/B000/xyzsecret",
            "https://hooks.example/other",
        }
    assert not path.exists()
    assert SECRETS_FILE_VARIABLE not in os.environ


# ---- a real run ------------------------------------------------------------------------------

PLANTED = f"""
import json
import os

import allure
import pytest
from playwright.sync_api import expect


@pytest.mark.smoke
def test_account_creation_fails_while_signed_in(account, make_account, fake, api):
    account.api.portfolio()
    values = {{"session": account.api.session.cookies["pt_session"],
              "csrf": account.api.session.headers["X-CSRF-Token"]}}
    print("signed in with", values)  # captured output: a section of the report
    fake.password = lambda **_: os.environ["PLANTED_PASSWORD"]
    api.base_url = "http://127.0.0.1:{closed_port()}"  # the app refuses: the request body is in the traceback
    api.session = account.api.session
    keep(values)
    make_account()


def keep(values):
    # for the self-test to look for, outside the run folder
    with open(os.environ["PLANTED_VALUES"], "a") as stream:
        stream.write(json.dumps(values) + "\\n")


@pytest.mark.smoke
def test_a_step_fails_with_the_password_in_its_message(account):
    keep({{"password": account.password}})
    with allure.step("Arrange an order"):  # Allure records the step's own failure as raised
        raise AssertionError(f"the server echoed {{account.password}}")


@pytest.mark.smoke
def test_signed_in_page_fails(signed_in_page, account):
    keep({{"password": account.password}})
    signed_in_page.goto("/dashboard")
    assert account.password == "something else"
"""


@pytest.fixture
def harness_project(project, tmp_path, monkeypatch):
    """A project of one planted scenario file on the real harness plugins and embedded app."""
    (project / "scenarios").mkdir()
    (project / "scenarios" / "test_planted.py").write_text(PLANTED)
    shutil.copy(PROJECT_ROOT / "conftest.py", project / "conftest.py")
    shutil.copy(PROJECT_ROOT / "pyproject.toml", project / "pyproject.toml")
    monkeypatch.setenv("PLANTED_PASSWORD", PASSWORD)
    monkeypatch.setenv("PLANTED_VALUES", str(tmp_path / "values.jsonl"))
    monkeypatch.setattr(run_command, "installed_browsers", lambda: ["chromium"])
    if not allure.cli_path().is_file():
        pytest.skip("Allure CLI not installed (npm ci --prefix ci)")
    return project


@pytest.mark.timeout(300)  # a whole run: the app, a browser, the report
def test_a_failing_run_leaves_no_password_session_or_csrf_value_in_its_folder(
    harness_project, tradecheck, tmp_path
):
    with secrets.handover() as path:
        code, out, _ = tradecheck("run", "--profile", "smoke", "--workers", "1")
        handed_over = read_secrets(path)
    assert code == 1, out
    run_dir = (harness_project / "reports" / "latest").resolve()
    assert "3 failed" in (run_dir / "pytest.log").read_text()
    messages = sorted(record["message"].splitlines()[0] for record in load_run(run_dir).tests)
    assert messages == [
        "AssertionError: assert '<redacted>' == 'something else'",
        "AssertionError: the server echoed <redacted>",
        "requests.exceptions.ConnectionError: HTTPConnectionPool(host='127.0.0.1', "
        + messages[2].split("HTTPConnectionPool(host='127.0.0.1', ")[-1],
    ]
    values = [json.loads(line) for line in (tmp_path / "values.jsonl").read_text().splitlines()]
    planted = {PASSWORD} | {value for record in values for value in record.values()}
    assert len(planted) == 5  # the planted password, a session, a CSRF value, two more passwords
    assert planted <= handed_over  # the CLI learns every value the pytest processes met
    assert list((run_dir / "test-output").rglob("trace.zip"))  # the browser test's trace is scanned too
    assert secrets.scan_and_redact(run_dir, planted) == []
    text = everything(run_dir)
    assert [value for value in planted if value in text] == []
    assert text.count("<redacted>") >= 3  # the values were there, in the report and the tracebacks
