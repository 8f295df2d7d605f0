"""Fixtures for tests that need a real database: a SQLite file in tmp_path, and PostgreSQL
when TEST_DATABASE_URL is set (e.g. postgresql+asyncpg://postgres@127.0.0.1:5432/test).

Each PostgreSQL test gets a schema of its own (dropped afterwards) through the search_path
of every connection of its engine, so tests never see each other's rows. Under pytest-xdist
each worker works in a database of its own beside that one (``test_gw0``, ..., created when
first needed and kept for the next run): the migration's advisory lock is per database, so
workers do not queue for each other's migrations.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, make_url, text
from sqlalchemy.ext.asyncio import AsyncEngine

from storage import SqlUnitOfWorkFactory, create_engine
from storage.migrate import upgrade_engine

POSTGRES_URL = os.environ.get("TEST_DATABASE_URL", "")
NO_POSTGRES = "PostgreSQL tests need TEST_DATABASE_URL, e.g. postgresql+asyncpg://postgres@127.0.0.1:5432/test"


@dataclass(frozen=True, slots=True)
class Storage:
    """A migrated database: its URL, an engine on it and a unit-of-work factory."""

    url: str
    engine: AsyncEngine
    uow: SqlUnitOfWorkFactory

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"


def sqlite_url(folder: Path) -> str:
    """A SQLite URL for a file (in a folder that does not exist yet) under ``folder``."""
    return f"sqlite+aiosqlite:///{folder / 'data' / 'requestbot.db'}"


@pytest.fixture(
    params=[
        pytest.param("sqlite", id="sqlite"),
        pytest.param("postgresql", id="postgresql", marks=pytest.mark.postgres),
    ]
)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The URL of an empty database: a SQLite file, then PostgreSQL (skipped without
    TEST_DATABASE_URL). A PostgreSQL URL is shared: use open_storage to get a schema."""
    if request.param == "sqlite":
        return sqlite_url(tmp_path)
    url: str = request.getfixturevalue("postgres_url")
    return url


@pytest.fixture(scope="session")
def postgres_url() -> str:
    """TEST_DATABASE_URL, or under pytest-xdist this worker's database beside it."""
    if not POSTGRES_URL:
        pytest.skip(NO_POSTGRES)
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not worker:
        return POSTGRES_URL
    shared = make_url(POSTGRES_URL)
    own = shared.set(database=f"{shared.database}_{worker}")
    # In a thread of its own: an async fixture may ask for this one inside its event loop.
    with ThreadPoolExecutor(1) as thread:
        thread.submit(asyncio.run, _create_database(POSTGRES_URL, str(own.database))).result()
    return own.render_as_string(hide_password=False)


async def _create_database(url: str, name: str) -> None:
    """Create database ``name`` through a connection to ``url`` unless it exists."""
    engine = create_engine(url)
    try:
        async with engine.execution_options(isolation_level="AUTOCOMMIT").connect() as conn:
            found = await conn.scalar(
                text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}
            )
            if not found:
                await conn.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        await engine.dispose()


@asynccontextmanager
async def open_storage(url: str, *, migrate: bool = True, **options: Any) -> AsyncIterator[Storage]:
    """An engine (migrated unless ``migrate`` is False) on ``url``; on PostgreSQL inside a
    fresh schema that is dropped on the way out. ``options`` go to create_engine."""
    engine = create_engine(url, **options)
    schema = None
    if engine.dialect.name == "postgresql":
        schema = f"test_{uuid.uuid4().hex[:16]}"
        async with engine.connect() as conn:
            await conn.execute(text(f'CREATE SCHEMA "{schema}"'))
            await conn.commit()
        await engine.dispose()
        event.listen(engine.sync_engine, "connect", search_path_setter(schema))
    try:
        if migrate:
            await upgrade_engine(engine)
        yield Storage(url, engine, SqlUnitOfWorkFactory(engine))
    finally:
        if schema is not None:
            await engine.dispose()
            async with engine.connect() as conn:
                await conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
                await conn.commit()
        await engine.dispose()


@pytest.fixture
async def storage(database_url: str) -> AsyncIterator[Storage]:
    """A migrated database (SQLite file, then PostgreSQL schema) with its uow factory."""
    async with open_storage(database_url) as opened:
        yield opened


def search_path_setter(schema: str) -> Any:
    """A "connect" listener that puts every new PostgreSQL connection in ``schema``."""

    def set_search_path(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute(f'SET search_path TO "{schema}"')
        cursor.close()
        dbapi_connection.commit()  # a SET in a transaction that is rolled back is undone

    return set_search_path
