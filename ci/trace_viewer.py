"""Playwright's trace viewer next to the report, so a failed test's trace opens in one click.

Playwright ships its trace viewer as static files (playwright/driver/package/lib/vite/traceViewer,
the same app `playwright show-trace` serves). The viewer reads a trace through a service worker,
which browsers allow only over http(s) or on localhost: opened from file:// it stops with "The
Playwright Trace Viewer must be loaded over the http:// or https:// protocols". So:

- `install` copies the viewer into the run folder (1.7 MB, no network needed) and gives every
  test result that has a trace attachment a link "Open the trace" that points the viewer at the
  attachment's copy in allure-results, both under the URL the run folder is served at. The
  report makes only absolute http(s) links clickable (relative ones are shown as text), so the
  links name that URL: by default `serve`'s fixed local address, where `tradecheck open` serves
  the run folder; a run folder published on a web server gives its own base URL.
- `serve` serves a run folder on 127.0.0.1 (`tradecheck open`).
  Without it, `playwright show-trace <zip>` opens one trace offline.
"""

from __future__ import annotations

import functools
import json
import os
import shutil
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import quote

VIEWER_DIR = "trace-viewer"
REPORT_PORT = 9329  # fixed, because the links in the report name it
LOCAL_BASE_URL = f"http://127.0.0.1:{REPORT_PORT}/"
LINK_NAME = "Open the trace (served report: tradecheck open)"
TRACE_ATTACHMENT_PREFIX = "trace"  # fixtures/artifacts.py names them "trace: trace.zip"
ZIP_TYPES = frozenset({"application/zip", "application/vnd.allure.playwright-trace"})


def viewer_source() -> Path:
    import playwright

    return Path(playwright.__file__).resolve().parent / "driver" / "package" / "lib" / "vite" / "traceViewer"


def install(run_dir: Path, results_dir: Path, base_url: str = LOCAL_BASE_URL) -> int:
    """Copy the viewer into run_dir/trace-viewer and link each trace from its test result;
    base_url is where run_dir will be served. Returns how many traces were linked; with none,
    nothing is copied. Call it before the report is generated (it edits the *-result.json files)."""
    linked = 0
    for path in sorted(results_dir.glob("*-result.json")):
        try:
            result = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        traces = [a["source"] for a in _attachments(result) if _is_trace(a)]
        links = [link for link in result.get("links") or [] if link.get("name") != LINK_NAME]
        for source in traces:
            url = viewer_link(run_dir, results_dir / source, base_url)
            if url is not None:
                links.append({"name": LINK_NAME, "url": url, "type": "trace"})
                linked += 1
        if traces:
            result["links"] = links
            tmp = path.with_name(path.name + ".tmp")  # Allure skips *.tmp files
            tmp.write_text(json.dumps(result), encoding="utf-8")
            tmp.replace(path)
    if linked:
        target = run_dir / VIEWER_DIR
        shutil.rmtree(target, ignore_errors=True)
        shutil.copytree(viewer_source(), target)
    return linked


def viewer_link(run_dir: Path, trace: Path, base_url: str = LOCAL_BASE_URL) -> str | None:
    """The viewer showing `trace` when run_dir is served at base_url; None when the trace is
    outside the run folder, where a server of the run folder cannot reach it."""
    relative = os.path.relpath(trace.resolve(), run_dir.resolve())
    if relative.startswith(".."):
        return None
    base = base_url.rstrip("/") + "/"
    return f"{base}{VIEWER_DIR}/index.html?trace=" + quote(base + Path(relative).as_posix(), safe="")


def _attachments(item: dict) -> Iterator[dict]:
    yield from item.get("attachments") or []
    for step in item.get("steps") or []:
        yield from _attachments(step)


def _is_trace(attachment: dict) -> bool:
    name = str(attachment.get("name") or "")
    return (
        name.startswith(TRACE_ATTACHMENT_PREFIX)
        and attachment.get("type") in ZIP_TYPES
        and bool(attachment.get("source"))
    )


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # no access log on the console
        pass


def serve(directory: Path, port: int = REPORT_PORT) -> tuple[ThreadingHTTPServer, str]:
    """Serve `directory` on 127.0.0.1 in a daemon thread (port 0: any free one, for tests; the
    report's trace links need REPORT_PORT). Returns the server (call .shutdown() and
    .server_close()) and its base URL. OSError when the port is taken."""
    handler = functools.partial(_QuietHandler, directory=str(directory))
    server = ThreadingHTTPServer(("127.0.0.1", port), handler)
    threading.Thread(target=server.serve_forever, name="tradecheck-report-server", daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/"
