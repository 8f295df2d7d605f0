"""Chat adapters' memory: button state behind short keys, and posted approval cards."""

from __future__ import annotations

import functools
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, delete, insert, select

from core.domain import ISSUE_POST, ChatPost
from storage.sql import Db, dialect_insert
from storage.tables import chat_posts_t, chat_states_t

_s = chat_states_t.c
_p = chat_posts_t.c
_GET = select(_s.data).where(
    _s.platform == bindparam("platform"),
    _s.key == bindparam("key"),
    _s.expires_at > bindparam("now"),
)
_DELETE = delete(chat_states_t).where(
    _s.platform == bindparam("platform"), _s.key == bindparam("key")
)
_PURGE = delete(chat_states_t).where(_s.expires_at <= bindparam("now"))
_ADD_POST = insert(chat_posts_t)
_ALL_POSTS = select(_p.platform, _p.chat_id, _p.message_id, _p.request_id, _p.kind).where(
    _p.request_id == bindparam("request_id"), _p.platform == bindparam("platform")
)
_ISSUE = _p.kind.startswith(ISSUE_POST, autoescape=True)
_POSTS = _ALL_POSTS.where(~_ISSUE).order_by(_p.id)
_ISSUE_POSTS = _ALL_POSTS.where(_ISSUE).order_by(_p.id)


@functools.cache
def _put_statement(dialect: str) -> Any:
    insert_ = dialect_insert(dialect)
    statement = insert_(chat_states_t)
    return statement.on_conflict_do_update(
        index_elements=[_s.platform, _s.key],
        set_={
            "data": statement.excluded.data,
            "created_at": statement.excluded.created_at,
            "expires_at": statement.excluded.expires_at,
        },
    )


class SqlChatStateRepository:
    """core.state_repositories.ChatStateRepository on SQL."""

    __slots__ = ("_db",)

    def __init__(self, db: Db) -> None:
        self._db = db

    async def put(
        self, platform: str, key: str, data: str, now: datetime, expires_at: datetime
    ) -> None:
        """Store ``data`` under (platform, key), replacing what was there."""
        params = {
            "platform": platform,
            "key": key,
            "data": data,
            "created_at": now,
            "expires_at": expires_at,
        }
        await self._db.execute(_put_statement(self._db.conn.dialect.name), params)

    async def get(self, platform: str, key: str, now: datetime) -> str | None:
        """The data, unless missing or expired."""
        value: str | None = await self._db.scalar(
            _GET, {"platform": platform, "key": key, "now": now}
        )
        return value

    async def delete(self, platform: str, key: str) -> None:
        """Drop one entry."""
        await self._db.execute(_DELETE, {"platform": platform, "key": key})

    async def purge(self, now: datetime) -> int:
        """Drop every expired entry (the expiry index keeps this cheap)."""
        return (await self._db.execute(_PURGE, {"now": now})).rowcount


class SqlChatPostRepository:
    """core.state_repositories.ChatPostRepository on SQL."""

    __slots__ = ("_db",)

    def __init__(self, db: Db) -> None:
        self._db = db

    async def add(self, post: ChatPost, now: datetime) -> None:
        """Remember a posted message."""
        await self._db.execute(
            _ADD_POST,
            {
                "request_id": post.request_id,
                "platform": post.platform,
                "chat_id": post.chat_id,
                "message_id": post.message_id,
                "kind": post.kind,
                "created_at": now,
            },
        )

    async def for_request(self, request_id: int, platform: str) -> list[ChatPost]:
        """The posts about a request on one platform, oldest first."""
        return await self._posts(_POSTS, request_id, platform)

    async def for_issue(self, issue_id: int, platform: str) -> list[ChatPost]:
        """The cards of an issue on one platform, oldest first."""
        return await self._posts(_ISSUE_POSTS, issue_id, platform)

    async def _posts(self, query: Any, key: int, platform: str) -> list[ChatPost]:
        rows = await self._db.all(query, {"request_id": key, "platform": platform})
        return [
            ChatPost(platform, chat_id, message_id, request_id, kind)
            for platform, chat_id, message_id, request_id, kind in map(tuple, rows)
        ]
