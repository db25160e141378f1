"""`tradecheck durations`: each test's duration in ci/durations.json, which pytest-split balances
`--shard` by — taken from a finished run folder, or by running the profile's selection once."""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

from ci import rundata
from ci.errors import GO, INTERRUPTED
from ci.pytest_process import check_exit, pytest_command, run_pytest
from ci.run import DURATIONS_FILE, RunRequest
from ci.rundata import PYTEST_LOG, RESULTS_DIR, RESULTS_FILE


def store_durations(root: Path, request: RunRequest, source: Path | None = None, out=None) -> int:
    out = out or sys.stdout
    if source is not None:
        tests = rundata.load_run(source).tests
    else:
        tests = _time_the_selection(root, request, out)
        if tests is None:
            return INTERRUPTED
    measured = {t["nodeid"]: round(float(t.get("duration") or 0), 3) for t in tests}
    path = root / DURATIONS_FILE
    durations = {}
    if path.is_file():
        try:
            durations = json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError:
            durations = {}
    durations.update(measured)
    path.parent.mkdir(parents=True, exist_ok=True)
    rundata.write_json_atomically(path, dict(sorted(durations.items())))
    print(
        f"durations: {len(measured)} tests, {sum(measured.values()):.1f} s in total, "
        f"stored in {DURATIONS_FILE}",
        file=out,
    )
    return GO


def _time_the_selection(root: Path, request: RunRequest, out) -> list[dict] | None:
    _, selection = request.plan(root)
    with tempfile.TemporaryDirectory(prefix="tradecheck-durations-") as tmp:
        run_dir = Path(tmp)
        print(
            f"tradecheck durations · profile {request.profile.name} · "
            f"browsers {', '.join(selection.browsers)}",
            file=out,
            flush=True,
        )
        try:
            code = run_pytest(pytest_command(run_dir, selection), root, run_dir, out)
        except KeyboardInterrupt:
            print("tradecheck: interrupted; durations unchanged", file=sys.stderr)
            return None
        check_exit(code, run_dir / PYTEST_LOG, out, accepted=(0, 1))
        records = rundata.read_jsonl(run_dir / RESULTS_DIR / RESULTS_FILE, required=("kind",))
    return [r for r in records if r["kind"] == "test"]
