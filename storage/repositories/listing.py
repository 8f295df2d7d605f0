"""Pages of requests, users and titles as Seerr's REST API lists them.

A page is one query (each request comes whole with its media, users and seasons, through
the correlated JSON subqueries of storage.rows) and its total another, whatever its size.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from sqlalchemy import ColumnElement, and_, case, false, func, or_, select, true

from core.domain import MediaRequest, RequestStatus
from core.identity import User
from core.listing_repositories import (
    MEDIA_FILTER_STATUSES,
    REQUEST_FILTER_STATUSES,
    MediaQuery,
    MediaSort,
    RequestCounts,
    RequestQuery,
    RequestSort,
    UserQuery,
    UserSort,
)
from core.media import Media, MediaStatus
from storage.rows import (
    REQUEST_SELECT,
    media_columns,
    media_from,
    request_from,
    user_columns,
    user_from,
)
from storage.sql import Db
from storage.tables import media_t, requests_t, users_t

_r = requests_t.c
_m = media_t.c
_u = users_t.c
_S = RequestStatus
_M = MediaStatus
_REQUEST_SORTS = {
    RequestSort.ID: _r.id,
    RequestSort.ADDED: _r.created_at,
    RequestSort.MODIFIED: _r.updated_at,
}
_MEDIA_SORTS = {
    MediaSort.ADDED: _m.created_at,
    MediaSort.MODIFIED: _m.updated_at,
    MediaSort.MEDIA_ADDED: _m.updated_at,
}
_REQUESTS_OF_USER = (
    select(func.count()).where(_r.requested_by_id == _u.id).correlate(users_t).scalar_subquery()
)
_USER_SORTS: dict[UserSort, list[Any]] = {
    UserSort.ID: [_u.id],
    UserSort.CREATED: [_u.created_at, _u.id],
    UserSort.UPDATED: [_u.updated_at.desc(), _u.id],
    UserSort.REQUESTS: [_REQUESTS_OF_USER.desc(), _u.id],
    UserSort.DISPLAY_NAME: [func.lower(_u.display_name), _u.id],
}


def _title_status_in(statuses: tuple[_M, ...]) -> ColumnElement[bool]:
    """The request's title is in one of ``statuses``: its 4K status for a 4K request."""
    values = [s.value for s in statuses]
    return or_(
        and_(_r.is_4k.is_(False), _m.status.in_(values)),
        and_(_r.is_4k.is_(True), _m.status_4k.in_(values)),
    )


def _request_where(query: RequestQuery) -> list[ColumnElement[bool]]:
    statuses, title_statuses = REQUEST_FILTER_STATUSES[query.filter]
    where: list[ColumnElement[bool]] = [true()]
    if statuses is not None:
        where.append(_r.status.in_([s.value for s in statuses]))
    if title_statuses is not None:
        where.append(_title_status_in(title_statuses))
    if query.requested_by is not None:
        where.append(_r.requested_by_id == query.requested_by)
    if query.media_type is not None:
        where.append(_m.media_type == query.media_type.value)
    return where


def _count(condition: ColumnElement[bool]) -> Any:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


_AVAILABLE_TITLE = _title_status_in((_M.AVAILABLE,))
_APPROVED = _r.status == _S.APPROVED.value
_COUNTS = select(
    func.count(),
    _count(_m.media_type == "movie"),
    _count(_m.media_type == "tv"),
    _count(_r.status == _S.PENDING.value),
    _count(_APPROVED),
    _count(_r.status == _S.DECLINED.value),
    _count(and_(_APPROVED, ~_AVAILABLE_TITLE)),
    _count(and_(_APPROVED, _AVAILABLE_TITLE)),
    _count(_r.status == _S.COMPLETED.value),
).select_from(requests_t.join(media_t, _m.id == _r.media_id))


class SqlListingRepository:
    """core.listing_repositories.ListingRepository on SQL."""

    __slots__ = ("_db",)

    def __init__(self, db: Db) -> None:
        self._db = db

    async def requests(self, query: RequestQuery) -> tuple[list[MediaRequest], int]:
        """A page of whole requests in one query, and their total in another."""
        where = _request_where(query)
        key = _REQUEST_SORTS[query.sort]
        order = [key.desc(), _r.id.desc()] if query.descending else [key, _r.id]
        if query.sort is RequestSort.ID:
            order = order[1:]
        page = REQUEST_SELECT.where(*where).order_by(*order).offset(query.offset)
        rows = await self._db.all(page.limit(query.limit))
        source = requests_t.join(media_t, _m.id == _r.media_id)
        total = await self._db.scalar(select(func.count()).select_from(source).where(*where))
        return [request_from(row) for row in rows], int(total)

    async def requests_for_media(self, media_ids: Collection[int]) -> dict[int, list[MediaRequest]]:
        """Every request of these titles, oldest first, in one query."""
        found: dict[int, list[MediaRequest]] = {m: [] for m in sorted(set(media_ids))}
        if not found:
            return found
        query = REQUEST_SELECT.where(_r.media_id.in_(list(found))).order_by(_r.id)
        for row in await self._db.all(query):
            request = request_from(row)
            found[request.media.id].append(request)
        return found

    async def request_counts(self) -> RequestCounts:
        """Every count of GET /request/count in one query."""
        row = await self._db.first(_COUNTS)
        assert row is not None
        return RequestCounts(*(int(value) for value in row))

    async def requests_per_user(self, user_ids: Collection[int]) -> dict[int, int]:
        """How many requests each user made, in one grouped query."""
        wanted = sorted(set(user_ids))
        counts = dict.fromkeys(wanted, 0)
        if not wanted:
            return counts
        query = (
            select(_r.requested_by_id, func.count())
            .where(_r.requested_by_id.in_(wanted))
            .group_by(_r.requested_by_id)
        )
        for row in await self._db.all(query):
            user_id, count = tuple(row)
            counts[user_id] = int(count)
        return counts

    async def users(self, query: UserQuery) -> tuple[list[User], int]:
        """A page of users in one query, and their total in another."""
        needle = " ".join(query.text.split())
        where: ColumnElement[bool] = true()
        if needle:
            where = or_(
                false(),
                *(
                    column.icontains(needle, autoescape=True)
                    for column in (_u.display_name, _u.email, _u.media_server_username)
                ),
            )
        page = (
            select(*user_columns(users_t))
            .where(where)
            .order_by(*_USER_SORTS[query.sort])
            .offset(query.offset)
            .limit(query.limit)
        )
        rows = await self._db.all(page)
        total = await self._db.scalar(select(func.count()).select_from(users_t).where(where))
        return [user_from(row) for row in rows], int(total)

    async def media(self, query: MediaQuery) -> tuple[list[Media], int]:
        """A page of titles in one query, and their total in another."""
        statuses = MEDIA_FILTER_STATUSES[query.filter]
        where: ColumnElement[bool] = true()
        if statuses is not None:
            where = _m.status.in_([s.value for s in statuses])
        page = (
            select(*media_columns())
            .where(where)
            .order_by(_MEDIA_SORTS[query.sort].desc(), _m.id.desc())
            .offset(query.offset)
            .limit(query.limit)
        )
        rows = await self._db.all(page)
        total = await self._db.scalar(select(func.count()).select_from(media_t).where(where))
        return [media_from(row) for row in rows], int(total)
