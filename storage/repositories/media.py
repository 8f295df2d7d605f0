"""Media rows (keyed by TMDb id and type) and their season statuses."""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, case, func, literal_column, or_, select, tuple_, update

from core.domain import RequestStatus
from core.issue_rules import ON_SERVER
from core.media import Media, MediaDetails, MediaKey, MediaStatus, MediaType
from core.request_repositories import MediaState
from storage.rows import media_columns, media_from, media_row_columns
from storage.sql import (
    Db,
    dialect_insert,
    json_rows,
    like_pattern,
    lower_like,
    rows_of,
)
from storage.tables import media_seasons_t, media_t, requests_t

MAX_STATE_KEYS = 100

_m = media_t.c
_MEDIA = media_columns()
_SELECT = select(*_MEDIA)
_GET = _SELECT.where(_m.id == bindparam("id"))
_BY_TMDB = _SELECT.where(
    _m.tmdb_id == bindparam("tmdb_id"), _m.media_type == bindparam("media_type")
)
_BY_TMDB_FOR_UPDATE = _BY_TMDB.with_for_update(of=media_t)
_REQUEST_STATUSES = (
    select(json_rows(requests_t.c.id, requests_t.c.status))
    .where(requests_t.c.media_id == _m.id, requests_t.c.is_4k.is_(False))
    .scalar_subquery()
)
_STATES = select(*_MEDIA, _REQUEST_STATUSES).where(
    tuple_(_m.tmdb_id, _m.media_type).in_(bindparam("keys", expanding=True))
)
_SET_STATUS = {
    False: update(media_t)
    .where(_m.id == bindparam("media_id"))
    .values(status=bindparam("new_status"), updated_at=bindparam("now")),
    True: update(media_t)
    .where(_m.id == bindparam("media_id"))
    .values(status_4k=bindparam("new_status"), updated_at=bindparam("now")),
}
_HELD = [s.value for s in ON_SERVER]
_ON_SERVER = or_(_m.status.in_(_HELD), _m.status_4k.in_(_HELD))
_SEASONS = select(json_rows(media_seasons_t.c.season_number, media_seasons_t.c.status)).where(
    media_seasons_t.c.media_id == bindparam("media_id")
)


def _has_active_requests(is_4k: bool) -> Any:
    """Whether the media row has requests (in 4K or not) neither declined nor completed.

    Written out: SQLAlchemy renders RETURNING columns unqualified, and this subquery must
    name the outer row's ``media.id``."""
    inactive = ", ".join(str(s.value) for s in (RequestStatus.DECLINED, RequestStatus.COMPLETED))
    return literal_column(
        f"EXISTS (SELECT 1 FROM {requests_t.name} WHERE {requests_t.name}.media_id = "  # noqa: S608 (our own names and numbers)
        f"{media_t.name}.id AND {requests_t.name}.is_4k = {int(is_4k)} "
        f"AND {requests_t.name}.status NOT IN ({inactive}))"
    )


@functools.cache
def _statements(dialect: str) -> tuple[Any, Any]:
    """The upserts, built once per dialect (their INSERT ... ON CONFLICT differs).

    On SQLite the media upsert also says whether the title has active requests, so that a
    new title needs no second query for them (see Db.no_active_requests); on PostgreSQL
    the answer could predate a request committed while the upsert waited for the row."""
    insert = dialect_insert(dialect)
    media = insert(media_t)
    new = media.excluded
    # Ids the catalogue did not send are kept; updated_at moves only when something changed.
    refreshed = {
        "title": new.title,
        "year": new.year,
        "poster_path": new.poster_path,
        "overview": new.overview,
        "tvdb_id": func.coalesce(new.tvdb_id, _m.tvdb_id),
        "imdb_id": func.coalesce(new.imdb_id, _m.imdb_id),
    }
    changed = or_(*(_m[name].is_distinct_from(value) for name, value in refreshed.items()))
    returned = media_row_columns()
    if dialect == "sqlite":
        returned += [_has_active_requests(False), _has_active_requests(True)]
    upsert_media = media.on_conflict_do_update(
        index_elements=[_m.tmdb_id, _m.media_type],
        set_={**refreshed, "updated_at": case((changed, new.updated_at), else_=_m.updated_at)},
    ).returning(*returned)
    seasons = insert(media_seasons_t)
    upsert_seasons = seasons.on_conflict_do_update(
        index_elements=[media_seasons_t.c.media_id, media_seasons_t.c.season_number],
        set_={"status": seasons.excluded.status},
    )
    return upsert_media, upsert_seasons


