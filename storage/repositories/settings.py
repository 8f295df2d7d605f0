"""Plain key/value settings, and a small cache for reads that accept a bounded age."""

from __future__ import annotations

import functools
import time
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, select

from storage.sql import Db, dialect_insert
from storage.tables import settings_t

_GET = select(settings_t.c.value).where(settings_t.c.key == bindparam("key"))


@functools.cache
def _set_statement(dialect: str) -> Any:
    insert = dialect_insert(dialect)
    statement = insert(settings_t)
    return statement.on_conflict_do_update(
        index_elements=[settings_t.c.key],
        set_={"value": statement.excluded.value, "updated_at": statement.excluded.updated_at},
    )


@functools.cache
def _set_default_statement(dialect: str) -> Any:
    insert = dialect_insert(dialect)
    return insert(settings_t).on_conflict_do_nothing(index_elements=[settings_t.c.key])


class SettingsCache:
    """Settings as last read, shared by one factory's units of work.

    A unit that changes a key evicts it when it ends, so this process never serves a value
    it has replaced. Each eviction bumps a generation: a unit that began before one does
    not store what it read, since its snapshot may predate the change.
    """

    __slots__ = ("_generation", "_values")

    def __init__(self) -> None:
        self._values: dict[str, tuple[float, str | None]] = {}
        self._generation = 0

    @property
    def generation(self) -> int:
        return self._generation

    def lookup(self, key: str, max_age: timedelta) -> tuple[bool, str | None]:
        """(True, value) if ``key`` was read at most ``max_age`` ago, else (False, None)."""
        found = self._values.get(key)
        if found is None or time.monotonic() - found[0] > max_age.total_seconds():
            return False, None
        return True, found[1]

    def store(self, key: str, value: str | None, generation: int) -> None:
        """Keep a value read by a unit that began at ``generation``, if nothing changed since."""
        if generation == self._generation:
            self._values[key] = (time.monotonic(), value)

    def evict(self, keys: Iterable[str]) -> None:
        """Forget ``keys`` (changed by a unit of work that is ending)."""
        self._generation += 1
        for key in keys:
            self._values.pop(key, None)


class SqlSettingsRepository:
    """core.state_repositories.SettingsRepository on SQL."""

    __slots__ = ("_cache", "_db", "_generation", "written")

    def __init__(self, db: Db, cache: SettingsCache) -> None:
        self._db = db
        self._cache = cache
        self._generation = cache.generation
        self.written: set[str] = set()  # keys this unit changed: the cache drops them at its end

    async def get(self, key: str, *, max_age: timedelta | None = None) -> str | None:
        """The value stored under ``key``, or None; with ``max_age``, perhaps from the cache."""
        if max_age is None or key in self.written:
            return await self._read(key)
        hit, value = self._cache.lookup(key, max_age)
        if not hit:
            value = await self._read(key)
            self._cache.store(key, value, self._generation)
        return value

    async def set(self, key: str, value: str, now: datetime) -> None:
        """Store ``value`` under ``key``, replacing any."""
        self.written.add(key)
        params = {"key": key, "value": value, "updated_at": now}
        await self._db.execute(_set_statement(self._db.conn.dialect.name), params)

    async def set_default(self, key: str, value: str, now: datetime) -> str:
        """Insert ``value`` unless ``key`` has one, then read what is stored. On PostgreSQL a
        concurrent insert of the same key makes this one wait for it, and the read (a new
        snapshot under READ COMMITTED) sees its value; SQLite serialises the writers."""
        self.written.add(key)
        params = {"key": key, "value": value, "updated_at": now}
        await self._db.execute(_set_default_statement(self._db.conn.dialect.name), params)
        stored = await self._read(key)
        if stored is None:  # pragma: no cover - the row was just inserted or was there
            raise RuntimeError(f"setting {key!r} vanished while being set")
        return stored

    async def _read(self, key: str) -> str | None:
        value: str | None = await self._db.scalar(_GET, {"key": key})
        return value
