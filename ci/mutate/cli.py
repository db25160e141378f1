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
from ci.mutate import engine, report
from ci.mutate.config import CONFIG_FILE, EQUIVALENTS_FILE, MUTANT_ID, load_config, load_equivalents
from harness.yamlfile import REPO_ROOT

EXIT_CODES = """\
exit codes:
  0    the mutation_score gate passed
  1    the mutation_score gate failed (survivors and not-covered mutants are listed in the report)
  2    usage or configuration error: unknown module, bad config/mutation.yaml or equivalents file,
       missing or unreadable --contexts file, --from-run folder without results or coverage
       contexts, bad --shard or --only
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
    out_dir = _under(root, args.out) if args.out else root / "reports" / "mutation" / _stamp()
    out_dir.mkdir(parents=True, exist_ok=True)
    if args.merge:
        results = []
        for directory in args.merge:
            try:
                results.extend(report.read_results(directory))
            except (OSError, ValueError, KeyError, TypeError) as exc:
                raise UsageError(f"--merge: {directory}: no readable {report.RESULTS_FILE} ({exc})") from None
        results = list({r.id: r for r in results}.values())
    else:
        session = engine.Session(
            config=config,
            equivalents=load_equivalents(_under(root, args.equivalents)),
            out_dir=out_dir,
            contexts_file=_under(root, args.contexts) if args.contexts else None,
            from_run=_under(root, args.from_run) if args.from_run else None,
            only=parse_only(args.only),
            shard=parse_shard(args.shard) if args.shard else None,
            baseline_workers=args.baseline_workers,
            echo=lambda line: print(line, flush=True),
        )
        started = time.monotonic()
        results = engine.run(session, root)
        _print_rate(results, time.monotonic() - started)
    summary = report.summarize(results, threshold)
    report.write(out_dir, results, summary)
    figure, detail = report.mutation_score_gate(summary)
    score = "n/a" if figure is None else f"{figure:.2f} %"
    verdict = "passed" if summary["passed"] else "FAILED"
    print(f"mutation_score {score} (>= {threshold:g} %) {verdict}: {detail}")
    print(f"report: {out_dir / report.HTML_FILE}")
    return 0 if summary["passed"] else 1


def _print_rate(results: list[engine.MutantResult], seconds: float) -> None:
    ran = [r for r in results if r.status not in ("not_covered", "equivalent")]
    per_hour = len(ran) * 3600 / seconds if seconds else 0.0
    print(
        f"ran {len(ran)} of {len(results)} mutants in {seconds:.0f} s (baseline included): "
        f"{per_hour:.0f} mutants/hour; {sum(r.seconds for r in ran):.0f} s in their test runs"
    )


def _under(root: Path, path: Path) -> Path:
    return path if path.is_absolute() else root / path


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
