"""Lighthouse on the configured screens, signed in as a fresh account that holds positions.

`run_lighthouse(root, run_dir, config)` starts the embedded PaperTrade (or uses `base_url`),
arranges the account through the API, runs the pinned `lighthouse` CLI (ci/package.json) with the
same Chromium the suites use, N runs per page and preset, and keeps the run with the median
performance score, as Lighthouse CI does: one noisy run does not decide a release. It writes
run_dir/lighthouse/: <page>-<preset>.report.html of the kept run, summary.json with every run.

Bad configuration is a UsageError (exit 2); Lighthouse or Chromium missing, the app not starting
or a page that does not load is an InfrastructureError (exit 3).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from pathlib import Path

from ci.errors import InfrastructureError, TradecheckError, UsageError
from harness.api_client import PaperTradeApi
from harness.axe import AxeUnavailable, axe_script
from harness.embedded_app import AppStartError, temporary_app
from harness.local_browsers import BrowserUnavailable, chromium_flags, has_managed_browser, system_executable
from harness.redaction import redact_text
from harness.webquality import WebQualityConfig, WebQualityConfigError, load_web_quality

CATEGORIES = ("performance", "accessibility", "best-practices", "seo")
METRICS = {  # our name → Lighthouse audit id
    "fcp_ms": "first-contentful-paint",
    "lcp_ms": "largest-contentful-paint",
    "tbt_ms": "total-blocking-time",
    "cls": "cumulative-layout-shift",
    "speed_index_ms": "speed-index",
}
# name → (title, unit, comparison, default threshold)
GATE_SPECS = {
    "lighthouse_performance": ("Lighthouse performance score, lowest page (median of runs)", "", ">=", 90),
    "lighthouse_accessibility": (
        "Lighthouse accessibility score, lowest page (median of runs)",
        "",
        ">=",
        90,
    ),
}
RUN_TIMEOUT_S = 180
INSTALL_HINT = "npm ci --prefix ci (Node 20+; lighthouse is pinned in ci/package.json)"


@dataclass(frozen=True)
class RunSummary:
    scores: dict[str, int]  # category → 0..100
    metrics: dict[str, float]  # see METRICS
    final_url: str


@dataclass
class PageAudit:
    page: str
    preset: str
    url: str
    runs: list[RunSummary]
    kept: int  # index into runs of the median run
    report_html: str  # path relative to the run directory

    @property
    def median(self) -> RunSummary:
        return self.runs[self.kept]


@dataclass
class LighthouseResult:
    audits: list[PageAudit] = field(default_factory=list)
    wall_seconds: float = 0.0

    def to_json(self) -> dict:
        return {
            "wall_seconds": round(self.wall_seconds, 1),
            "pages": [{**asdict(audit), "median": asdict(audit.median)} for audit in self.audits],
        }


# ---- pure parts ---------------------------------------------------------------------------------


def summarize(lhr: Mapping, page_url: str) -> RunSummary:
    """Scores and metrics of one Lighthouse result; a page that did not load is infrastructure."""
    error = lhr.get("runtimeError")
    if error and error.get("code") not in (None, "NO_ERROR"):
        raise InfrastructureError(
            f"lighthouse: {page_url} did not load: {error.get('code')}: {error.get('message')}"
        )
    categories = lhr.get("categories") or {}
    scores = {}
    for name in CATEGORIES:
        score = (categories.get(name) or {}).get("score")
        if score is None:
            raise InfrastructureError(f"lighthouse: {page_url}: no {name} score (the audit did not complete)")
        scores[name] = round(score * 100)
    audits = lhr.get("audits") or {}
    metrics = {
        ours: float((audits.get(audit_id) or {}).get("numericValue") or 0)
        for ours, audit_id in METRICS.items()
    }
    return RunSummary(scores, metrics, str(lhr.get("finalDisplayedUrl") or lhr.get("finalUrl") or ""))


def median_index(runs: Sequence[RunSummary]) -> int:
    """The run whose performance score is the median (the lower middle of an even count); ties
    keep the earlier run."""
    order = sorted(range(len(runs)), key=lambda i: (runs[i].scores["performance"], i))
    return order[(len(order) - 1) // 2]


def _lowest(result: LighthouseResult, category: str) -> tuple[float | None, str]:
    if not result.audits:
        return None, "no page audited"
    worst = min(result.audits, key=lambda a: a.median.scores[category])
    runs = ", ".join(str(run.scores[category]) for run in worst.runs)
    return float(worst.median.scores[category]), f"lowest: {worst.page} ({worst.preset}), runs {runs}"


def performance_gate(result: LighthouseResult) -> tuple[float | None, str]:
    """The lowest median performance score over pages and presets, and where it is."""
    return _lowest(result, "performance")


def accessibility_gate(result: LighthouseResult) -> tuple[float | None, str]:
    return _lowest(result, "accessibility")


def render_markdown(result: LighthouseResult) -> str:
    """The sign-off's Lighthouse table: the kept run of each page."""
    if not result.audits:
        return "_Lighthouse did not run._"
    lines = [
        "| page | preset | perf | a11y | best pr. | SEO | FCP | LCP | TBT | CLS | Speed Index | perf runs |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for audit in result.audits:
        s, m = audit.median.scores, audit.median.metrics
        runs = " / ".join(str(run.scores["performance"]) for run in audit.runs)
        lines.append(
            f"| {audit.page} | {audit.preset} | {s['performance']} | {s['accessibility']} | "
            f"{s['best-practices']} | {s['seo']} | {m['fcp_ms']:.0f} ms | {m['lcp_ms']:.0f} ms | "
            f"{m['tbt_ms']:.0f} ms | {m['cls']:.3f} | {m['speed_index_ms']:.0f} ms | {runs} |"
        )
    lines.append(f"\nLighthouse wall time: {result.wall_seconds:.0f} s")
    return "\n".join(lines)


def load_result(summary: Path) -> LighthouseResult | None:
    """A run's lighthouse/summary.json read back (for the sign-off and a merge), None if absent."""
    if not summary.is_file():
        return None
    data = json.loads(summary.read_text(encoding="utf-8"))
    audits = [
        PageAudit(
            page["page"],
            page["preset"],
            page["url"],
            [RunSummary(run["scores"], run["metrics"], run["final_url"]) for run in page["runs"]],
            page["kept"],
            page["report_html"],
        )
        for page in data["pages"]
    ]
    return LighthouseResult(audits, data["wall_seconds"])


# ---- running it ---------------------------------------------------------------------------------


def lighthouse_command(root: Path) -> Path:
    binary = root / "ci" / "node_modules" / ".bin" / "lighthouse"
    if not binary.exists():
        raise InfrastructureError(
            f"lighthouse is not installed ({binary} is missing); install it with: {INSTALL_HINT}"
        )
    if shutil.which("node") is None:
        raise InfrastructureError("node is not installed; Lighthouse needs Node 20+ (apt-get install nodejs)")
    return binary


def preflight(root: Path, *, lighthouse: bool) -> None:
    """Before a run: axe-core (the accessibility scenarios) and, when the profile audits,
    Lighthouse must be installed; InfrastructureError (exit 3) naming what to install."""
    try:
        axe_script(root / "ci" / "node_modules" / "axe-core" / "axe.min.js")
    except AxeUnavailable as exc:
        raise InfrastructureError(str(exc)) from None
    if lighthouse:
        lighthouse_command(root)


def chrome_path() -> str:
    """The Chromium the suites use: Playwright's own build where installed, else the system one."""
    if has_managed_browser("chromium", headless=False):
        from playwright.sync_api import sync_playwright

        with sync_playwright() as playwright:
            return playwright.chromium.executable_path
    executable = system_executable("chromium")
    if executable is None:
        raise InfrastructureError(
            str(
                BrowserUnavailable(
                    "chromium is not installed here; install it with: playwright install chromium "
                    "(or apt-get install chromium)"
                )
            )
        )
    return executable


@contextmanager
def target(base_url: str | None) -> Iterator[str]:
    """The app to audit: `base_url`, or an embedded PaperTrade in test mode for the duration."""
    if base_url:
        yield base_url.rstrip("/")
        return
    with contextlib.ExitStack() as stack:
        try:
            app = stack.enter_context(temporary_app("tradecheck-lighthouse-"))
        except AppStartError as exc:
            raise InfrastructureError(f"lighthouse: {exc}") from None
        yield app.base_url


def arrange_account(base_url: str) -> str:
    """A fresh account holding three instruments, one order resting and a watchlist; its Cookie
    header. Needs the test-control API."""
    api = PaperTradeApi(base_url)
    password = uuid.uuid4().hex
    user = api.create_user(
        username=f"lighthouse_{uuid.uuid4().hex[:6]}", password=password, display_name="Lighthouse"
    )
    api.login(user["username"], password)
    quotes = api.call("GET", "/api/quotes", 200)
    quotes = quotes.get("quotes", quotes) if isinstance(quotes, dict) else quotes
    for quote in quotes[:3]:
        api.place_order(quote["symbol"], "buy", 10)
        api.watch(quote["symbol"])
    first = quotes[0]
    limit = (Decimal(str(first["bid"])) * Decimal("0.9")).quantize(Decimal("0.01"))
    api.place_order(first["symbol"], "buy", 1, limit_price=str(limit))
    return "; ".join(f"{cookie.name}={cookie.value}" for cookie in api.session.cookies)


def audit_once(binary: Path, chrome: str, url: str, preset: str, cookie: str | None, out: Path) -> RunSummary:
    """One Lighthouse run: out.report.json and out.report.html."""
    flags = ["--headless=new", "--disable-gpu", *chromium_flags()]
    if "--no-sandbox" not in flags and hasattr(os, "geteuid") and os.geteuid() == 0:
        flags.append("--no-sandbox")
    command = [
        str(binary),
        url,
        "--quiet",
        "--output=json",
        "--output=html",
        f"--output-path={out}",
        f"--chrome-flags={' '.join(flags)}",
        f"--only-categories={','.join(CATEGORIES)}",
        "--max-wait-for-load=30000",
    ]
    if preset == "desktop":
        command.append("--preset=desktop")
    if cookie:
        command.append(f"--extra-headers={json.dumps({'Cookie': cookie})}")
    environment = {**os.environ, "CHROME_PATH": chrome}
    try:
        finished = subprocess.run(
            command, env=environment, capture_output=True, text=True, timeout=RUN_TIMEOUT_S, check=False
        )
    except subprocess.TimeoutExpired:
        raise InfrastructureError(f"lighthouse: {url} did not finish within {RUN_TIMEOUT_S} s") from None
    report = out.with_name(out.name + ".report.json")
    if finished.returncode != 0 or not report.is_file():
        tail = (finished.stderr or finished.stdout).strip().splitlines()[-1:] or ["no output"]
        raise InfrastructureError(f"lighthouse: {url} failed (exit {finished.returncode}): {tail[0]}")
    if cookie:  # Lighthouse writes its settings, the Cookie header included, into both reports
        values = [part.split("=", 1)[-1] for part in cookie.split("; ")]
        for written in (report, out.with_name(out.name + ".report.html")):
            if written.is_file():
                written.write_text(redact_text(written.read_text(encoding="utf-8"), values), encoding="utf-8")
    return summarize(json.loads(report.read_text(encoding="utf-8")), url)


def run_lighthouse(
    root: Path,
    run_dir: Path,
    config: WebQualityConfig,
    *,
    base_url: str | None = None,
    runs: int | None = None,
    presets: Sequence[str] | None = None,
) -> LighthouseResult:
    """Audit every configured page × preset, `runs` times each, and keep the median run."""
    started = time.monotonic()
    binary = lighthouse_command(root)
    chrome = chrome_path()
    out_dir = run_dir / "lighthouse"
    out_dir.mkdir(parents=True, exist_ok=True)
    result = LighthouseResult()
    with target(base_url) as url:
        needs_account = any(config.pages[name].signed_in for name in config.lighthouse_pages)
        cookie = arrange_account(url) if needs_account else None
        for preset in presets or config.presets:
            for name in config.lighthouse_pages:
                spec = config.pages[name]
                page_url = f"{url}{spec.path}"
                summaries = []
                for index in range(runs or config.lighthouse_runs):
                    summary = audit_once(
                        binary,
                        chrome,
                        page_url,
                        preset,
                        cookie if spec.signed_in else None,
                        out_dir / f"{name}-{preset}-{index + 1}",
                    )
                    if spec.signed_in and "/login" in summary.final_url:
                        raise InfrastructureError(
                            f"lighthouse: {page_url} sent Lighthouse to sign in: the session was not accepted"
                        )
                    summaries.append(summary)
                kept = median_index(summaries)
                report = out_dir / f"{name}-{preset}.report.html"
                shutil.copyfile(out_dir / f"{name}-{preset}-{kept + 1}.report.html", report)
                result.audits.append(
                    PageAudit(name, preset, spec.path, summaries, kept, str(report.relative_to(run_dir)))
                )
    result.wall_seconds = time.monotonic() - started
    (out_dir / "summary.json").write_text(json.dumps(result.to_json(), indent=2) + "\n", encoding="utf-8")
    return result


def write_allure_results(
    result: LighthouseResult, run_dir: Path, allure_dir: Path, thresholds: Mapping[str, float]
) -> None:
    """One Allure test per page and preset, its Lighthouse HTML report attached, failed when a
    gated score is under its threshold."""
    allure_dir.mkdir(parents=True, exist_ok=True)
    now = int(time.time() * 1000)
    for audit in result.audits:
        attachment = f"{uuid.uuid4()}-attachment.html"
        shutil.copyfile(run_dir / audit.report_html, allure_dir / attachment)
        scores = audit.median.scores
        low = [
            f"{category} {scores[category]} < {thresholds[gate]:g}"
            for gate, category in (
                ("lighthouse_performance", "performance"),
                ("lighthouse_accessibility", "accessibility"),
            )
            if gate in thresholds and scores[category] < thresholds[gate]
        ]
        test = {
            "uuid": str(uuid.uuid4()),
            "historyId": f"lighthouse-{audit.page}-{audit.preset}",
            "name": f"Lighthouse: {audit.page} ({audit.preset})",
            "fullName": f"lighthouse::{audit.page}[{audit.preset}]",
            "status": "failed" if low else "passed",
            "statusDetails": {"message": "; ".join(low)} if low else {},
            "stage": "finished",
            "start": now,
            "stop": now,
            "labels": [
                {"name": "epic", "value": "Web quality"},
                {"name": "feature", "value": "Lighthouse"},
                {"name": "story", "value": audit.page},
                {"name": "tag", "value": audit.preset},
            ],
            "parameters": [{"name": name, "value": str(value)} for name, value in scores.items()],
            "attachments": [
                {
                    "name": f"Lighthouse report: {audit.page} ({audit.preset})",
                    "source": attachment,
                    "type": "text/html",
                }
            ],
        }
        (allure_dir / f"{test['uuid']}-result.json").write_text(json.dumps(test), encoding="utf-8")


def load_config(path: Path | None = None) -> WebQualityConfig:
    try:
        return load_web_quality(path)
    except WebQualityConfigError as exc:
        raise UsageError(str(exc)) from None


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ci.lighthouse", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--out", type=Path, required=True, help="run directory (lighthouse/ is written below it)"
    )
    parser.add_argument(
        "--config", type=Path, default=None, help="web-quality file (default config/webquality.yaml)"
    )
    parser.add_argument(
        "--base-url", default=None, help="audit this test-mode target instead of an embedded app"
    )
    parser.add_argument("--runs", type=int, default=None, help="runs per page (default from the config)")
    parser.add_argument("--preset", action="append", choices=("desktop", "mobile"), help="repeatable")
    args = parser.parse_args(argv)
    root = Path(__file__).resolve().parents[1]
    try:
        config = load_config(args.config)
        result = run_lighthouse(
            root, args.out, config, base_url=args.base_url, runs=args.runs, presets=args.preset
        )
    except TradecheckError as exc:
        print(f"tradecheck: error: {exc}", file=sys.stderr)
        return exc.exit_code
    print(render_markdown(result))
    for name, gate in (
        ("lighthouse_performance", performance_gate),
        ("lighthouse_accessibility", accessibility_gate),
    ):
        figure, detail = gate(result)
        print(f"{name}: {figure} ({detail})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
