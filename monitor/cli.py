"""`tradecheck monitor`: synthetic checks on a schedule, and `tradecheck monitor report`.

  tradecheck monitor [--once | --cycles N | --duration 10m] [--env ENV] [--base-url URL]
                     [--environments FILE]
                     [--location NAME] [--store URL] [--status-dir DIR] [--artifacts-dir DIR]
                     [--check NAME]...
                     [--interval 30s] [--notify URL] [--config FILE]
  tradecheck monitor report [--window 30d] [--location NAME] [--store URL] [--json]

Exit codes:
  0    monitor: the bounded run ended; report: the SLO is met over the window
  1    report: the SLO is breached, or the window holds no result
  2    usage or configuration error: bad config/monitor.yaml, unknown check or location,
       bad interval ("5x"), unwritable status-page folder, bad store URL
  3    infrastructure error: the store is unreachable, the embedded app did not start
  130  interrupted (Ctrl-C or SIGTERM): the check in flight finished, the status page is written
"""

from __future__ import annotations

import argparse
import json
import os
from dataclasses import replace
from pathlib import Path

from harness.yamlfile import REPO_ROOT
from monitor.config import DEFAULT_CONFIG, MonitorConfig, load_config, parse_duration
from monitor.report import as_json, report, slo_table
from monitor.runner import Limits, run_monitor, utcnow
from monitor.store import Store

STORE_VARIABLE = "TRADECHECK_MONITOR_STORE"
WEBHOOK_VARIABLE = "TRADECHECK_WEBHOOK_URL"
EXIT_CODES = __doc__[__doc__.index("Exit codes:") :]


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "monitor",
        help="synthetic monitoring: checks on a schedule, SLOs, alerts, a status page",
        description="Run the checks of config/monitor.yaml on a schedule against an environment.",
        epilog=EXIT_CODES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _common(parser)
    bounds = parser.add_mutually_exclusive_group()
    bounds.add_argument("--once", action="store_true", help="run every check once, then exit (cron)")
    bounds.add_argument("--cycles", type=_positive_int, metavar="N", help="stop after N cycles")
    bounds.add_argument("--duration", metavar="DURATION", help="stop after this long, e.g. 10m")
    parser.add_argument(
        "--env", help="environment of config/environments.yaml (default: the config's target)"
    )
    parser.add_argument("--base-url", help="the target's URL (no embedded app is started)")
    parser.add_argument(
        "--environments",
        type=Path,
        metavar="FILE",
        help="the environments file (default config/environments.yaml)",
    )
    parser.add_argument("--status-dir", type=Path, help="where status.html, status.json, metrics.prom go")
    parser.add_argument(
        "--artifacts-dir", type=Path, help="where failed browser checks keep screenshots and traces"
    )
    parser.add_argument("--check", action="append", metavar="NAME", help="only this check (repeatable)")
    parser.add_argument("--interval", metavar="DURATION", help="every check's interval, e.g. 10s")
    parser.add_argument(
        "--notify", metavar="URL", help=f"Slack-compatible webhook (default ${WEBHOOK_VARIABLE})"
    )
    commands = parser.add_subparsers(dest="monitor_command", metavar="SUBCOMMAND")
    summary = "print the SLO table; exit 1 when the SLO is breached"
    report_parser = commands.add_parser(
        "report", help=summary, description=summary, epilog=EXIT_CODES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )  # fmt: skip
    _common(report_parser)
    report_parser.add_argument(
        "--window", default="30d", help="rolling window, e.g. 24h or 30d (default 30d)"
    )
    report_parser.add_argument("--json", action="store_true", help="the table as JSON")
    return parser


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", type=Path, help="monitor configuration (default config/monitor.yaml)")
    parser.add_argument("--location", help="this process's location (one of the config's locations)")
    parser.add_argument(
        "--store", help=f"SQLAlchemy URL of the result store (default ${STORE_VARIABLE}, then the config)"
    )


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 1, got {text!r}")
    return value


def _config(args: argparse.Namespace) -> MonitorConfig:
    path = getattr(args, "config", None) or DEFAULT_CONFIG
    return load_config(path).with_location(getattr(args, "location", None))


def _from_config_root(value: str) -> str:
    """A relative SQLite path of the config file is relative to the project, like the config."""
    prefix = "sqlite:///"
    if value.startswith(prefix) and not value.startswith(prefix + "/") and value != prefix + ":memory:":
        return prefix + str(REPO_ROOT / value[len(prefix) :])
    return value


def _store_url(args: argparse.Namespace, config: MonitorConfig) -> str:
    return args.store or os.environ.get(STORE_VARIABLE) or _from_config_root(config.store)


def run(args: argparse.Namespace) -> int:
    if getattr(args, "monitor_command", None) == "report":
        return run_report(args)
    config = _config(args)
    interval = parse_duration(args.interval, "--interval") if args.interval else None
    config = config.select(args.check, interval)
    limits = Limits(
        once=args.once,
        cycles=args.cycles,
        duration_s=parse_duration(args.duration, "--duration") if args.duration else None,
    )
    status_dir = args.status_dir or (REPO_ROOT / config.status_dir)
    if args.artifacts_dir:
        config = replace(config, artifacts_dir=args.artifacts_dir.resolve())
    return run_monitor(
        config,
        env=args.env,
        base_url=args.base_url,
        store_url=_store_url(args, config),
        status_dir=status_dir,
        webhook_url=args.notify or os.environ.get(WEBHOOK_VARIABLE) or None,
        limits=limits,
        environments=args.environments,
    )


def run_report(args: argparse.Namespace) -> int:
    config = _config(args)
    window = parse_duration(args.window, "--window")
    store = Store(_store_url(args, config))
    try:
        now = utcnow()
        if args.json:
            table = slo_table(store, (window,), config.slo_target, now, location=args.location)
            print(json.dumps(as_json(table), indent=2))
            code, _ = report(store, window, config.slo_target, now, location=args.location)
            return code
        code, text = report(store, window, config.slo_target, now, location=args.location)
        print(text)
        return code
    finally:
        store.close()


def main(argv: list[str] | None = None) -> int:
    """`python -m monitor ...`: `tradecheck monitor ...`, with its one-line errors and exit codes."""
    import sys

    from ci.cli import main as tradecheck

    return tradecheck(["monitor", *(sys.argv[1:] if argv is None else argv)])
