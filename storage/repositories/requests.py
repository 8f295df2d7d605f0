"""Media requests with their seasons; every read loads a whole request in one query."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import and_, bindparam, delete, false, func, insert, or_, select, update

from core.domain import MediaRequest, RequestStatus, SeasonRequest
from core.errors import NotFound
from core.identity import User
from core.media import Media, MediaType
from core.request_repositories import PendingAfter, QuotaUsage
from storage.rows import REQUEST_SELECT, request_from
from storage.sql import Db
from storage.tables import media_t, requests_t, season_requests_t

_r = requests_t.c
_s = season_requests_t.c
_INACTIVE = (RequestStatus.DECLINED.value, RequestStatus.COMPLETED.value)

_GET = REQUEST_SELECT.where(_r.id == bindparam("id"))
_GET_FOR_UPDATE = _GET.with_for_update(of=requests_t)
_ACTIVE = REQUEST_SELECT.where(
    _r.media_id == bindparam("media_id"),
    _r.is_4k == bindparam("is_4k"),
    # Not NOT IN (...): its expanding parameter would be rendered anew on each execution.
    *(_r.status != status for status in _INACTIVE),
).order_by(_r.id)
_FOR_USER = (
    REQUEST_SELECT.where(_r.requested_by_id == bindparam("user_id"))
    .order_by(_r.id.desc())
    .offset(bindparam("offset"))
    .limit(bindparam("limit"))
)
_COUNT_FOR_USER = select(func.count()).where(_r.requested_by_id == bindparam("user_id"))
_FOR_USER_IN_STATUS = _FOR_USER.where(_r.status == bindparam("status"))
_COUNT_FOR_USER_IN_STATUS = _COUNT_FOR_USER.where(_r.status == bindparam("status"))
_WITH_STATUS = (
    REQUEST_SELECT.where(_r.status == bindparam("status"))
    .order_by(_r.id)
    .offset(bindparam("offset"))
    .limit(bindparam("limit"))
)
_COUNT_WITH_STATUS = select(func.count()).where(_r.status == bindparam("status"))
_PENDING_AFTER = (
    _r.status == RequestStatus.PENDING.value,
    _r.id > bindparam("after"),
)
_PENDING_PAGE = REQUEST_SELECT.where(*_PENDING_AFTER).order_by(_r.id).limit(bindparam("limit"))
_PENDING_COUNT = select(func.count(), func.max(_r.id)).where(*_PENDING_AFTER)
_ADD = insert(requests_t)
_ADD_SEASONS = insert(season_requests_t)
_SET_SEASON_STATUS = (
    update(season_requests_t)
    .where(_s.request_id == bindparam("rid"))
    .values(status=bindparam("status"))
)
_DELETE = delete(requests_t).where(_r.id == bindparam("id"))
_APPROVED = {
    sent: REQUEST_SELECT.where(
        _r.status == RequestStatus.APPROVED.value,
        _r.sent_at.is_not(None) if sent else _r.sent_at.is_(None),
    )
    .order_by(_r.id)
    .limit(bindparam("limit"))
    for sent in (False, True)
}
_NO_KIND = false()
_MARK_SENT = (
    update(requests_t)
    .where(_r.id == bindparam("b_id"), _r.status == RequestStatus.APPROVED.value)
    .values(sent_at=bindparam("b_now"), download_ref=bindparam("b_ref"))
)


def _usage_query(*, seasons: bool) -> Any:
    counted = func.count(_s.id) if seasons else func.count()
    source = requests_t.join(media_t, media_t.c.id == _r.media_id)
    if seasons:
        source = source.join(season_requests_t, _s.request_id == _r.id)
    return (
        select(counted, func.min(_r.created_at))
        .select_from(source)
        .where(
            _r.requested_by_id == bindparam("user_id"),
            _r.created_at
            > bindparam("since"),  # strictly after, as Seerr: a slot frees at resets_at
            _r.status != RequestStatus.DECLINED.value,
            media_t.c.media_type == bindparam("media_type"),
        )
    )


_USAGE = {MediaType.MOVIE: _usage_query(seasons=False), MediaType.TV: _usage_query(seasons=True)}


class SqlRequestRepository:
    """core.request_repositories.RequestRepository on SQL."""

    __slots__ = ("_db",)

    def __init__(self, db: Db) -> None:
        self._db = db

    async def get(self, request_id: int, *, for_update: bool = False) -> MediaRequest | None:
        """One request; ``for_update`` locks its row (PostgreSQL)."""
        query = _GET_FOR_UPDATE if for_update else _GET
        row = await self._db.first(query, {"id": request_id})
        return request_from(row) if row else None

    async def add(
        self,
        *,
        media: Media,
        requested_by: User,
        status: RequestStatus,
        is_4k: bool,
        seasons: Sequence[int],
        modified_by: User | None,
        now: datetime,
    ) -> MediaRequest:
        """Insert a request (and its seasons, in the request's status) and return it, built
        from the arguments rather than read back: one statement, two with seasons."""
        now = now.astimezone(UTC)  # as a read gives it back
        self._db.no_active_requests.clear()
        result = await self._db.execute(
            _ADD,
            {
                "media_id": media.id,
                "requested_by_id": requested_by.id,
                "modified_by_id": modified_by.id if modified_by else None,
                "status": status.value,
                "is_4k": is_4k,
                "created_at": now,
                "updated_at": now,
            },
        )
        request_id: int = result.inserted_primary_key[0]  # type: ignore[index]
        numbers = sorted(set(seasons))
        if numbers:
            rows = [
                {"request_id": request_id, "season_number": n, "status": status.value}
                for n in numbers
            ]
            await self._db.execute(_ADD_SEASONS, rows)
        return MediaRequest(
            id=request_id,
            media=media,
            status=status,
            requested_by=requested_by,
            created_at=now,
            updated_at=now,
            is_4k=is_4k,
            seasons=tuple(SeasonRequest(n, status) for n in numbers),
            modified_by=modified_by,
        )

    async def set_status(
        self,
        request_id: int,
        status: RequestStatus,
        now: datetime,
        *,
        modified_by_id: int | None,
        decline_reason: str | None = None,
        fail_reason: str | None = None,
    ) -> MediaRequest:
        """Move a request (and its seasons) to ``status`` and return it as it is now."""
        values: dict[str, Any] = {
            "status": status.value,
            "updated_at": now,
            "modified_by_id": modified_by_id,
            # A reason belongs to the status it came with: a retried request has not failed.
            "decline_reason": decline_reason,
            "fail_reason": fail_reason,
            # A request approved again (a retry) must be sent again.
            "sent_at": None,
        }
        self._db.no_active_requests.clear()
        result = await self._db.execute(
            update(requests_t).where(_r.id == request_id).values(values)
        )
        if result.rowcount == 0:
            raise NotFound("request", request_id)
        await self._db.execute(_SET_SEASON_STATUS, {"rid": request_id, "status": status.value})
        return await self._require(request_id)

    async def delete(self, request_id: int) -> None:
        """Delete a request; its seasons go with it."""
        await self._db.execute(_DELETE, {"id": request_id})

    async def active_for_media(self, media_id: int, is_4k: bool) -> list[MediaRequest]:
        """Requests of this media that are neither DECLINED nor COMPLETED, oldest first."""
        if (media_id, is_4k) in self._db.no_active_requests:
            return []  # as the media upsert of this transaction found
        rows = await self._db.all(_ACTIVE, {"media_id": media_id, "is_4k": is_4k})
        return [request_from(row) for row in rows]

    async def usage(self, user_id: int, media_type: MediaType, since: datetime) -> QuotaUsage:
        """Movies: the user's movie requests created since ``since`` and not declined.
        TV: the seasons in such TV requests. With the oldest counted request's time."""
        params = {"user_id": user_id, "since": since, "media_type": media_type.value}
        row = await self._db.first(_USAGE[media_type], params)
        assert row is not None
        used, oldest = tuple(row)
        return QuotaUsage(used=int(used), oldest_at=oldest if used else None)

    async def for_user(
        self,
        user_id: int,
        offset: int = 0,
        limit: int = 20,
        *,
        status: RequestStatus | None = None,
    ) -> tuple[list[MediaRequest], int]:
        """A page of the user's requests (in ``status``, if given), newest first, and their
        total."""
        where: dict[str, object] = {"user_id": user_id}
        page, count = _FOR_USER, _COUNT_FOR_USER
        if status is not None:
            where["status"] = status.value
            page, count = _FOR_USER_IN_STATUS, _COUNT_FOR_USER_IN_STATUS
        rows = await self._db.all(page, {**where, "offset": offset, "limit": limit})
        total = await self._db.scalar(count, where)
        return [request_from(row) for row in rows], int(total)

    async def with_status(
        self, status: RequestStatus, offset: int = 0, limit: int = 20
    ) -> tuple[list[MediaRequest], int]:
        """A page of requests in ``status``, oldest first, and their total."""
        params = {"status": status.value, "offset": offset, "limit": limit}
        rows = await self._db.all(_WITH_STATUS, params)
        total = await self._db.scalar(_COUNT_WITH_STATUS, {"status": status.value})
        return [request_from(row) for row in rows], int(total)

    async def pending_after(self, request_id: int, limit: int) -> PendingAfter:
        """The PENDING requests after ``request_id``: a page oldest first, their total and
        their highest id, in two queries."""
        rows = await self._db.all(_PENDING_PAGE, {"after": request_id, "limit": limit})
        row = await self._db.first(_PENDING_COUNT, {"after": request_id})
        assert row is not None
        total, last = tuple(row)
        found = tuple(request_from(r) for r in rows)
        return PendingAfter(found, int(total), int(last) if total else request_id)

    async def approved(
        self,
        *,
        sent: bool,
        limit: int = 100,
        kinds: Iterable[tuple[MediaType, bool]] | None = None,
    ) -> list[MediaRequest]:
        """APPROVED requests already handed to a downloader (``sent``) or not, oldest first;
        with ``kinds``, only those of these (media type, 4K)."""
        query = _APPROVED[sent]
        if kinds is not None:
            wanted = [
                and_(media_t.c.media_type == kind.value, _r.is_4k.is_(is_4k))
                for kind, is_4k in kinds
            ]
            query = query.where(or_(_NO_KIND, *wanted))
        rows = await self._db.all(query, {"limit": limit})
        return [request_from(row) for row in rows]

    async def mark_sent(self, request_id: int, download_ref: str, now: datetime) -> bool:
        """Record the hand-over of a request that is still APPROVED."""
        result = await self._db.execute(
            _MARK_SENT, {"b_id": request_id, "b_now": now, "b_ref": download_ref}
        )
        return bool(result.rowcount)

    async def _require(self, request_id: int) -> MediaRequest:
        request = await self.get(request_id)
        if request is None:
            raise NotFound("request", request_id)
        return request
