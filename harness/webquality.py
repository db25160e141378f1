"""The web-quality configuration (config/webquality.yaml): screens, Lighthouse runs and asset
budgets, validated once with one-line errors that name the file and the key."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from harness.yamlfile import CONFIG_DIR, ConfigFileError, display_path, read_mapping

DEFAULT_CONFIG = CONFIG_DIR / "webquality.yaml"
ASSET_TYPES = ("script", "style", "image", "font")
BUDGET_KEYS = (*ASSET_TYPES, "total")
PRESETS = ("desktop", "mobile")


class WebQualityConfigError(ConfigFileError):
    """config/webquality.yaml cannot be used; the message names the file and the key."""


@dataclass(frozen=True)
class PageSpec:
    name: str
    path: str
    signed_in: bool


@dataclass(frozen=True)
class WebQualityConfig:
    pages: dict[str, PageSpec]
    lighthouse_pages: tuple[str, ...]
    lighthouse_runs: int
    presets: tuple[str, ...]
    budgets: dict[str, dict[str, int]]  # page name → every budget key, defaults filled in
    compress_above_bytes: int
    allowed_origins: tuple[str, ...]
    asset_origins: dict[str, str] = field(default_factory=dict)  # environment → origin

    def budget(self, page: str) -> dict[str, int]:
        return self.budgets.get(page, self.budgets["default"])

    def screen_of(self, path: str) -> str | None:
        """The configured page a URL path belongs to (/trade/ACME is the trade page)."""
        for name, spec in self.pages.items():
            if path == spec.path or path.startswith(spec.path.rstrip("/") + "/"):
                return name
        return None

    def asset_origin(self, env: str, base_url: str) -> str:
        return self.asset_origins.get(env) or origin(base_url)


def origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def load_web_quality(path: Path | None = None) -> WebQualityConfig:
    path = path or DEFAULT_CONFIG
    where = display_path(path)
    root = read_mapping(path, WebQualityConfigError).get("web_quality")
    if not isinstance(root, dict):
        raise WebQualityConfigError(f"{where}: web_quality: expected a mapping")
    pages = _pages(root.get("pages"), f"{where}: web_quality.pages")
    lighthouse = _mapping(root.get("lighthouse", {}), f"{where}: web_quality.lighthouse")
    lighthouse_pages = tuple(lighthouse.get("pages", list(pages)))
    for index, name in enumerate(lighthouse_pages):
        if name not in pages:
            raise WebQualityConfigError(
                f"{where}: web_quality.lighthouse.pages[{index}]: unknown page {name!r} "
                f"(expected one of {', '.join(pages)})"
            )
    runs = lighthouse.get("runs", 3)
    if not isinstance(runs, int) or isinstance(runs, bool) or not 1 <= runs <= 15:
        raise WebQualityConfigError(f"{where}: web_quality.lighthouse.runs: expected 1 to 15, got {runs!r}")
    presets = tuple(lighthouse.get("presets", ["desktop"]))
    for index, preset in enumerate(presets):
        if preset not in PRESETS:
            raise WebQualityConfigError(
                f"{where}: web_quality.lighthouse.presets[{index}]: expected desktop or mobile, "
                f"got {preset!r}"
            )
    budgets = _budgets(root.get("budgets", {}), pages, f"{where}: web_quality.budgets")
    threshold = root.get("compress_above_bytes", 1024)
    if not isinstance(threshold, int) or isinstance(threshold, bool) or threshold < 0:
        raise WebQualityConfigError(
            f"{where}: web_quality.compress_above_bytes: expected bytes, got {threshold!r}"
        )
    allowed = root.get("allowed_origins", [])
    if not isinstance(allowed, list) or not all(isinstance(o, str) and "://" in o for o in allowed):
        raise WebQualityConfigError(
            f"{where}: web_quality.allowed_origins: expected a list of origins like https://cdn.example"
        )
    environments = _mapping(root.get("environments", {}), f"{where}: web_quality.environments")
    asset_origins = {}
    for env, entry in environments.items():
        value = _mapping(entry, f"{where}: web_quality.environments.{env}").get("asset_origin")
        if not isinstance(value, str) or "://" not in value:
            raise WebQualityConfigError(
                f"{where}: web_quality.environments.{env}.asset_origin: expected an origin like https://cdn.example"
            )
        asset_origins[env] = origin(value)
    return WebQualityConfig(
        pages=pages,
        lighthouse_pages=lighthouse_pages,
        lighthouse_runs=runs,
        presets=presets,
        budgets=budgets,
        compress_above_bytes=threshold,
        allowed_origins=tuple(origin(o) for o in allowed),
        asset_origins=asset_origins,
    )


def _mapping(value: Any, key: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise WebQualityConfigError(f"{key}: expected a mapping")
    return value


def _pages(value: Any, key: str) -> dict[str, PageSpec]:
    entries = _mapping(value, key)
    if not entries:
        raise WebQualityConfigError(f"{key}: expected at least one page")
    pages = {}
    for name, entry in entries.items():
        entry = _mapping(entry, f"{key}.{name}")
        path, signed_in = entry.get("path"), entry.get("signed_in", True)
        if not isinstance(path, str) or not path.startswith("/"):
            raise WebQualityConfigError(f"{key}.{name}.path: expected a path starting with /, got {path!r}")
        if not isinstance(signed_in, bool):
            raise WebQualityConfigError(f"{key}.{name}.signed_in: expected true or false, got {signed_in!r}")
        pages[str(name)] = PageSpec(str(name), path, signed_in)
    return pages


def _budgets(value: Any, pages: dict[str, PageSpec], key: str) -> dict[str, dict[str, int]]:
    entries = _mapping(value, key)
    if "default" not in entries:
        raise WebQualityConfigError(f"{key}.default: missing (the budget of a page without its own)")
    result: dict[str, dict[str, int]] = {}
    default = _budget(entries["default"], f"{key}.default", None)
    result["default"] = default
    for name, entry in entries.items():
        if name == "default":
            continue
        if name not in pages:
            raise WebQualityConfigError(f"{key}.{name}: unknown page (expected one of {', '.join(pages)})")
        result[name] = _budget(entry, f"{key}.{name}", default)
    return result


def _budget(value: Any, key: str, default: dict[str, int] | None) -> dict[str, int]:
    entry = _mapping(value, key)
    budget = dict(default or {})
    for name, limit in entry.items():
        if name not in BUDGET_KEYS:
            raise WebQualityConfigError(f"{key}.{name}: unknown budget (expected {', '.join(BUDGET_KEYS)})")
        if not isinstance(limit, int) or isinstance(limit, bool) or limit < 0:
            raise WebQualityConfigError(f"{key}.{name}: expected a number of bytes, got {limit!r}")
        budget[name] = limit
    missing = [name for name in BUDGET_KEYS if name not in budget]
    if missing:
        raise WebQualityConfigError(f"{key}.{missing[0]}: missing")
    return budget
