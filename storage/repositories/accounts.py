"""The media server's accounts as users: one statement reads the users who are accounts,
then one inserts the new ones and one updates the changed ones, however many there are."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, insert, or_, select, update

from core.identity import ServerAccount
from core.permissions import Permission
from core.user_repositories import AccountSync
from storage.sql import Db
from storage.tables import users_t

MAX_NAME = 64  # as a display name typed in a chat (core.users)

_u = users_t.c
_ACCOUNT_USERS = select(
    _u.id, _u.media_server_user_id, _u.media_server_username, _u.email, _u.media_server_disabled
).where(or_(_u.media_server_user_id.is_not(None), _u.media_server_username.is_not(None)))
_INSERT = insert(users_t).returning(_u.id, sort_by_parameter_order=True)
_UPDATE = (
    update(users_t)
    .where(_u.id == bindparam("b_id"))
    .values(
        media_server_user_id=bindparam("b_server_id"),
        media_server_username=bindparam("b_name"),
        email=bindparam("b_email"),
        media_server_disabled=bindparam("b_disabled"),
        updated_at=bindparam("b_now"),
    )
)


def fold(name: str) -> str:
    """A name as compared: spaces collapsed, case folded (also beyond ASCII)."""
    return " ".join(name.split()).casefold()


class SqlAccountRepository:
    """core.user_repositories.AccountRepository on SQL."""

    __slots__ = ("_db",)

    def __init__(self, db: Db) -> None:
        self._db = db

    async def sync(
        self, accounts: Sequence[ServerAccount], permissions: Permission, now: datetime
    ) -> AccountSync:
        """Update the users who are these accounts and create the others (three statements)."""
        rows = [tuple(row) for row in await self._db.all(_ACCOUNT_USERS)]
        by_id = {server_id: row for row in rows if (server_id := row[1]) is not None}
        # Users linked by name before accounts had ids (oldest first wins a shared name).
        by_name: dict[str, tuple[Any, ...]] = {}
        for unnumbered in sorted(rows, key=lambda r: r[0]):
            if unnumbered[1] is None and unnumbered[2]:
                by_name.setdefault(fold(unnumbered[2]), unnumbered)
        changes: list[dict[str, Any]] = []
        new: list[dict[str, Any]] = []
        for account in {a.server_id: a for a in accounts}.values():
            row = by_id.get(account.server_id) or by_name.pop(fold(account.name), None)
            if row is None:
                new.append(_new_user(account, permissions, now))
                continue
            email = account.email or row[3]
            wanted = (row[0], account.server_id, account.name, email, account.disabled)
            if wanted != (row[0], row[1], row[2], row[3], bool(row[4])):
                changes.append(dict(zip(_CHANGE_KEYS, (*wanted, now), strict=True)))
        if changes:
            await self._db.execute(_UPDATE, changes)
        created: tuple[int, ...] = ()
        if new:
            # One INSERT ... RETURNING, sent in as few batches as the driver allows.
            result = await self._db.execute(_INSERT, new)
            created = tuple(sorted(row[0] for row in result.all()))
        return AccountSync(created=created, updated=len(changes))


_CHANGE_KEYS = ("b_id", "b_server_id", "b_name", "b_email", "b_disabled", "b_now")


def _new_user(account: ServerAccount, permissions: Permission, now: datetime) -> dict[str, Any]:
    return {
        "display_name": " ".join(account.name.split())[:MAX_NAME] or account.server_id,
        "media_server_username": account.name,
        "media_server_user_id": account.server_id,
        "media_server_disabled": account.disabled,
        "email": account.email,
        "permissions": int(permissions),
        "role_permissions": 0,
        "created_at": now,
        "updated_at": now,
    }
