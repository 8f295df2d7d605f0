"""Each user's notification choices: one row per user who made any, a nullable mask column
per chat channel (NULL: not chosen)."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Row, bindparam, select

from core.notification_types import NotificationType
from core.preferences import CHANNELS, Preferences
from storage.sql import Db, dialect_insert
from storage.tables import notification_prefs_t

_p = notification_prefs_t.c
# The column of each channel's mask (core.preferences.CHANNELS, each a column).
COLUMNS = {channel: _p[f"{channel}_types"] for channel in CHANNELS}
_ROWS = select(_p.user_id, _p.private_cards, *COLUMNS.values())
_GET = _ROWS.where(_p.user_id == bindparam("user_id"))
_FOR_USERS = _ROWS.where(_p.user_id.in_(bindparam("user_ids", expanding=True)))


@functools.cache
def _upsert(dialect: str, column: str) -> Any:
    """Set one column of a user's row, creating the row (the rest unset) if it is missing."""
    insert = dialect_insert(dialect)
    statement = insert(notification_prefs_t)
    return statement.on_conflict_do_update(
        index_elements=[_p.user_id],
        set_={column: statement.excluded[column], "updated_at": statement.excluded.updated_at},
    )


def _prefs(row: Row[Any]) -> Preferences:
    user_id, private_cards, *masks = tuple(row)
    types = {
        channel: NotificationType(mask)
        for channel, mask in zip(CHANNELS, masks, strict=True)
        if mask is not None
    }
    return Preferences(user_id, types, bool(private_cards))


class SqlPreferenceRepository:
    """core.user_repositories.PreferenceRepository on SQL."""

    __slots__ = ("_db",)

    def __init__(self, db: Db) -> None:
        self._db = db

    async def get(self, user_id: int) -> Preferences:
        row = await self._db.first(_GET, {"user_id": user_id})
        return Preferences(user_id) if row is None else _prefs(row)

    async def for_users(self, user_ids: Sequence[int]) -> dict[int, Preferences]:
        """One SELECT ... IN for all of them; users without a row get the defaults."""
        found = {user_id: Preferences(user_id) for user_id in user_ids}
        if found:
            for row in await self._db.all(_FOR_USERS, {"user_ids": list(found)}):
                prefs = _prefs(row)
                found[prefs.user_id] = prefs
        return found

    async def set_types(
        self, user_id: int, channel: str, types: NotificationType, now: datetime
    ) -> None:
        column = COLUMNS[channel].name
        await self._set(user_id, column, int(types), now)

    async def set_private_cards(self, user_id: int, on: bool, now: datetime) -> None:
        await self._set(user_id, "private_cards", on, now)

    async def _set(self, user_id: int, column: str, value: object, now: datetime) -> None:
        statement = _upsert(self._db.conn.dialect.name, column)
        await self._db.execute(statement, {"user_id": user_id, column: value, "updated_at": now})
