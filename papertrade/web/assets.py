"""Fingerprinted static files: `asset("js/live.js")` → `/static/js/live.3f9a2c1b.js`.

A fingerprint is the start of the SHA-256 of the bytes served. JavaScript modules are served with
their relative imports (`from "./live.js"`, `import("./x.js")`) rewritten to the fingerprinted
names, so the whole module graph is cached for a year and a module is loaded once per page
whichever way it is reached. A module's fingerprint therefore changes when a module it imports
changes. Files are read once and kept while their size and mtime stay the same.
"""

from __future__ import annotations

import hashlib
import logging
import mimetypes
import re
import threading
from dataclasses import dataclass
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import Response

from papertrade.web.http import error_response

IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"
FINGERPRINTED = re.compile(r"^(?P<stem>.+)\.(?P<digest>[0-9a-f]{8})(?P<ext>\.[A-Za-z0-9]+)$")
# The specifier of a static or dynamic import, or an export-from, when it is relative.
RELATIVE_IMPORT = re.compile(
    r"""(?P<lead>\b(?:from|import)\s*\(?\s*)(?P<quote>["'])(?P<specifier>\.\.?/[^"'\s]+)(?P=quote)"""
)
MEDIA_TYPES = {
    ".js": "text/javascript",
    ".mjs": "text/javascript",
    ".css": "text/css",
    ".svg": "image/svg+xml",
}

log = logging.getLogger("papertrade.assets")
router = APIRouter()


@dataclass(frozen=True)
class Asset:
    body: bytes
    digest: str
    media_type: str
    stamp: tuple[int, int]  # (mtime_ns, size) of the file it was built from
    imports: tuple[tuple[Path, str], ...]  # (module, its digest) for every rewritten import


def fingerprinted_name(name: str, digest: str) -> str:
    stem, dot, ext = name.rpartition(".")
    return f"{stem}.{digest}.{ext}" if dot and stem else f"{name}.{digest}"


class Assets:
    def __init__(self, static_dir: Path) -> None:
        self.root = static_dir.resolve()
        self._built: dict[Path, Asset] = {}
        self._lock = threading.Lock()

    def _file(self, relative: str) -> Path | None:
        candidate = (self.root / relative.lstrip("/")).resolve()
        if not candidate.is_relative_to(self.root) or not candidate.is_file():
            return None
        return candidate

    def build(self, path: Path, _importers: frozenset[Path] = frozenset()) -> Asset:
        """The bytes served for a file below the root, rebuilt when it or a module it imports
        changed. `_importers` are the modules on the way here: an import back to one of them (a
        cycle) is left as written."""
        stat = path.stat()
        stamp = (stat.st_mtime_ns, stat.st_size)
        with self._lock:
            cached = self._built.get(path)
        within = _importers | {path}
        if (
            cached is not None
            and cached.stamp == stamp
            and all(self.build(module, within).digest == digest for module, digest in cached.imports)
        ):
            return cached
        body = path.read_bytes()
        imports: tuple[tuple[Path, str], ...] = ()
        media_type = (
            MEDIA_TYPES.get(path.suffix) or mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        )
        if media_type == "text/javascript":
            body, imports = self._link(path, body, within)
        asset = Asset(body, hashlib.sha256(body).hexdigest()[:8], media_type, stamp, imports)
        with self._lock:
            self._built[path] = asset
        return asset

    def _link(
        self, path: Path, body: bytes, within: frozenset[Path]
    ) -> tuple[bytes, tuple[tuple[Path, str], ...]]:
        imports: list[tuple[Path, str]] = []

        def rewrite(match: re.Match[str]) -> str:
            specifier = match["specifier"]
            target = (path.parent / specifier).resolve()
            if not target.is_relative_to(self.root) or not target.is_file():
                return match[0]
            if target in within:
                log.warning("import cycle through %s: %s is not fingerprinted", path.name, specifier)
                return match[0]
            digest = self.build(target, within).digest
            imports.append((target, digest))
            folder, _, name = specifier.rpartition("/")
            return (
                f"{match['lead']}{match['quote']}{folder}/{fingerprinted_name(name, digest)}{match['quote']}"
            )

        linked = RELATIVE_IMPORT.sub(rewrite, body.decode("utf-8"))
        return linked.encode("utf-8"), tuple(imports)

    def url(self, relative: str) -> str:
        """The fingerprinted URL, or the plain one when the file does not exist."""
        relative = relative.lstrip("/")
        path = self._file(relative)
        if path is None:
            return f"/static/{relative}"
        parent, _, name = relative.rpartition("/")
        return f"/static/{parent + '/' if parent else ''}{fingerprinted_name(name, self.build(path).digest)}"

    def resolve(self, requested: str) -> tuple[Asset, bool] | None:
        """(asset, immutable) for a request path below /static/: the plain name revalidates, the
        current fingerprinted one is immutable, a stale fingerprint gets today's file to revalidate."""
        exact = self._file(requested)
        if exact is not None:
            return self.build(exact), False
        parent, _, name = requested.rpartition("/")
        match = FINGERPRINTED.match(name)
        if match is None:
            return None
        plain = self._file(
            f"{parent}/{match['stem']}{match['ext']}" if parent else match["stem"] + match["ext"]
        )
        if plain is None:
            return None
        asset = self.build(plain)
        return asset, asset.digest == match["digest"]


@router.api_route("/static/{path:path}", methods=["GET", "HEAD"], include_in_schema=False)
async def static_file(request: Request, path: str) -> Response:
    found = request.app.state.assets.resolve(path)
    if found is None:
        return error_response(404, "not_found", "Not found.")
    asset, immutable = found
    headers = {"Cache-Control": IMMUTABLE if immutable else REVALIDATE, "ETag": f'"{asset.digest}"'}
    if request.headers.get("if-none-match") == headers["ETag"]:
        return Response(status_code=304, headers=headers)
    return Response(asset.body, media_type=asset.media_type, headers=headers)  # uvicorn drops a HEAD's body
