"""The ports: what the core needs from the outside world, as Protocols: the clock, the
catalogue, the media server, the downloaders, the notifiers, and the unit of work that holds
the repositories (core/user_repositories.py, core/request_repositories.py,
core/state_repositories.py).

Adapters (TMDb, chat platforms) and storage implement them; tests/fakes.py has an
in-memory fake of each.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Collection, Sequence
from datetime import datetime
from types import TracebackType
from typing import Protocol, Self, TypeVar, runtime_checkable

from core.domain import DownloadOrder
from core.events import Event, Notification
from core.identity import ServerAccount, User
from core.issue_values import IssueRepository
from core.listing_repositories import ListingRepository
from core.media import DownloadProgress, LibraryItem, MediaDetails, MediaKey, MediaType, SearchPage
from core.request_repositories import MediaRepository, RequestRepository, WatcherRepository
from core.state_repositories import (
    ChatPostRepository,
    ChatStateRepository,
    EventRepository,
    SettingsRepository,
)
from core.user_repositories import AccountRepository, PreferenceRepository, UserRepository

T = TypeVar("T")


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
    listings: ListingRepository
    preferences: PreferenceRepository
    issues: IssueRepository

    async def __aenter__(self) -> Self: ...

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    async def commit(self) -> None: ...

    async def run_and_commit(self, work: Callable[[Self], Awaitable[T]]) -> T:
        """``await work(self)``, then ``commit()``. Storage may run both in one trip to its
        database (SQLite: on the connection's thread, where there is no event loop), so
        ``work`` should await nothing but this unit's repositories (a future of the loop is
        fine: the rest of ``work`` then runs on the loop)."""
        ...


class UnitOfWorkFactory(Protocol):
    def __call__(self, *, write: bool = True) -> UnitOfWork:
        """A new unit of work; ``write`` ones are serialised where the database needs it."""
        ...
