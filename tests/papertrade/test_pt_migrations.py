"""Alembic migrations from an empty database, and back."""

import pytest
from sqlalchemy import create_engine, inspect

from papertrade import db

pytestmark = pytest.mark.unit

TABLES = {
    "accounts",
    "instruments",
    "orders",
    "transactions",
    "positions",
    "watchlist",
    "notifications",
    "sessions",
}


def test_upgrade_from_empty_creates_every_table_and_index(new_database_url):
    url = new_database_url()

    db.upgrade(url)

    engine = create_engine(url)
    inspector = inspect(engine)
    assert set(inspector.get_table_names()) >= TABLES
    indexes = {
        table: {tuple(index["column_names"]) for index in inspector.get_indexes(table)}
        for table in ("orders", "transactions", "positions")
    }
    assert ("account_id", "status", "created_at") in indexes["orders"]
    assert ("account_id", "executed_at") in indexes["transactions"]
    assert ("account_id",) in indexes["positions"]
    uniques = {tuple(u["column_names"]) for u in inspector.get_unique_constraints("positions")}
    assert ("account_id", "symbol") in uniques
    engine.dispose()


def test_downgrade_removes_everything_and_upgrade_again_works(new_database_url):
    url = new_database_url()
    db.upgrade(url)

    db.downgrade(url)

    engine = create_engine(url)
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    engine.dispose()
    db.upgrade(url)
    engine = create_engine(url)
    assert set(inspect(engine).get_table_names()) >= TABLES
    engine.dispose()


def test_models_match_the_migration(new_database_url):
    """The ORM metadata and the migrated schema agree (autogenerate finds nothing to do)."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from papertrade.models import Base

    url = new_database_url()
    db.upgrade(url)
    engine = create_engine(url)
    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    engine.dispose()
    assert differences == []
