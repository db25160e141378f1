"""Allure Report 3: the pinned npm CLI (ci/package.json), what tradecheck adds to the results, and
the report generation.

The report is the Awesome plugin's single-file variant, so index.html works opened from disk.
Allure 3 reads, next to allure-pytest's results, `environment.properties` (shown as the
report's Environment) and `executor.json` (who ran it, with a link to the build). Its
configuration file (allurerc.json, written per run) holds the categories that sort failures
(rules from ci.categories), and `historyPath` / `historyLimit`: Allure appends this run to that
JSON-lines history file and trims it to the limit. Allure rewrites the file in place, so it is
given a copy inside the run directory; ci.reports moves the copy back only once the report is
complete.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import socket
import subprocess
from collections.abc import Iterable, Mapping
from pathlib import Path

from ci import allure_verdict
from ci.categories import allure_rules
from ci.errors import InfrastructureError

CLI_VARIABLE = "TRADECHECK_ALLURE"
REPORT_URL_VARIABLE = "TRADECHECK_REPORT_URL"  # where the report is published (absolute links)
GENERATE_TIMEOUT_S = 600


def cli_path() -> Path:
    configured = os.environ.get(CLI_VARIABLE)
    if configured:
        return Path(configured)
    return Path(__file__).resolve().parent / "node_modules" / ".bin" / "allure"


def check_cli() -> Path:
    path = cli_path()
    if not path.is_file() or not os.access(path, os.X_OK):
        raise InfrastructureError(
            f"Allure CLI missing: {path} not found (run `npm ci --prefix ci`, or ci/tradecheck which does it)"
        )
    if not os.environ.get(CLI_VARIABLE) and shutil.which("node") is None:
        raise InfrastructureError("Allure CLI needs Node.js 20 or newer: `node` is not on PATH")
    return path


def write_environment(results_dir: Path, facts: Mapping[str, object]) -> None:
    lines = [
        f"{_escape(key, key=True)}={_escape(str(value))}"
        for key, value in facts.items()
        if value not in (None, "")
    ]
    (results_dir / "environment.properties").write_text("\n".join(lines) + "\n", encoding="utf-8")


def _escape(text: str, key: bool = False) -> str:
    text = text.replace("\\", "\\\\").replace("\n", "\\n").replace("\r", "")
    if key:
        for char in " =:":
            text = text.replace(char, "\\" + char)
    return text


def executor_info(report_name: str, environ: Mapping[str, str] | None = None) -> dict:
    """Who ran the tests: GitHub Actions, GitLab CI or this machine, with a link to the build."""
    env = os.environ if environ is None else environ
    report_url = env.get(REPORT_URL_VARIABLE)
    if env.get("GITHUB_ACTIONS") == "true":
        server, repository = (
            env.get("GITHUB_SERVER_URL", "https://github.com"),
            env.get("GITHUB_REPOSITORY", ""),
        )
        build_url = f"{server}/{repository}/actions/runs/{env.get('GITHUB_RUN_ID', '')}"
        workflow, number = env.get("GITHUB_WORKFLOW", "workflow"), env.get("GITHUB_RUN_NUMBER", "?")
        info = {
            "name": "GitHub Actions",
            "type": "github",
            "buildName": f"{workflow} #{number} ({env.get('GITHUB_JOB', 'job')})",
            "buildOrder": _int(env.get("GITHUB_RUN_NUMBER")),
            "buildUrl": build_url,
        }
    elif env.get("GITLAB_CI") == "true":
        info = {
            "name": "GitLab CI",
            "type": "gitlab",
            "buildName": f"{env.get('CI_JOB_NAME', 'job')} #{env.get('CI_PIPELINE_IID', '?')}",
            "buildOrder": _int(env.get("CI_PIPELINE_IID")),
            "buildUrl": env.get("CI_JOB_URL"),
        }
    else:
        info = {"name": f"tradecheck on {socket.gethostname()}", "type": "local", "buildName": report_name}
    info["reportName"] = report_name
    if report_url:
        info["reportUrl"] = report_url
    return {key: value for key, value in info.items() if value is not None}


def _int(text: str | None) -> int | None:
    return int(text) if text and text.isdigit() else None


def write_executor(results_dir: Path, info: Mapping) -> None:
    (results_dir / "executor.json").write_text(json.dumps(info, indent=2), encoding="utf-8")


def write_config(
    path: Path, name: str, history_path: Path | None, history_limit: int, single_file: bool = True
) -> Path:
    config: dict = {
        "name": name,
        # one self-contained index.html opens from disk (file://) and from a CI artifact as it is;
        # the multi-file report needs a web server (`allure open`)
        # tests grouped as the catalog groups flows: screen (epic), then flow title (story)
        "plugins": {
            "awesome": {
                "options": {"singleFile": single_file, "reportLanguage": "en", "groupBy": ["epic", "story"]}
            }
        },
        "categories": {"rules": allure_rules()},
    }
    if history_path is not None:
        config.update(historyPath=str(history_path), historyLimit=history_limit)
    path.write_text(json.dumps(config, indent=2), encoding="utf-8")
    return path


def build_report(
    results_dir: Path,
    run_dir: Path,
    name: str,
    history: Path | None,
    history_limit: int,
    quality_gates: Path | None = None,
) -> Path:
    """run_dir/allure-report/index.html from the results: one self-contained page, or, for a run
    too large for one page, the multi-file report. quality_gates: the gate results for the
    report's Quality Gates tab (ci.allure_verdict)."""
    output = run_dir / "allure-report"
    config = write_config(run_dir / "allurerc.json", name, history, history_limit)
    try:
        generate([results_dir], config, output, cwd=run_dir, quality_gates=quality_gates)
    except InfrastructureError as exc:
        if "too large" not in str(exc):
            raise
        shutil.rmtree(output, ignore_errors=True)
        config = write_config(run_dir / "allurerc.json", name, history, history_limit, single_file=False)
        generate([results_dir], config, output, cwd=run_dir, quality_gates=quality_gates)
    return output / "index.html"


