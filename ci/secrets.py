"""The last line of defence against secrets in a run's output, and the `secrets` gate.

The pytest processes redact what they report (fixtures/secrets.py) and hand every secret they
learn to this process through a private file outside the run folder (`handover`). After the run,
`scan_and_redact` reads every file of the run folder, zip entries included (Playwright traces),
redacts any known secret, session or CSRF value still there, and says where it was (never what).
Each place found is one leak; the `secrets` gate allows none: a leak means the in-process
redaction missed something, and the files that went out before the scan (a CI log) may hold it.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import os
import re
import tempfile
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from ci import notify
from harness.redaction import (
    SECRETS_FILE_VARIABLE,
    cookie_values,
    read_secrets,
    redact_text,
    redact_trace,
    usable_secrets,
)

GATE = "secrets"
META_KEY = "secret_leaks"  # run.json: the leaks of the run (and of the shards of a merge)
# A base64 string literal, as a single-file Allure report embeds each of its data files.
_BASE64_LITERAL = re.compile(r'"([A-Za-z0-9+/]{16,}={0,2})"')


@dataclass(frozen=True)
class Leak:
    """A file of the run folder (`trace.zip!trace.network` for a zip entry) that held a secret."""

    file: str
    redacted: bool  # False: binary data (an image, a zip entry of no trace kind), reported and left as is

    def to_json(self) -> dict:
        return {"file": self.file, "redacted": self.redacted}

    @classmethod
    def from_json(cls, data: dict) -> Leak:
        return cls(str(data["file"]), bool(data.get("redacted", True)))


@contextlib.contextmanager
def handover() -> Iterator[Path]:
    """A private file (mode 0600, outside the run folder) for the pytest processes to append the
    secrets they learn to; its path is in TRADECHECK_SECRETS_FILE for the processes started inside
    the `with`, and the file is gone after it. Inside an open hand-over (a tradecheck run in a
    self-test), that one is used."""
    current = os.environ.get(SECRETS_FILE_VARIABLE)
    if current and os.path.isfile(current):
        yield Path(current)
        return
    handle, name = tempfile.mkstemp(prefix="tradecheck-secrets-")
    os.close(handle)
    previous = os.environ.get(SECRETS_FILE_VARIABLE)
    os.environ[SECRETS_FILE_VARIABLE] = name
    try:
        yield Path(name)
    finally:
        if previous is None:
            os.environ.pop(SECRETS_FILE_VARIABLE, None)
        else:
            os.environ[SECRETS_FILE_VARIABLE] = previous
        with contextlib.suppress(OSError):
            os.remove(name)


def known_secrets(notify_url: str | None = None) -> set[str]:
    """What this process knows: the hand-over file of the running `handover` (if any), the webhook
    URLs (--notify, TRADECHECK_WEBHOOK_URL)."""
    values = {notify_url or "", os.environ.get(notify.ENV_VARIABLE, "")}
    path = os.environ.get(SECRETS_FILE_VARIABLE)
    if path:
        with contextlib.suppress(OSError):
            values |= read_secrets(path)
    return usable_secrets(values)


def scan_and_redact(run_dir: Path, secrets: Iterable[str]) -> list[Leak]:
    """Every file of `run_dir` (symbolic links not followed) searched for the secrets and for any
    session or CSRF value; text files and zip entries are redacted in place."""
    secrets = usable_secrets(secrets)
    leaks: list[Leak] = []
    for path in sorted(run_dir.rglob("*")):
        if path.is_symlink() or not path.is_file():
            continue
        name = path.relative_to(run_dir).as_posix()
        if zipfile.is_zipfile(path):
            leaks += _scan_zip(path, name, secrets)
            continue
        data = path.read_bytes()
        text = _text(data)
        if text is None:
            if any(secret.encode("utf-8") in data for secret in secrets):
                leaks.append(Leak(name, redacted=False))
        else:
            cleaned = _redact_embedded(redact_text(text, secrets), secrets)
            if cleaned != text:
                _replace(path, cleaned.encode("utf-8"))
                leaks.append(Leak(name, redacted=True))
    return leaks


def _redact_embedded(text: str, secrets: set[str]) -> str:
    """`text` with its base64 literals that decode to text holding a secret re-encoded redacted."""

    def clean(match: re.Match[str]) -> str:
        try:
            decoded = base64.b64decode(match.group(1), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            return match.group()
        if not _holds_secret(decoded, secrets):
            return match.group()
        return '"' + base64.b64encode(redact_text(decoded, secrets).encode("utf-8")).decode("ascii") + '"'

    return _BASE64_LITERAL.sub(clean, text)


def _scan_zip(path: Path, name: str, secrets: set[str]) -> list[Leak]:
    try:
        with zipfile.ZipFile(path) as archive:
            found = [
                entry.filename
                for entry in archive.infolist()
                if (text := _text(archive.read(entry))) is not None and _holds_secret(text, secrets)
            ]
    except (zipfile.BadZipFile, OSError):
        return (
            [Leak(name, redacted=False)]
            if _holds_secret(path.read_bytes().decode("latin-1"), secrets)
            else []
        )
    if not found:
        return []
    redact_trace(path, secrets)  # the entries a trace holds text in; another kind stays as it is
    with zipfile.ZipFile(path) as archive:
        left = {entry for entry in found if _holds_secret(_text(archive.read(entry)) or "", secrets)}
    return [Leak(f"{name}!{entry}", redacted=entry not in left) for entry in found]


def _holds_secret(text: str, secrets: set[str]) -> bool:
    return bool(cookie_values(text)) or any(secret in text for secret in secrets)


def _text(data: bytes) -> str | None:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None


def _replace(path: Path, data: bytes) -> None:
    temporary = path.with_name(f".{path.name}.redacting")
    temporary.write_bytes(data)
    os.replace(temporary, path)


def gate_figure(leaks: Sequence[Leak]) -> tuple[int, str]:
    """The `secrets` gate: (number of leaks, where they were)."""
    if not leaks:
        return 0, "no known secret in the run folder"
    places = ", ".join(leak.file + ("" if leak.redacted else " (not redactable)") for leak in leaks[:5])
    more = f" and {len(leaks) - 5} more" if len(leaks) > 5 else ""
    return len(leaks), f"found and redacted in {places}{more}"
