"""Fingerprinted static files: `asset("js/live.js")` → `/static/js/live.3f9a2c1b.js`."""

from __future__ import annotations

import hashlib
import re
import threading
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, Response

from papertrade.web.http import error_response

IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"
FINGERPRINTED = re.compile(r"^(?P<stem>.+)\.(?P<digest>[0-9a-f]{8})(?P<ext>\.[A-Za-z0-9]+)$")

router = APIRouter()


class Assets:
    def __init__(self, static_dir: Path) -> None:
        self.root = static_dir.resolve()
        self._digests: dict[Path, tuple[float, str]] = {}
        self._lock = threading.Lock()

    def _file(self, relative: str) -> Path | None:
        candidate = (self.root / relative.lstrip("/")).resolve()
        if not candidate.is_relative_to(self.root) or not candidate.is_file():
            return None
        return candidate

    def digest(self, path: Path) -> str:
        mtime = path.stat().st_mtime
        with self._lock:
            cached = self._digests.get(path)
            if cached is not None and cached[0] == mtime:
                return cached[1]
        value = hashlib.sha256(path.read_bytes()).hexdigest()[:8]
        with self._lock:
            self._digests[path] = (mtime, value)
        return value

    def url(self, relative: str) -> str:
        """The fingerprinted URL, or the plain one when the file does not exist."""
        relative = relative.lstrip("/")
        path = self._file(relative)
        if path is None:
            return f"/static/{relative}"
        parent, _, name = relative.rpartition("/")
        stem, dot, ext = name.rpartition(".")
        fingerprinted = f"{stem}.{self.digest(path)}.{ext}" if dot and stem else f"{name}.{self.digest(path)}"
        return f"/static/{parent + '/' if parent else ''}{fingerprinted}"

    def resolve(self, requested: str) -> tuple[Path, bool] | None:
        """(file, immutable) for a request path below /static/."""
        exact = self._file(requested)
        if exact is not None:
            return exact, False
        parent, _, name = requested.rpartition("/")
        match = FINGERPRINTED.match(name)
        if match is None:
            return None
        plain = self._file(
            f"{parent}/{match['stem']}{match['ext']}" if parent else match["stem"] + match["ext"]
        )
        if plain is None:
            return None
        return plain, self.digest(plain) == match["digest"]


@router.api_route("/static/{path:path}", methods=["GET", "HEAD"], include_in_schema=False)
async def static_file(request: Request, path: str) -> Response:
    found = request.app.state.assets.resolve(path)
    if found is None:
        return error_response(404, "not_found", "Not found.")
    file, immutable = found
    return FileResponse(file, headers={"Cache-Control": IMMUTABLE if immutable else REVALIDATE})
