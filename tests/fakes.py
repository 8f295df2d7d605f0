"""In-memory fakes of every port in core/ports.py: the reference the other tests rely on.

They follow the Protocol docstrings and stay simple enough to be obviously right. Every
repository call yields to the event loop once, as a real database round trip would, so that
concurrent use cases really interleave.
"""

from __future__ import annotations

import asyncio
import copy
import math
from collections import Counter
from collections.abc import (
    AsyncIterator,
    Awaitable,
    Callable,
    Collection,
    Iterable,
    Mapping,
    Sequence,
)
from dataclasses import dataclass, field, fields, replace
from datetime import UTC, datetime, timedelta
from types import TracebackType
from typing import TYPE_CHECKING, Any, Self, TypeVar

from core.domain import ChatPost, DownloadOrder, MediaRequest, RequestStatus, SeasonRequest
from core.errors import Conflict, DeliveryFailed, NotFound, ServiceUnavailable, TitleNotFound
from core.events import (
    DeliveryAttempt,
    DeliveryStatus,
    Event,
    EventKind,
    EventPayload,
    Notification,
)
from core.identity import Identity, QuotaLimits, ServerAccount, User
from core.issue_rules import on_server
from core.issue_values import (
    Issue,
    IssueComment,
    IssueCounts,
    IssueRepository,
    IssueSort,
    IssueStatus,
    IssueType,
)
from core.listing_repositories import (
    MEDIA_FILTER_STATUSES,
    REQUEST_FILTER_STATUSES,
    ListingRepository,
    MediaQuery,
    MediaSort,
    RequestCounts,
    RequestQuery,
    RequestSort,
    UserQuery,
    UserSort,
)
from core.media import (
    CatalogueItem,
    DownloadProgress,
    LibraryItem,
    Media,
    MediaDetails,
    MediaKey,
    MediaStatus,
    MediaType,
    SearchPage,
    SeasonInfo,
)
from core.notification_types import NotificationType
from core.outbox import reassigned
from core.permissions import Permission
from core.preferences import Preferences
from core.request_repositories import (
    MediaRepository,
    MediaState,
    PendingAfter,
    QuotaUsage,
    RequestRepository,
    WatcherRepository,
)
from core.state_repositories import (
    ChatPostRepository,
    ChatStateRepository,
    EventRepository,
    SettingsRepository,
)
from core.user_repositories import (
    AccountRepository,
    AccountSync,
    PreferenceRepository,
    UserRepository,
)

if TYPE_CHECKING:
    from core.ports import Catalogue, Clock, HealthCheck, Notifier, UnitOfWorkFactory

START = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)
K = TypeVar("K")
V = TypeVar("V")
R = TypeVar("R", Event, Media)  # rows changed in place by _change
T = TypeVar("T")
PAGE_SIZE = 20


async def _round_trip() -> None:
    """Let other tasks run, as awaiting a real database would."""
    await asyncio.sleep(0)


# ----- clock --------------------------------------------------------------------------


class FakeClock:
    """A clock that stands still until a test moves it; always timezone-aware UTC."""

    def __init__(self, start: datetime = START) -> None:
        self._now = _utc(start)

    def now(self) -> datetime:
        return self._now

    def set(self, when: datetime) -> None:
        self._now = _utc(when)

    def advance(self, delta: timedelta | None = None, **parts: float) -> datetime:
        """Move forward by ``delta`` and/or ``timedelta(**parts)``; returns the new time."""
        step = (delta or timedelta()) + timedelta(**parts)
        if step < timedelta():
            raise ValueError("the clock does not go back")
        self._now += step
        return self._now


def _utc(when: datetime) -> datetime:
    if when.tzinfo is None or when.utcoffset() is None:
        raise ValueError(f"naive datetime: {when!r}")
    return when.astimezone(UTC)


# ----- catalogue ----------------------------------------------------------------------


class FakeCatalogue:
    """TMDb with only the titles a test adds. Counts calls; can be told to be unreachable."""

    name = "tmdb"

    def __init__(self) -> None:
        self._titles: dict[MediaKey, MediaDetails] = {}
        self.search_calls: list[tuple[str, int, MediaType | None]] = []
        self.details_calls: list[MediaKey] = []
        self.find_calls: list[tuple[str, str]] = []
        self.unavailable = False

    @property
    def calls(self) -> int:
        return len(self.search_calls) + len(self.details_calls)

    def add_movie(
        self,
        tmdb_id: int,
        title: str,
        year: int | None = 2020,
        *,
        overview: str = "",
        poster_path: str | None = None,
        imdb_id: str | None = None,
    ) -> MediaDetails:
        details = MediaDetails(
            tmdb_id, MediaType.MOVIE, title, year, overview, poster_path, imdb_id=imdb_id
        )
        self._titles[(tmdb_id, MediaType.MOVIE)] = details
        return details

    def add_show(
        self,
        tmdb_id: int,
        title: str,
        year: int | None = 2020,
        *,
        seasons: Mapping[int, int] | Iterable[int] = (0, 1, 2),
        overview: str = "",
        poster_path: str | None = None,
        tvdb_id: int | None = None,
        imdb_id: str | None = None,
        keywords: tuple[str, ...] = (),
    ) -> MediaDetails:
        """A show; ``seasons`` maps season numbers (0 = specials) to episode counts, or lists
        the numbers (10 episodes each)."""
        counts = dict(seasons) if isinstance(seasons, Mapping) else dict.fromkeys(seasons, 10)
        infos = tuple(
            SeasonInfo(n, episodes, name="Specials" if n == 0 else f"Season {n}")
            for n, episodes in sorted(counts.items())
        )
        details = MediaDetails(
            tmdb_id,
            MediaType.TV,
            title,
            year,
            overview,
            poster_path,
            infos,
            tvdb_id=tvdb_id,
            imdb_id=imdb_id,
            keywords=keywords,
        )
        self._titles[(tmdb_id, MediaType.TV)] = details
        return details

    async def search(
        self, query: str, page: int = 1, media_type: MediaType | None = None
    ) -> SearchPage:
        """Titles containing every word of ``query``, in the order added, 20 a page."""
        self.search_calls.append((query, page, media_type))
        await self._answer()
        words = query.lower().split()
        found = [
            d
            for d in self._titles.values()
            if (media_type is None or d.media_type is media_type)
            and all(w in d.title.lower() for w in words)
        ]
        start = (page - 1) * PAGE_SIZE
        items = tuple(_item(d) for d in found[start : start + PAGE_SIZE])
        return SearchPage(page, math.ceil(len(found) / PAGE_SIZE), len(found), items)

    async def details(self, tmdb_id: int, media_type: MediaType) -> MediaDetails:
        self.details_calls.append((tmdb_id, media_type))
        await self._answer()
        found = self._titles.get((tmdb_id, media_type))
        if found is None:
            raise TitleNotFound(tmdb_id, media_type)
        return found

    async def find(self, source: str, external_id: str) -> list[MediaKey]:
        """Titles whose IMDb id (``imdb_id``) or TheTVDB id (``tvdb_id``) is ``external_id``."""
        self.find_calls.append((source, external_id))
        await self._answer()
        field = {"imdb_id": "imdb_id", "tvdb_id": "tvdb_id"}.get(source)
        if field is None:
            raise ValueError(f"unknown external source {source!r}")
        return [
            (d.tmdb_id, d.media_type)
            for d in self._titles.values()
            if str(getattr(d, field) or "") == external_id
        ]

    async def _answer(self) -> None:
        await _round_trip()
        if self.unavailable:
            raise ServiceUnavailable(self.name, "told to be down")


