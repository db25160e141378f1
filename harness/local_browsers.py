"""Which browsers can run here and how to launch them.

Playwright's own builds (`playwright install`) come first. Where its download host is out of reach,
Debian's chromium and firefox-esr stand in: Chromium by executable path, Firefox ESR over WebDriver
BiDi through the `moz-firefox` channel. WebKit needs Playwright's build.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path
from typing import Any

import playwright

BROWSERS = ("chromium", "firefox", "webkit")
# Browsers Playwright downloads for each engine: headless Chromium runs the headless shell.
_REGISTRY_NAMES = {
    ("chromium", True): "chromium-headless-shell",
    ("chromium", False): "chromium",
    ("firefox", True): "firefox",
    ("firefox", False): "firefox",
    ("webkit", True): "webkit",
    ("webkit", False): "webkit",
}
SYSTEM_EXECUTABLES = {"chromium": ("chromium", "chromium-browser"), "firefox": ("firefox-esr",)}
SYSTEM_FIREFOX_CHANNEL = "moz-firefox"
# Without these Chromium keeps calling Google hosts: slow starts and noise on closed networks.
CHROMIUM_QUIET_FLAGS = (
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
)


class BrowserUnavailable(RuntimeError):
    """A requested browser is not installed; the message names the command that installs it."""


def install_hint(browser_name: str) -> str:
    if browser_name == "webkit":
        return "playwright install webkit"
    return (
        f"playwright install {browser_name} (or, without Playwright's download host: "
        "apt-get install chromium firefox-esr)"
    )


def registry_directory() -> Path:
    """Where `playwright install` puts browsers (PLAYWRIGHT_BROWSERS_PATH, else the user cache)."""
    configured = os.environ.get("PLAYWRIGHT_BROWSERS_PATH")
    if configured == "0":
        return Path(playwright.__file__).parent / "driver" / "package" / ".local-browsers"
    if configured:
        return Path(configured)
    if sys.platform == "darwin":
        cache = Path.home() / "Library" / "Caches"
    elif sys.platform == "win32":
        cache = Path(os.environ.get("LOCALAPPDATA", Path.home() / "AppData" / "Local"))
    else:
        cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return cache / "ms-playwright"


def _revisions() -> dict[str, str]:
    manifest = Path(playwright.__file__).parent / "driver" / "package" / "browsers.json"
    browsers = json.loads(manifest.read_text(encoding="utf-8"))["browsers"]
    return {entry["name"]: entry["revision"] for entry in browsers}


def has_managed_browser(browser_name: str, *, headless: bool = True) -> bool:
    """True when Playwright's own build of this browser is completely installed."""
    name = _REGISTRY_NAMES[(browser_name, headless)]
    revision = _revisions().get(name)
    if revision is None:
        return False
    folder = registry_directory() / f"{name.replace('-', '_')}-{revision}"
    return (folder / "INSTALLATION_COMPLETE").is_file()


def system_executable(browser_name: str) -> str | None:
    for command in SYSTEM_EXECUTABLES.get(browser_name, ()):
        found = shutil.which(command)
        if found:
            return found
    return None


def available_browsers() -> list[str]:
    """The engines that can run on this machine, in the order chromium, firefox, webkit."""
    return [name for name in BROWSERS if has_managed_browser(name) or system_executable(name)]


def launch_args(browser_name: str, *, headless: bool = True) -> dict[str, Any]:
    """Launch options to add to pytest-playwright's own for this browser on this machine."""
    args: dict[str, Any] = {}
    if not has_managed_browser(browser_name, headless=headless):
        executable = system_executable(browser_name)
        if executable is None:
            raise BrowserUnavailable(
                f"{browser_name} is not installed here; install it with: {install_hint(browser_name)}"
            )
        args["executable_path"] = executable
        if browser_name == "firefox":
            args["channel"] = SYSTEM_FIREFOX_CHANNEL
    if browser_name == "chromium":
        args["args"] = chromium_flags()
    return args


def chromium_flags() -> list[str]:
    running_as_root = hasattr(os, "geteuid") and os.geteuid() == 0
    return [*(["--no-sandbox"] if running_as_root else []), *CHROMIUM_QUIET_FLAGS]