@functools.cache
def _titled(words: int) -> Any:
    """The titles on the server holding ``words`` words (bound as w0, w1, ...), in
    MediaRepository.on_server_titled's order.

    Each word is a LIKE on the lowered title (storage.sql.lower_like). No index serves a
    pattern with a leading %, and none is needed: 20,000 titles on the server are scanned
    in about 6 ms on SQLite and 8 ms on PostgreSQL (a trigram index would need pg_trgm)."""
    starts = case((lower_like(_m.title, bindparam("start")), 0), else_=1)
    matches = (lower_like(_m.title, bindparam(f"w{n}")) for n in range(words))
    return (
        _SELECT.where(_ON_SERVER, *matches)
        .order_by(starts, func.length(_m.title), _m.year.desc().nulls_last(), _m.id.desc())
        .limit(bindparam("limit"))
    )


@functools.cache
def _insert_new(dialect: str) -> Any:
    """INSERT of media rows that skips titles already there and returns those it added."""
    insert = dialect_insert(dialect)
    return (
        insert(media_t)
        .on_conflict_do_nothing(index_elements=[_m.tmdb_id, _m.media_type])
        .returning(_m.id, _m.tmdb_id, _m.media_type)
    )


def _row(details: MediaDetails, status: MediaStatus, now: datetime) -> dict[str, Any]:
    """A new media row's values."""
    return {
        "tmdb_id": details.tmdb_id,
        "media_type": details.media_type.value,
        "status": status.value,
        "status_4k": MediaStatus.UNKNOWN.value,
        "created_at": now,
        "updated_at": now,
        "title": details.title,
        "year": details.year,
        "poster_path": details.poster_path,
        "overview": details.overview,
        "tvdb_id": details.tvdb_id,
        "imdb_id": details.imdb_id,
    }


