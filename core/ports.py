"""The ports: what the core needs from the outside world, as Protocols.

Adapters (TMDb, chat platforms) and storage implement them; tests/fakes.py has an
in-memory fake of each.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from types import TracebackType
from typing import Protocol, Self, runtime_checkable

from core.domain import ChatPost, DownloadOrder, MediaRequest, RequestStatus
from core.events import DeliveryAttempt, Event, EventKind, EventPayload, Notification
from core.identity import Identity, QuotaLimits, ServerAccount, User
from core.media import (
    DownloadProgress,
    LibraryItem,
    Media,
    MediaDetails,
    MediaKey,
    MediaStatus,
    MediaType,
    SearchPage,
)
from core.permissions import Permission


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


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware UTC."""
        ...


class Catalogue(Protocol):
    """The movie/TV database (TMDb)."""

    async def search(
        self, query: str, page: int = 1, media_type: MediaType | None = None
    ) -> SearchPage:
        """One page of movies and shows matching ``query`` (people left out)."""
        ...

    async def details(self, tmdb_id: int, media_type: MediaType) -> MediaDetails:
        """A title's details; raises TitleNotFound if there is none."""
        ...

    async def find(self, source: str, external_id: str) -> list[MediaKey]:
        """The titles with this outside id: ``source`` is "imdb_id" or "tvdb_id"."""
        ...


class MediaServer(Protocol):
    """The media server (Jellyfin or Emby): what it holds and who uses it."""

    name: str

    def library(self, *, added_since: datetime | None = None) -> AsyncIterator[LibraryItem]:
        """Every movie and show in every video library, page by page (never all at once);
        with ``added_since``, only those with something added since then (a show with a
        new episode counts, and comes with all its episode counts)."""
        ...

    async def accounts(self) -> list[ServerAccount]:
        """The server's user accounts."""
        ...


class Downloader(Protocol):
    """Radarr (movies) or Sonarr (shows), for regular or 4K requests."""

    name: str

    async def send(self, order: DownloadOrder) -> str:
        """Add the title (or, already there, monitor what was asked and search for it) and
        return its reference there ("radarr:12"). Idempotent: sending twice adds once.
        Raises ServiceUnavailable or ServiceRejected with the downloader's reason."""
        ...

    async def progress(self, orders: Sequence[DownloadOrder]) -> list[DownloadProgress]:
        """Where each ordered title stands: queued, or (partly) on disk."""
        ...


class HealthCheck(Protocol):
    name: str

    async def check(self) -> str:
        """A one-line description of a working connection; raises a CoreError otherwise."""
        ...


class Notifier(Protocol):
    """A chat platform (or the console) that can tell users about events."""

    name: str

    def reaches(self, user: User) -> bool:
        """Whether this notifier can message ``user`` at all (has an identity here)."""
        ...

    async def send(self, notification: Notification) -> bool:
        """Deliver one notification: True if sent, False if this notifier deliberately shows
        nothing for it (e.g. a chat already answered the user). Raises DeliveryFailed."""
        ...


# The destination of a Broadcaster's publish: all of that notifier's shared chats, and the
# cards it edits wherever they are (an edit must not overtake the post it edits).
SHARED = "shared"


@runtime_checkable
class Routed(Protocol):
    """A notifier that says which chats a send writes to. Sends to different chats go at
    once; the sends to one chat go one at a time, in the order of the events. Without it,
    a send goes to the recipient's own chat, a manager's (a card) also to SHARED."""

    def destinations(self, notification: Notification) -> Collection[str]:
        """The chats this send writes to, as keys of the notifier's own making (SHARED for
        the shared chats and the cards)."""
        ...


@runtime_checkable
class Drainable(Protocol):
    """A notifier that can be told the process is stopping."""

    def drain(self) -> None:
        """Put no new message of the outbox on the wire: sends still waiting (in a rate
        limiter, say) wait until they are cancelled, and go after the restart; those on the
        wire finish."""
        ...


@runtime_checkable
class Broadcaster(Protocol):
    """A notifier that also shows events where a group sees them: an admin chat's approval
    cards (posted, then edited as the request changes), a public announcements channel."""

    name: str

    async def publish(self, event: Event) -> bool:
        """Post or update what ``event`` changes in the shared chats: True if something was
        posted or edited, False if nothing there concerns it. Raises DeliveryFailed."""
        ...


