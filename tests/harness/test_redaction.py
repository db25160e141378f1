"""Session cookies and known passwords never leave a trace."""

import zipfile

import pytest

from harness.redaction import redact_text, redact_trace

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Cookie: pt_session=abc123; pt_csrf=tok", "Cookie: pt_session=<redacted>; pt_csrf=<redacted>"),
        (
            '{"name":"pt_session","value":"abc123","domain":"x"}',
            '{"name":"pt_session","value":"<redacted>","domain":"x"}',
        ),
        ("typed hunter2 into Password", "typed <redacted> into Password"),
        ("nothing secret", "nothing secret"),
        (
            "headers = {'X-CSRF-Token': 'tok42abc'} login {\"csrf_token\": \"tok42abc\"}",
            "headers = {'X-CSRF-Token': '<redacted>'} login {\"csrf_token\": \"<redacted>\"}",
        ),
        (
            "pt_csrf=&lt;redacted&gt; 'X-CSRF-Token': '&lt;redacted&gt;'",
            "pt_csrf=&lt;redacted&gt; 'X-CSRF-Token': '&lt;redacted&gt;'",
        ),
        ("password qa5 is too short to redact", "password qa5 is too short to redact"),
    ],
    ids=["cookie-header", "storage-state", "known-password", "untouched", "csrf", "xml-escaped", "short"],
)
def test_redact_text(text, expected):
    assert redact_text(text, ["hunter2", "qa5"]) == expected


def test_cookie_seen_in_one_entry_is_redacted_in_every_entry(tmp_path):
    trace = tmp_path / "trace.zip"
    with zipfile.ZipFile(trace, "w") as archive:
        archive.writestr("trace.network", '{"headers":[{"name":"Cookie","value":"pt_csrf=tok42abc"}]}')
        archive.writestr("trace.trace", '["META",{"name":"csrf-token","content":"tok42abc"}] fill hunter2')
        archive.writestr("resources/image.png", b"\x89PNG\xff\xfe")
    redact_trace(trace, ["hunter2"])
    with zipfile.ZipFile(trace) as archive:
        assert (
            archive.read("trace.trace")
            == b'["META",{"name":"csrf-token","content":"<redacted>"}] fill <redacted>'
        )
        assert b"tok42abc" not in archive.read("trace.network")
        assert archive.read("resources/image.png") == b"\x89PNG\xff\xfe"
