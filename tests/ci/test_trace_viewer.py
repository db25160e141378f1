"""Playwright's trace viewer next to the report: links from each traced test, a local server."""

import json
import urllib.request

import pytest

from ci import trace_viewer

pytestmark = pytest.mark.unit


def write_result(results, name, attachments):
    path = results / f"{name}-result.json"
    path.write_text(json.dumps({"uuid": name, "name": name, "attachments": attachments}))
    return path


def test_each_trace_gets_one_link_to_the_viewer_and_the_viewer_is_copied(tmp_path):
    results = tmp_path / "allure-results"
    results.mkdir()
    trace = {"name": "trace: trace.zip", "source": "t1-attachment.zip", "type": "application/zip"}
    shot = {"name": "screenshot: a.png", "source": "s1-attachment.png", "type": "image/png"}
    traced = write_result(results, "a", [shot, trace])
    untraced = write_result(results, "b", [shot])

    assert trace_viewer.install(tmp_path, results) == 1
    assert trace_viewer.install(tmp_path, results) == 1  # a second call replaces, never duplicates
    links = json.loads(traced.read_text())["links"]
    base = "http://127.0.0.1:9329/"
    assert links == [
        {
            "name": trace_viewer.LINK_NAME,
            "url": f"{base}trace-viewer/index.html?trace=http%3A%2F%2F127.0.0.1%3A9329%2F"
            "allure-results%2Ft1-attachment.zip",
            "type": "trace",
        }
    ]
    assert "links" not in json.loads(untraced.read_text())
    assert (tmp_path / "trace-viewer" / "index.html").is_file()
    assert (tmp_path / "trace-viewer" / "sw.bundle.js").is_file()  # the service worker it needs


def test_without_traces_nothing_is_copied(tmp_path):
    results = tmp_path / "allure-results"
    results.mkdir()
    write_result(results, "a", [])
    assert trace_viewer.install(tmp_path, results) == 0
    assert not (tmp_path / "trace-viewer").exists()


def test_a_trace_outside_the_served_folder_gets_no_link(tmp_path):
    assert trace_viewer.viewer_link(tmp_path / "run", tmp_path / "elsewhere" / "t.zip") is None
    assert trace_viewer.viewer_link(
        tmp_path, tmp_path / "allure-results" / "t.zip", "https://reports.example/run-7"
    ) == (
        "https://reports.example/run-7/trace-viewer/index.html?trace="
        "https%3A%2F%2Freports.example%2Frun-7%2Fallure-results%2Ft.zip"
    )


def test_serve_answers_on_localhost_only(tmp_path):
    (tmp_path / "index.html").write_text("report")
    server, url = trace_viewer.serve(tmp_path, port=0)
    try:
        assert url.startswith("http://127.0.0.1:")
        with urllib.request.urlopen(url + "index.html", timeout=10) as response:
            assert response.read() == b"report"
    finally:
        server.shutdown()
        server.server_close()