class UserRepository(Protocol):
    async def get(self, user_id: int, *, for_update: bool = False) -> User | None: ...

    async def find_by_identity(self, identity: Identity) -> User | None: ...

    async def find(self, text: str) -> list[User]:
        """Users whose display name, identity or media-server username matches ``text``."""
        ...

    async def add(
        self,
        display_name: str,
        permissions: Permission,
        identity: Identity | None,
        now: datetime,
    ) -> User:
        """A new user with its first identity (and that identity's platform username)."""
        ...

    async def add_identity(self, user_id: int, identity: Identity) -> None: ...

    async def set_identity_username(self, identity: Identity, username: str | None) -> None: ...

    async def with_username(self, username: str) -> list[User]:
        """Users with a chat identity whose platform username is ``username`` (any case)."""
        ...

    async def with_media_server_username(self, username: str) -> User | None:
        """The user linked to this media-server account name (any case)."""
        ...

    async def set_permissions(self, user_id: int, permissions: Permission, now: datetime) -> None:
        """Replace the user's own permissions (those their roles grant stay)."""
        ...

    async def set_role_permissions(
        self, user_id: int, permissions: Permission, now: datetime
    ) -> None:
        """Replace the permissions the user's chat-platform roles grant."""
        ...

    async def set_quota(self, user_id: int, quota: QuotaLimits, now: datetime) -> None: ...

    async def set_profile(
        self,
        user_id: int,
        now: datetime,
        *,
        display_name: str | None = None,
        email: str | None = None,
        media_server_username: str | None = None,
    ) -> None: ...

    async def page(self, offset: int = 0, limit: int = 50) -> list[User]:
        """Users by id."""
        ...

    async def count(self) -> int: ...

    async def with_any_permission(self, permissions: Permission) -> list[User]:
        """Users holding any of ``permissions`` or ADMIN."""
        ...


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
    ) -> MediaRequest: ...

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


class EventRepository(Protocol):
    """The outbox and its delivery log."""

    async def add(self, kind: EventKind, payload: EventPayload, now: datetime) -> Event: ...

    async def due(self, now: datetime, limit: int = 50) -> list[Event]:
        """Undelivered events whose next attempt is due, oldest first."""
        ...

    async def get(self, event_id: int) -> Event | None: ...

    async def claim(self, event_id: int, now: datetime, until: datetime) -> bool:
        """Lease an undelivered event that is due at ``now`` until ``until``, atomically:
        of several dispatchers claiming one event at once, exactly one gets True."""
        ...

    async def finish(self, event_id: int, now: datetime, *, gave_up: bool = False) -> None: ...

    async def reschedule(self, event_id: int, attempts: int, next_attempt_at: datetime) -> None: ...

    async def log(self, attempt: DeliveryAttempt) -> None: ...

    async def attempts(self, event_id: int) -> list[DeliveryAttempt]: ...

    async def pending_count(self) -> int: ...


class SettingsRepository(Protocol):
    async def get(self, key: str, *, max_age: timedelta | None = None) -> str | None:
        """The value stored under ``key``. With ``max_age``, a value this process read at
        most that long ago will do, unless this process changed it since; another
        process's change may then show up to ``max_age`` late."""
        ...

    async def set(self, key: str, value: str, now: datetime) -> None: ...


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


class ChatStateRepository(Protocol):
    """What a chat adapter keeps behind the short keys in its buttons, with an expiry."""

    async def put(
        self, platform: str, key: str, data: str, now: datetime, expires_at: datetime
    ) -> None:
        """Store ``data`` under (platform, key), replacing what was there."""
        ...

    async def get(self, platform: str, key: str, now: datetime) -> str | None:
        """The data, or None when there is none or it expired before ``now``."""
        ...

    async def delete(self, platform: str, key: str) -> None: ...

    async def purge(self, now: datetime) -> int:
        """Delete what expired before ``now``; returns how many entries went."""
        ...


class ChatPostRepository(Protocol):
    """Messages posted about requests (approval cards), to edit them later."""

    async def add(self, post: ChatPost, now: datetime) -> None: ...

    async def for_request(self, request_id: int, platform: str) -> list[ChatPost]:
        """The posts about a request on one platform, oldest first."""
        ...


class AccountRepository(Protocol):
    """The media server's user accounts, as last imported."""

    async def replace(self, accounts: Sequence[ServerAccount], now: datetime) -> None:
        """Make the stored accounts exactly ``accounts``."""
        ...

    async def by_name(self, name: str) -> ServerAccount | None:
        """The account with this name (any case)."""
        ...

    async def all(self) -> list[ServerAccount]:
        """Every account, by name."""
        ...


class UnitOfWork(Protocol):
    """One database transaction. Leaving it without ``commit()`` rolls back."""

    users: UserRepository
    media: MediaRepository
    requests: RequestRepository
    events: EventRepository
    settings: SettingsRepository
    watchers: WatcherRepository
    chat_states: ChatStateRepository
    chat_posts: ChatPostRepository
    accounts: AccountRepository

    async def __aenter__(self) -> Self: ...

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    async def commit(self) -> None: ...


class UnitOfWorkFactory(Protocol):
    def __call__(self, *, write: bool = True) -> UnitOfWork:
        """A new unit of work; ``write`` ones are serialised where the database needs it."""
        ...
