"""An aiosqlite dialect that runs each statement in one hop to the connection's thread.

aiosqlite runs every sqlite3 call on a thread of its own, and SQLAlchemy's stock adapter
makes three or four such calls per statement (open cursor, execute, fetch, close), each a
round trip between the event loop and that thread. Here the whole statement runs in one
function on the thread. ``BEGIN`` is deferred and sent with the first statement, so a
transaction that executes nothing costs no hop at all; the dialect itself defers it (no
"begin" listener), so statements run without SQLAlchemy's per-statement event dispatch.
``OneHopConnection.on_its_thread`` goes further: it runs a whole function on the thread,
and the statements, commit and rollback that function makes there run directly, without
any further hop.

It relies on two internals that the stock SQLAlchemy dialect relies on as well: aiosqlite's
``Connection._execute`` (queue a function on the connection's thread) and SQLAlchemy's
asyncio cursor adapter. Both packages are pinned; tests/test_storage.py covers this path.
"""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from collections import deque
from collections.abc import Callable, Mapping
from functools import partial
from typing import Any, TypeVar

from sqlalchemy import event
from sqlalchemy.connectors.asyncio import AsyncAdapt_dbapi_connection
from sqlalchemy.dialects import registry
from sqlalchemy.dialects.sqlite.aiosqlite import (
    AsyncAdapt_aiosqlite_connection,
    AsyncAdapt_aiosqlite_cursor,
    AsyncAdapt_aiosqlite_dbapi,
    SQLiteDialect_aiosqlite,
)
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.util import EMPTY_DICT
from sqlalchemy.util.concurrency import await_

DRIVER = "requestbot_aiosqlite"
WRITE = "requestbot_write"  # execution option: this connection's transactions write

T = TypeVar("T")

_Result = tuple[Any, list[Any], int, int | None]


def _run(conn: sqlite3.Connection, begin: str | None, sql: str, params: Any, many: bool) -> _Result:
    """Runs on the connection's thread: the pending BEGIN, the statement and its fetch."""
    if begin is not None:
        conn.execute(begin)
    cursor = conn.cursor()
    try:
        if many:
            cursor.executemany(sql, params)
        else:
            cursor.execute(sql, params if params is not None else ())
        description = cursor.description
        rows = cursor.fetchall() if description else []
        return description, rows, cursor.rowcount, cursor.lastrowid
    finally:
        cursor.close()


class OneHopCursor(AsyncAdapt_aiosqlite_cursor):
    """A buffered cursor whose execute (with its fetch) is a single call on the thread."""

    __slots__ = ("_description", "_lastrowid", "_rowcount")

    def __init__(self, adapt_connection: AsyncAdapt_dbapi_connection) -> None:
        # No sqlite3 cursor is opened here: _run opens and closes one on the thread.
        self._adapt_connection = adapt_connection
        self._connection = adapt_connection._connection
        self._soft_closed_memoized = EMPTY_DICT
        self._rows = deque()
        self._description: Any = None
        self._rowcount = -1
        self._lastrowid: int | None = None

    @property
    def description(self) -> Any:
        return self._description

    @property
    def rowcount(self) -> int:
        return self._rowcount

    @property
    def lastrowid(self) -> int:
        return self._lastrowid  # type: ignore[return-value]

    async def _async_soft_close(self) -> None:
        return None

    def close(self) -> None:
        self._rows.clear()

    def execute(self, operation: Any, parameters: Any = None) -> Any:
        if not self._adapt_connection.here:  # type: ignore[attr-defined]
            return super().execute(operation, parameters)
        self._direct(operation, parameters, many=False)
        return None

    def executemany(self, operation: Any, seq_of_parameters: Any) -> Any:
        if not self._adapt_connection.here:  # type: ignore[attr-defined]
            return super().executemany(operation, seq_of_parameters)
        self._direct(operation, seq_of_parameters, many=True)
        return None

    def _direct(self, operation: str, parameters: Any, many: bool) -> None:
        """On the connection's thread already: run the statement right here."""
        adapt = self._adapt_connection
        assert isinstance(adapt, OneHopConnection)
        adapt.check_wanted()
        begin = adapt.take_begin()
        self._keep(_run(self._connection._conn, begin, operation, parameters, many))

    def _keep(self, result: _Result) -> None:
        self._description, rows, self._rowcount, self._lastrowid = result
        self._rows = deque(rows)

    async def _execute_async(self, operation: Any, parameters: Any) -> Any:
        return await self._hop(operation, parameters, many=False)

    async def _executemany_async(self, operation: Any, seq_of_parameters: Any) -> Any:
        return await self._hop(operation, seq_of_parameters, many=True)

    async def _hop(self, operation: str, parameters: Any, *, many: bool) -> None:
        adapt = self._adapt_connection
        assert isinstance(adapt, OneHopConnection)
        async with adapt._execute_mutex:
            begin = adapt.take_begin()
            driver = self._connection
            result: _Result = await driver._execute(
                partial(_run, driver._conn, begin, operation, parameters, many)
            )
        self._keep(result)


