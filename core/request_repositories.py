"""Repository ports of titles and requests: the media rows with their statuses, the requests,
and who watches a title."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from core.domain import MediaRequest, RequestStatus
from core.identity import User
from core.media import Media, MediaDetails, MediaKey, MediaStatus, MediaType


@dataclass(frozen=True, slots=True)
class MediaState:
    """A media row with the statuses of its regular (not 4K) requests, newest first, for the
    badges shown next to search results."""

    media: Media
    request_statuses: tuple[RequestStatus, ...]


@dataclass(frozen=True, slots=True)
class QuotaUsage:
    """How much of a quota window is used, and the oldest counted request in it."""

    used: int
    oldest_at: datetime | None


@dataclass(frozen=True, slots=True)
class PendingAfter:
    """Requests that became pending after a given one: the oldest few, how many there are
    in all, and the highest id among them (the given id when there are none)."""

    requests: tuple[MediaRequest, ...]
    total: int
    last_id: int


class MediaRepository(Protocol):
    async def get(self, media_id: int) -> Media | None: ...

    async def get_by_tmdb(
        self, tmdb_id: int, media_type: MediaType, *, for_update: bool = False
    ) -> Media | None: ...

    async def upsert(self, details: MediaDetails, now: datetime) -> Media:
        """The media row for ``details``, created if missing, its metadata refreshed; locked
        for the rest of the transaction."""
        ...

    async def ensure(self, details: MediaDetails, now: datetime) -> Media:
        """The media row for ``details``, created from them if missing; an existing row
        keeps its metadata (a media server's names are poorer than the catalogue's)."""
        ...

    async def add_new(
        self,
        titles: Sequence[tuple[MediaDetails, MediaStatus, dict[int, MediaStatus]]],
        now: datetime,
    ) -> set[MediaKey]:
        """Insert rows (with their status and season statuses) for the titles that have
        none, in one go; return the keys of those inserted (the others already had one)."""
        ...

    async def set_status(
        self, media_id: int, status: MediaStatus, now: datetime, *, is_4k: bool = False
    ) -> None: ...

    async def set_season_statuses(
        self, media_id: int, statuses: dict[int, MediaStatus], now: datetime
    ) -> None: ...

    async def states(self, keys: Iterable[MediaKey]) -> dict[MediaKey, MediaState]:
        """The state of every known title among ``keys``, in one query."""
        ...

    async def on_server_titled(self, words: Sequence[str], limit: int) -> list[Media]:
        """Titles on the server (AVAILABLE or PARTIALLY_AVAILABLE, in either quality) whose
        title holds every one of ``words``, ignoring case (Unicode's, by str.lower; ``%``
        and ``_`` are plain characters): those whose title starts with the words joined by
        spaces first, then the shorter titles, then the newest (year, then row); at most
        ``limit``."""
        ...


class RequestRepository(Protocol):
    async def get(self, request_id: int, *, for_update: bool = False) -> MediaRequest | None: ...

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
        """Insert a request (its seasons in its status) and return it, built from the
        arguments: ``media`` and the users must be as they are in this transaction."""
        ...

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
        """Move a request to ``status``. Both reasons are replaced by those given: a reason
        belongs to the status it came with (a retried request has not failed)."""
        ...

    async def delete(self, request_id: int) -> None: ...

    async def active_for_media(self, media_id: int, is_4k: bool) -> list[MediaRequest]:
        """Requests of this media that are neither DECLINED nor COMPLETED, oldest first."""
        ...

    async def usage(self, user_id: int, media_type: MediaType, since: datetime) -> QuotaUsage:
        """Movie requests (TV: requested seasons) created strictly after ``since`` that were
        not declined, and the oldest of them."""
        ...

    async def for_user(
        self,
        user_id: int,
        offset: int = 0,
        limit: int = 20,
        *,
        status: RequestStatus | None = None,
    ) -> tuple[list[MediaRequest], int]:
        """A page of the user's requests (only those in ``status``, if given), newest
        first, and their total."""
        ...

    async def with_status(
        self, status: RequestStatus, offset: int = 0, limit: int = 20
    ) -> tuple[list[MediaRequest], int]:
        """A page of requests in ``status``, oldest first, and their total."""
        ...

    async def pending_after(self, request_id: int, limit: int) -> PendingAfter:
        """The PENDING requests with an id above ``request_id``: the first ``limit`` of
        them oldest first, their total, and the highest of their ids."""
        ...

    async def approved(
        self,
        *,
        sent: bool,
        limit: int = 100,
        kinds: Iterable[tuple[MediaType, bool]] | None = None,
    ) -> list[MediaRequest]:
        """APPROVED requests, oldest first: those handed to a downloader (``sent``) or
        those still to hand over; with ``kinds``, only those of these (media type, 4K)."""
        ...

    async def mark_sent(self, request_id: int, download_ref: str, now: datetime) -> bool:
        """Record that an APPROVED request reached its downloader; False (and no change)
        when it is no longer APPROVED. Any later status change clears ``sent_at`` (a retried
        request is sent again); ``download_ref`` stays as the last known place."""
        ...


class WatcherRepository(Protocol):
    """Who asked to be told about a title ("Notify me")."""

    async def add(self, user_id: int, media_id: int, now: datetime) -> bool:
        """Subscribe the user; False if they already were."""
        ...

    async def user_ids(self, media_id: int) -> list[int]:
        """The subscribers of a title, in the order they subscribed."""
        ...

    async def clear(self, media_id: int) -> None:
        """Forget every subscription to a title (once they have been told)."""
        ...
