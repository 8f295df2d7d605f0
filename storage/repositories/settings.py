"""Plain key/value settings."""

from __future__ import annotations

import functools
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.dialects import postgresql, sqlite

from storage.sql import Db
from storage.tables import settings_t

_GET = select(settings_t.c.value).where(settings_t.c.key == bindparam("key"))


@functools.cache
def _set_statement(dialect: str) -> Any:
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(settings_t)
    return statement.on_conflict_do_update(
        index_elements=[settings_t.c.key],
        set_={"value": statement.excluded.value, "updated_at": statement.excluded.updated_at},
    )


class SqlSettingsRepository:
    """core.ports.SettingsRepository on SQL."""

    __slots__ = ("_db",)

    def __init__(self, db: Db) -> None:
        self._db = db

    async def get(self, key: str) -> str | None:
        """The value stored under ``key``, or None."""
        value: str | None = await self._db.scalar(_GET, {"key": key})
        return value

    async def set(self, key: str, value: str, now: datetime) -> None:
        """Store ``value`` under ``key``, replacing any."""
        params = {"key": key, "value": value, "updated_at": now}
        await self._db.execute(_set_statement(self._db.conn.dialect.name), params)
