"""Alembic environment: migrates gensim's task database (tables from `gensim.db.models`).

gensim passes an open connection in `config.attributes["connection"]` (see
`gensim.db.session.upgrade`); the `alembic` command line gets one from gensim's settings, or
from `sqlalchemy.url` when alembic.ini sets it.
"""

from __future__ import annotations

import logging.config

from alembic import context
from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlmodel import SQLModel

import gensim.db.models  # noqa: F401  (registers the tables on SQLModel.metadata)

config = context.config
target_metadata = SQLModel.metadata

# One arbitrary 64-bit key: concurrent `upgrade`s on PostgreSQL wait for each other.
_PG_MIGRATION_LOCK = 7_424_630_151_771_092_201

if config.config_file_name is not None and "connection" not in config.attributes:
    logging.config.fileConfig(config.config_file_name, disable_existing_loggers=False)


def _configure(**kwargs: object) -> None:
    context.configure(
        target_metadata=target_metadata,
        compare_type=True,
        **kwargs,  # type: ignore[arg-type]
    )


def run_offline() -> None:
    """Emit SQL to stdout (`alembic upgrade --sql`)."""
    from gensim.db.session import resolve_url

    url = resolve_url(config.get_main_option("sqlalchemy.url") or None)
    _configure(url=url, literal_binds=True, render_as_batch=url.startswith("sqlite"))
    with context.begin_transaction():
        context.run_migrations()


def _run(connection: Connection) -> None:
    sqlite = connection.dialect.name == "sqlite"
    # SQLite cannot ALTER most things: batch mode rebuilds the table instead. Its DDL is
    # transactional, and one transaction (begun IMMEDIATE by gensim) makes concurrent upgrades
    # of one file wait for each other instead of racing.
    _configure(
        connection=connection, render_as_batch=sqlite, transactional_ddl=True if sqlite else None
    )
    with context.begin_transaction():
        if connection.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_MIGRATION_LOCK})
        context.run_migrations()


def run_online() -> None:
    """Migrate through the given connection, or one to the configured database."""
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    from gensim.db.session import get_engine, migration_options

    engine = get_engine(config.get_main_option("sqlalchemy.url") or None)
    with engine.execution_options(**migration_options()).connect() as connection:
        _run(connection)


if context.is_offline_mode():
    run_offline()
else:
    run_online()