class OneHopConnection(AsyncAdapt_aiosqlite_connection):
    """The DBAPI connection adapter, with a BEGIN that waits for the first statement."""

    __slots__ = ("_abandoned", "_begin", "_here", "_next_begin")

    _cursor_cls = OneHopCursor

    def __init__(self, dbapi: Any, connection: Any) -> None:
        super().__init__(dbapi, connection)
        self._begin: str | None = None
        self._next_begin = "BEGIN"
        self._here: int | None = None  # the thread running on_its_thread's function
        self._abandoned = False

    @property
    def here(self) -> bool:
        """Whether the caller runs inside on_its_thread, on the connection's thread."""
        return self._here == threading.get_ident()

    async def on_its_thread(self, fn: Callable[[], T]) -> T:
        """Run ``fn`` on the connection's thread, in one hop: what it executes on this
        connection there (statements, commit, rollback) runs directly, with no further hop.
        The caller holds the connection (it is checked out), so nothing else uses it
        meanwhile."""

        def here() -> T:
            self._here = threading.get_ident()
            try:
                return fn()
            finally:
                self._here = None

        async with self._execute_mutex:
            self._abandoned = False
            try:
                result: T = await self._connection._execute(here)
            except asyncio.CancelledError:
                # ``fn`` goes on, but its next statement or commit fails: cancelled, the
                # transaction rolls back, as it does when cancelled between two hops.
                self._abandoned = True
                raise
            return result

    def check_wanted(self) -> None:
        """On the thread: raise if the caller of on_its_thread has been cancelled."""
        if self._abandoned:
            raise sqlite3.OperationalError("the transaction was cancelled")

    def begin_immediately(self) -> None:
        """Begin the next transaction with BEGIN IMMEDIATE (it writes)."""
        self._next_begin = "BEGIN IMMEDIATE"

    def defer_begin(self) -> None:
        """Send the BEGIN together with the next statement."""
        self._begin, self._next_begin = self._next_begin, "BEGIN"

    def take_begin(self) -> str | None:
        """The pending BEGIN, if any, now to be sent."""
        begin, self._begin = self._begin, None
        return begin

    def commit(self) -> None:
        if self.take_begin() is not None:
            return
        if self.here:
            self.check_wanted()
            self._connection._conn.commit()
        else:
            super().commit()

    def rollback(self) -> None:
        if self.take_begin() is not None:
            return
        if self.here:
            self._connection._conn.rollback()
        else:
            super().rollback()


class OneHopDBAPI(AsyncAdapt_aiosqlite_dbapi):
    def connect(self, *arg: Any, **kw: Any) -> OneHopConnection:
        connection = self.aiosqlite.connect(*arg, **kw)
        connection._thread.daemon = True  # as the stock dialect does: never block exit
        return OneHopConnection(self, await_(connection))


def _begin_immediately(conn: Connection) -> None:
    conn.connection.dbapi_connection.begin_immediately()  # type: ignore[union-attr]


class OneHopDialect(SQLiteDialect_aiosqlite):
    driver = DRIVER
    supports_statement_cache = True
    supports_server_side_cursors = False

    def do_begin(self, dbapi_connection: Any) -> None:
        dbapi_connection.dbapi_connection.defer_begin()

    def set_engine_execution_options(self, engine: Engine, opts: Mapping[str, Any]) -> None:
        """An engine with the WRITE option begins its transactions with BEGIN IMMEDIATE
        (units of work tell their connection themselves: see storage.uow)."""
        super().set_engine_execution_options(engine, opts)
        if opts.get(WRITE):
            event.listen(engine, "begin", _begin_immediately)

    @classmethod
    def import_dbapi(cls) -> OneHopDBAPI:
        import aiosqlite

        return OneHopDBAPI(aiosqlite, sqlite3)


registry.register(f"sqlite.{DRIVER}", __name__, "OneHopDialect")
