"""`tradecheck mutate`: the command line. `add_parser(commands)` wires it into tradecheck's parser,
`run(args)` executes it (errors are TradecheckError: one line and the exit code)."""

from __future__ import annotations

import argparse
import re
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from ci.errors import UsageError
from ci.mutate import contexts, engine, report
from ci.mutate.config import CONFIG_FILE, EQUIVALENTS_FILE, MUTANT_ID, load_config, load_equivalents
from harness.yamlfile import REPO_ROOT

EXIT_CODES = """\
exit codes:
  0    the mutation_score gate passed
  1    the mutation_score gate failed (survivors and not-covered mutants are listed in the report)
  2    usage or configuration error: unknown module, bad config/mutation.yaml or equivalents file,
       missing or unreadable --contexts file, --from-run folder without results or coverage
       contexts, bad --shard or --only, a --resume folder without contexts.json and progress.jsonl
  3    the baseline run (or, without one, the copy check) is not green, or pytest/the app could not run
  130  interrupted; the working tree is never modified, the temporary copy is removed
"""
SHARD = re.compile(r"^(\d+)/(\d+)$")


def add_parser(commands: argparse._SubParsersAction) -> argparse.ArgumentParser:
    parser = commands.add_parser(
        "mutate",
        help="mutation testing of the app's server code against the suites (docs/mutation.md)",
        epilog=EXIT_CODES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--config", type=Path, default=CONFIG_FILE, help="scope and operators (%(default)s)")
    parser.add_argument(
        "--equivalents", type=Path, default=EQUIVALENTS_FILE, help="mutants marked equivalent (%(default)s)"
    )
    parser.add_argument(
        "--module",
        action="append",
        default=[],
        metavar="PATH",
        help="mutate only this file or folder; repeatable",
    )
    parser.add_argument(
        "--only", action="append", default=[], metavar="PATH[:LINE]",
        help="only the mutants of this file (and line), or one mutant by its id "
        "(to re-check a survivor); repeatable",
    )  # fmt: skip
    parser.add_argument(
        "--contexts", type=Path, metavar="FILE",
        help="contexts.json of an earlier mutate run: skip the baseline run (it was green then)",
    )  # fmt: skip
    parser.add_argument(
        "--from-run", type=Path, metavar="DIR",
        help="take the contexts from a green `tradecheck run` folder with app coverage: no baseline run",
    )  # fmt: skip
    parser.add_argument("--shard", metavar="I/N", help="run mutant group I of N; combine with --merge")
    parser.add_argument(
        "--merge",
        nargs="+",
        type=Path,
        metavar="DIR",
        help="combine the output folders of shards into one report",
    )
    parser.add_argument(
        "--out", type=Path, metavar="DIR", help="output folder (default reports/mutation/<time>)"
    )
    parser.add_argument(
        "--resume", type=Path, metavar="DIR",
        help="continue an interrupted run in its output folder: its contexts, and the mutants it "
        "finished (progress.jsonl) are not run again unless their code changed",
    )  # fmt: skip
    parser.add_argument(
        "--baseline-workers", default="0", metavar="N", help="pytest -n for the baseline run (default 0)"
    )
    parser.add_argument("--threshold", type=float, metavar="PCT", help="override the gate threshold")
    parser.set_defaults(command="mutate")
    return parser


def parse_shard(text: str) -> tuple[int, int]:
    match = SHARD.match(text)
    if not match or not 1 <= int(match[1]) <= int(match[2]):
        raise UsageError(f"--shard: expected I/N with 1 <= I <= N, got {text!r}")
    return int(match[1]), int(match[2])


def parse_only(values: list[str]) -> list[str]:
    for value in values:
        _, _, line = value.partition(":")
        if line and not line.isdigit() and not MUTANT_ID.match(value):
            raise UsageError(
                f"--only: expected PATH, PATH:LINE or a mutant id PATH:LINE:COLUMN:OPERATOR, got {value!r}"
            )
    return values


def run(args: argparse.Namespace, root: Path = REPO_ROOT) -> int:
    config = load_config(_under(root, args.config), root, args.module or None)
    threshold = args.threshold if args.threshold is not None else config.threshold
    resume = _resume_dir(args, root)
    out_dir = resume or (_under(root, args.out) if args.out else root / "reports" / "mutation" / _stamp())
    out_dir.mkdir(parents=True, exist_ok=True)
    if args.merge:
        results, timings = [], []
        for directory in args.merge:
            try:
                results.extend(report.read_results(directory))
                timings.extend(report.read_summary(directory).get("timings", []))
            except (OSError, ValueError, KeyError, TypeError, AttributeError, UsageError) as exc:
                raise UsageError(f"--merge: {directory}: no readable {report.RESULTS_FILE} ({exc})") from None
        results = list({r.id: r for r in results}.values())
    else:
        session = engine.Session(
            config=config,
            equivalents=load_equivalents(_under(root, args.equivalents)),
            out_dir=out_dir,
            contexts_file=(resume / contexts.CONTEXTS_FILE) if resume else _optional(root, args.contexts),
            from_run=_optional(root, args.from_run),
            only=parse_only(args.only),
            shard=parse_shard(args.shard) if args.shard else None,
            baseline_workers=args.baseline_workers,
            resumed=engine.load_progress(resume / engine.PROGRESS_FILE) if resume else {},
            echo=lambda line: print(line, flush=True),
        )
        started, clock = datetime.now(UTC), time.monotonic()
        results = engine.run(session, root)
        timings = [report.timing(results, session.ran, started, time.monotonic() - clock)]
    summary = report.summarize(results, threshold, timings)
    _print_rate(summary)
    report.write(out_dir, results, summary)
    figure, detail = report.mutation_score_gate(summary)
    score = "n/a" if figure is None else f"{figure:.2f} %"
    verdict = "passed" if summary["passed"] else "FAILED"
    print(f"mutation_score {score} (>= {threshold:g} %) {verdict}: {detail}")
    print(f"report: {out_dir / report.HTML_FILE}")
    return 0 if summary["passed"] else 1


def _print_rate(summary: dict) -> None:
    rate = report.rate(summary)
    if rate is not None:
        print(
            f"ran {rate['ran']} of {summary['overall']['total']} mutants in {rate['seconds']:.0f} s "
            f"(baseline included, {rate['runs']} run(s)): {rate['per_hour']:.0f} mutants/hour; "
            f"{rate['mutant_seconds']:.0f} s in their test runs"
        )


def _resume_dir(args: argparse.Namespace, root: Path) -> Path | None:
    """The folder of the run to continue (--resume), checked; None without --resume."""
    if args.resume is None:
        return None
    clashing = [name for name in ("out", "contexts", "from_run", "merge") if getattr(args, name)]
    if clashing:
        option = "--" + clashing[0].replace("_", "-")
        raise UsageError(
            f"--resume takes the output folder, contexts and progress of the run it continues: drop {option}"
        )
    folder = _under(root, args.resume)
    for name in (contexts.CONTEXTS_FILE, engine.PROGRESS_FILE):
        if not (folder / name).is_file():
            raise UsageError(f"--resume: {folder}: no {name} (no mutate run reached its mutants there)")
    return folder


def _under(root: Path, path: Path) -> Path:
    return path if path.is_absolute() else root / path


def _optional(root: Path, path: Path | None) -> Path | None:
    return _under(root, path) if path else None


def _stamp() -> str:
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")


def parse(argv: list[str]) -> argparse.Namespace:
    """The arguments of `tradecheck mutate ARGV...`."""
    parser = argparse.ArgumentParser(prog="python -m ci.mutate")
    add_parser(parser.add_subparsers(dest="command", required=True))
    return parser.parse_args(["mutate", *argv])


def main(argv: list[str] | None = None) -> int:
    """`python -m ci.mutate`: `tradecheck mutate ...`, with its one-line errors and exit codes."""
    from ci.cli import main as tradecheck

    return tradecheck(["mutate", *(sys.argv[1:] if argv is None else argv)])
