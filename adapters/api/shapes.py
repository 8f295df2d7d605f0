"""Seerr's JSON shapes as pydantic models (they make the OpenAPI document too) and the
converters from the core's values. Every key a strict client needs is present, null where
requestbot has no value; times are ISO 8601 UTC with milliseconds and ``Z``."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, SerializerFunctionWrapHandler, model_serializer

from core.domain import MediaRequest
from core.identity import User
from core.issue_values import Issue, IssueComment
from core.media import Media, MediaStatus

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
NO_PLEX_ID = 0
# Seerr's UserType: the account came from the media server (Jellyfin), or is local.
LOCAL_USER = 2
JELLYFIN_USER = 3
_ADDED = (MediaStatus.AVAILABLE, MediaStatus.PARTIALLY_AVAILABLE)


def _without(data: Any, *keys: str) -> Any:
    """``data`` without those of ``keys`` that are None: parts Seerr leaves out of a shape
    rather than sending null (a list's users have no settings, its titles no requests)."""
    for key in keys:
        if isinstance(data, dict) and data.get(key, 0) is None:
            del data[key]
    return data


def iso(when: datetime | None) -> str | None:
    """``2026-02-09T11:08:53.000Z``, or None."""
    if when is None:
        return None
    # isoformat truncates to milliseconds as Seerr's dates are, and is a fifth of the cost of
    # strftime (a page of 50 requests formats 400 times); "+00:00" becomes "Z".
    return when.astimezone(UTC).isoformat(timespec="milliseconds")[:-6] + "Z"


def stamp(when: datetime | None) -> str:
    """Like iso, for a time a strict client needs (the epoch when none is known)."""
    return iso(when or EPOCH) or ""


class PageInfo(BaseModel):
    pages: int
    pageSize: int
    results: int
    page: int


def page_info(total: int, take: int, skip: int) -> PageInfo:
    """Seerr's pageInfo: ``page`` follows ``skip`` (clients loop while page < pages)."""
    return PageInfo(
        pages=math.ceil(total / take),
        pageSize=take,
        results=total,
        page=math.ceil(skip / take) + 1,
    )


class UserSettingsOut(BaseModel):
    locale: str = ""
    discordId: str | None = None
    discordIds: list[str] = []
    telegramChatId: str | None = None
    telegramSendSilently: bool = False


class UserOut(BaseModel):
    id: int
    email: str
    avatar: str
    username: str | None
    plexUsername: str | None
    plexId: int
    jellyfinUsername: str | None
    jellyfinUserId: str | None
    userType: int
    permissions: int
    movieQuotaLimit: int | None
    movieQuotaDays: int | None
    tvQuotaLimit: int | None
    tvQuotaDays: int | None
    createdAt: str
    updatedAt: str
    requestCount: int
    displayName: str
    recoveryLinkExpirationDate: str | None
    warnings: list[str]
    avatarETag: str | None
    avatarVersion: str | None
    settings: UserSettingsOut | None = None

    @model_serializer(mode="wrap")
    def _shape(self, handler: SerializerFunctionWrapHandler) -> Any:
        return _without(handler(self), "settings")


def ids_on(user: User, platform: str) -> list[str]:
    """The user's ids on a chat platform."""
    return [i.external_id for i in user.identities if i.platform == platform]


def user_settings(user: User) -> UserSettingsOut:
    """The part of Seerr's user settings that maps chat users (Doplarr, Requestrr)."""
    discord = ids_on(user, "discord")
    telegram = ids_on(user, "telegram")
    return UserSettingsOut(
        discordId=discord[0] if discord else None,
        discordIds=discord,
        telegramChatId=telegram[0] if telegram else None,
    )


def user_out(user: User, request_count: int, *, with_settings: bool = False) -> UserOut:
    """A user as Seerr shows one; ``with_settings`` for the admin or the user themself."""
    return UserOut(
        id=user.id,
        # Seerr gives a media-server account without an email its name there instead.
        email=user.email or user.media_server_username or "",
        avatar="",
        username=user.display_name,
        plexUsername=None,
        # No Plex account: 0 rather than null, which python-overseerr (Home Assistant's
        # client) cannot read.
        plexId=NO_PLEX_ID,
        jellyfinUsername=user.media_server_username,
        jellyfinUserId=user.media_server_user_id,
        userType=JELLYFIN_USER if user.media_server_username else LOCAL_USER,
        permissions=int(user.permissions),
        movieQuotaLimit=user.quota.movie_limit,
        movieQuotaDays=user.quota.movie_days,
        tvQuotaLimit=user.quota.tv_limit,
        tvQuotaDays=user.quota.tv_days,
        createdAt=stamp(user.created_at),
        updatedAt=stamp(user.updated_at or user.created_at),
        requestCount=request_count,
        displayName=user.display_name,
        recoveryLinkExpirationDate=None,
        warnings=[],
        avatarETag=None,
        avatarVersion=None,
        settings=user_settings(user) if with_settings else None,
    )


class RequestSeasonOut(BaseModel):
    """A season of a request (Seerr's SeasonRequest: no 4K status of its own)."""

    id: int | None
    seasonNumber: int
    status: int
    createdAt: str
    updatedAt: str


class SeasonOut(RequestSeasonOut):
    """A season of a title here (Seerr's Season). Requestrr reads its id and both
    statuses as ints that must not be null."""

    id: int
    status4k: int


# Season rows have no id of their own in the core: a stable one is made from the title's.
SEASON_IDS_PER_TITLE = 1000


def season_id(media_id: int, season_number: int) -> int:
    """The id shown for a season of a title here."""
    return media_id * SEASON_IDS_PER_TITLE + season_number


class MediaInfoOut(BaseModel):
    id: int
    mediaType: str
    tmdbId: int
    tvdbId: int | None
    imdbId: str | None
    status: int
    status4k: int
    createdAt: str
    updatedAt: str
    lastSeasonChange: str
    mediaAddedAt: str | None
    serviceId: int | None = None
    serviceId4k: int | None = None
    externalServiceId: int | None = None
    externalServiceId4k: int | None = None
    externalServiceSlug: str | None = None
    externalServiceSlug4k: str | None = None
    ratingKey: str | None = None
    ratingKey4k: str | None = None
    jellyfinMediaId: str | None = None
    jellyfinMediaId4k: str | None = None
    serviceUrl: str | None = None
    # Watch links on the media server (Requestrr shows them): none are known here yet.
    mediaUrl: str | None = None
    plexUrl: str | None = None
    downloadStatus: list[Any] = []
    downloadStatus4k: list[Any] = []
    seasons: list[SeasonOut] | None = None
    requests: list[RequestOut] | None = None
    issues: list[IssueOut] | None = None  # a title's details only, as Seerr's Media has them

    @model_serializer(mode="wrap")
    def _shape(self, handler: SerializerFunctionWrapHandler) -> Any:
        return _without(handler(self), "seasons", "requests", "issues")


def media_out(media: Media) -> MediaInfoOut:
    """A title as Seerr's list items carry it (no seasons, no requests)."""
    changed = stamp(media.updated_at or media.created_at)
    return MediaInfoOut(
        id=media.id,
        mediaType=media.media_type.value,
        tmdbId=media.tmdb_id,
        tvdbId=media.tvdb_id,
        imdbId=media.imdb_id,
        status=int(media.status),
        status4k=int(media.status_4k),
        createdAt=stamp(media.created_at),
        updatedAt=changed,
        lastSeasonChange=changed,
        mediaAddedAt=changed if media.status in _ADDED else None,
    )


def media_seasons(media: Media, numbers: Iterable[int] = ()) -> list[SeasonOut]:
    """The title's seasons as Seerr's season rows, in order: those with a status here and
    ``numbers`` (every season the catalogue lists: Doplarr reads a season's status by its
    position), UNKNOWN where nothing is known. They keep no times of their own here: the
    title's are given."""
    created, changed = stamp(media.created_at), stamp(media.updated_at or media.created_at)
    known = media.season_statuses
    return [
        SeasonOut(
            id=season_id(media.id, n),
            seasonNumber=n,
            status=int(known.get(n, MediaStatus.UNKNOWN)),
            status4k=int(MediaStatus.UNKNOWN),
            createdAt=created,
            updatedAt=changed,
        )
        for n in sorted({*known, *numbers})
    ]


class RequestOut(BaseModel):
    id: int
    status: int
    createdAt: str
    updatedAt: str
    type: str
    is4k: bool
    serverId: int | None
    profileId: int | None
    profileName: str | None
    rootFolder: str | None
    languageProfileId: int | None
    tags: list[int] | None
    isAutoRequest: bool
    media: MediaInfoOut
    seasons: list[RequestSeasonOut]
    seasonCount: int
    requestedBy: UserOut
    modifiedBy: UserOut | None
    canRemove: bool


def request_out(request: MediaRequest, counts: Mapping[int, int]) -> RequestOut:
    """A request as Seerr shows one; ``counts`` holds its users' request counts."""
    created, changed = stamp(request.created_at), stamp(request.updated_at)
    modifier = request.modified_by
    return RequestOut(
        id=request.id,
        status=int(request.status),
        createdAt=created,
        updatedAt=changed,
        type=request.media_type.value,
        is4k=request.is_4k,
        serverId=None,
        profileId=None,
        profileName=None,
        rootFolder=None,
        languageProfileId=None,
        tags=None,
        isAutoRequest=False,
        media=media_out(request.media),
        seasons=[
            RequestSeasonOut(
                id=s.id,
                seasonNumber=s.season_number,
                status=int(s.status),
                createdAt=created,
                updatedAt=changed,
            )
            for s in request.seasons
        ],
        seasonCount=len(request.seasons),
        requestedBy=user_out(request.requested_by, counts.get(request.requested_by.id, 0)),
        modifiedBy=None if modifier is None else user_out(modifier, counts.get(modifier.id, 0)),
        canRemove=False,
    )


class IssueCommentOut(BaseModel):
    id: int
    message: str
    createdAt: str
    updatedAt: str
    user: UserOut


class IssueOut(BaseModel):
    id: int
    issueType: int
    status: int
    problemSeason: int
    problemEpisode: int
    createdAt: str
    updatedAt: str
    createdBy: UserOut
    media: MediaInfoOut
    modifiedBy: UserOut | None
    comments: list[IssueCommentOut]


def comment_out(comment: IssueComment, counts: Mapping[int, int]) -> IssueCommentOut:
    """A comment as Seerr shows one, with its writer; ``counts`` holds the request counts."""
    return IssueCommentOut(
        id=comment.id,
        message=comment.message,
        createdAt=stamp(comment.created_at),
        updatedAt=stamp(comment.updated_at),
        user=user_out(comment.user, counts.get(comment.user.id, 0)),
    )


def issue_out(issue: Issue, counts: Mapping[int, int]) -> IssueOut:
    """An issue as Seerr shows one: its title as request lists carry it, its comments
    oldest first, each with its writer (Seerr's list leaves the writer out; python-overseerr
    needs it); ``counts`` holds its people's request counts."""
    modifier = issue.modified_by
    return IssueOut(
        id=issue.id,
        issueType=int(issue.issue_type),
        status=int(issue.status),
        problemSeason=issue.problem_season,
        problemEpisode=issue.problem_episode,
        createdAt=stamp(issue.created_at),
        updatedAt=stamp(issue.updated_at),
        createdBy=user_out(issue.created_by, counts.get(issue.created_by.id, 0)),
        media=media_out(issue.media),
        modifiedBy=None if modifier is None else user_out(modifier, counts.get(modifier.id, 0)),
        comments=[comment_out(c, counts) for c in issue.comments],
    )


MediaInfoOut.model_rebuild()


class RequestPageOut(BaseModel):
    pageInfo: PageInfo
    results: list[RequestOut]


class UserPageOut(BaseModel):
    pageInfo: PageInfo
    results: list[UserOut]


class MediaPageOut(BaseModel):
    pageInfo: PageInfo
    results: list[MediaInfoOut]


class IssuePageOut(BaseModel):
    pageInfo: PageInfo
    results: list[IssueOut]


class MessageOut(BaseModel):
    message: str
