"""Static assets: fingerprints, linked module imports, caching headers."""

import hashlib
import os
import re

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from papertrade.web import assets

pytestmark = pytest.mark.unit


@pytest.fixture
def static(tmp_path):
    root = tmp_path / "static"
    (root / "js" / "lib").mkdir(parents=True)
    (root / "js" / "format.js").write_text('export const money = (x) => "$" + x;\n')
    (root / "js" / "lib" / "util.js").write_text('import { money } from "../format.js";\nexport { money };\n')
    (root / "js" / "page.js").write_text(
        'import { money } from "./format.js";\n'
        "import './lib/util.js';\n"
        'export { money } from "./format.js";\n'
        'const later = () => import("./lib/util.js");\n'
        'import { nothing } from "./missing.js";\n'
        'import { secret } from "../../outside.js";\n'
        'import { other } from "https://cdn.example/x.js";\n'
    )
    (root / "css").mkdir()
    (root / "css" / "app.css").write_text("body { color: black; }\n")
    return root


@pytest.fixture
def served(static):
    app = FastAPI()
    app.state.assets = assets.Assets(static)
    app.include_router(assets.router)
    with TestClient(app) as client:
        yield app.state.assets, client


def digest_of(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()[:8]


def touch_with(path, text):
    before = path.stat().st_mtime_ns
    path.write_text(text)
    os.utime(path, ns=(before + 1_000_000_000, before + 1_000_000_000))  # a new mtime even on coarse clocks


def test_a_plain_file_is_fingerprinted_by_its_bytes(served, static):
    store, _ = served
    digest = digest_of((static / "css" / "app.css").read_bytes())
    assert store.url("css/app.css") == f"/static/css/app.{digest}.css"
    assert store.url("/css/app.css") == f"/static/css/app.{digest}.css"
    assert store.url("css/none.css") == "/static/css/none.css"


def test_relative_imports_are_rewritten_to_fingerprinted_names(served):
    store, client = served
    format_url = store.url("js/format.js")
    util_url = store.url("js/lib/util.js")
    page = client.get(store.url("js/page.js")).text
    format_name = format_url.rsplit("/", 1)[1]
    util_name = util_url.rsplit("/", 1)[1]
    assert page.splitlines() == [
        f'import {{ money }} from "./{format_name}";',
        f"import './lib/{util_name}';",
        f'export {{ money }} from "./{format_name}";',
        f'const later = () => import("./lib/{util_name}");',
        'import { nothing } from "./missing.js";',
        'import { secret } from "../../outside.js";',
        'import { other } from "https://cdn.example/x.js";',
    ]
    util = client.get(util_url).text
    assert util.startswith(f'import {{ money }} from "../{format_name}";')


def test_the_fingerprint_is_of_the_linked_bytes(served):
    store, client = served
    url = store.url("js/page.js")
    response = client.get(url)
    assert re.search(r"\.([0-9a-f]{8})\.js$", url).group(1) == digest_of(response.content)


def test_changing_an_imported_module_changes_its_importers_fingerprints(served, static):
    store, client = served
    page_before, util_before, format_before = (
        store.url(f"js/{name}") for name in ("page.js", "lib/util.js", "format.js")
    )
    touch_with(static / "js" / "format.js", 'export const money = (x) => "USD " + x;\n')
    page_after, util_after, format_after = (
        store.url(f"js/{name}") for name in ("page.js", "lib/util.js", "format.js")
    )
    assert format_after != format_before
    assert util_after != util_before
    assert page_after != page_before
    assert format_after.rsplit("/", 1)[1] in client.get(page_after).text
    old = client.get(page_before)
    assert old.status_code == 200
    assert old.headers["cache-control"] == "no-cache"  # a stale fingerprint must not be cached for a year


def test_an_import_cycle_is_served_as_written(served, static):
    store, client = served
    (static / "js" / "a.js").write_text('import "./b.js";\n')
    (static / "js" / "b.js").write_text('import "./a.js";\n')
    a = client.get(store.url("js/a.js"))
    assert a.status_code == 200
    b_name = store.url("js/b.js").rsplit("/", 1)[1]
    assert a.text == f'import "./{b_name}";\n'
    assert client.get(store.url("js/b.js")).text == 'import "./a.js";\n'


def test_caching_headers_and_revalidation(served):
    store, client = served
    url = store.url("js/page.js")
    hashed = client.get(url)
    assert hashed.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert hashed.headers["content-type"] == "text/javascript; charset=utf-8"
    plain = client.get("/static/js/page.js")
    assert plain.headers["cache-control"] == "no-cache"
    assert plain.content == hashed.content
    assert plain.headers["etag"] == hashed.headers["etag"]
    again = client.get("/static/js/page.js", headers={"If-None-Match": plain.headers["etag"]})
    assert again.status_code == 304
    assert again.content == b""
    head = client.head(url)
    assert head.status_code == 200
    assert head.headers["content-length"] == str(len(hashed.content))
    assert client.get("/static/css/app.css").headers["content-type"] == "text/css; charset=utf-8"


@pytest.mark.parametrize(
    "path", ["js/missing.js", "js/page.0123abcd.css", "../outside.js", "js/missing.0123abcd.js"]
)
def test_unknown_paths_are_404(served, path):
    _, client = served
    assert client.get(f"/static/{path}").status_code == 404
