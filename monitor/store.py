"""The result store through SQLAlchemy Core: a SQLite file by default, any server URL for teams.

Every monitor process (one per location, under cron, a CronJob or a CI schedule) appends its
results and keeps its own alert state (rows keyed by location), so processes never coordinate
beyond the database. Every figure is computed by the database (counts, ORDER BY ... OFFSET for
percentiles), so a long run holds no history in memory.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import (
    Column,
    DateTime,
    Float,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    and_,
    case,
    create_engine,
    func,
    select,
    update,
)
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from ci.errors import InfrastructureError, UsageError
from monitor.slo import Counts, rank_offset

UP, DEGRADED, DOWN = "up", "degraded", "down"
GOOD = (UP, DEGRADED)

metadata = MetaData()
results = Table(
    "monitor_results",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("check_name", String(64), nullable=False, index=True),
    Column("location", String(64), nullable=False),
    Column("target", String(64), nullable=False),
    Column("started_at", DateTime, nullable=False, index=True),  # naive UTC
    Column("day", String(10), nullable=False, index=True),  # YYYY-MM-DD (UTC): portable daily bars
    Column("duration_ms", Float, nullable=False),
    Column("status", String(16), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("step", String(128)),
    Column("error", Text),
    Column("request_id", String(128)),
    Column("artifacts", String(1024)),  # a browser check's failure: its screenshot and trace folder
    Index("ix_monitor_results_check_time", "check_name", "started_at"),
)
incidents = Table(
    "monitor_incidents",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("check_name", String(64), nullable=False, index=True),
    Column("location", String(64), nullable=False),
    Column("started_at", DateTime, nullable=False, index=True),
    Column("ended_at", DateTime),
    Column("step", String(128)),
    Column("cause", Text),
    Column("request_id", String(128)),
    Column("artifacts", String(1024)),
)
alert_state = Table(
    "monitor_alert_state",
    metadata,
    Column("location", String(64), primary_key=True),
    Column("key", String(128), primary_key=True),
    Column("state", String(32), nullable=False),
    Column("since", DateTime, nullable=False),
    Column("last_sent", DateTime),
    Column("pending", Text),  # a message whose delivery failed, retried next cycle
)


@dataclass(frozen=True)
class Result:
    check: str
    location: str
    target: str
    started_at: datetime
    duration_ms: float
    status: str
    attempts: int
    step: str | None = None
    error: str | None = None
    request_id: str | None = None
    artifacts: str | None = None  # where a browser check left its screenshot and trace


@dataclass(frozen=True)
class Incident:
    id: int
    check: str
    location: str
    started_at: datetime
    ended_at: datetime | None
    step: str | None
    cause: str | None
    request_id: str | None
    artifacts: str | None = None


@dataclass
class StateRow:
    state: str
    since: datetime
    last_sent: datetime | None = None
    pending: dict[str, Any] | None = None


def safe_url(url: str) -> str:
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "(unparsable URL)"


class Store:
    def __init__(self, url: str) -> None:
        self.url = url
        try:
            parsed = make_url(url)
        except ArgumentError:
            raise UsageError(f"--store: not a SQLAlchemy database URL: {url!r}") from None
        if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
            folder = Path(parsed.database).parent
            try:
                folder.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise InfrastructureError(
                    f"store {safe_url(url)}: cannot create {folder} ({exc.strerror})"
                ) from None
        try:
            self.engine: Engine = create_engine(url, pool_pre_ping=True)
            metadata.create_all(self.engine)
        except (SQLAlchemyError, ModuleNotFoundError) as exc:
            reason = str(getattr(exc, "orig", None) or exc).splitlines()[0][:200]
            raise InfrastructureError(f"store {safe_url(url)} is unreachable: {reason}") from None

    def close(self) -> None:
        self.engine.dispose()

    # -- writing ---------------------------------------------------------------------------
    def add(self, result: Result) -> None:
        self.add_many([result])

    def add_many(self, many: Iterable[Result]) -> None:
        rows = [self._row(result) for result in many]
        with self.engine.begin() as connection:
            connection.execute(results.insert(), rows)

    @staticmethod
    def _row(result: Result) -> dict[str, Any]:
        return {
            "check_name": result.check,
            "location": result.location,
            "target": result.target,
            "started_at": result.started_at,
            "day": result.started_at.strftime("%Y-%m-%d"),
            "duration_ms": result.duration_ms,
            "status": result.status,
            "attempts": result.attempts,
            "step": result.step,
            "error": (result.error or None) and result.error[:2000],
            "request_id": result.request_id,
            "artifacts": result.artifacts,
        }

    def recent(self, check: str, location: str, limit: int) -> list[Result]:
        """The newest `limit` results of a check at a location, oldest first."""
        query = (
            select(results)
            .where(results.c.check_name == check, results.c.location == location)
            .order_by(results.c.started_at.desc(), results.c.id.desc())
            .limit(limit)
        )
        with self.engine.connect() as connection:
            rows = connection.execute(query).mappings().all()
        return [_result(row) for row in reversed(rows)]

    # -- alert state -----------------------------------------------------------------------
    def state(self, location: str, key: str) -> StateRow | None:
        query = select(alert_state).where(alert_state.c.location == location, alert_state.c.key == key)
        with self.engine.connect() as connection:
            row = connection.execute(query).mappings().first()
        if row is None:
            return None
        pending = json.loads(row["pending"]) if row["pending"] else None
        return StateRow(row["state"], row["since"], row["last_sent"], pending)

    def save_state(self, location: str, key: str, row: StateRow) -> None:
        values = {
            "state": row.state,
            "since": row.since,
            "last_sent": row.last_sent,
            "pending": json.dumps(row.pending) if row.pending else None,
        }
        where = and_(alert_state.c.location == location, alert_state.c.key == key)
        with self.engine.begin() as connection:
            if connection.execute(update(alert_state).where(where).values(**values)).rowcount == 0:
                connection.execute(alert_state.insert(), {"location": location, "key": key, **values})

    # -- incidents -------------------------------------------------------------------------
    def open_incident(self, first_failure: Result) -> None:
        with self.engine.begin() as connection:
            connection.execute(
                incidents.insert(),
                {
                    "check_name": first_failure.check,
                    "location": first_failure.location,
                    "started_at": first_failure.started_at,
                    "step": first_failure.step,
                    "cause": (first_failure.error or "")[:2000] or None,
                    "request_id": first_failure.request_id,
                    "artifacts": first_failure.artifacts,
                },
            )

    def close_incident(self, check: str, location: str, ended_at: datetime) -> None:
        where = and_(
            incidents.c.check_name == check, incidents.c.location == location, incidents.c.ended_at.is_(None)
        )
        with self.engine.begin() as connection:
            connection.execute(update(incidents).where(where).values(ended_at=ended_at))

    def incidents(self, since: datetime, limit: int = 50) -> list[Incident]:
        query = (
            select(incidents)
            .where((incidents.c.ended_at.is_(None)) | (incidents.c.ended_at >= since))
            .order_by(incidents.c.started_at.desc())
            .limit(limit)
        )
        with self.engine.connect() as connection:
            rows = connection.execute(query).mappings().all()
        return [
            Incident(
                r["id"],
                r["check_name"],
                r["location"],
                r["started_at"],
                r["ended_at"],
                r["step"],
                r["cause"],
                r["request_id"],
                r["artifacts"],
            )
            for r in rows
        ]

    # -- figures ---------------------------------------------------------------------------
    def _filters(self, since: datetime, location: str | None, check: str | None) -> list[Any]:
        filters = [results.c.started_at >= since]
        if location is not None:
            filters.append(results.c.location == location)
        if check is not None:
            filters.append(results.c.check_name == check)
        return filters

    def counts(self, since: datetime, *, location: str | None = None) -> dict[str, Counts]:
        """Counts per check since `since` (all locations unless one is given)."""
        good = func.sum(case((results.c.status.in_(GOOD), 1), else_=0))
        failed = func.sum(case((results.c.status == DOWN, results.c.attempts), else_=results.c.attempts - 1))
        query = (
            select(results.c.check_name, func.count(), good, func.sum(results.c.attempts), failed)
            .where(*self._filters(since, location, None))
            .group_by(results.c.check_name)
        )
        with self.engine.connect() as connection:
            rows = connection.execute(query).all()
        return {name: Counts(int(n), int(g or 0), int(a or 0), int(f or 0)) for name, n, g, a, f in rows}

    def percentile(
        self, since: datetime, percentile: float, *, location: str | None = None, check: str | None = None
    ) -> float | None:
        """Nearest-rank percentile of the latency of passed results, computed by the database."""
        filters = [*self._filters(since, location, check), results.c.status.in_(GOOD)]
        with self.engine.connect() as connection:
            count = connection.execute(select(func.count()).where(*filters)).scalar_one()
            offset = rank_offset(count, percentile)
            if offset is None:
                return None
            query = select(results.c.duration_ms).where(*filters).order_by(results.c.duration_ms)
            return connection.execute(query.offset(offset).limit(1)).scalar_one()

    def daily(self, since_day: str, *, location: str | None = None) -> dict[tuple[str, str], Counts]:
        """(check, day) → counts, for the uptime bars."""
        good = func.sum(case((results.c.status.in_(GOOD), 1), else_=0))
        filters = [results.c.day >= since_day]
        if location is not None:
            filters.append(results.c.location == location)
        query = (
            select(results.c.check_name, results.c.day, func.count(), good)
            .where(*filters)
            .group_by(results.c.check_name, results.c.day)
        )
        with self.engine.connect() as connection:
            rows = connection.execute(query).all()
        return {(name, day): Counts(int(n), int(g or 0)) for name, day, n, g in rows}

    def latencies(self, check: str, limit: int, *, location: str | None = None) -> list[tuple[float, str]]:
        """The newest `limit` (duration_ms, status) of a check, oldest first (the sparkline)."""
        filters = [results.c.check_name == check]
        if location is not None:
            filters.append(results.c.location == location)
        query = (
            select(results.c.duration_ms, results.c.status)
            .where(*filters)
            .order_by(results.c.started_at.desc(), results.c.id.desc())
            .limit(limit)
        )
        with self.engine.connect() as connection:
            rows = connection.execute(query).all()
        return [(float(d), s) for d, s in reversed(rows)]

    def locations(self, since: datetime) -> list[str]:
        query = select(results.c.location).where(results.c.started_at >= since).distinct()
        with self.engine.connect() as connection:
            return sorted(connection.execute(query).scalars())

    def checks(self, since: datetime) -> list[str]:
        query = select(results.c.check_name).where(results.c.started_at >= since).distinct()
        with self.engine.connect() as connection:
            return sorted(connection.execute(query).scalars())


def _result(row: Any) -> Result:
    return Result(
        check=row["check_name"],
        location=row["location"],
        target=row["target"],
        started_at=row["started_at"],
        duration_ms=row["duration_ms"],
        status=row["status"],
        attempts=row["attempts"],
        step=row["step"],
        error=row["error"],
        request_id=row["request_id"],
        artifacts=row["artifacts"],
    )


def days_back(now: datetime, days: int) -> Iterable[str]:
    """The last `days` UTC dates, oldest first, ending today."""
    return [(now - timedelta(days=n)).strftime("%Y-%m-%d") for n in range(days - 1, -1, -1)]
