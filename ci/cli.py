"""tradecheck: run TradeCheck's suite as a CI job and sign the release off.

  tradecheck run --profile NAME [--env ENV] [--browsers chromium,firefox] [--workers N|auto]
                 [--shard I/N] [--gate NAME=VALUE]... [--notify URL] [--connect WS_ENDPOINT]
                 [--seed N] [-- extra pytest args]
  tradecheck test [-- pytest args]          the project's own tests (tests/ and scenarios/)
  tradecheck merge DIR... [--out DIR]       shard run folders into one report and one verdict
  tradecheck durations [--profile NAME] [--from RUN_DIR]
                                            refresh ci/durations.json for --shard
  tradecheck profiles | gates               what each profile runs and which gates decide it
  tradecheck open                           the latest report in the browser
  tradecheck diff RUN_A RUN_B               tests and gates that changed between two run folders
  tradecheck run --profile NAME --last-failed
                                            re-run what failed in the latest run

Profiles live in config/profiles.yaml; each run lands in reports/runs/<UTC time>-<profile>/ with
reports/latest pointing at the newest finished one.

Exit codes:
  0  GO: every gate of the profile passed
  1  NO-GO: a gate failed (tests failed after retries, flows not covered, coverage, traffic, ...)
  2  usage or configuration error: unknown profile, bad --gate, bad --shard, bad
     config/profiles.yaml, unreadable result files, pytest usage error (its exit 4)
  3  infrastructure error: target unreachable, browser missing, Allure CLI missing, pytest
     internal error (its exit 3), nothing passed and every failure was infrastructure
  130 interrupted (Ctrl-C or SIGTERM): the earlier reports and the history are untouched
`tradecheck test` returns pytest's own exit code, except that 5 (no tests collected) becomes 1.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import signal
import subprocess
import sys
from pathlib import Path

from ci import inspect
from ci import merge as merge_module
from ci.durations import store_durations
from ci.errors import GO, INFRASTRUCTURE, INTERRUPTED, TradecheckError, UsageError
from ci.mutate import cli as mutate_cli
from ci.profiles import (
    ProfileSet,
    load_profiles,
    parse_browsers,
    parse_gate_overrides,
    parse_shard,
    parse_workers,
)
from ci.pytest_process import subprocess_env
from ci.run import RunRequest, run
from ci.target import installed_browsers
from monitor import cli as monitor_cli

PROFILES_FILE = Path("config") / "profiles.yaml"
ROOT_VARIABLE = "TRADECHECK_ROOT"
EXIT_CODES = __doc__[__doc__.index("Exit codes:") : __doc__.index("`tradecheck test` returns")]
TEST_EXIT_CODES = """Exit codes: pytest's own (0 all passed, 1 some failed, 2 interrupted or collection
errors, 3 internal error, 4 usage error), except that 5 (no tests collected) becomes 1; 130 on Ctrl-C."""
PASS_THROUGH = (
    "Arguments after `--` go to pytest untouched, e.g. `tradecheck run --profile smoke -- -k login`."
)


class Parser(argparse.ArgumentParser):
    """argparse, but a bad argument is one line: `tradecheck: error: ...`, exit 2."""

    def error(self, message: str):
        raise UsageError(message)


def build_parser() -> Parser:
    parser = Parser(
        prog="tradecheck",
        description="TradeCheck's suite as a CI job: one pytest run, Allure report, gates, sign-off.",
        epilog=EXIT_CODES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)
    commands.required = True

    def command(name: str, summary: str, epilog: str = EXIT_CODES) -> argparse.ArgumentParser:
        return commands.add_parser(
            name,
            help=summary,
            description=summary,
            epilog=epilog,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )

    run = command(
        "run", "run a profile: tests, Allure report, gates, sign-off", f"{PASS_THROUGH}\n\n{EXIT_CODES}"
    )
    _selection_arguments(run, profile_required=True)
    run.add_argument(
        "--last-failed",
        action="store_true",
        help="run only the tests that failed in the latest run (reports/latest), on their browsers",
    )
    run.add_argument(
        "--shard", metavar="I/N", help="run only group I of N (pytest-split, balanced by ci/durations.json)"
    )
    run.add_argument(
        "--gate",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="override a gate threshold (e.g. p95_ms=800, code_coverage=85, flaky=off); repeatable",
    )
    _report_arguments(run)

    test = command(
        "test",
        "run the project's own tests (pytest over tests/ and scenarios/, -n auto, every browser)",
        f"{PASS_THROUGH.replace('run --profile smoke', 'test')}\n\n{TEST_EXIT_CODES}",
    )
    test.set_defaults(extra=[])
    command("profiles", "list the profiles of config/profiles.yaml: what each runs and its gates")
    command("gates", "list the gates: what each measures, its default and the profiles it decides")
    monitor_cli.add_parser(commands)
    mutate_cli.add_parser(commands)
    opener = command("open", "open the latest run's Allure report")
    diff = command("diff", "the tests and gates that changed between two run folders")
    diff.add_argument("run_a", type=Path, metavar="RUN_A", help="the earlier run folder")
    diff.add_argument("run_b", type=Path, metavar="RUN_B", help="the later run folder")
    opener.add_argument(
        "--reports", metavar="DIR", type=Path, help="reports folder (default: reports/ of the project)"
    )
    opener.add_argument(
        "--serve",
        action="store_true",
        help="serve the run folder on localhost so the report's trace links open (until Ctrl-C)",
    )

    merge = command("merge", "combine shard run folders into one report and one verdict")
    merge.add_argument("dirs", nargs="+", type=Path, metavar="DIR", help="run folders of the shards")
    merge.add_argument(
        "--out",
        type=Path,
        metavar="DIR",
        help="merged run folder (default: reports/runs/<time>-<profile>-merged)",
    )
    _report_arguments(merge)

    durations = command("durations", "store each test's duration in ci/durations.json (for --shard)")
    _selection_arguments(durations, profile_required=False)
    durations.add_argument(
        "--from",
        dest="source",
        type=Path,
        metavar="RUN_DIR",
        help="take the durations of a finished run folder (e.g. reports/latest) instead of running the tests",
    )
    return parser


def _report_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--notify",
        metavar="URL",
        help="post the verdict to this Slack-compatible webhook (else $TRADECHECK_WEBHOOK_URL)",
    )
    parser.add_argument(
        "--reports", metavar="DIR", type=Path, help="reports folder (default: reports/ of the project)"
    )


def _selection_arguments(parser: argparse.ArgumentParser, profile_required: bool) -> None:
    parser.add_argument(
        "--profile",
        required=profile_required,
        default=None if profile_required else "regression",
        metavar="NAME",
        help="profile of config/profiles.yaml (smoke, regression, nightly, release, ...)",
    )
    parser.add_argument("--env", metavar="ENV", help="target environment of config/environments.yaml")
    parser.add_argument(
        "--browsers",
        metavar="LIST",
        help="comma-separated browsers, replacing the profile's (chromium,firefox,webkit)",
    )
    parser.add_argument(
        "--workers", metavar="N|auto", help="pytest-xdist workers (0 = no xdist); default: the profile's"
    )
    parser.add_argument(
        "--connect", metavar="WS_ENDPOINT", help="drive browsers of a remote `playwright launch-server`"
    )
    parser.add_argument(
        "--seed", type=int, metavar="N", help="test-data seed (default: the environment's, else random)"
    )


def split_extra(argv: list[str]) -> tuple[list[str], list[str]]:
    """Arguments after the first `--` go to pytest untouched."""
    if "--" in argv:
        index = argv.index("--")
        return argv[:index], argv[index + 1 :]
    return argv, []


def find_root(start: Path | None = None) -> Path:
    configured = os.environ.get(ROOT_VARIABLE)
    if configured:
        root = Path(configured).resolve()
        if not (root / PROFILES_FILE).is_file():
            raise UsageError(f"{ROOT_VARIABLE}={configured}: no {PROFILES_FILE} there")
        return root
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / PROFILES_FILE).is_file():
            return folder
    raise UsageError(
        f"no {PROFILES_FILE} in {here} or any folder above it (run tradecheck inside the project)"
    )


def _interrupt(signum, frame):
    raise KeyboardInterrupt  # CI cancels with SIGTERM: stop as on Ctrl-C, earlier reports untouched


def main(argv: list[str] | None = None) -> int:
    args_list, extra = split_extra(list(sys.argv[1:] if argv is None else argv))
    previous = signal.signal(signal.SIGTERM, _interrupt)
    try:
        args = build_parser().parse_args(args_list)
        args.extra = extra
        return dispatch(args)
    except TradecheckError as exc:
        print(f"tradecheck: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("tradecheck: interrupted", file=sys.stderr)
        return INTERRUPTED
    except OSError as exc:  # the machine's trouble (disk full, no permission), not the app's
        where = f" {exc.filename}" if exc.filename else ""
        print(f"tradecheck: error: cannot write{where}: {exc.strerror or exc}", file=sys.stderr)
        return INFRASTRUCTURE
    except Exception as exc:  # a bug in tradecheck: still one line, unless asked for the traceback
        if os.environ.get("TRADECHECK_DEBUG"):
            raise
        print(
            f"tradecheck: internal error: {exc.__class__.__name__}: {exc} "
            "(TRADECHECK_DEBUG=1 shows the traceback)",
            file=sys.stderr,
        )
        return INFRASTRUCTURE
    finally:
        signal.signal(signal.SIGTERM, previous)


def dispatch(args: argparse.Namespace) -> int:
    if args.command == "monitor":
        return monitor_cli.run(args)
    if args.command == "test":
        return run_project_tests(find_root_or_cwd(), args.extra)
    root = find_root()
    os.chdir(root)  # pytest, coverage and git all resolve paths from the project root
    if args.command == "mutate":
        return mutate_cli.run(args, root)
    profiles = load_profiles(root / PROFILES_FILE)
    if args.command == "profiles":
        print(inspect.describe_profiles(profiles))
        return GO
    if args.command == "gates":
        print(inspect.describe_gates(profiles))
        return GO
    if args.command == "open":
        return inspect.open_report(_reports(args, root), sys.stdout, serve=args.serve)
    if args.command == "diff":
        print(inspect.diff(args.run_a.resolve(), args.run_b.resolve()))
        return GO
    if args.command == "merge":
        return merge_module.merge(
            root,
            [d.resolve() for d in args.dirs],
            profiles,
            args.out.resolve() if args.out else None,
            notify_url=args.notify,
            reports_root=_reports(args, root),
        )
    request = make_request(args, profiles)
    if args.command == "durations":
        return store_durations(root, request, args.source.resolve() if args.source else None)
    request.reports = _reports(args, root)
    if args.last_failed:
        nodeids, browsers = inspect.last_failed(request.reports)
        if not nodeids:
            print("tradecheck: nothing failed in the latest run; nothing to re-run")
            return GO
        # the node ids are the selection: the profile's marker expression would deselect them
        request.profile = dataclasses.replace(request.profile, markers="")
        request.paths = tuple(nodeids)
        request.browsers = request.browsers or tuple(browsers) or None
    return run(root, request)


def make_request(args: argparse.Namespace, profiles: ProfileSet) -> RunRequest:
    profile = profiles.get(args.profile)
    overrides = parse_gate_overrides(getattr(args, "gate", []) or [])
    shard = parse_shard(args.shard) if getattr(args, "shard", None) is not None else None
    return RunRequest(
        profile=profile.with_gate_overrides(overrides),
        settings=profiles,
        browsers=parse_browsers(args.browsers) if args.browsers is not None else None,
        workers=parse_workers(args.workers) if args.workers is not None else None,
        shard=shard,
        env=args.env,
        seed=args.seed,
        connect=args.connect,
        notify_url=getattr(args, "notify", None),
        extra=args.extra,
    )


def _reports(args: argparse.Namespace, root: Path) -> Path:
    return (args.reports or root / "reports").resolve()


def find_root_or_cwd() -> Path:
    try:
        return find_root()
    except UsageError:
        return Path.cwd()


def run_project_tests(root: Path, extra: list[str]) -> int:
    """pytest over the default testpaths with -n auto and every available browser; pytest's own
    output and summary line; its exit code, except that 5 (no tests collected) becomes 1."""
    command = [sys.executable, "-m", "pytest"]
    if not any(arg == "-n" or arg.startswith(("-n", "--numprocesses")) for arg in extra):
        command += ["-n", "auto"]
    if not any(arg == "--browser" or arg.startswith("--browser=") for arg in extra):
        for browser in installed_browsers() or ["chromium"]:
            command += ["--browser", browser]
    try:
        code = subprocess.call(command + extra, cwd=root, env=subprocess_env())
    except KeyboardInterrupt:
        return INTERRUPTED
    return 1 if code == 5 else code
