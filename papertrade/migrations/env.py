"""Alembic environment, configured from code (see `papertrade.db.alembic_config`)."""

from alembic import context
from sqlalchemy import Engine, create_engine

from papertrade.models import Base

config = context.config
target_metadata = Base.metadata


def _run(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    context.configure(url=config.get_main_option("sqlalchemy.url"), literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()
elif isinstance(config.attributes.get("connection"), Engine):  # pytest-alembic hands over an engine
    with config.attributes["connection"].begin() as connection:
        _run(connection)
elif config.attributes.get("connection") is not None:
    _run(config.attributes["connection"])
else:
    engine = create_engine(config.get_main_option("sqlalchemy.url"))
    with engine.begin() as connection:
        _run(connection)
    engine.dispose()