class SqlMediaRepository:
    """core.request_repositories.MediaRepository on SQL."""

    __slots__ = ("_db", "_upsert_media", "_upsert_seasons")

    def __init__(self, db: Db) -> None:
        self._db = db
        self._upsert_media, self._upsert_seasons = _statements(db.conn.dialect.name)

    async def get(self, media_id: int) -> Media | None:
        """One media row with its season statuses."""
        row = await self._db.first(_GET, {"id": media_id})
        return media_from(row) if row else None

    async def get_by_tmdb(
        self, tmdb_id: int, media_type: MediaType, *, for_update: bool = False
    ) -> Media | None:
        """The media row of a title; ``for_update`` locks it (PostgreSQL)."""
        query = _BY_TMDB_FOR_UPDATE if for_update else _BY_TMDB
        row = await self._db.first(query, {"tmdb_id": tmdb_id, "media_type": media_type.value})
        return media_from(row) if row else None

    async def upsert(self, details: MediaDetails, now: datetime) -> Media:
        """The row for ``details``, created if missing, metadata refreshed; one statement
        (and one more for a show's seasons).

        INSERT ... ON CONFLICT DO UPDATE is atomic on both databases: of two transactions
        creating the same title, the second waits for the first and then updates its row,
        which it thereby holds locked (PostgreSQL) to the end of the transaction.
        """
        params = _row(details, MediaStatus.UNKNOWN, now)
        row = await self._db.first(self._upsert_media, params)
        assert row is not None
        values = tuple(row)
        if not self._db.postgres:
            values, active = values[:-2], values[-2:]
            for is_4k, has_active in zip((False, True), active, strict=True):
                if not has_active:
                    self._db.no_active_requests.add((row.id, is_4k))
        seasons = "[]"
        if details.media_type is MediaType.TV:
            seasons = await self._db.scalar(_SEASONS, {"media_id": row.id})
        return media_from((*values, seasons))

    async def ensure(self, details: MediaDetails, now: datetime) -> Media:
        """The row for ``details``, locked; created from them only if missing."""
        found = await self.get_by_tmdb(details.tmdb_id, details.media_type, for_update=True)
        return found if found is not None else await self.upsert(details, now)

    async def add_new(
        self,
        titles: Sequence[tuple[MediaDetails, MediaStatus, dict[int, MediaStatus]]],
        now: datetime,
    ) -> set[MediaKey]:
        """Insert rows, with their status and season statuses, for titles that have none;
        titles that already have a row are left alone. Returns the keys inserted."""
        if not titles:
            return set()
        params = [_row(details, status, now) for details, status, _ in titles]
        statement = _insert_new(self._db.conn.dialect.name)
        added: dict[MediaKey, int] = {}
        for row in await self._db.all(statement, params):
            added[(row.tmdb_id, MediaType(row.media_type))] = row.id
        seasons = [
            {
                "media_id": added[key],
                "season_number": number,
                "status": status.value,
                "status_4k": MediaStatus.UNKNOWN.value,
            }
            for details, _, statuses in titles
            if (key := (details.tmdb_id, details.media_type)) in added
            for number, status in sorted(statuses.items())
        ]
        if seasons:
            await self._db.execute(self._upsert_seasons, seasons)
        return set(added)

    async def set_status(
        self, media_id: int, status: MediaStatus, now: datetime, *, is_4k: bool = False
    ) -> None:
        """Set the media's status (or its 4K status)."""
        params = {"media_id": media_id, "new_status": status.value, "now": now}
        await self._db.execute(_SET_STATUS[is_4k], params)

    async def set_season_statuses(
        self, media_id: int, statuses: dict[int, MediaStatus], now: datetime
    ) -> None:
        """Set the status of the given seasons, creating their rows where missing."""
        if not statuses:
            return
        params = [
            {
                "media_id": media_id,
                "season_number": number,
                "status": status.value,
                "status_4k": MediaStatus.UNKNOWN.value,
            }
            for number, status in sorted(statuses.items())
        ]
        await self._db.execute(self._upsert_seasons, params)

    async def states(self, keys: Iterable[MediaKey]) -> dict[MediaKey, MediaState]:
        """Every known title among ``keys`` (at most MAX_STATE_KEYS) with its regular
        (not 4K) requests' statuses, newest first, in one query."""
        wanted = list(dict.fromkeys((int(tmdb_id), MediaType(kind)) for tmdb_id, kind in keys))
        if not wanted:
            return {}
        if len(wanted) > MAX_STATE_KEYS:
            raise ValueError(f"at most {MAX_STATE_KEYS} titles at once")
        params = {"keys": [(tmdb_id, kind.value) for tmdb_id, kind in wanted]}
        found: dict[MediaKey, MediaState] = {}
        for row in await self._db.all(_STATES, params):
            media = media_from(row)
            statuses = sorted(rows_of(row[-1]), reverse=True)
            found[(media.tmdb_id, media.media_type)] = MediaState(
                media, tuple(RequestStatus(status) for _, status in statuses)
            )
        return found

    async def on_server_titled(self, words: Sequence[str], limit: int) -> list[Media]:
        """Titles on the server holding every word (see _titled), in one query."""
        lowered_words = [w.lower() for w in words]
        if not lowered_words or limit < 1:
            return []
        params: dict[str, Any] = {f"w{n}": like_pattern(w) for n, w in enumerate(lowered_words)}
        params["start"] = like_pattern(" ".join(lowered_words), prefix=True)
        params["limit"] = limit
        rows = await self._db.all(_titled(len(lowered_words)), params)
        return [media_from(row) for row in rows]
