"""Command line: `python -m papertrade [serve] [options]`, `migrate`, `db check` and `seed`.

Exit codes: 0 clean stop (also after SIGINT/SIGTERM), or the schema matches the models (`db check`),
or the data was loaded (`seed`); 1 `db check` found drift: the database has no schema, is not at
the migrations' head, or differs from the models (each difference on its own line); 2 bad
arguments or port in use; 3 database cannot be opened.
"""

from __future__ import annotations

import argparse
import contextlib
import errno
import logging
import signal
import socket
import sys
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import fields

from papertrade import __version__
from papertrade.config import LOG_LEVELS, Settings, SettingsError, load_settings
from papertrade.db import current_revision, head_revision, safe_url, schema_drift, upgrade

EXIT_DRIFT = 1
EXIT_USAGE = 2
EXIT_DATABASE = 3
COMMANDS = ("serve", "migrate", "db", "seed")
SETTING_NAMES = {setting.name for setting in fields(Settings)}
DATABASE_URL_HELP = "SQLAlchemy URL (default sqlite:///./papertrade.db)"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="papertrade", description="PaperTrade paper-trading server.")
    parser.add_argument("--version", action="version", version=f"PaperTrade {__version__}")
    commands = parser.add_subparsers(dest="command")
    serve = commands.add_parser("serve", help="run the web server (default)")
    serve.add_argument("--host", help="interface to bind (default 127.0.0.1)")
    serve.add_argument("--port", type=int, help="port to listen on (default 8000)")
    serve.add_argument("--database-url", help="SQLAlchemy URL (default sqlite:///./papertrade.db)")
    serve.add_argument("--test-mode", action="store_true", default=None, help="enable the /api/test routes")
    serve.add_argument(
        "--tick-interval", type=float, metavar="SECONDS", help="market tick interval (default 1.0)"
    )
    serve.add_argument("--seed", type=int, help="seed of the price random walk (default 42)")
    serve.add_argument("--session-ttl", type=int, metavar="SECONDS", help="session lifetime (default 28800)")
    serve.add_argument("--log-level", choices=LOG_LEVELS, help="log level (default info)")
    pool = serve.add_argument_group("database pool")
    pool.add_argument("--db-pool-size", type=int, metavar="N", help="connections kept open (default 20)")
    pool.add_argument(
        "--db-max-overflow", type=int, metavar="N", help="extra connections under load (default 20)"
    )
    pool.add_argument(
        "--db-pool-timeout", type=float, metavar="SECONDS", help="wait for a free connection (default 30)"
    )
    pool.add_argument(
        "--db-pool-pre-ping",
        action=argparse.BooleanOptionalAction,
        help="test each connection before use (default: on for a server, off for SQLite)",
    )
    serve.add_argument(
        "--server-timing",
        action=argparse.BooleanOptionalAction,
        help="send the Server-Timing header with each response's database work (default: in test mode only)",
    )
    migrate = commands.add_parser("migrate", help="upgrade the database schema and exit")
    migrate.add_argument("--database-url", help=DATABASE_URL_HELP)
    database = commands.add_parser("db", help="database checks")
    database_commands = database.add_subparsers(dest="db_command", required=True)
    check = database_commands.add_parser(
        "check", help="compare the database's schema with the models (exit 1 on any drift)"
    )
    check.add_argument("--database-url", help=DATABASE_URL_HELP)
    check.add_argument(
        "--fresh",
        action="store_true",
        help="check the migrations themselves: migrate a new temporary SQLite database, then compare",
    )
    seed = commands.add_parser("seed", help="load a realistic volume of accounts and orders (migrates first)")
    seed.add_argument("--database-url", help=DATABASE_URL_HELP)
    seed.add_argument(
        "--accounts", type=int, default=1000, metavar="N", help="accounts to add (default 1000)"
    )
    seed.add_argument(
        "--orders",
        type=int,
        default=200_000,
        metavar="N",
        help="orders to add, spread evenly (default 200000)",
    )
    seed.add_argument("--seed", type=int, help="seed of the generated data (default 42)")
    return parser


def fail(message: str, code: int) -> int:
    print(f"papertrade: {message}", file=sys.stderr)
    return code


def configure_logging(level: str) -> None:
    from papertrade.web.middleware import JsonFormatter

    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger("papertrade")
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    root.propagate = False


