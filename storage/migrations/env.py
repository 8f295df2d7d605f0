"""Alembic's environment: runs migrations on a connection that storage.migrate hands over,
or, from the alembic command line, on an async engine for ``-x url=...``."""

from __future__ import annotations

import asyncio
from logging.config import fileConfig

from alembic import context
from sqlalchemy.engine import Connection
from sqlmodel import SQLModel

import storage.tables  # noqa: F401 - registers the tables on SQLModel.metadata
from storage.db import WRITE, create_engine

config = context.config
if config.config_file_name is not None:  # the alembic command line
    fileConfig(config.config_file_name, disable_existing_loggers=False)
target_metadata = SQLModel.metadata


def run_migrations(connection: Connection) -> None:
    """Run the pending migrations on ``connection`` (batch mode on SQLite)."""
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def _url() -> str:
    url = context.get_x_argument(as_dictionary=True).get("url") or config.get_main_option(
        "sqlalchemy.url"
    )
    if not url:
        raise SystemExit("give the database: alembic -c storage/alembic.ini -x url=... <command>")
    return url


async def _run_online(url: str) -> None:
    engine = create_engine(url).execution_options(**{WRITE: True})
    try:
        async with engine.connect() as connection, connection.begin():
            await connection.run_sync(run_migrations)
    finally:
        await engine.dispose()


def run_offline(url: str) -> None:
    """Print the SQL instead of running it (``alembic upgrade --sql``)."""
    context.configure(
        url=url,
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=url.startswith("sqlite"),
    )
    with context.begin_transaction():
        context.run_migrations()


_connection = config.attributes.get("connection")
if context.is_offline_mode():
    run_offline(_url())
elif _connection is not None:
    run_migrations(_connection)
else:
    asyncio.run(_run_online(_url()))