def _item(d: MediaDetails) -> CatalogueItem:
    return CatalogueItem(d.tmdb_id, d.media_type, d.title, d.year, d.overview, d.poster_path)


class FakeHealthCheck:
    """A health check that answers ``detail`` or raises ``error``."""

    def __init__(self, name: str, detail: str = "ok", error: Exception | None = None) -> None:
        self.name = name
        self.detail = detail
        self.error = error

    async def check(self) -> str:
        if self.error is not None:
            raise self.error
        return self.detail


# ----- the database -------------------------------------------------------------------
#
# The repositories follow storage/ wherever the Protocols leave a choice open (orders,
# missing rows, name folding); tests/integration/test_repository_contract.py runs the
# same tests on both.

FIND_LIMIT = 50  # as storage's users.find


@dataclass(frozen=True, slots=True)
class _RequestRow:
    id: int
    media_id: int
    user_id: int
    status: RequestStatus
    is_4k: bool
    seasons: tuple[int, ...]
    season_ids: tuple[int, ...]
    created_at: datetime
    updated_at: datetime
    modified_by_id: int | None = None
    decline_reason: str | None = None
    fail_reason: str | None = None
    sent_at: datetime | None = None
    download_ref: str | None = None


@dataclass(frozen=True, slots=True)
class _IssueRow:
    id: int
    media_id: int
    issue_type: IssueType
    status: IssueStatus
    problem_season: int
    problem_episode: int
    created_by_id: int
    created_at: datetime
    updated_at: datetime
    modified_by_id: int | None = None


@dataclass(frozen=True, slots=True)
class _CommentRow:
    id: int
    issue_id: int
    user_id: int
    message: str
    created_at: datetime
    updated_at: datetime


@dataclass(slots=True)
class _Tables:
    """Every table. Rows are immutable and replaced, never changed, so copying the
    containers is enough to take a snapshot. A table keyed by id holds its rows in id order
    (a replaced row keeps its place), as SQL's ORDER BY id gives them."""

    users: dict[int, User] = field(default_factory=dict)
    media: dict[int, Media] = field(default_factory=dict)
    requests: dict[int, _RequestRow] = field(default_factory=dict)
    events: dict[int, Event] = field(default_factory=dict)
    given_up: set[int] = field(default_factory=set)
    attempts: list[DeliveryAttempt] = field(default_factory=list)
    settings: dict[str, str] = field(default_factory=dict)
    last_ids: dict[str, int] = field(default_factory=dict)
    watchers: dict[int, tuple[int, ...]] = field(default_factory=dict)  # media id -> user ids
    chat_states: dict[tuple[str, str], tuple[str, datetime]] = field(default_factory=dict)
    chat_posts: list[ChatPost] = field(default_factory=list)
    own_permissions: dict[int, Permission] = field(default_factory=dict)  # apart from roles
    preferences: dict[int, Preferences] = field(default_factory=dict)  # those who chose
    issues: dict[int, _IssueRow] = field(default_factory=dict)
    issue_comments: dict[int, _CommentRow] = field(default_factory=dict)

    def copy(self) -> _Tables:
        return _Tables(**{f.name: copy.copy(getattr(self, f.name)) for f in fields(self)})

    def next_id(self, table: str) -> int:
        self.last_ids[table] = self.last_ids.get(table, 0) + 1
        return self.last_ids[table]

    def owner_of(self, identity: Identity) -> User | None:
        return next((u for u in self.users.values() if identity in u.identities), None)

    def add_user(
        self,
        display_name: str,
        permissions: Permission,
        identities: tuple[Identity, ...],
        now: datetime,
        quota: QuotaLimits | None = None,
    ) -> User:
        taken = next((i for i in identities if self.owner_of(i)), None)
        if taken is not None:
            raise Conflict(f"identity {taken} is taken")
        user = User(
            self.next_id("users"),
            display_name,
            permissions,
            identities,
            quota=quota or QuotaLimits(),
            created_at=now,
            updated_at=now,
        )
        self.users[user.id] = user
        self.own_permissions[user.id] = permissions
        return user

    def find_media(self, tmdb_id: int, media_type: MediaType) -> Media | None:
        key = (tmdb_id, media_type)
        return next((m for m in self.media.values() if (m.tmdb_id, m.media_type) == key), None)

    def add_media(
        self,
        d: MediaDetails,
        status: MediaStatus = MediaStatus.UNKNOWN,
        season_statuses: Mapping[int, MediaStatus] | None = None,
        now: datetime = START,
    ) -> Media:
        media = Media(
            id=self.next_id("media"),
            tmdb_id=d.tmdb_id,
            media_type=d.media_type,
            title=d.title,
            year=d.year,
            poster_path=d.poster_path,
            status=status,
            tvdb_id=d.tvdb_id,
            imdb_id=d.imdb_id,
            overview=d.overview,
            season_statuses=dict(season_statuses or {}),
            created_at=now,
            updated_at=now,
        )
        self.media[media.id] = media
        return self.media_row(media.id)

    def media_row(self, media_id: int) -> Media:
        media = self.media[media_id]
        return replace(media, season_statuses=dict(media.season_statuses))

    def request_rows(self, keep: Callable[[_RequestRow], bool]) -> list[_RequestRow]:
        """The requests ``keep`` keeps, oldest (lowest id) first."""
        return [r for r in self.requests.values() if keep(r)]

    def request_row(self, row: _RequestRow) -> MediaRequest:
        return MediaRequest(
            id=row.id,
            media=self.media_row(row.media_id),
            status=row.status,
            requested_by=self.users[row.user_id],
            created_at=row.created_at,
            updated_at=row.updated_at,
            is_4k=row.is_4k,
            seasons=tuple(
                SeasonRequest(n, row.status, sid)
                for n, sid in zip(row.seasons, row.season_ids, strict=True)
            ),
            modified_by=None if row.modified_by_id is None else self.users[row.modified_by_id],
            decline_reason=row.decline_reason,
            fail_reason=row.fail_reason,
            sent_at=row.sent_at,
            download_ref=row.download_ref,
        )

    def request_page(
        self, rows: list[_RequestRow], offset: int, limit: int
    ) -> tuple[list[MediaRequest], int]:
        return [self.request_row(r) for r in rows[offset : offset + limit]], len(rows)


