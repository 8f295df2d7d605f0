"""Schema migrations: bring a database to the newest schema, and say where it stands."""

from __future__ import annotations

import logging
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.db import WRITE, create_engine

log = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).with_name("migrations")
# Any constant: PostgreSQL processes starting together migrate one after the other.
_PG_LOCK_KEY = 0x7265_7162  # "reqb"


def alembic_config() -> Config:
    """Alembic's configuration, in code: no ini file needed."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def head_revision() -> str | None:
    """The newest revision this version of the code knows."""
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


async def upgrade(url: str, revision: str = "head") -> str | None:
    """Migrate the database at ``url`` to ``revision`` (the newest by default); returns the
    revision it is at afterwards, read through the same engine."""
    engine = create_engine(url)
    try:
        await upgrade_engine(engine, revision)
        return await current_revision_of(engine)
    finally:
        await engine.dispose()


async def upgrade_engine(engine: AsyncEngine, revision: str = "head") -> None:
    """Migrate through an existing engine, in one transaction (a write one on SQLite)."""
    async with engine.execution_options(**{WRITE: True}).connect() as conn, conn.begin():
        if conn.dialect.name == "postgresql":
            await conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_LOCK_KEY})
        await conn.run_sync(_upgrade, revision)


async def current_revision(url: str) -> str | None:
    """The revision the database at ``url`` is at (None: not migrated yet)."""
    engine = create_engine(url)
    try:
        return await current_revision_of(engine)
    finally:
        await engine.dispose()


async def current_revision_of(engine: AsyncEngine) -> str | None:
    """The revision of the database behind ``engine``."""
    async with engine.connect() as conn:
        return await conn.run_sync(_current)


def _upgrade(conn: Connection, revision: str) -> None:
    config = alembic_config()
    config.attributes["connection"] = conn
    before = _current(conn)
    command.upgrade(config, revision)
    after = _current(conn)
    if after != before:
        log.info("database migrated from %s to %s", before or "empty", after)


def _current(conn: Connection) -> str | None:
    return MigrationContext.configure(conn).get_current_revision()
