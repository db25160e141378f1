"""The migrations, checked by pytest-alembic on SQLite (and PostgreSQL with
PAPERTRADE_TEST_DATABASE_URL, as .ci/run does): one head, upgrade from empty, models match the
migrations, every step downgrades and upgrades again; and rows written at every revision are
still there, unchanged, at head."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime

import pytest
from alembic.script import ScriptDirectory
from pytest_alembic.tests import (
    test_model_definitions_match_ddl,
    test_single_head_revision,
    test_up_down_consistency,
    test_upgrade,
)
from sqlalchemy import Boolean, Date, DateTime, Engine, Integer, MetaData, String, create_engine, select

from papertrade import db

pytestmark = pytest.mark.unit
__all__ = [
    "test_model_definitions_match_ddl",
    "test_single_head_revision",
    "test_up_down_consistency",
    "test_upgrade",
]
REVISIONS = [
    script.revision
    for script in reversed(list(ScriptDirectory.from_config(db.alembic_config("sqlite://")).walk_revisions()))
]


@pytest.fixture
def alembic_config():
    return db.alembic_config("sqlite://")  # the URL is unused: the tests hand alembic a connection


@pytest.fixture
def alembic_engine(new_database_url) -> Iterator[Engine]:
    engine = create_engine(new_database_url())
    yield engine
    engine.dispose()


def sample_value(column, serial: int):
    """A value of the column's type, distinct per table, within its length."""
    kind = column.type
    if isinstance(kind, Boolean):
        return True
    if isinstance(kind, Integer):
        return 1000 + serial
    if isinstance(kind, DateTime):
        return datetime(2024, 6, 1, 12, 30, serial % 60)
    if isinstance(kind, Date):
        return date(2024, 6, 1 + serial % 28)
    if isinstance(kind, String):
        return f"{column.name}-{serial}"[: kind.length or 64]
    raise AssertionError(f"no sample value for {column.table.name}.{column.name} of type {kind!r}")


def write_one_row_per_table(connection) -> dict[str, dict]:
    """One row in every table the schema has now, foreign keys pointing at the rows written before."""
    metadata = MetaData()
    metadata.reflect(connection)
    written: dict[str, dict] = {}
    for serial, table in enumerate(metadata.sorted_tables):
        if table.name == "alembic_version":
            continue
        row = {}
        for column in table.columns:
            references = [key.column for key in column.foreign_keys if key.column.table.name in written]
            row[column.name] = (
                written[references[0].table.name][references[0].name]
                if references
                else sample_value(column, serial)
            )
        connection.execute(table.insert().values(row))
        written[table.name] = row
    return written


@pytest.mark.parametrize("revision", REVISIONS, ids=REVISIONS)
def test_rows_written_at_a_revision_are_intact_at_head(alembic_runner, alembic_engine, revision):
    alembic_runner.migrate_up_to(revision)
    with alembic_engine.begin() as connection:
        written = write_one_row_per_table(connection)

    alembic_runner.migrate_up_to("heads")

    metadata = MetaData()
    metadata.reflect(alembic_engine)
    with alembic_engine.connect() as connection:
        for name, row in written.items():
            assert name in metadata.tables, f"table {name} written at {revision} is gone at head"
            table = metadata.tables[name]
            found = connection.execute(select(*(table.c[column] for column in row))).mappings().all()
            assert [dict(found_row) for found_row in found] == [row], (
                f"{name} changed between {revision} and head"
            )