class InMemoryDatabase:
    """The committed state, a writer lock like SQLite's, and helpers for tests to seed and
    inspect it outside any transaction."""

    def __init__(self) -> None:
        self._tables = _Tables()
        self.writer_lock = asyncio.Lock()
        self.commits = 0
        # The next this-many write commits raise Conflict, as a lost race would.
        self.conflicts_to_raise = 0

    def snapshot(self) -> _Tables:
        return self._tables.copy()

    def install(self, tables: _Tables) -> None:
        self._tables = tables.copy()
        self.commits += 1

    # -- seeding (call outside transactions) --

    def seed_user(
        self,
        display_name: str,
        permissions: Permission = Permission.REQUEST,
        identities: Iterable[Identity] = (),
        *,
        quota: QuotaLimits | None = None,
        now: datetime = START,
    ) -> User:
        return self._tables.add_user(display_name, permissions, tuple(identities), now, quota)

    def seed_media(
        self,
        details: MediaDetails,
        status: MediaStatus = MediaStatus.UNKNOWN,
        *,
        season_statuses: Mapping[int, MediaStatus] | None = None,
    ) -> Media:
        return self._tables.add_media(details, status, season_statuses)

    # -- inspection of the committed state --

    def user(self, user_id: int) -> User | None:
        return self._tables.users.get(user_id)

    def users(self) -> list[User]:
        return list(self._tables.users.values())

    def media(self, tmdb_id: int, media_type: MediaType) -> Media | None:
        found = self._tables.find_media(tmdb_id, media_type)
        return None if found is None else self._tables.media_row(found.id)

    def request(self, request_id: int) -> MediaRequest | None:
        row = self._tables.requests.get(request_id)
        return None if row is None else self._tables.request_row(row)

    def requests(self) -> list[MediaRequest]:
        return [self._tables.request_row(r) for r in self._tables.requests.values()]

    def events(self) -> list[Event]:
        return list(self._tables.events.values())

    def given_up(self) -> set[int]:
        return set(self._tables.given_up)

    def attempts(self, event_id: int | None = None) -> list[DeliveryAttempt]:
        return [a for a in self._tables.attempts if event_id in (None, a.event_id)]

    def setting(self, key: str) -> str | None:
        return self._tables.settings.get(key)

    def watchers(self, media_id: int) -> tuple[int, ...]:
        return self._tables.watchers.get(media_id, ())

    def issues(self) -> list[Issue]:
        tables = self._tables
        return [_issue(tables, row) for row in tables.issues.values()]

    def chat_posts(self) -> list[ChatPost]:
        return list(self._tables.chat_posts)


class InMemoryUnitOfWork:
    """One transaction: works on a copy of the tables; ``commit()`` installs the copy,
    leaving without it discards the copy. Write units hold the database's writer lock from
    start to end; read units read a snapshot and must not write."""

    def __init__(self, db: InMemoryDatabase, *, write: bool = True) -> None:
        self.db = db
        self.write = write
        self._tables: _Tables | None = None
        self.users: UserRepository = FakeUserRepository(self)
        self.media: MediaRepository = FakeMediaRepository(self)
        self.requests: RequestRepository = FakeRequestRepository(self)
        self.events: EventRepository = FakeEventRepository(self)
        self.settings: SettingsRepository = FakeSettingsRepository(self)
        self.watchers: WatcherRepository = FakeWatcherRepository(self)
        self.chat_states: ChatStateRepository = FakeChatStateRepository(self)
        self.chat_posts: ChatPostRepository = FakeChatPostRepository(self)
        self.accounts: AccountRepository = FakeAccountRepository(self)
        self.listings: ListingRepository = FakeListingRepository(self)
        self.preferences: PreferenceRepository = FakePreferenceRepository(self)
        self.issues: IssueRepository = FakeIssueRepository(self)

    @property
    def tables(self) -> _Tables:
        if self._tables is None:
            raise RuntimeError("unit of work used outside 'async with'")
        return self._tables

    def writable(self) -> _Tables:
        """The tables, for a change; read-only units refuse."""
        if not self.write:
            raise AssertionError("write in a read-only unit of work")
        return self.tables

    async def __aenter__(self) -> Self:
        if self._tables is not None:
            raise RuntimeError("unit of work entered twice")
        if self.write:
            await self.db.writer_lock.acquire()
        self._tables = self.db.snapshot()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._tables = None
        if self.write:
            self.db.writer_lock.release()

    async def run_and_commit(self, work: Callable[[Self], Awaitable[T]]) -> T:
        result = await work(self)
        await self.commit()
        return result

    async def commit(self) -> None:
        tables = self.tables
        await _round_trip()
        if not self.write:
            return  # nothing to save; installing a stale snapshot would lose others' writes
        if self.db.conflicts_to_raise > 0:
            self.db.conflicts_to_raise -= 1
            raise Conflict("told to lose a race")
        self.db.install(tables)


class InMemoryUnitOfWorkFactory:
    """The UnitOfWorkFactory over one InMemoryDatabase."""

    def __init__(self, db: InMemoryDatabase) -> None:
        self.db = db

    def __call__(self, *, write: bool = True) -> InMemoryUnitOfWork:
        return InMemoryUnitOfWork(self.db, write=write)


class _Repository:
    def __init__(self, uow: InMemoryUnitOfWork) -> None:
        self._uow = uow

    async def _read(self) -> _Tables:
        await _round_trip()
        return self._uow.tables

    async def _write(self) -> _Tables:
        await _round_trip()
        return self._uow.writable()


