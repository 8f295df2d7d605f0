"""The media server's user accounts, as last imported."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, delete, func, select
from sqlalchemy.dialects import postgresql, sqlite

from core.identity import ServerAccount
from storage.sql import Db
from storage.tables import media_server_accounts_t

_a = media_server_accounts_t.c
_SELECT = select(_a.server_id, _a.name, _a.is_admin, _a.disabled)
_ALL = _SELECT.order_by(func.lower(_a.name), _a.id)
_KEEP_ONLY = delete(media_server_accounts_t).where(
    _a.server_id.not_in(bindparam("ids", expanding=True))
)
_CLEAR = delete(media_server_accounts_t)


@functools.cache
def _upsert(dialect: str) -> Any:
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(media_server_accounts_t)
    new = statement.excluded
    return statement.on_conflict_do_update(
        index_elements=[_a.server_id],
        set_={
            "name": new.name,
            "is_admin": new.is_admin,
            "disabled": new.disabled,
            "updated_at": new.updated_at,
        },
    )


def fold(name: str) -> str:
    """A name as compared: spaces collapsed, case folded (also beyond ASCII)."""
    return " ".join(name.split()).casefold()


def _account(row: Sequence[Any]) -> ServerAccount:
    server_id, name, is_admin, disabled = tuple(row)
    return ServerAccount(server_id, name, bool(is_admin), bool(disabled))


class SqlAccountRepository:
    """core.user_repositories.AccountRepository on SQL."""

    __slots__ = ("_db",)

    def __init__(self, db: Db) -> None:
        self._db = db

    async def replace(self, accounts: Sequence[ServerAccount], now: datetime) -> None:
        """Upsert ``accounts`` and delete every other stored one."""
        if not accounts:
            await self._db.execute(_CLEAR)
            return
        await self._db.execute(_KEEP_ONLY, {"ids": [a.server_id for a in accounts]})
        rows = [
            {
                "server_id": a.server_id,
                "name": a.name,
                "is_admin": a.is_admin,
                "disabled": a.disabled,
                "updated_at": now,
            }
            for a in accounts
        ]
        await self._db.execute(_upsert(self._db.conn.dialect.name), rows)

    async def by_name(self, name: str) -> ServerAccount | None:
        """The account called ``name``, in any case (compared in Python: SQLite's lower()
        folds ASCII letters only, and a household has few accounts)."""
        wanted = fold(name)
        return next((a for a in await self.all() if fold(a.name) == wanted), None)

    async def all(self) -> list[ServerAccount]:
        """Every account, by name."""
        return [_account(row) for row in await self._db.all(_ALL)]
