"""SQL helpers shared by the repositories: one connection wrapper that turns lost races
into core.errors.Conflict, a JSON aggregate that lets one query carry child rows, a
Unicode-aware lower(), and the dialect's own INSERT for upserts."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Mapping, Sequence
from typing import Any, NoReturn

from sqlalchemy import Boolean, Executable, Text
from sqlalchemy.engine import CursorResult, Row
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

from core.errors import Conflict
from storage.sqlite_driver import OneHopConnection

# PostgreSQL: unique_violation, serialization_failure, deadlock_detected.
_PG_CONFLICTS = frozenset({"23505", "40001", "40P01"})
_SQLITE_CONFLICTS = frozenset({"SQLITE_CONSTRAINT_UNIQUE", "SQLITE_CONSTRAINT_PRIMARYKEY"})

Params = Mapping[str, Any] | Sequence[Mapping[str, Any]] | None


def is_conflict(exc: DBAPIError) -> bool:
    """Whether a database error means "another transaction won": retrying can succeed."""
    orig = exc.orig
    if isinstance(orig, sqlite3.IntegrityError):
        return getattr(orig, "sqlite_errorname", "") in _SQLITE_CONFLICTS
    return getattr(orig, "sqlstate", None) in _PG_CONFLICTS


def raise_translated(exc: DBAPIError) -> NoReturn:
    """Re-raise ``exc`` as Conflict when it is one, else as it is."""
    if is_conflict(exc):
        raise Conflict(str(exc.orig)) from exc
    raise exc


class Db:
    """The unit of work's connection as the repositories see it.

    ``hop`` is the SQLite connection beneath, when the unit of work may run on its thread
    (storage.sqlite_driver): there, statements run synchronously, with no hop and no
    greenlet switch, although the repositories still await them.
    """

    __slots__ = ("conn", "hop", "no_active_requests", "postgres")

    def __init__(self, conn: AsyncConnection, hop: OneHopConnection | None = None) -> None:
        self.conn = conn
        self.hop = hop
        self.postgres = conn.dialect.name == "postgresql"
        # (media id, 4K) that this transaction has seen to have no active requests, until
        # it writes requests itself (SQLite: no other writer can meanwhile).
        self.no_active_requests: set[tuple[int, bool]] = set()

    async def execute(self, statement: Executable, params: Params = None) -> CursorResult[Any]:
        """Run one statement; unique violations and serialization failures become Conflict."""
        try:
            if self.hop is not None and self.hop.here:
                return self.conn.sync_connection.execute(statement, params)  # type: ignore[union-attr]
            return await self.conn.execute(statement, params)
        except DBAPIError as exc:
            raise_translated(exc)

    async def first(self, statement: Executable, params: Params = None) -> Row[Any] | None:
        """The first row of a query, or None."""
        return (await self.execute(statement, params)).first()

    async def all(self, statement: Executable, params: Params = None) -> Sequence[Row[Any]]:
        """Every row of a query."""
        return (await self.execute(statement, params)).all()

    async def scalar(self, statement: Executable, params: Params = None) -> Any:
        """The first column of the first row, or None."""
        return (await self.execute(statement, params)).scalar()


class json_rows(FunctionElement[str]):
    """Aggregate: the given columns of every row as a JSON array of arrays ('[]' if none).

    Used in correlated subqueries so that a parent row comes with its children in one query.
    """

    type = Text()
    name = "json_rows"
    inherit_cache = True


@compiles(json_rows, "sqlite")
def _json_rows_sqlite(element: json_rows, compiler: SQLCompiler, **kw: Any) -> str:
    return f"json_group_array(json_array({compiler.process(element.clauses, **kw)}))"


@compiles(json_rows, "postgresql")
def _json_rows_postgresql(element: json_rows, compiler: SQLCompiler, **kw: Any) -> str:
    args = compiler.process(element.clauses, **kw)
    return f"coalesce(json_agg(json_build_array({args}))::text, '[]')"


# SQLite's own lower() (and LIKE's case folding) knows only ASCII: "AMÉLIE" stays "amÉlie".
# Its connections get Python's str.lower under this name (storage.db); PostgreSQL's lower()
# follows the database's locale (Unicode under any UTF-8 one, ASCII only under "C").
SQLITE_LOWER = "unicode_lower"


def unicode_lower(value: str | None) -> str | None:
    """SQLite's ``unicode_lower(x)``."""
    return None if value is None else value.lower()


class lowered(FunctionElement[str]):
    """``lower(x)``, Unicode-aware on both databases: compare it with a pattern lowered by
    Python's str.lower."""

    type = Text()
    name = "lowered"
    inherit_cache = True


@compiles(lowered, "sqlite")
def _lowered_sqlite(element: lowered, compiler: SQLCompiler, **kw: Any) -> str:
    return f"{SQLITE_LOWER}({compiler.process(element.clauses, **kw)})"


@compiles(lowered, "postgresql")
def _lowered_postgresql(element: lowered, compiler: SQLCompiler, **kw: Any) -> str:
    return f"lower({compiler.process(element.clauses, **kw)})"


class lower_like(FunctionElement[bool]):
    """``lowered(x) LIKE pattern ESCAPE '/'``, the pattern lowered by str.lower. On SQLite
    a title of ASCII alone (as many bytes as characters) is matched by the built-in LIKE,
    whose ASCII case folding is then exact and which is several times faster than a call
    into Python for every row."""

    type = Boolean()
    name = "lower_like"
    inherit_cache = True


@compiles(lower_like, "sqlite")
def _lower_like_sqlite(element: lower_like, compiler: SQLCompiler, **kw: Any) -> str:
    value, pattern = (compiler.process(c, **kw) for c in element.clauses)
    return (
        f"CASE WHEN length({value}) = length(CAST({value} AS BLOB)) "
        f"THEN {value} LIKE {pattern} ESCAPE '/' "
        f"ELSE {SQLITE_LOWER}({value}) LIKE {pattern} ESCAPE '/' END"
    )


@compiles(lower_like, "postgresql")
def _lower_like_postgresql(element: lower_like, compiler: SQLCompiler, **kw: Any) -> str:
    value, pattern = (compiler.process(c, **kw) for c in element.clauses)
    return f"lower({value}) LIKE {pattern} ESCAPE '/'"


def like_pattern(text: str, *, prefix: bool = False) -> str:
    """A LIKE pattern (escape character "/") that finds ``text`` anywhere in a value (or at
    its start): the user's % and _ are escaped, not wildcards."""
    escaped = text.replace("/", "//").replace("%", "/%").replace("_", "/_")
    return f"{escaped}%" if prefix else f"%{escaped}%"


def dialect_insert(dialect: str) -> Any:
    """The ``insert`` with ON CONFLICT clauses of ``dialect`` (PostgreSQL's, else SQLite's),
    its module imported on first use: a SQLite database never loads PostgreSQL's dialect
    (about 2 MiB)."""
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as postgresql_insert

        return postgresql_insert
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    return sqlite_insert


def rows_of(value: str | None) -> list[list[Any]]:
    """Decode a json_rows value."""
    return json.loads(value) if value else []
