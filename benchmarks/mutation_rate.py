"""Throughput of `tradecheck mutate`: mutants per hour, and where the time goes.

Reads the `mutation.json` of one or more finished runs (shards of one scope, or a merged report)
and prints, as JSON: the mutants by status; the wall time (from the first run's start to the last
one's end, so shards that ran side by side share it) and mutants per hour; per status, how many
ran, their test runs' median, mean and longest seconds and their share of all test-run time; and
how many tests a survivor had to pass on average (every test that executed its line).

With --module it first runs `tradecheck mutate` itself on that scope (the contexts of --contexts,
or a baseline of its own), so the figure is measured here, now:

    .venv/bin/python benchmarks/mutation_rate.py reports/mutation/<a> [reports/mutation/<b> ...]
    .venv/bin/python benchmarks/mutation_rate.py --module papertrade/domain/money.py \\
        --contexts reports/mutation/<run>/contexts.json [--shards 2]

Exit 0 when the figures were reported (they are measured, not enforced).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ci.mutate import report  # noqa: E402
from ci.mutate.engine import MutantResult  # noqa: E402

RAN = ("killed", "timeout", "survived", "error")


def figures(folders: list[Path]) -> dict:
    results: dict[str, MutantResult] = {}
    timings: list[dict] = []
    for folder in folders:
        results.update({r.id: r for r in report.read_results(folder)})
        timings.extend((report.read_summary(folder) or {}).get("timings", []))
    mutants = list(results.values())
    rate = report.rate({"timings": timings}) or {}
    test_seconds = sum(r.seconds for r in mutants if r.status in RAN) or 1.0
    per_status = {}
    for status in RAN:
        seconds = [r.seconds for r in mutants if r.status == status]
        if seconds:
            per_status[status] = {
                "mutants": len(seconds),
                "median_s": round(statistics.median(seconds), 1),
                "mean_s": round(statistics.fmean(seconds), 1),
                "max_s": round(max(seconds), 1),
                "share_of_test_time_percent": round(100 * sum(seconds) / test_seconds, 1),
            }
    survivors = [r for r in mutants if r.status == "survived"]
    return {
        "runs": len(timings),
        "by_status": report.tally(mutants),
        "wall_s": round(rate.get("seconds", 0.0)),
        "ran": rate.get("ran"),
        "mutants_per_hour": round(rate.get("per_hour", 0.0), 1),
        "test_run_s": round(test_seconds),
        "per_status": per_status,
        "tests_per_survivor": round(statistics.fmean(len(r.tests) for r in survivors), 1)
        if survivors
        else None,
    }


def measure(module: str, contexts: Path | None, shards: int, out: Path) -> list[Path]:
    """Run `tradecheck mutate` on `module` in `shards` processes side by side; their folders."""
    folders = [out / f"shard-{i}" for i in range(1, shards + 1)]
    base = [sys.executable, "-m", "ci.mutate", "--module", module]
    if contexts:
        base += ["--contexts", str(contexts)]
    processes = [
        subprocess.Popen([*base, "--shard", f"{i}/{shards}", "--out", str(folder)], cwd=ROOT)
        for i, folder in enumerate(folders, 1)
    ]
    for process in processes:
        process.wait()  # exit 1 is a failed gate: the figures still stand
    if any(process.returncode not in (0, 1) for process in processes):
        raise SystemExit(f"mutate failed: exit codes {[p.returncode for p in processes]}")
    return folders


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folders", nargs="*", type=Path, help="output folders of finished mutate runs")
    parser.add_argument("--module", help="run mutate on this file or folder first, and report on that run")
    parser.add_argument("--contexts", type=Path, help="with --module: contexts.json of an earlier run")
    parser.add_argument("--shards", type=int, default=1, help="with --module: processes side by side")
    args = parser.parse_args()
    if bool(args.module) == bool(args.folders):
        parser.error("give the folders of finished runs, or --module to run one")
    with tempfile.TemporaryDirectory(prefix="mutation-rate-") as scratch:
        folders = (
            measure(args.module, args.contexts, args.shards, Path(scratch)) if args.module else args.folders
        )
        print(json.dumps(figures(folders), indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
