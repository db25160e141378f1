"""Asset delivery judged from browser timing entries, headers and images; the web-quality file."""

import pytest

from harness.assetcheck import Fetch, RenderedImage, judge
from harness.webquality import WebQualityConfigError, load_web_quality

pytestmark = pytest.mark.unit

APP = "http://127.0.0.1:8000"
GZIP = {"content-encoding": "gzip", "vary": "Accept-Encoding"}
CONFIG = load_web_quality()


def fetch(path, initiator, transfer, encoded, decoded, content_type, **headers):
    return Fetch(
        f"{APP}{path}", initiator, transfer, encoded, decoded, {"content-type": content_type, **headers}
    )


def cold_dashboard():
    return [
        fetch("/dashboard", "navigation", 2602, 2302, 11079, "text/html", **GZIP),
        fetch("/static/css/app.9f.css", "link", 3551, 3251, 12085, "text/css", **GZIP),
        fetch("/static/js/live.68.js", "script", 3011, 2711, 7200, "text/javascript", **GZIP),
        fetch("/static/img/logo.ab.svg", "img", 721, 421, 421, "image/svg+xml"),
        fetch("/static/img/logo.ab.svg", "other", 0, 421, 421, "image/svg+xml"),  # the favicon
    ]


def cached(fetches):
    return [
        f
        if f.initiator == "navigation"
        else Fetch(f.url, f.initiator, 0, f.encoded_bytes, f.decoded_bytes, f.headers)
        for f in fetches
    ]


def check(cold, warm=None, images=(), contacted=(), config=CONFIG, asset_origin=APP):
    return judge(
        "dashboard",
        cold,
        cached(cold) if warm is None else warm,
        images,
        contacted,
        config,
        APP,
        asset_origin,
    )


def test_good_page_has_bytes_by_type_and_no_problem():
    result = check(
        cold_dashboard(), images=[RenderedImage(f"{APP}/static/img/logo.ab.svg", (28, 28), (28, 28))]
    )
    assert result.cold == {
        "script": 2711,
        "style": 3251,
        "image": 421,
        "font": 0,
        "document": 2302,
        "other": 0,
        "total": 8685,
    }
    assert result.warm["total"] == result.warm["document"] == 2302
    assert (result.problems, result.over_budget) == ([], [])


def test_one_megabyte_uncompressed_script_breaks_budget_and_compression():
    cold = [
        *cold_dashboard(),
        fetch("/static/js/big.js", "script", 1_048_876, 1_048_576, 1_048_576, "text/javascript"),
    ]
    result = check(cold)
    assert result.over_budget == [
        "dashboard: script 1051287 bytes > budget 40000",
        "dashboard: total 1057261 bytes > budget 80000",
    ]
    assert result.problems == ["/static/js/big.js (1048576 bytes) is not compressed"]


def test_compressed_without_vary_is_a_problem():
    cold = [
        *cold_dashboard(),
        fetch("/static/js/x.js", "script", 900, 600, 2000, "text/javascript", **{"content-encoding": "br"}),
    ]
    assert check(cold).problems == ["/static/js/x.js is compressed without Vary: Accept-Encoding"]


def test_warm_reload_that_refetches_a_static_file_is_a_problem():
    warm = cached(cold_dashboard())
    warm[1] = cold_dashboard()[1]
    assert check(cold_dashboard(), warm=warm).problems == [
        "warm reload fetched /static/css/app.9f.css from the network"
    ]


def test_png_and_oversized_images_are_problems():
    cold = [
        *cold_dashboard(),
        fetch("/static/img/chart.png", "img", 5000, 4700, 4700, "image/png"),
        fetch("/static/img/hero.webp", "img", 9000, 8700, 8700, "image/webp"),
    ]
    images = [
        RenderedImage(f"{APP}/static/img/chart.png", (100, 100), (100, 100)),
        RenderedImage(f"{APP}/static/img/hero.webp", (1200, 400), (300, 100)),
        RenderedImage(f"{APP}/static/img/logo.ab.svg", (2000, 2000), (28, 28)),  # vector: any size
    ]
    assert check(cold, images=images).problems == [
        "/static/img/chart.png is image/png, not SVG, WebP or AVIF",
        "/static/img/hero.webp is 1200×400 shown at 300×100: more than twice its size",
    ]


def test_foreign_origins_are_problems_but_the_app_websocket_is_not():
    contacted = [
        f"{APP}/dashboard",
        "ws://127.0.0.1:8000/ws",
        "https://tracker.example/t.gif",
        "data:image/png;base64,x",
    ]
    assert check(cold_dashboard(), contacted=contacted).problems == [
        "request to a non-allowed origin: https://tracker.example"
    ]


def test_with_an_asset_origin_static_files_must_come_from_it():
    problems = check(cold_dashboard(), asset_origin="https://cdn.example").problems
    assert problems[0] == "/static/css/app.9f.css is not served from the asset origin https://cdn.example"
    assert len(problems) == 3  # css, js, svg


@pytest.mark.parametrize(
    ("yaml_text", "message"),
    [
        (
            "web_quality:\n  pages: {login: {path: login}}\n",
            "web_quality.pages.login.path: expected a path starting with /, got 'login'",
        ),
        (
            "web_quality:\n  pages: {login: {path: /login}}\n  budgets:\n"
            "    default: {script: 1, style: 1, image: 1, font: 0, total: 3}\n    checkout: {}\n",
            "web_quality.budgets.checkout: unknown page (expected one of login)",
        ),
        (
            "web_quality:\n  pages: {login: {path: /login}}\n  budgets: {default: {script: 1}}\n",
            "web_quality.budgets.default.style: missing",
        ),
        (
            "web_quality:\n  pages: {login: {path: /login}}\n  lighthouse: {presets: [tablet]}\n",
            "web_quality.lighthouse.presets[0]: expected desktop or mobile, got 'tablet'",
        ),
    ],
    ids=["page-path", "unknown-budget-page", "missing-budget-key", "preset"],
)
def test_bad_configuration_names_the_file_and_key(tmp_path, yaml_text, message):
    path = tmp_path / "webquality.yaml"
    path.write_text(yaml_text)
    with pytest.raises(WebQualityConfigError) as raised:
        load_web_quality(path)
    assert str(raised.value) == f"{path}: {message}"