def bind_socket(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # IPPROTO_TCP explicitly: asyncio only sets TCP_NODELAY on accepted sockets whose proto says TCP,
    # and without it every keep-alive response waits ~40 ms for a delayed ACK.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    sock.set_inheritable(True)
    return sock


def serve(settings: Settings) -> int:
    import uvicorn

    from papertrade.web.app import create_app

    try:
        sock = bind_socket(settings.host, settings.port)
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            return fail(f"port {settings.port} on {settings.host} is already in use", EXIT_USAGE)
        return fail(f"cannot listen on {settings.host}:{settings.port}: {exc.strerror or exc}", EXIT_USAGE)
    configure_logging(settings.log_level)
    try:
        app = create_app(settings)
    except Exception as exc:
        sock.close()
        reason = str(getattr(exc, "orig", None) or exc).splitlines()[0] if str(exc) else type(exc).__name__
        return fail(f"cannot open database {safe_url(settings.database_url)}: {reason}", EXIT_DATABASE)
    port = sock.getsockname()[1]
    mode = " (test mode)" if settings.test_mode else ""
    banner = f"PaperTrade {__version__} listening on http://{settings.host}:{port}{mode}"
    config = uvicorn.Config(
        app,
        log_level="warning",
        access_log=False,
        lifespan="on",
        timeout_graceful_shutdown=5,
        ws_ping_interval=20,
    )
    _Server(config, banner).run(sockets=[sock])
    return 0


def _uvicorn_server_class():
    import uvicorn

    class Server(uvicorn.Server):
        """Prints the ready line, and stops on SIGINT/SIGTERM without re-raising the signal, so
        the process exits 0 and atexit hooks (coverage) run."""

        def __init__(self, config, banner: str) -> None:
            super().__init__(config)
            self.banner = banner

        async def startup(self, sockets=None) -> None:
            await super().startup(sockets=sockets)
            if self.started:
                print(self.banner, file=sys.stderr, flush=True)

        @contextlib.contextmanager
        def capture_signals(self) -> Iterator[None]:
            handled = (signal.SIGINT, signal.SIGTERM)
            original = {sig: signal.signal(sig, self.handle_exit) for sig in handled}
            try:
                yield
            finally:
                for sig, handler in original.items():
                    signal.signal(sig, handler)

    return Server


def _Server(config, banner):
    return _uvicorn_server_class()(config, banner)


def migrate(settings: Settings) -> int:
    try:
        upgrade(settings.database_url)
    except Exception as exc:
        reason = str(getattr(exc, "orig", None) or exc).splitlines()[0]
        return fail(f"cannot open database {safe_url(settings.database_url)}: {reason}", EXIT_DATABASE)
    print(f"papertrade: database {safe_url(settings.database_url)} is up to date", file=sys.stderr)
    return 0


def _database_reason(exc: Exception) -> str:
    return str(getattr(exc, "orig", None) or exc).splitlines()[0] if str(exc) else type(exc).__name__


def db_check(url: str, fresh: bool) -> int:
    if not fresh:
        return _check_schema(url)
    with tempfile.TemporaryDirectory(prefix="papertrade-check-") as directory:
        url = f"sqlite:///{directory}/fresh.db"
        try:
            upgrade(url)
        except Exception as exc:
            return fail(f"the migrations fail on a new database: {_database_reason(exc)}", EXIT_DRIFT)
        return _check_schema(url)


def _check_schema(url: str) -> int:
    shown = safe_url(url)
    try:
        current = current_revision(url)
        head = head_revision()
        drift = schema_drift(url) if current == head else []
    except Exception as exc:
        return fail(
            f"cannot open database {shown}: {_database_reason(exc)}".replace(url, shown), EXIT_DATABASE
        )
    if current is None:
        return fail(f"database {shown} has no schema: run `python -m papertrade migrate`", EXIT_DRIFT)
    if current != head:
        return fail(f"database {shown} is at revision {current}, the migrations' head is {head}", EXIT_DRIFT)
    if drift:
        lines = "".join(f"\n  {line}" for line in drift)
        return fail(f"database {shown} differs from the models ({len(drift)}):{lines}", EXIT_DRIFT)
    print(f"papertrade: database {shown} matches the models at revision {head}", file=sys.stderr)
    return 0


def seed_database(url: str, accounts: int, orders: int, seed: int) -> int:
    from papertrade import seeding

    if accounts < 1 or orders < 0:
        return fail(
            f"--accounts must be at least 1 and --orders at least 0, got {accounts} and {orders}", EXIT_USAGE
        )
    try:
        report = seeding.seed(url, accounts=accounts, orders=orders, seed=seed)
    except Exception as exc:
        return fail(f"cannot seed database {safe_url(url)}: {_database_reason(exc)}", EXIT_DATABASE)
    print(
        f"papertrade: seeded {safe_url(url)} with {report.accounts} accounts (from {report.first_username}), "
        f"{report.orders} orders, {report.transactions} transactions, {report.positions} positions, "
        f"{report.sessions} sessions in {report.seconds:.1f} s",
        file=sys.stderr,
    )
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    if not args_list or (args_list[0] not in COMMANDS and args_list[0] not in ("-h", "--help", "--version")):
        args_list.insert(0, "serve")
    args = _parser().parse_args(args_list)
    cli = {key: value for key, value in vars(args).items() if key in SETTING_NAMES}
    try:
        settings = load_settings(cli)
    except SettingsError as exc:
        return fail(str(exc), EXIT_USAGE)
    if args.command == "migrate":
        return migrate(settings)
    if args.command == "db":
        return db_check(settings.database_url, args.fresh)
    if args.command == "seed":
        return seed_database(settings.database_url, args.accounts, args.orders, settings.seed)
    return serve(settings)


if __name__ == "__main__":
    sys.exit(main())
