"""The listing port: pages of requests, users and titles filtered and sorted as Seerr's
REST API lists them, with the counts that go with them. Every method is a fixed number of
queries, whatever the size of the page."""

from __future__ import annotations

import enum
from collections.abc import Collection
from dataclasses import dataclass
from typing import Protocol

from core.domain import MediaRequest, RequestStatus
from core.identity import User
from core.media import Media, MediaStatus, MediaType


class RequestFilter(enum.StrEnum):
    """Seerr's ``filter`` of GET /request: a set of request statuses and one of the
    title's statuses (its 4K one for a 4K request); anything else is ALL."""

    ALL = "all"
    APPROVED = "approved"
    PROCESSING = "processing"
    PENDING = "pending"
    UNAVAILABLE = "unavailable"
    FAILED = "failed"
    AVAILABLE = "available"
    COMPLETED = "completed"
    DELETED = "deleted"


_S = RequestStatus
_M = MediaStatus
_NOT_AVAILABLE = (_M.UNKNOWN, _M.PENDING, _M.PROCESSING, _M.PARTIALLY_AVAILABLE)

# What each filter keeps, as Seerr's routes/request.ts has it: the request statuses, and the
# statuses of the title (its 4K one for a 4K request); None keeps any.
REQUEST_FILTER_STATUSES: dict[
    RequestFilter, tuple[tuple[RequestStatus, ...] | None, tuple[MediaStatus, ...] | None]
] = {
    RequestFilter.APPROVED: ((_S.APPROVED,), None),
    RequestFilter.PROCESSING: ((_S.APPROVED,), _NOT_AVAILABLE),
    RequestFilter.PENDING: ((_S.PENDING,), None),
    RequestFilter.UNAVAILABLE: ((_S.PENDING, _S.APPROVED), _NOT_AVAILABLE),
    RequestFilter.FAILED: ((_S.FAILED,), None),
    RequestFilter.AVAILABLE: ((_S.COMPLETED,), (_M.AVAILABLE,)),
    RequestFilter.COMPLETED: ((_S.COMPLETED,), None),
    RequestFilter.DELETED: ((_S.COMPLETED,), (_M.DELETED,)),
    RequestFilter.ALL: (None, None),
}


class RequestSort(enum.StrEnum):
    """Seerr's ``sort`` of GET /request: by id (the default), creation or last change."""

    ID = "id"
    ADDED = "added"
    MODIFIED = "modified"


@dataclass(frozen=True, slots=True)
class RequestQuery:
    """One page of GET /request: ``requested_by`` narrows it to one user's requests."""

    filter: RequestFilter = RequestFilter.ALL
    sort: RequestSort = RequestSort.ID
    descending: bool = True
    requested_by: int | None = None
    media_type: MediaType | None = None
    offset: int = 0
    limit: int = 10


@dataclass(frozen=True, slots=True)
class RequestCounts:
    """GET /request/count: ``processing`` and ``available`` split the APPROVED requests by
    whether their title (in 4K, for a 4K request) is available; ``completed`` is status 5."""

    total: int = 0
    movie: int = 0
    tv: int = 0
    pending: int = 0
    approved: int = 0
    declined: int = 0
    processing: int = 0
    available: int = 0
    completed: int = 0


class UserSort(enum.StrEnum):
    """Seerr's ``sort`` of GET /user; ID (by id, ascending) is the default."""

    ID = "id"
    CREATED = "created"
    UPDATED = "updated"
    REQUESTS = "requests"
    DISPLAY_NAME = "displayname"


@dataclass(frozen=True, slots=True)
class UserQuery:
    """One page of GET /user: ``text`` matches names, media-server usernames and email
    (any case)."""

    sort: UserSort = UserSort.ID
    text: str = ""
    offset: int = 0
    limit: int = 10


class MediaFilter(enum.StrEnum):
    """Seerr's ``filter`` of GET /media, on the title's (regular) status."""

    ALL = "all"
    AVAILABLE = "available"
    PARTIAL = "partial"
    ALL_AVAILABLE = "allavailable"
    PROCESSING = "processing"
    PENDING = "pending"
    DELETED = "deleted"


# The title statuses each filter keeps; None keeps any.
MEDIA_FILTER_STATUSES: dict[MediaFilter, tuple[MediaStatus, ...] | None] = {
    MediaFilter.ALL: None,
    MediaFilter.AVAILABLE: (_M.AVAILABLE,),
    MediaFilter.PARTIAL: (_M.PARTIALLY_AVAILABLE,),
    MediaFilter.ALL_AVAILABLE: (_M.AVAILABLE, _M.PARTIALLY_AVAILABLE),
    MediaFilter.PROCESSING: (_M.PROCESSING,),
    MediaFilter.PENDING: (_M.PENDING,),
    MediaFilter.DELETED: (_M.DELETED,),
}


class MediaSort(enum.StrEnum):
    """Seerr's ``sort`` of GET /media, newest first: when the row was made (the default),
    changed, or (mediaAdded) last changed too: the media server's own date is not kept."""

    ADDED = "added"
    MODIFIED = "modified"
    MEDIA_ADDED = "mediaAdded"


@dataclass(frozen=True, slots=True)
class MediaQuery:
    filter: MediaFilter = MediaFilter.ALL
    sort: MediaSort = MediaSort.ADDED
    offset: int = 0
    limit: int = 20


class ListingRepository(Protocol):
    async def requests(self, query: RequestQuery) -> tuple[list[MediaRequest], int]:
        """A page of requests (each whole: its media, users and seasons) and the total that
        match, ordered by the sort key and then by id in the same direction."""
        ...

    async def requests_for_media(self, media_ids: Collection[int]) -> dict[int, list[MediaRequest]]:
        """Every request of each of these titles (4K ones too), oldest first, each id a
        key, in one query."""
        ...

    async def request_counts(self) -> RequestCounts:
        """Every request counted as GET /request/count does, in one query."""
        ...

    async def requests_per_user(self, user_ids: Collection[int]) -> dict[int, int]:
        """How many requests each of these users made (every one of them a key), in one
        grouped query."""
        ...

    async def users(self, query: UserQuery) -> tuple[list[User], int]:
        """A page of users and the total that match."""
        ...

    async def media(self, query: MediaQuery) -> tuple[list[Media], int]:
        """A page of titles (with their season statuses) and the total that match, newest
        first by the sort key, then by id descending."""
        ...
