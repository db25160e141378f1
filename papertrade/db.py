"""Engine, sessions, the write gate and migrations.

Writes go through `Database.write()`: on SQLite one process-wide lock plus `BEGIN IMMEDIATE`,
so a write transaction never meets another writer half-way; other databases rely on row locks
(`SELECT ... FOR UPDATE`) taken by the domain code.

Every engine counts and times its statements into the `QueryStats` of the code that runs them
(`measure_queries()`, a context variable: the request middleware opens one per request, and the
threadpool copies it along with the rest of the request's context).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import Session, sessionmaker

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
_IMMEDIATE = "papertrade_immediate"


def safe_url(url: str) -> str:
    """The URL with any password masked, for messages and logs."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return url.split("@")[-1] if "@" in url else url


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):  # pragma: no cover - exercised via every connection
        # Let SQLAlchemy emit BEGIN itself so writers can ask for BEGIN IMMEDIATE.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        immediate = connection.get_execution_options().get(_IMMEDIATE, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


@dataclass(frozen=True)
class PoolOptions:
    """The connection pool: `size` kept open, `max_overflow` more under load, `timeout` seconds a
    request waits for a free connection, `pre_ping` checks a connection before lending it (None:
    on for a database server, which may have restarted; off for a SQLite file)."""

    size: int = 20
    max_overflow: int = 20
    timeout: float = 30.0
    pre_ping: bool | None = None


@dataclass
class QueryStats:
    """Statements executed and the time spent in them, for one unit of work (a request)."""

    count: int = 0
    seconds: float = 0.0


_query_stats: ContextVar[QueryStats | None] = ContextVar("papertrade_query_stats", default=None)
# Transaction control is not a query: SQLite's BEGIN is a statement, PostgreSQL's is implicit, and
# a budget must mean the same on both.
_TRANSACTION_CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")
_STARTED = "papertrade_statement_started"


@contextmanager
def measure_queries() -> Iterator[QueryStats]:
    """Count the statements run by this context (and threads it hands work to) into a new QueryStats."""
    stats = QueryStats()
    token = _query_stats.set(stats)
    try:
        yield stats
    finally:
        _query_stats.reset(token)


def _count_queries(engine: Engine) -> None:
    @event.listens_for(engine, "before_cursor_execute")
    def _before(connection, cursor, statement, parameters, context, executemany):
        if _query_stats.get() is not None:
            connection.info[_STARTED] = time.perf_counter()

    @event.listens_for(engine, "after_cursor_execute")
    def _after(connection, cursor, statement, parameters, context, executemany):
        stats = _query_stats.get()
        started = connection.info.pop(_STARTED, None)
        if stats is None or started is None:
            return
        if statement.lstrip()[:9].upper().startswith(_TRANSACTION_CONTROL):
            return
        stats.count += 1
        stats.seconds += time.perf_counter() - started


def make_engine(url: str, pool: PoolOptions | None = None) -> Engine:
    pool = pool or PoolOptions()
    sqlite = is_sqlite(url)
    options = {
        "pool_size": pool.size,
        "max_overflow": pool.max_overflow,
        "pool_timeout": pool.timeout,
        "pool_pre_ping": (not sqlite) if pool.pre_ping is None else pool.pre_ping,
    }
    if sqlite:
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 5}, **options)
        _configure_sqlite(engine)
    else:
        engine = create_engine(url, **options)
    _count_queries(engine)
    return engine


class Database:
    def __init__(self, url: str, pool: PoolOptions | None = None) -> None:
        self.url = url
        self.sqlite = is_sqlite(url)
        self.engine = make_engine(url, pool)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        self._write_lock = threading.RLock()
        # Statements on a local SQLite file take microseconds: async callers run them on the event
        # loop (see papertrade.web.dbcall.db_call). A networked database goes to the threadpool.
        self.inline = self.sqlite

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A session for reads; nothing it changes is committed (close rolls back)."""
        session = self._sessions()
        try:
            yield session
        finally:
            session.close()

    @contextmanager
    def write(self) -> Iterator[Session]:
        """One write transaction, committed on success and rolled back on error."""
        with self._write_lock if self.sqlite else _nullcontext():
            session = self._sessions()
            try:
                session.connection(execution_options={_IMMEDIATE: True})
                yield session
                callbacks = session.info.pop("after_commit", [])
                session.commit()
                for callback in callbacks:
                    callback()
            except BaseException:
                session.rollback()
                raise
            finally:
                session.close()

    def ping(self) -> None:
        with self.engine.connect() as connection:
            connection.execute(text("SELECT 1"))

    def dispose(self) -> None:
        self.engine.dispose()


@contextmanager
def _nullcontext() -> Iterator[None]:
    yield


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def _migrate(url: str, alembic_command, revision: str) -> None:
    engine = create_engine(url)
    try:
        with engine.begin() as connection:
            config = alembic_config(url)
            config.attributes["connection"] = connection
            alembic_command(config, revision)
    finally:
        engine.dispose()


def upgrade(url: str, revision: str = "head") -> None:
    _migrate(url, command.upgrade, revision)


def downgrade(url: str, revision: str = "base") -> None:
    _migrate(url, command.downgrade, revision)


def head_revision() -> str:
    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()


def current_revision(url: str) -> str | None:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()
    finally:
        engine.dispose()


def _describe(difference) -> str:
    """One line for one autogenerate difference: what to do, to which object."""
    if isinstance(difference, list):  # a column change comes as a list of modify_* tuples
        return "; ".join(_describe(item) for item in difference)
    action = difference[0]
    if action.startswith("modify_"):
        _, _schema, table, column = difference[:4]
        return f"{action} {table}.{column}"
    if action.endswith("_column"):  # (action, schema, table, column)
        return f"{action} {difference[2]}.{difference[3].name}"
    target = difference[1]
    table = getattr(target, "table", None)
    where = f" on {table.name}" if table is not None and table.name != target.name else ""
    return f"{action} {target.name}{where}"


def schema_drift(url: str) -> list[str]:
    """What the database's schema lacks or has beyond the models (empty when they agree)."""
    from papertrade.models import Base

    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    finally:
        engine.dispose()
    return [_describe(difference) for difference in differences]