def generate(
    results_dirs: Iterable[Path], config: Path, output: Path, cwd: Path, quality_gates: Path | None = None
) -> None:
    _run_generate(results_dirs, config, output, cwd, quality_gates)
    index = output / "index.html"
    if "allureReportData" in index.read_text(encoding="utf-8", errors="replace")[-200_000:]:
        fix_single_file_page(index)


# Allure 3.18's single-file page defines its embedded data store in a script at the end of the
# body, after the app's script: when the page is large the app asks for its data before that
# script ran, falls back to fetching files, and file:// refuses. Defining the (empty) store in the
# head makes the app wait for the data instead. The page also loads Google Analytics, which a
# report of a trading platform's CI has no business calling.
EARLY_DATA_STORE = "<script>window.allureReportDataReady = false; window.allureReportData = {};</script>"
ANALYTICS = re.compile(
    r"<script async src=\"https://www\.googletagmanager\.com/gtag/js[^\"]*\"></script>\s*<script>.*?</script>",
    re.DOTALL,
)


def fix_single_file_page(index: Path) -> None:
    html = index.read_text(encoding="utf-8")
    if EARLY_DATA_STORE not in html:
        html = html.replace("<head>", "<head>\n    " + EARLY_DATA_STORE, 1)
    html = ANALYTICS.sub("", html, count=1)
    tmp = index.with_name(".index.html.tmp")
    tmp.write_text(html, encoding="utf-8")
    tmp.replace(index)


def _run_generate(
    results_dirs: Iterable[Path], config: Path, output: Path, cwd: Path, quality_gates: Path | None
) -> None:
    cli = check_cli()
    if os.environ.get(CLI_VARIABLE):  # an Allure CLI of the user's own: its plain generate, no gate tab
        command = [
            str(cli),
            "generate",
            *map(str, results_dirs),
            "--config",
            str(config),
            "--output",
            str(output),
        ]
    else:  # the pinned CLI's own generate, through the script that also hands it the gate results
        command = allure_verdict.generate_command(results_dirs, config, output, quality_gates)
    try:
        done = subprocess.run(
            command,
            cwd=cwd,
            capture_output=True,
            text=True,
            timeout=GENERATE_TIMEOUT_S,
            env={**os.environ, "NO_COLOR": "1"},
        )
    except subprocess.TimeoutExpired:
        raise InfrastructureError(
            f"Allure report generation took longer than {GENERATE_TIMEOUT_S} s"
        ) from None
    except OSError as exc:
        raise InfrastructureError(f"Allure CLI could not start: {exc}") from None
    if done.returncode != 0 or not (output / "index.html").is_file():
        lines = [line for line in (done.stderr or done.stdout).splitlines() if line.strip()]
        reason = lines[-1].strip() if lines else f"exit code {done.returncode}"
        raise InfrastructureError(f"Allure report generation failed: {reason}")


def result_index(results_dir: Path, tests: Iterable[Mapping]) -> dict[str, dict]:
    """{nodeid: {"uuid", "report_id", "name"}}: where each test's entry is in the report.
    allure-pytest names a result by the test's full name and parameters; with reruns the last one
    is the final attempt. The Allure 3 report addresses a result as md5(uuid)."""
    by_name: dict[str, list[dict]] = {}
    for path in results_dir.glob("*-result.json"):
        try:
            result = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if isinstance(result, dict) and result.get("fullName") and result.get("uuid"):
            by_name.setdefault(result["fullName"], []).append(result)
    index = {}
    for test in tests:
        identity = test.get("allure") or {}
        candidates = [
            result
            for result in by_name.get(identity.get("full_name"), [])
            if _has_params(result, identity.get("params") or {})
        ]
        if candidates:
            chosen = max(candidates, key=lambda r: r.get("stop") or 0)
            index[test["nodeid"]] = {
                "uuid": chosen["uuid"],
                "report_id": hashlib.md5(chosen["uuid"].encode()).hexdigest(),
                "name": chosen.get("name") or test["nodeid"],
            }
    return index


def _has_params(result: Mapping, params: Mapping[str, str]) -> bool:
    values = {p.get("name"): p.get("value") for p in result.get("parameters") or []}
    return all(values.get(name) == value for name, value in params.items())