class FakeUserRepository(_Repository):
    async def get(self, user_id: int, *, for_update: bool = False) -> User | None:
        return (await self._read()).users.get(user_id)

    async def find_by_identity(self, identity: Identity) -> User | None:
        return (await self._read()).owner_of(identity)

    async def find(self, text: str) -> list[User]:
        """Users whose display name or media-server username contains ``text`` (any case),
        or who hold an identity with that id or that is ``platform:id``; exact names first,
        at most FIND_LIMIT."""
        needle = " ".join(text.split())
        if not needle:
            return []
        wanted = needle.lower()
        try:
            identity: Identity | None = Identity.parse(needle)
        except ValueError:
            identity = None

        def matches(u: User) -> bool:
            names = (u.display_name, u.media_server_username or "")
            held = (i.external_id == needle or i == identity for i in u.identities)
            return any(wanted in n.lower() for n in names) or any(held)

        found = [u for u in (await self._read()).users.values() if matches(u)]
        found.sort(key=lambda u: u.display_name.lower() != wanted)  # stable: then by id
        return found[:FIND_LIMIT]

    async def add(
        self,
        display_name: str,
        permissions: Permission,
        identity: Identity | None,
        now: datetime,
    ) -> User:
        identities = (identity,) if identity else ()
        return (await self._write()).add_user(display_name, permissions, identities, now)

    async def add_identity(self, user_id: int, identity: Identity) -> None:
        """Conflict if anyone holds ``identity``, the user included (as a unique index)."""
        tables = await self._write()
        user = _get(tables.users, "user", user_id)
        if tables.owner_of(identity) is not None:
            raise Conflict(f"identity {identity} is taken")
        tables.users[user_id] = replace(user, identities=(*user.identities, identity))

    async def set_identity_username(self, identity: Identity, username: str | None) -> None:
        tables = await self._write()
        owner = tables.owner_of(identity)
        if owner is None:
            return
        renamed = tuple(
            replace(i, username=username) if i == identity else i for i in owner.identities
        )
        tables.users[owner.id] = replace(owner, identities=renamed)

    async def with_username(self, username: str) -> list[User]:
        wanted = _fold(username)
        users = (await self._read()).users.values()
        return [u for u in users if any(_fold(i.username) == wanted for i in u.identities)]

    async def with_media_server_username(self, username: str) -> User | None:
        wanted = _fold(username)
        users = (await self._read()).users.values()
        return next((u for u in users if _fold(u.media_server_username) == wanted), None)

    async def set_permissions(self, user_id: int, permissions: Permission, now: datetime) -> None:
        tables = await self._write()
        user = _get(tables.users, "user", user_id)
        tables.own_permissions[user_id] = permissions
        tables.users[user_id] = _held(user, permissions, user.role_permissions, now)

    async def set_role_permissions(
        self, user_id: int, permissions: Permission, now: datetime
    ) -> None:
        tables = await self._write()
        user = _get(tables.users, "user", user_id)
        tables.users[user_id] = _held(user, tables.own_permissions[user_id], permissions, now)

    async def set_quota(self, user_id: int, quota: QuotaLimits, now: datetime) -> None:
        tables = await self._write()
        user = _get(tables.users, "user", user_id)
        tables.users[user_id] = replace(user, quota=quota, updated_at=now)

    async def set_profile(
        self,
        user_id: int,
        now: datetime,
        *,
        display_name: str | None = None,
        email: str | None = None,
        media_server_username: str | None = None,
    ) -> None:
        """None leaves a field as it is; an empty email or username clears it."""
        tables = await self._write()
        user = _get(tables.users, "user", user_id)
        if display_name is not None:
            user = replace(user, display_name=display_name)
        if email is not None:
            user = replace(user, email=email or None)
        if media_server_username is not None:
            user = replace(user, media_server_username=media_server_username or None)
        tables.users[user_id] = replace(user, updated_at=now)

    async def page(self, offset: int = 0, limit: int = 50) -> list[User]:
        return list((await self._read()).users.values())[offset : offset + limit]

    async def count(self) -> int:
        return len((await self._read()).users)

    async def with_any_permission(self, permissions: Permission) -> list[User]:
        wanted = permissions | Permission.ADMIN
        return [u for u in (await self._read()).users.values() if u.permissions & wanted]

    async def merge(self, source_id: int, target_id: int, now: datetime) -> None:
        """As storage's merge_users."""
        if source_id == target_id:
            raise ValueError("a user cannot be merged into itself")
        tables = await self._write()
        source = _get(tables.users, "user", source_id)
        target = _get(tables.users, "user", target_id)
        own = tables.own_permissions.pop(source_id) | tables.own_permissions[target_id]
        tables.own_permissions[target_id] = own
        del tables.users[source_id]
        t, s = target.quota, source.quota
        merged = replace(
            target,
            identities=(*target.identities, *source.identities),
            email=target.email or source.email,
            quota=QuotaLimits(
                *(
                    mine if mine is not None else theirs
                    for mine, theirs in zip(
                        (t.movie_limit, t.movie_days, t.tv_limit, t.tv_days),
                        (s.movie_limit, s.movie_days, s.tv_limit, s.tv_days),
                        strict=True,
                    )
                )
            ),
        )
        tables.users[target_id] = _held(
            merged, own, target.role_permissions | source.role_permissions
        )
        for request_id, row in tables.requests.items():
            moved = target_id if row.user_id == source_id else row.user_id
            modifier = target_id if row.modified_by_id == source_id else row.modified_by_id
            tables.requests[request_id] = replace(row, user_id=moved, modified_by_id=modifier)
        for media_id, watching in tables.watchers.items():
            ids = (target_id if uid == source_id else uid for uid in watching)
            tables.watchers[media_id] = tuple(dict.fromkeys(ids))
        tables.attempts = [
            replace(a, recipient_id=target_id) if a.recipient_id == source_id else a
            for a in tables.attempts
        ]
        for event_id, event in tables.events.items():
            if event.delivered_at is None:
                moved = reassigned(event.payload, source_id, target_id)
                tables.events[event_id] = replace(event, payload=moved)
        for issue_id, issue in tables.issues.items():
            tables.issues[issue_id] = replace(
                issue,
                created_by_id=target_id
                if issue.created_by_id == source_id
                else issue.created_by_id,
                modified_by_id=target_id
                if issue.modified_by_id == source_id
                else issue.modified_by_id,
            )
        for comment_id, comment in tables.issue_comments.items():
            if comment.user_id == source_id:
                tables.issue_comments[comment_id] = replace(comment, user_id=target_id)
        theirs = tables.preferences.pop(source_id, None)
        if theirs is not None:
            mine = tables.preferences.get(target_id, Preferences(target_id))
            tables.preferences[target_id] = Preferences(
                target_id,
                {**theirs.types, **mine.types},
                mine.private_cards or theirs.private_cards,
            )


def _held(user: User, own: Permission, roles: Permission, now: datetime | None = None) -> User:
    """The user holding their own and their roles' permissions, or none while disabled
    (changed at ``now``, when given)."""
    held = Permission.NONE if user.disabled else own | roles
    stamp = user.updated_at if now is None else now
    return replace(user, permissions=held, role_permissions=roles, updated_at=stamp)


class FakeMediaRepository(_Repository):
    async def get(self, media_id: int) -> Media | None:
        tables = await self._read()
        return tables.media_row(media_id) if media_id in tables.media else None

    async def get_by_tmdb(
        self, tmdb_id: int, media_type: MediaType, *, for_update: bool = False
    ) -> Media | None:
        tables = await self._read()
        found = tables.find_media(tmdb_id, media_type)
        return None if found is None else tables.media_row(found.id)

    async def upsert(self, details: MediaDetails, now: datetime) -> Media:
        """Refreshes the metadata; outside ids the catalogue did not send are kept."""
        tables = await self._write()
        found = tables.find_media(details.tmdb_id, details.media_type)
        if found is None:
            return tables.add_media(details, now=now)
        refreshed = replace(
            found,
            title=details.title,
            year=details.year,
            poster_path=details.poster_path,
            overview=details.overview,
            tvdb_id=found.tvdb_id if details.tvdb_id is None else details.tvdb_id,
            imdb_id=found.imdb_id if details.imdb_id is None else details.imdb_id,
        )
        # As in SQL: updated_at moves only when the metadata changed.
        changed = refreshed != found
        tables.media[found.id] = replace(refreshed, updated_at=now) if changed else refreshed
        return tables.media_row(found.id)

    async def add_new(
        self,
        titles: Sequence[tuple[MediaDetails, MediaStatus, dict[int, MediaStatus]]],
        now: datetime,
    ) -> set[MediaKey]:
        tables = await self._write()
        added: set[MediaKey] = set()
        for details, status, seasons in titles:
            if tables.find_media(details.tmdb_id, details.media_type) is None:
                tables.add_media(details, status, seasons, now)
                added.add((details.tmdb_id, details.media_type))
        return added

    async def ensure(self, details: MediaDetails, now: datetime) -> Media:
        tables = await self._write()
        found = tables.find_media(details.tmdb_id, details.media_type)
        return tables.add_media(details, now=now) if found is None else tables.media_row(found.id)

    async def set_status(
        self, media_id: int, status: MediaStatus, now: datetime, *, is_4k: bool = False
    ) -> None:
        """A missing row is left alone (one UPDATE that matches nothing)."""
        column = "status_4k" if is_4k else "status"
        _change((await self._write()).media, media_id, **{column: status, "updated_at": now})

    async def set_season_statuses(
        self, media_id: int, statuses: dict[int, MediaStatus], now: datetime
    ) -> None:
        tables = await self._write()
        media = _get(tables.media, "media", media_id)
        merged = {**media.season_statuses, **statuses}
        tables.media[media_id] = replace(media, season_statuses=merged)

    async def states(self, keys: Iterable[MediaKey]) -> dict[MediaKey, MediaState]:
        tables = await self._read()
        found: dict[MediaKey, MediaState] = {}
        for tmdb_id, media_type in keys:
            media = tables.find_media(tmdb_id, media_type)
            if media is not None:
                found[(tmdb_id, media_type)] = MediaState(
                    tables.media_row(media.id), _badges(tables, media.id)
                )
        return found

    async def on_server_titled(self, words: Sequence[str], limit: int) -> list[Media]:
        tables = await self._read()
        lowered = [w.lower() for w in words]
        if not lowered:
            return []
        start = " ".join(lowered)
        held = [
            m
            for m in tables.media.values()
            if on_server(m) and all(w in m.title.lower() for w in lowered)
        ]
        held.sort(
            key=lambda m: (
                not m.title.lower().startswith(start),
                len(m.title),
                m.year is None,
                -(m.year or 0),
                -m.id,
            )
        )
        return [tables.media_row(m.id) for m in held[: max(limit, 0)]]


