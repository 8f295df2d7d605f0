"""Who asked to be told about a title ("Notify me")."""

from __future__ import annotations

import functools
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, delete, select

from storage.sql import Db, dialect_insert
from storage.tables import watchers_t

_w = watchers_t.c
_USER_IDS = select(_w.user_id).where(_w.media_id == bindparam("media_id")).order_by(_w.id)
_CLEAR = delete(watchers_t).where(_w.media_id == bindparam("media_id"))


@functools.cache
def _add_statement(dialect: str) -> Any:
    insert = dialect_insert(dialect)
    return insert(watchers_t).on_conflict_do_nothing(index_elements=[_w.media_id, _w.user_id])


class SqlWatcherRepository:
    """core.request_repositories.WatcherRepository on SQL."""

    __slots__ = ("_db",)

    def __init__(self, db: Db) -> None:
        self._db = db

    async def add(self, user_id: int, media_id: int, now: datetime) -> bool:
        """Subscribe; one INSERT that does nothing when the pair exists."""
        params = {"user_id": user_id, "media_id": media_id, "created_at": now}
        result = await self._db.execute(_add_statement(self._db.conn.dialect.name), params)
        return result.rowcount == 1

    async def user_ids(self, media_id: int) -> list[int]:
        """The subscribers of a title, in the order they subscribed."""
        return [row[0] for row in await self._db.all(_USER_IDS, {"media_id": media_id})]

    async def clear(self, media_id: int) -> None:
        """Forget every subscription to a title."""
        await self._db.execute(_CLEAR, {"media_id": media_id})
