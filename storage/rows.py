"""Column lists and the explicit mapping from rows to the core's frozen dataclasses.

Queries select exactly these columns, in this order, and the mappers read them by position;
child rows (identities, seasons) come along as json_rows in correlated subqueries, so a user,
a media or a whole request is one query.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, FromClause, select

from core.domain import MediaRequest, RequestStatus, SeasonRequest
from core.identity import Identity, QuotaLimits, User
from core.media import Media, MediaStatus, MediaType
from core.permissions import Permission
from storage.sql import json_rows, rows_of
from storage.tables import (
    identities_t,
    media_seasons_t,
    media_t,
    requests_t,
    season_requests_t,
    users_t,
)


def user_columns(users: FromClause) -> list[ColumnElement[Any]]:
    """A user's columns (``users`` may be an alias), its identities as JSON last."""
    identities = (
        select(
            json_rows(
                identities_t.c.id,
                identities_t.c.platform,
                identities_t.c.external_id,
                identities_t.c.username,
            )
        )
        .where(identities_t.c.user_id == users.c.id)
        .scalar_subquery()
    )
    return [
        users.c.id,
        users.c.display_name,
        users.c.permissions,
        users.c.role_permissions,
        users.c.email,
        users.c.media_server_username,
        users.c.media_server_user_id,
        users.c.media_server_disabled,
        users.c.movie_quota_limit,
        users.c.movie_quota_days,
        users.c.tv_quota_limit,
        users.c.tv_quota_days,
        users.c.created_at,
        users.c.updated_at,
        identities,
    ]


def user_from(values: Sequence[Any]) -> User:
    """A User from the values of user_columns."""
    (uid, name, perms, roles, email, server_name, server_id, disabled, *rest) = values[:14]
    ml, md, tl, td, created_at, updated_at = rest
    identities = values[14]
    return User(
        id=uid,
        display_name=name,
        # A disabled media-server account holds nothing until it is enabled again.
        permissions=_permission(0 if disabled else perms | roles),
        role_permissions=_permission(roles),
        identities=tuple(Identity(p, x, u) for _, p, x, u in sorted(rows_of(identities))),
        email=email,
        media_server_username=server_name,
        media_server_user_id=server_id,
        disabled=bool(disabled),
        quota=QuotaLimits(movie_limit=ml, movie_days=md, tv_limit=tl, tv_days=td),
        created_at=created_at,
        updated_at=updated_at,
    )


@functools.lru_cache(maxsize=256)
def _permission(value: int) -> Permission:
    # Building a composite IntFlag is slow; users share a handful of values.
    return Permission(value)


def media_columns() -> list[ColumnElement[Any]]:
    """A media row's columns, its season statuses as JSON last."""
    seasons = (
        select(json_rows(media_seasons_t.c.season_number, media_seasons_t.c.status))
        .where(media_seasons_t.c.media_id == media_t.c.id)
        .scalar_subquery()
    )
    return [*media_row_columns(), seasons]


def media_row_columns() -> list[ColumnElement[Any]]:
    """The media table's own columns of media_columns (all but the seasons)."""
    c = media_t.c
    return [
        c.id,
        c.tmdb_id,
        c.media_type,
        c.title,
        c.year,
        c.poster_path,
        c.status,
        c.status_4k,
        c.tvdb_id,
        c.imdb_id,
        c.overview,
        c.created_at,
        c.updated_at,
    ]


def media_from(values: Sequence[Any]) -> Media:
    """A Media from the values of media_columns."""
    (mid, tmdb_id, media_type, title, year, poster, status, status_4k, tvdb, imdb, overview) = (
        values[:11]
    )
    created_at, updated_at = values[11:13]
    seasons = sorted(rows_of(values[13]))
    return Media(
        id=mid,
        tmdb_id=tmdb_id,
        media_type=MediaType(media_type),
        title=title,
        year=year,
        poster_path=poster,
        status=MediaStatus(status),
        status_4k=MediaStatus(status_4k),
        tvdb_id=tvdb,
        imdb_id=imdb,
        overview=overview,
        season_statuses={n: MediaStatus(st) for n, st in seasons},
        created_at=created_at,
        updated_at=updated_at,
    )


_requester = users_t.alias("requester")
_modifier = users_t.alias("modifier")

_REQUEST_OWN = [
    requests_t.c.id,
    requests_t.c.status,
    requests_t.c.is_4k,
    requests_t.c.created_at,
    requests_t.c.updated_at,
    requests_t.c.decline_reason,
    requests_t.c.fail_reason,
    requests_t.c.sent_at,
    requests_t.c.download_ref,
    select(
        json_rows(
            season_requests_t.c.season_number,
            season_requests_t.c.status,
            season_requests_t.c.id,
        )
    )
    .where(season_requests_t.c.request_id == requests_t.c.id)
    .scalar_subquery(),
]
_MEDIA = media_columns()
_USER = user_columns(_requester)
_A = len(_REQUEST_OWN)
_B = _A + len(_MEDIA)
_C = _B + len(_USER)

# A request with its media (and media seasons), both users (with identities) and its seasons.
REQUEST_SELECT = select(*_REQUEST_OWN, *_MEDIA, *_USER, *user_columns(_modifier)).select_from(
    requests_t.join(media_t, media_t.c.id == requests_t.c.media_id)
    .join(_requester, _requester.c.id == requests_t.c.requested_by_id)
    .outerjoin(_modifier, _modifier.c.id == requests_t.c.modified_by_id)
)


def request_from(row: Sequence[Any]) -> MediaRequest:
    """A MediaRequest from a row of REQUEST_SELECT."""
    values = tuple(row)
    rid, status, is_4k, created_at, updated_at, decline, fail, sent_at, ref, seasons = values[:_A]
    modifier = values[_C:]
    return MediaRequest(
        id=rid,
        media=media_from(values[_A:_B]),
        status=RequestStatus(status),
        requested_by=user_from(values[_B:_C]),
        created_at=created_at,
        updated_at=updated_at,
        is_4k=bool(is_4k),
        seasons=tuple(
            SeasonRequest(n, RequestStatus(st), sid) for n, st, sid in sorted(rows_of(seasons))
        ),
        modified_by=user_from(modifier) if modifier[0] is not None else None,
        decline_reason=decline,
        fail_reason=fail,
        sent_at=sent_at,
        download_ref=ref,
    )