def _badges(tables: _Tables, media_id: int) -> tuple[RequestStatus, ...]:
    """The statuses of a title's regular (not 4K) requests, newest first."""
    rows = tables.request_rows(lambda r: r.media_id == media_id and not r.is_4k)
    return tuple(r.status for r in reversed(rows))


class FakeRequestRepository(_Repository):
    async def get(self, request_id: int, *, for_update: bool = False) -> MediaRequest | None:
        tables = await self._read()
        row = tables.requests.get(request_id)
        return None if row is None else tables.request_row(row)

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
        """Like the SQL one, returns the request built from the arguments (not read back),
        its times in UTC as a read gives them."""
        tables = await self._write()
        _get(tables.media, "media", media.id)
        _get(tables.users, "user", requested_by.id)
        now = now.astimezone(UTC)
        numbers = tuple(sorted(set(seasons)))
        row = _RequestRow(
            id=tables.next_id("requests"),
            media_id=media.id,
            user_id=requested_by.id,
            status=status,
            is_4k=is_4k,
            seasons=numbers,
            season_ids=tuple(tables.next_id("season_requests") for _ in numbers),
            created_at=now,
            updated_at=now,
            modified_by_id=modified_by.id if modified_by else None,
        )
        tables.requests[row.id] = row
        return MediaRequest(
            id=row.id,
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
        """Sets the status, the modifier (None: nobody, i.e. the system) and both reasons."""
        tables = await self._write()
        row = replace(
            _get(tables.requests, "request", request_id),
            status=status,
            updated_at=now,
            modified_by_id=modified_by_id,
            decline_reason=decline_reason,
            fail_reason=fail_reason,
            sent_at=None,
        )
        tables.requests[request_id] = row
        return tables.request_row(row)

    async def approved(
        self,
        *,
        sent: bool,
        limit: int = 100,
        kinds: Iterable[tuple[MediaType, bool]] | None = None,
    ) -> list[MediaRequest]:
        tables = await self._read()
        wanted = None if kinds is None else set(kinds)
        rows = tables.request_rows(
            lambda r: (
                r.status is RequestStatus.APPROVED
                and (r.sent_at is not None) == sent
                and (wanted is None or (tables.media[r.media_id].media_type, r.is_4k) in wanted)
            )
        )
        return [tables.request_row(r) for r in rows[:limit]]

    async def mark_sent(self, request_id: int, download_ref: str, now: datetime) -> bool:
        tables = await self._write()
        row = tables.requests.get(request_id)
        if row is None or row.status is not RequestStatus.APPROVED:
            return False
        tables.requests[request_id] = replace(row, sent_at=now, download_ref=download_ref)
        return True

    async def delete(self, request_id: int) -> None:
        """A request already gone is fine."""
        (await self._write()).requests.pop(request_id, None)

    async def active_for_media(self, media_id: int, is_4k: bool) -> list[MediaRequest]:
        tables = await self._read()
        rows = tables.request_rows(
            lambda r: (
                r.media_id == media_id
                and r.is_4k == is_4k
                and r.status not in (RequestStatus.DECLINED, RequestStatus.COMPLETED)
            )
        )
        return [tables.request_row(r) for r in rows]

    async def usage(self, user_id: int, media_type: MediaType, since: datetime) -> QuotaUsage:
        """Movies: requests; TV: requested seasons. Counted when created after ``since``
        (so a slot frees up exactly ``days`` after it was used) and not DECLINED."""
        tables = await self._read()
        rows = tables.request_rows(
            lambda r: (
                r.user_id == user_id
                and tables.media[r.media_id].media_type is media_type
                and r.created_at > since
                and r.status is not RequestStatus.DECLINED
                and (media_type is MediaType.MOVIE or bool(r.seasons))
            )
        )
        used = len(rows) if media_type is MediaType.MOVIE else sum(len(r.seasons) for r in rows)
        return QuotaUsage(used, min((r.created_at for r in rows), default=None))

    async def for_user(
        self,
        user_id: int,
        offset: int = 0,
        limit: int = 20,
        *,
        status: RequestStatus | None = None,
    ) -> tuple[list[MediaRequest], int]:
        tables = await self._read()
        rows = tables.request_rows(lambda r: r.user_id == user_id and status in (None, r.status))
        return tables.request_page(rows[::-1], offset, limit)

    async def with_status(
        self, status: RequestStatus, offset: int = 0, limit: int = 20
    ) -> tuple[list[MediaRequest], int]:
        tables = await self._read()
        return tables.request_page(tables.request_rows(lambda r: r.status is status), offset, limit)

    async def pending_after(self, request_id: int, limit: int) -> PendingAfter:
        tables = await self._read()
        rows = tables.request_rows(
            lambda r: r.status is RequestStatus.PENDING and r.id > request_id
        )
        found = tuple(tables.request_row(r) for r in rows[:limit])
        return PendingAfter(found, len(rows), max((r.id for r in rows), default=request_id))


class FakeListingRepository(_Repository):
    """Seerr's listings, by filtering and sorting the tables in Python as storage's SQL
    does (storage/repositories/listing.py)."""

    async def requests(self, query: RequestQuery) -> tuple[list[MediaRequest], int]:
        tables = await self._read()
        statuses, title_statuses = REQUEST_FILTER_STATUSES[query.filter]

        def keep(r: _RequestRow) -> bool:
            media = tables.media[r.media_id]
            title = media.status_4k if r.is_4k else media.status
            return (
                (statuses is None or r.status in statuses)
                and (title_statuses is None or title in title_statuses)
                and query.requested_by in (None, r.user_id)
                and query.media_type in (None, media.media_type)
            )

        def key(r: _RequestRow) -> tuple[Any, int]:
            if query.sort is RequestSort.ADDED:
                return r.created_at, r.id
            if query.sort is RequestSort.MODIFIED:
                return r.updated_at, r.id
            return r.id, r.id

        rows = sorted(tables.request_rows(keep), key=key, reverse=query.descending)
        return tables.request_page(rows, query.offset, query.limit)

    async def requests_for_media(self, media_ids: Collection[int]) -> dict[int, list[MediaRequest]]:
        tables = await self._read()
        found: dict[int, list[MediaRequest]] = {m: [] for m in sorted(set(media_ids))}
        for row in tables.requests.values():
            if row.media_id in found:
                found[row.media_id].append(tables.request_row(row))
        return found

    async def request_counts(self) -> RequestCounts:
        tables = await self._read()
        rows = tables.request_rows(lambda r: True)

        def available(r: _RequestRow) -> bool:
            media = tables.media[r.media_id]
            return (media.status_4k if r.is_4k else media.status) is MediaStatus.AVAILABLE

        approved = [r for r in rows if r.status is RequestStatus.APPROVED]
        return RequestCounts(
            total=len(rows),
            movie=sum(tables.media[r.media_id].media_type is MediaType.MOVIE for r in rows),
            tv=sum(tables.media[r.media_id].media_type is MediaType.TV for r in rows),
            pending=sum(r.status is RequestStatus.PENDING for r in rows),
            approved=len(approved),
            declined=sum(r.status is RequestStatus.DECLINED for r in rows),
            processing=sum(not available(r) for r in approved),
            available=sum(available(r) for r in approved),
            completed=sum(r.status is RequestStatus.COMPLETED for r in rows),
        )

    async def requests_per_user(self, user_ids: Collection[int]) -> dict[int, int]:
        tables = await self._read()
        counts = dict.fromkeys(sorted(set(user_ids)), 0)
        for row in tables.requests.values():
            if row.user_id in counts:
                counts[row.user_id] += 1
        return counts

    async def users(self, query: UserQuery) -> tuple[list[User], int]:
        tables = await self._read()
        needle = " ".join(query.text.split()).lower()
        found = [
            u
            for u in tables.users.values()
            if any(
                needle in (n or "").lower()
                for n in (u.display_name, u.email, u.media_server_username)
            )
        ]
        made = Counter(r.user_id for r in tables.requests.values())
        keys: dict[UserSort, Callable[[User], Any]] = {
            UserSort.ID: lambda u: u.id,
            UserSort.CREATED: lambda u: (u.created_at, u.id),
            UserSort.UPDATED: lambda u: (-(u.updated_at or START).timestamp(), u.id),
            UserSort.REQUESTS: lambda u: (-made[u.id], u.id),
            UserSort.DISPLAY_NAME: lambda u: (u.display_name.lower(), u.id),
        }
        found.sort(key=keys[query.sort])
        return found[query.offset : query.offset + query.limit], len(found)

    async def media(self, query: MediaQuery) -> tuple[list[Media], int]:
        tables = await self._read()
        statuses = MEDIA_FILTER_STATUSES[query.filter]
        found = [m for m in tables.media.values() if statuses is None or m.status in statuses]

        def key(m: Media) -> tuple[datetime, int]:
            stamp = m.created_at if query.sort is MediaSort.ADDED else m.updated_at
            return stamp or START, m.id

        found.sort(key=key, reverse=True)
        page = found[query.offset : query.offset + query.limit]
        return [tables.media_row(m.id) for m in page], len(found)


class FakeAccountRepository(_Repository):
    async def sync(
        self, accounts: Sequence[ServerAccount], permissions: Permission, now: datetime
    ) -> AccountSync:
        tables = await self._write()
        known = list(tables.users.values())
        by_id = {u.media_server_user_id: u for u in known if u.media_server_user_id}
        by_name: dict[str, User] = {}
        for user in known:
            if user.media_server_user_id is None and user.media_server_username:
                by_name.setdefault(_fold(user.media_server_username), user)
        created: list[int] = []
        updated = 0
        for account in {a.server_id: a for a in accounts}.values():
            user = by_id.get(account.server_id) or by_name.pop(_fold(account.name), None)
            if user is None:
                name = " ".join(account.name.split())[:64] or account.server_id
                user = tables.add_user(name, permissions, (), now)
                created.append(user.id)
            changed = replace(
                user,
                media_server_user_id=account.server_id,
                media_server_username=account.name,
                email=account.email or user.email,
                disabled=account.disabled,
            )
            if changed != user and user.id not in created:
                updated += 1
            own = tables.own_permissions[user.id]
            tables.users[user.id] = _held(changed, own, user.role_permissions)
        return AccountSync(created=tuple(created), updated=updated)


class FakeEventRepository(_Repository):
    async def add(self, kind: EventKind, payload: EventPayload, now: datetime) -> Event:
        tables = await self._write()
        event = Event(tables.next_id("events"), kind, payload, now)
        tables.events[event.id] = event
        return event

    async def due(self, now: datetime, limit: int = 50) -> list[Event]:
        events = (await self._read()).events.values()
        return [e for e in events if _due(e, now)][:limit]

    async def get(self, event_id: int) -> Event | None:
        return (await self._read()).events.get(event_id)

    async def finish(self, event_id: int, now: datetime, *, gave_up: bool = False) -> None:
        tables = await self._write()
        if _change(tables.events, event_id, delivered_at=now) and gave_up:
            tables.given_up.add(event_id)

    async def claim(self, event_id: int, now: datetime, until: datetime) -> bool:
        tables = await self._write()
        event = tables.events.get(event_id)
        return (
            event is not None
            and _due(event, now)
            and _change(tables.events, event_id, next_attempt_at=until)
        )

    async def reschedule(self, event_id: int, attempts: int, next_attempt_at: datetime) -> None:
        tables = await self._write()
        _change(tables.events, event_id, attempts=attempts, next_attempt_at=next_attempt_at)

    async def extend(self, event_ids: Sequence[int], until: datetime) -> None:
        tables = await self._write()
        for event_id in event_ids:
            _change(tables.events, event_id, next_attempt_at=until)

    async def log(self, attempt: DeliveryAttempt) -> None:
        (await self._write()).attempts.append(attempt)

    async def attempts(self, event_id: int) -> list[DeliveryAttempt]:
        return [a for a in (await self._read()).attempts if a.event_id == event_id]

    async def held(self, notifier: str, recipient_id: int) -> list[Event]:
        tables = await self._read()
        mine = [
            a for a in tables.attempts if (a.notifier, a.recipient_id) == (notifier, recipient_id)
        ]
        sent = {a.event_id for a in mine if a.status is DeliveryStatus.SENT}
        held = {a.event_id for a in mine if a.status is DeliveryStatus.HELD} - sent
        return [tables.events[i] for i in sorted(held)]

    async def pending_count(self) -> int:
        return sum(e.delivered_at is None for e in (await self._read()).events.values())


def _due(event: Event, now: datetime) -> bool:
    """Undelivered, and its next attempt (if set) is not after ``now``."""
    waits = event.next_attempt_at is not None and event.next_attempt_at > now
    return event.delivered_at is None and not waits


class FakeSettingsRepository(_Repository):
    async def get(self, key: str, *, max_age: timedelta | None = None) -> str | None:
        """Always the stored value (as fresh as any ``max_age`` allows)."""
        return (await self._read()).settings.get(key)

    async def set(self, key: str, value: str, now: datetime) -> None:
        (await self._write()).settings[key] = value

    async def set_default(self, key: str, value: str, now: datetime) -> str:
        return (await self._write()).settings.setdefault(key, value)


class FakeWatcherRepository(_Repository):
    async def add(self, user_id: int, media_id: int, now: datetime) -> bool:
        tables = await self._write()
        current = tables.watchers.get(media_id, ())
        if user_id in current:
            return False
        tables.watchers[media_id] = (*current, user_id)
        return True

    async def user_ids(self, media_id: int) -> list[int]:
        return list((await self._read()).watchers.get(media_id, ()))

    async def clear(self, media_id: int) -> None:
        (await self._write()).watchers.pop(media_id, None)


class FakePreferenceRepository(_Repository):
    async def get(self, user_id: int) -> Preferences:
        return (await self._read()).preferences.get(user_id, Preferences(user_id))

    async def for_users(self, user_ids: Sequence[int]) -> dict[int, Preferences]:
        found = (await self._read()).preferences
        return {u: found.get(u, Preferences(u)) for u in user_ids}

    async def set_types(
        self, user_id: int, channel: str, types: NotificationType, now: datetime
    ) -> None:
        tables = await self._write()
        current = tables.preferences.get(user_id, Preferences(user_id))
        tables.preferences[user_id] = replace(current, types={**current.types, channel: types})

    async def set_private_cards(self, user_id: int, on: bool, now: datetime) -> None:
        tables = await self._write()
        current = tables.preferences.get(user_id, Preferences(user_id))
        tables.preferences[user_id] = replace(current, private_cards=on)


class FakeIssueRepository(_Repository):
    """As storage's issues and issue_comments tables (users and media joined as they are)."""

    async def add(
        self,
        *,
        media: Media,
        issue_type: IssueType,
        problem_season: int,
        problem_episode: int,
        created_by: User,
        message: str,
        now: datetime,
    ) -> Issue:
        tables = await self._write()
        row = _IssueRow(
            tables.next_id("issues"),
            media.id,
            issue_type,
            IssueStatus.OPEN,
            problem_season,
            problem_episode,
            created_by.id,
            now,
            now,
        )
        tables.issues[row.id] = row
        comment = _CommentRow(
            tables.next_id("issue_comments"), row.id, created_by.id, message, now, now
        )
        tables.issue_comments[comment.id] = comment
        return _issue(tables, row)

    async def get(self, issue_id: int, *, for_update: bool = False) -> Issue | None:
        tables = await self._read()
        row = tables.issues.get(issue_id)
        return None if row is None else _issue(tables, row)

    async def page(
        self,
        *,
        status: IssueStatus | None = None,
        created_by: int | None = None,
        media_id: int | None = None,
        offset: int = 0,
        limit: int = 10,
        sort: IssueSort = IssueSort.ADDED,
    ) -> tuple[list[Issue], int]:
        tables = await self._read()
        rows = [
            r
            for r in tables.issues.values()
            if (status is None or r.status is status)
            and (created_by is None or r.created_by_id == created_by)
            and (media_id is None or r.media_id == media_id)
        ]
        if sort is IssueSort.MODIFIED:
            rows.sort(key=lambda r: (r.updated_at, r.id), reverse=True)
        else:
            rows.sort(key=lambda r: (r.created_at, r.id), reverse=True)
        return [_issue(tables, r) for r in rows[offset : offset + limit]], len(rows)

    async def counts(self) -> IssueCounts:
        rows = (await self._read()).issues.values()
        types = Counter(r.issue_type for r in rows)
        statuses = Counter(r.status for r in rows)
        return IssueCounts(
            total=len(rows),
            video=types[IssueType.VIDEO],
            audio=types[IssueType.AUDIO],
            subtitles=types[IssueType.SUBTITLES],
            others=types[IssueType.OTHER],
            open=statuses[IssueStatus.OPEN],
            closed=statuses[IssueStatus.RESOLVED],
        )

    async def open_count(self, user_id: int, media_id: int) -> int:
        rows = (await self._read()).issues.values()
        return sum(
            r.created_by_id == user_id and r.media_id == media_id and r.status is IssueStatus.OPEN
            for r in rows
        )

    async def set_status(
        self, issue_id: int, status: IssueStatus, modified_by_id: int, now: datetime
    ) -> Issue:
        tables = await self._write()
        row = replace(
            _get(tables.issues, "issue", issue_id),
            status=status,
            modified_by_id=modified_by_id,
            updated_at=now,
        )
        tables.issues[issue_id] = row
        return _issue(tables, row)

    async def delete(self, issue_id: int) -> None:
        tables = await self._write()
        tables.issues.pop(issue_id, None)
        for comment_id in [c.id for c in tables.issue_comments.values() if c.issue_id == issue_id]:
            del tables.issue_comments[comment_id]

    async def add_comment(
        self, issue_id: int, user: User, message: str, now: datetime
    ) -> IssueComment:
        tables = await self._write()
        _change(tables.issues, issue_id, updated_at=now)
        row = _CommentRow(tables.next_id("issue_comments"), issue_id, user.id, message, now, now)
        tables.issue_comments[row.id] = row
        return _comment(tables, row)

    async def get_comment(self, comment_id: int) -> IssueComment | None:
        tables = await self._read()
        row = tables.issue_comments.get(comment_id)
        return None if row is None else _comment(tables, row)

    async def edit_comment(self, comment_id: int, message: str, now: datetime) -> IssueComment:
        tables = await self._write()
        row = replace(
            _get(tables.issue_comments, "issue comment", comment_id),
            message=message,
            updated_at=now,
        )
        tables.issue_comments[comment_id] = row
        return _comment(tables, row)

    async def delete_comment(self, comment_id: int) -> None:
        (await self._write()).issue_comments.pop(comment_id, None)


def _comment(tables: _Tables, row: _CommentRow) -> IssueComment:
    user = tables.users[row.user_id]
    return IssueComment(row.id, row.issue_id, user, row.message, row.created_at, row.updated_at)


def _issue(tables: _Tables, row: _IssueRow) -> Issue:
    comments = [c for c in tables.issue_comments.values() if c.issue_id == row.id]
    modifier = row.modified_by_id
    return Issue(
        id=row.id,
        media=tables.media_row(row.media_id),
        issue_type=row.issue_type,
        status=row.status,
        created_by=tables.users[row.created_by_id],
        created_at=row.created_at,
        updated_at=row.updated_at,
        problem_season=row.problem_season,
        problem_episode=row.problem_episode,
        modified_by=None if modifier is None else tables.users.get(modifier),
        comments=tuple(_comment(tables, c) for c in sorted(comments, key=lambda c: c.id)),
    )


class FakeChatStateRepository(_Repository):
    async def put(
        self, platform: str, key: str, data: str, now: datetime, expires_at: datetime
    ) -> None:
        (await self._write()).chat_states[platform, key] = (data, expires_at)

    async def get(self, platform: str, key: str, now: datetime) -> str | None:
        found = (await self._read()).chat_states.get((platform, key))
        return found[0] if found and found[1] > now else None

    async def delete(self, platform: str, key: str) -> None:
        (await self._write()).chat_states.pop((platform, key), None)

    async def purge(self, now: datetime) -> int:
        tables = await self._write()
        gone = [k for k, (_, expires_at) in tables.chat_states.items() if expires_at <= now]
        for key in gone:
            del tables.chat_states[key]
        return len(gone)


class FakeChatPostRepository(_Repository):
    async def add(self, post: ChatPost, now: datetime) -> None:
        (await self._write()).chat_posts.append(post)

    async def for_request(self, request_id: int, platform: str) -> list[ChatPost]:
        posts = (await self._read()).chat_posts
        return [
            p
            for p in posts
            if (p.request_id, p.platform) == (request_id, platform) and not p.is_issue
        ]

    async def for_issue(self, issue_id: int, platform: str) -> list[ChatPost]:
        posts = (await self._read()).chat_posts
        return [
            p for p in posts if (p.request_id, p.platform) == (issue_id, platform) and p.is_issue
        ]


def _get(table: dict[K, V], kind: str, key: K) -> V:
    if key not in table:
        raise NotFound(kind, key)
    return table[key]


def _change(table: dict[int, R], key: int, **values: Any) -> bool:
    """Replace the row with these values changed; False (and no change) if there is none,
    as an UPDATE that matches no row."""
    if key not in table:
        return False
    table[key] = replace(table[key], **values)
    return True


def _fold(name: str | None) -> str | None:
    """A name as compared: spaces collapsed, case folded (also beyond ASCII)."""
    return None if name is None else " ".join(name.split()).casefold()


# ----- notifier -----------------------------------------------------------------------


@dataclass(slots=True)
class _Failure:
    times: int | None  # None: every time
    make: Callable[[], BaseException]
    user_id: int | None

    def applies(self, notification: Notification) -> bool:
        if self.times is not None and self.times <= 0:
            return False
        return self.user_id in (None, notification.recipient.id)


class RecordingNotifier:
    """A chat platform that records what it was asked to send.

    It reaches users with an identity on ``platform`` (default: its name). ``fail`` makes the
    next sends raise DeliveryFailed, ``crash`` makes them raise anything; ``skip_kinds`` are
    answered False (deliberately not shown).
    """

    def __init__(self, name: str = "discord", *, platform: str | None = None) -> None:
        self.name = name
        self.platform = platform or name
        self.calls: list[Notification] = []
        self.sent: list[Notification] = []
        self.skipped: list[Notification] = []
        self.skip_kinds: set[EventKind] = set()
        self._failures: list[_Failure] = []

    def reaches(self, user: User) -> bool:
        return any(identity.platform == self.platform for identity in user.identities)

    async def send(self, notification: Notification) -> bool:
        self.calls.append(notification)
        await _round_trip()
        for failure in self._failures:
            if failure.applies(notification):
                if failure.times is not None:
                    failure.times -= 1
                raise failure.make()
        if notification.event.kind in self.skip_kinds:
            self.skipped.append(notification)
            return False
        self.sent.append(notification)
        return True

    def fail(
        self,
        times: int | None = 1,
        *,
        permanent: bool = False,
        retry_after: float | None = None,
        user_id: int | None = None,
        reason: str = "",
    ) -> None:
        """The next ``times`` sends (to ``user_id``, or anyone; None: all) raise DeliveryFailed."""
        text = reason or ("blocked by the user" if permanent else "platform unavailable")
        self._failures.append(
            _Failure(times, lambda: DeliveryFailed(text, permanent, retry_after), user_id)
        )

    def crash(
        self, error: Callable[[], BaseException], times: int | None = 1, user_id: int | None = None
    ) -> None:
        """The next ``times`` sends raise ``error()``, an exception no notifier should raise."""
        self._failures.append(_Failure(times, error, user_id))

    def sent_to(self, user_id: int) -> list[EventKind]:
        return [n.event.kind for n in self.sent if n.recipient.id == user_id]


if TYPE_CHECKING:  # the fakes satisfy the ports (checked by mypy)

    def _conforms(db: InMemoryDatabase) -> None:
        clock: Clock = FakeClock()
        catalogue: Catalogue = FakeCatalogue()
        check: HealthCheck = FakeHealthCheck("x")
        notifier: Notifier = RecordingNotifier()
        factory: UnitOfWorkFactory = InMemoryUnitOfWorkFactory(db)
        del clock, catalogue, check, notifier, factory


# ----- media server and downloaders ------------------------------------------------------


class FakeMediaServer:
    """A media server holding ``items``; ``library()`` yields them a page at a time and
    records the most items it ever held out at once (to check the scan's memory bound).
    ``error`` is raised by every call while set."""

    name = "Jellyfin"

    def __init__(self, items: Iterable[LibraryItem] = (), page: int = 50) -> None:
        self.items: list[LibraryItem] = list(items)
        self.recent: list[LibraryItem] = []
        self.server_accounts: list[ServerAccount] = []
        self.page = page
        self.error: Exception | None = None
        self.pages_read = 0

    async def library(self, *, added_since: datetime | None = None) -> AsyncIterator[LibraryItem]:
        source = self.recent if added_since is not None else self.items
        for start in range(0, len(source), self.page):
            await _round_trip()
            if self.error is not None:
                raise self.error
            self.pages_read += 1
            for item in source[start : start + self.page]:
                yield item

    async def accounts(self) -> list[ServerAccount]:
        await _round_trip()
        if self.error is not None:
            raise self.error
        return list(self.server_accounts)


class FakeDownloader:
    """Radarr or Sonarr in memory: ``sent`` lists every order, ``library`` what it holds
    (an order for a title it holds adds nothing); ``error`` fails the next sends."""

    def __init__(self, name: str = "Radarr") -> None:
        self.name = name
        self.sent: list[DownloadOrder] = []
        self.library: dict[int, DownloadOrder] = {}
        self.added = 0
        self.error: Exception | None = None
        self.states: dict[int, DownloadProgress] = {}

    async def send(self, order: DownloadOrder) -> str:
        await _round_trip()
        self.sent.append(order)
        if self.error is not None:
            raise self.error
        if order.tmdb_id not in self.library:
            self.added += 1
        self.library[order.tmdb_id] = order
        return f"{self.name.lower()}:{order.tmdb_id}"

    async def progress(self, orders: Sequence[DownloadOrder]) -> list[DownloadProgress]:
        await _round_trip()
        if self.error is not None:
            raise self.error
        return [
            self.states.get(o.tmdb_id, DownloadProgress(o.media_type, o.tmdb_id)) for o in orders
        ]
