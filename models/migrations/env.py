"""Alembic environment: runs on the connection clipper.store.engine hands over (or on a URL)."""

from alembic import context
from sqlalchemy import create_engine

from models import Base

config = context.config
target_metadata = Base.metadata


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    # Stand-alone `alembic` use: the URL comes from the config (clipper sets it).
    engine = create_engine(config.get_main_option("sqlalchemy.url") or "")
    with engine.begin() as conn:
        _run(conn)


def _run(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        # SQLite cannot ALTER most things: batch mode recreates tables instead.
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        # All migrations of an upgrade in the one transaction clipper.store.engine opened
        # (with BEGIN on SQLite, whose DDL the driver would commit statement by statement):
        # a first setup killed midway leaves an empty database, never tables without a
        # recorded revision.
        transaction_per_migration=False,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    raise SystemExit("clipper migrations run online only: use `clipper db upgrade`")
run_migrations_online()
