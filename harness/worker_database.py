"""One PostgreSQL database per pytest-xdist worker for the embedded app.

Given a server URL whose user may create databases (`.ci/postgres-up` prints one), each worker
gets a new, empty database named after the run and the worker; the app migrates it at start, and
it is dropped when the worker ends. Without a server URL the app keeps its SQLite file.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import create_engine
from sqlalchemy.engine import make_url


def safe_url(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)


class WorkerDatabaseError(RuntimeError):
    """The server cannot be reached or refuses; the message has no password (exit 3)."""


def database_name(worker: str, pid: int | None = None) -> str:
    """`tradecheck_<worker>_<pid>`: unique per worker and run, a plain identifier."""
    return f"tradecheck_{re.sub(r'[^a-z0-9_]', '_', worker.lower())}_{pid or os.getpid()}"


def _admin(server_url: str, statement: str) -> None:
    engine = create_engine(server_url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            connection.exec_driver_sql(statement)
    except Exception as exc:
        reason = (
            str(getattr(exc, "orig", None) or exc).splitlines()[0].replace(server_url, safe_url(server_url))
        )
        raise WorkerDatabaseError(f"database server {safe_url(server_url)}: {reason}") from exc
    finally:
        engine.dispose()


@contextmanager
def worker_database(server_url: str | None, worker: str) -> Iterator[str | None]:
    """The URL of a new database for this worker (None without a server URL); dropped afterwards."""
    if not server_url:
        yield None
        return
    if make_url(server_url).get_backend_name() != "postgresql":
        raise WorkerDatabaseError(f"{safe_url(server_url)} is not a PostgreSQL URL")
    name = database_name(worker)
    _admin(server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    _admin(server_url, f'CREATE DATABASE "{name}"')
    try:
        yield make_url(server_url).set(database=name).render_as_string(hide_password=False)
    finally:
        _admin(server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
