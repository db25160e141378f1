"""Asset delivery of one screen, judged from what the browser itself measured.

Input: the Resource Timing entries of a cold load and of a warm reload (`transferSize` 0 means
the browser took the file from its cache), the response headers of each URL, the page's images
with their natural and rendered sizes, and every origin the page contacted. Output: bytes by
type and the problems found, each one line naming the file.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from harness.webquality import ASSET_TYPES, WebQualityConfig, origin

COMPRESSED = ("gzip", "br", "zstd", "deflate")
MODERN_IMAGES = ("image/svg+xml", "image/webp", "image/avif")
TEXT_TYPES = ("text/", "application/javascript", "application/json", "image/svg+xml")


@dataclass(frozen=True)
class Fetch:
    url: str
    initiator: str  # Resource Timing initiatorType; "navigation" for the document
    transfer_bytes: int  # 0: from the browser's cache
    encoded_bytes: int  # body on the wire (compressed)
    decoded_bytes: int
    headers: Mapping[str, str]  # lower-case names

    @property
    def kind(self) -> str:
        """script, style, image, font, document or other."""
        if self.initiator == "navigation":
            return "document"
        content_type = self.headers.get("content-type", "")
        path = urlsplit(self.url).path
        for kind, types, suffixes in (
            ("script", ("javascript",), (".js", ".mjs")),
            ("style", ("text/css",), (".css",)),
            ("image", ("image/",), (".svg", ".png", ".jpg", ".jpeg", ".gif", ".webp", ".avif", ".ico")),
            ("font", ("font/", "woff"), (".woff", ".woff2", ".ttf", ".otf")),
        ):
            if any(t in content_type for t in types) or path.endswith(suffixes):
                return kind
        return "other"

    @property
    def from_network(self) -> bool:
        return self.transfer_bytes > 0


@dataclass(frozen=True)
class RenderedImage:
    url: str
    natural: tuple[int, int]
    rendered: tuple[float, float]  # CSS pixels


@dataclass
class ScreenAssets:
    screen: str
    cold: dict[str, int]  # kind → bytes on the wire, plus "total"
    warm: dict[str, int]
    problems: list[str] = field(default_factory=list)  # compression, images, origins, warm reload
    over_budget: list[str] = field(default_factory=list)

    def to_json(self) -> dict:
        return {
            "screen": self.screen,
            "cold": self.cold,
            "warm": self.warm,
            "problems": self.problems,
            "over_budget": self.over_budget,
        }


def unique(fetches: Iterable[Fetch]) -> list[Fetch]:
    """One entry per URL (a favicon that is also an <img> is listed twice), the network one first."""
    by_url: dict[str, Fetch] = {}
    for fetch in fetches:
        kept = by_url.get(fetch.url)
        if kept is None or (fetch.from_network and not kept.from_network):
            by_url[fetch.url] = fetch
    return list(by_url.values())


def bytes_by_type(fetches: Iterable[Fetch], *, network_only: bool) -> dict[str, int]:
    totals = dict.fromkeys((*ASSET_TYPES, "document", "other"), 0)
    for fetch in unique(fetches):
        if fetch.from_network or not network_only:
            totals[fetch.kind] += fetch.encoded_bytes
    totals["total"] = sum(totals.values())
    return totals


def judge(
    screen: str,
    cold: Sequence[Fetch],
    warm: Sequence[Fetch],
    images: Iterable[RenderedImage],
    contacted: Iterable[str],
    config: WebQualityConfig,
    app_origin: str,
    asset_origin: str,
) -> ScreenAssets:
    result = ScreenAssets(
        screen,
        cold=bytes_by_type(cold, network_only=False),
        warm=bytes_by_type(warm, network_only=True),
    )
    static = [f for f in unique(cold) if f.kind != "document"]
    for fetch in unique(warm):
        if fetch.kind != "document" and fetch.from_network:
            result.problems.append(f"warm reload fetched {_path(fetch.url)} from the network")
    for fetch in unique(cold):
        if fetch.kind != "document" and origin(fetch.url) != asset_origin:
            result.problems.append(f"{_path(fetch.url)} is not served from the asset origin {asset_origin}")
        if _is_text(fetch) and fetch.decoded_bytes > config.compress_above_bytes:
            encoding = fetch.headers.get("content-encoding", "")
            if encoding not in COMPRESSED:
                result.problems.append(f"{_path(fetch.url)} ({fetch.decoded_bytes} bytes) is not compressed")
            elif "accept-encoding" not in fetch.headers.get("vary", "").lower():
                result.problems.append(f"{_path(fetch.url)} is compressed without Vary: Accept-Encoding")
    content_types = {f.url: f.headers.get("content-type", "") for f in static}
    for image in images:
        content_type = content_types.get(image.url, "")
        if not content_type.startswith(MODERN_IMAGES) and not image.url.startswith("data:image/svg"):
            result.problems.append(
                f"{_path(image.url)} is {content_type or 'an unknown type'}, not SVG, WebP or AVIF"
            )
        elif not content_type.startswith("image/svg+xml") and _oversized(image):
            result.problems.append(
                f"{_path(image.url)} is {image.natural[0]}×{image.natural[1]} shown at "
                f"{image.rendered[0]:.0f}×{image.rendered[1]:.0f}: more than twice its size"
            )
    allowed = {app_origin, asset_origin, *config.allowed_origins}
    for url in sorted(set(contacted)):
        if url.startswith(("data:", "blob:", "about:")):
            continue
        if _http_origin(url) not in allowed:
            result.problems.append(f"request to a non-allowed origin: {origin(url)}")
    budget = config.budget(screen)
    for key in (*ASSET_TYPES, "total"):
        spent = result.cold["total"] if key == "total" else result.cold[key]
        if spent > budget[key]:
            result.over_budget.append(f"{screen}: {key} {spent} bytes > budget {budget[key]}")
    return result


def _is_text(fetch: Fetch) -> bool:
    return fetch.headers.get("content-type", "").startswith(TEXT_TYPES) or fetch.kind in ("script", "style")


def _oversized(image: RenderedImage) -> bool:
    (natural_w, natural_h), (shown_w, shown_h) = image.natural, image.rendered
    return natural_w > 2 * shown_w or natural_h > 2 * shown_h


def _http_origin(url: str) -> str:
    """ws://host is the WebSocket of http://host."""
    parts = urlsplit(url)
    scheme = {"ws": "http", "wss": "https"}.get(parts.scheme, parts.scheme)
    return f"{scheme}://{parts.netloc}"


def _path(url: str) -> str:
    return urlsplit(url).path or url
