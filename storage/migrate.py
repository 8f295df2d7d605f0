"""Schema migrations: bring a database to the newest schema, and say where it stands.

Alembic (and Mako behind it) is imported only when a migration has to run: a database
already at the newest revision is recognised with one plain query, against the head read
from the migration files themselves.
"""

from __future__ import annotations

import logging
import re
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.db import WRITE, create_engine

if TYPE_CHECKING:
    from alembic.config import Config

log = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).with_name("migrations")
VERSION_TABLE = "alembic_version"  # Alembic's default
# Any constant: PostgreSQL processes starting together migrate one after the other.
_PG_LOCK_KEY = 0x7265_7162  # "reqb"
_REVISION = re.compile(r"""^(down_revision|revision)\b[^=]*=\s*(None|["']([^"']+)["'])""", re.M)


def alembic_config() -> Config:
    """Alembic's configuration, in code: no ini file needed."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


@cache
def head_revision() -> str | None:
    """The newest revision this version of the code knows, read from the migration files
    (``revision = "..."`` and ``down_revision = ...``) without importing Alembic; None when
    the files do not make one straight line (Alembic is asked then)."""
    revisions: dict[str, str | None] = {}
    for path in sorted((MIGRATIONS / "versions").glob("*.py")):
        found = {m[0]: m[2] for m in _REVISION.findall(path.read_text(encoding="utf-8"))}
        if not found.get("revision") or "down_revision" not in found:
            return None
        revisions[found["revision"]] = found["down_revision"] or None
    heads = set(revisions) - set(revisions.values())
    return heads.pop() if len(heads) == 1 else None


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
    """Migrate through an existing engine, in one transaction (a write one on SQLite); a
    database already at the head is left alone without loading Alembic."""
    head = head_revision() if revision == "head" else None
    if head is not None and await current_revision_of(engine) == head:
        return
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
    from alembic import command

    config = alembic_config()
    config.attributes["connection"] = conn
    before = _current(conn)
    command.upgrade(config, revision)
    after = _current(conn)
    if after != before:
        log.info("database migrated from %s to %s", before or "empty", after)


def _current(conn: Connection) -> str | None:
    """What Alembic's version table says, read with plain SQL (None: no table, no row; with
    branches, which this project does not have, the first one)."""
    if not inspect(conn).has_table(VERSION_TABLE):
        return None
    rows = conn.execute(text(f"SELECT version_num FROM {VERSION_TABLE}")).scalars().all()  # noqa: S608
    return sorted(rows)[0] if rows else None
