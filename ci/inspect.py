"""The read-only commands: `tradecheck profiles`, `gates`, `open` and `diff`, and what
`run --last-failed` reads — answers from the configuration, the gate registry and finished run
folders, without running a test."""

from __future__ import annotations

import json
import shutil
import subprocess
import threading
import webbrowser
from pathlib import Path

from ci import reports, rundata, trace_viewer
from ci.errors import InfrastructureError, UsageError
from ci.figures import FAILED_OUTCOMES
from ci.gates import GATES
from ci.profiles import ProfileSet
from ci.rundata import ALLURE_REPORT_DIR

SIGNOFF_FILE = "signoff.json"


def describe_profiles(profiles: ProfileSet) -> str:
    lines = []
    for profile in profiles.profiles.values():
        browsers = profile.browsers if isinstance(profile.browsers, str) else ", ".join(profile.browsers)
        flags = [flag for flag in ("history", "notify", "strict") if getattr(profile, flag)]
        lines.append(f"{profile.name}: {profile.description}")
        selection = f"-m {profile.markers}" if profile.markers else "every scenario"
        lines.append(
            f"  runs: {selection} · browsers {browsers} · "
            f"retries {profile.retries} · timeout {profile.timeout:g} s · workers {profile.workers}"
            + (f" · {', '.join(flags)}" if flags else "")
        )
        gates = ", ".join(
            f"{name} {GATES[name].format_threshold(value)}" for name, value in profile.gates.items()
        )
        lines.append(f"  gates: {gates or 'none (everything is measured, nothing decides)'}")
    return "\n".join(lines)


def describe_gates(profiles: ProfileSet) -> str:
    lines = []
    for spec in GATES.values():
        enforcing = [
            f"{name} {spec.format_threshold(profile.gates[spec.name])}"
            for name, profile in profiles.profiles.items()
            if spec.name in profile.gates
        ]
        lines.append(f"{spec.name}: {spec.title} (default {spec.format_threshold(spec.default)})")
        lines.append(f"  decides in: {', '.join(enforcing) or 'no profile (measured only)'}")
    return "\n".join(lines)


def latest_run(reports_root: Path) -> Path:
    latest = reports.latest_target(reports_root)
    if latest is None or not latest.is_dir():
        raise UsageError(f"no finished run yet ({reports_root / reports.LATEST} does not exist)")
    return latest


def open_report(reports_root: Path, out, serve: bool = False) -> int:
    """Open the latest report in the desktop's browser; on a machine without one, say where it is.
    serve: serve the run folder on localhost instead, so the report's trace links open the
    Playwright trace viewer next to it (it needs http), until Ctrl-C."""
    run_dir = latest_run(reports_root)
    index = run_dir / ALLURE_REPORT_DIR / "index.html"
    if not index.is_file():
        raise UsageError(f"{index}: the latest run has no report")
    if serve:
        return _serve(run_dir, out)
    print(f"report: {index}", file=out)
    opener = shutil.which("xdg-open") or shutil.which("open")
    if opener:
        subprocess.Popen([opener, str(index)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    else:
        webbrowser.open(index.as_uri())
    return 0


def _serve(run_dir: Path, out) -> int:
    try:
        server, base = trace_viewer.serve(run_dir)
    except OSError as exc:
        raise InfrastructureError(
            f"cannot serve the report on port {trace_viewer.REPORT_PORT} ({exc.strerror}); "
            "the report's trace links name that port"
        ) from None
    url = f"{base}{ALLURE_REPORT_DIR}/index.html"
    print(f"report: {url} (Ctrl-C stops serving)", file=out, flush=True)
    webbrowser.open(url)
    try:
        threading.Event().wait()
    finally:
        server.shutdown()
        server.server_close()
    return 0


def last_failed(reports_root: Path) -> tuple[list[str], list[str]]:
    """(node ids, browsers) of the tests that failed in the latest run."""
    run = rundata.load_run(latest_run(reports_root))
    failed = [t for t in run.tests if t["outcome"] in FAILED_OUTCOMES]
    browsers = list(dict.fromkeys(t["browser"] for t in failed if t.get("browser")))
    return [t["nodeid"] for t in failed], browsers


def diff(run_a: Path, run_b: Path) -> str:
    """Tests whose outcome changed and gates whose result or figure changed, from A to B."""
    before, after = rundata.load_run(run_a), rundata.load_run(run_b)
    outcomes_a = {t["nodeid"]: _state(t) for t in before.tests}
    outcomes_b = {t["nodeid"]: _state(t) for t in after.tests}
    lines = [f"tradecheck diff · A {run_a.name} → B {run_b.name}"]
    verdicts = [_signoff(run_a).get("verdict", "?"), _signoff(run_b).get("verdict", "?")]
    lines.append(f"verdict: {verdicts[0]} → {verdicts[1]}")
    changed = sorted(
        (nodeid, outcomes_a.get(nodeid, "absent"), outcomes_b.get(nodeid, "absent"))
        for nodeid in outcomes_a.keys() | outcomes_b.keys()
        if outcomes_a.get(nodeid) != outcomes_b.get(nodeid)
    )
    lines.append(f"tests changed: {len(changed)}")
    lines += [f"  {nodeid}: {a} → {b}" for nodeid, a, b in changed]
    gates_a = {g["name"]: g for g in _signoff(run_a).get("gates", [])}
    gates_b = {g["name"]: g for g in _signoff(run_b).get("gates", [])}
    gate_lines = []
    for name in dict.fromkeys([*gates_a, *gates_b]):
        a, b = gates_a.get(name, {}), gates_b.get(name, {})
        if (a.get("display"), a.get("result")) != (b.get("display"), b.get("result")):
            gate_lines.append(
                f"  {name}: {a.get('display', 'absent')} ({a.get('result', '-')}) → "
                f"{b.get('display', 'absent')} ({b.get('result', '-')})"
            )
    lines.append(f"gates changed: {len(gate_lines)}")
    return "\n".join(lines + gate_lines)


def _state(test: dict) -> str:
    return "flaky" if test.get("flaky") else test["outcome"]


def _signoff(run_dir: Path) -> dict:
    path = run_dir / SIGNOFF_FILE
    if not path.is_file():
        return {}
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise rundata.ResultsError(f"{path}: not valid JSON ({exc})") from None
