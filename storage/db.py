"""The async engine: SQLite through aiosqlite, PostgreSQL through asyncpg.

SQLite gets WAL, foreign keys, a 30 s busy timeout, synchronous=NORMAL and a Unicode-aware
lower() (storage.sql.lowered) on every connection, and SQLAlchemy takes over transaction
control from sqlite3 (the documented recipe: ``isolation_level=None`` and our own BEGIN).
Write transactions start with ``BEGIN IMMEDIATE`` so that they take the file's write lock up
front: another process writing is waited for (busy timeout) and a read-then-write
transaction never fails on upgrading its lock. Writers in this process queue on one
asyncio.Lock per engine instead of on SQLite's busy handler.

The pool keeps a few connections open for good and lends nothing beyond them: aiosqlite runs
each connection on a thread of its own, so an overflow connection opened and closed per use
costs a thread start and the PRAGMAs every time, and more threads only contend for the GIL.
SQLite has one writer at a time anyway (the lock above, taken before a connection is checked
out); the others are readers, and a burst of them waits its turn for a pooled connection.
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import URL, Connection, Engine, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from storage import sqlite_driver
from storage.sql import SQLITE_LOWER, unicode_lower

log = logging.getLogger(__name__)

WRITE = sqlite_driver.WRITE  # execution option: this connection's transactions write
BUSY_TIMEOUT_MS = 30_000
# One writer and three readers: 50 concurrent reads finish sooner through 4 threads than
# through 15 (measured on 2 cores), and queueing for one costs less than opening one.
SQLITE_POOL_SIZE = 4
SQLITE_PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    "PRAGMA foreign_keys=ON",
    f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}",
    "PRAGMA synchronous=NORMAL",
)

_write_locks: weakref.WeakKeyDictionary[Engine, asyncio.Lock] = weakref.WeakKeyDictionary()


def create_engine(url: str | URL, *, one_hop: bool = True, echo: bool = False) -> AsyncEngine:
    """An engine for ``sqlite+aiosqlite:///path`` or ``postgresql+asyncpg://...``.

    ``one_hop`` (SQLite only) uses storage.sqlite_driver, which runs each statement in one
    trip to aiosqlite's thread instead of three or four.
    """
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        return _sqlite_engine(parsed, one_hop=one_hop, echo=echo)
    if backend == "postgresql":
        # Every unit of work ends with COMMIT or ROLLBACK itself: no reset on check-in.
        return create_async_engine(parsed, echo=echo, pool_reset_on_return=None)
    raise ValueError(f"unsupported database URL {parsed.render_as_string(hide_password=True)}")


def is_sqlite(engine: AsyncEngine) -> bool:
    """Whether the engine talks to SQLite."""
    return engine.dialect.name == "sqlite"


def write_lock(engine: AsyncEngine) -> asyncio.Lock | None:
    """The in-process lock write transactions on this SQLite engine take (None elsewhere)."""
    if not is_sqlite(engine):
        return None
    key = engine.sync_engine
    lock = _write_locks.get(key)
    if lock is None:
        lock = _write_locks[key] = asyncio.Lock()
    return lock


def _sqlite_engine(url: URL, *, one_hop: bool, echo: bool) -> AsyncEngine:
    database = url.database or ""
    if not database or database == ":memory:" or database.startswith("file:"):
        raise ValueError("SQLite needs a file path: sqlite+aiosqlite:///path/to/file.db")
    Path(database).parent.mkdir(parents=True, exist_ok=True)
    if one_hop:
        url = url.set(drivername=f"sqlite+{sqlite_driver.DRIVER}")
    engine = create_async_engine(
        url,
        echo=echo,
        pool_reset_on_return=None,
        pool_size=SQLITE_POOL_SIZE,
        max_overflow=0,
        # isolation_level=None: sqlite3 sends no BEGIN of its own; _begin below does.
        connect_args={"isolation_level": None, "timeout": BUSY_TIMEOUT_MS / 1000},
    )
    event.listen(engine.sync_engine, "connect", _on_sqlite_connect)
    if not one_hop:  # the one-hop dialect begins on its own (sqlite_driver.OneHopDialect)
        event.listen(engine.sync_engine, "begin", _on_sqlite_begin)
    return engine


def _on_sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.create_function(SQLITE_LOWER, 1, unicode_lower, deterministic=True)
    cursor = dbapi_connection.cursor()
    try:
        for pragma in SQLITE_PRAGMAS:
            cursor.execute(pragma)
    finally:
        cursor.close()


def _on_sqlite_begin(conn: Connection) -> None:
    write = conn.get_execution_options().get(WRITE, False)
    conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")
