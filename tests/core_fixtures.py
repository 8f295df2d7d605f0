"""A small world of fakes for the core's unit tests: one Services over in-memory ports,
with helpers to seed users and titles and to look at what was committed."""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from dataclasses import dataclass, field

from core.domain import MediaRequest, RequestStatus
from core.events import Event, EventKind, EventPayload
from core.identity import Identity, QuotaLimits, User
from core.media import Media, MediaType
from core.permissions import Permission
from core.services import CoreConfig, Services
from tests.fakes import (
    FakeCatalogue,
    FakeClock,
    InMemoryDatabase,
    InMemoryUnitOfWorkFactory,
)

MOVIE = MediaType.MOVIE
TV = MediaType.TV
MANAGER = Permission.MANAGE_REQUESTS | Permission.REQUEST


@dataclass
class World:
    """Fakes of every port, the Services over them, and how often events woke the dispatcher."""

    config: CoreConfig = field(default_factory=CoreConfig)
    clock: FakeClock = field(default_factory=FakeClock)
    catalogue: FakeCatalogue = field(default_factory=FakeCatalogue)
    db: InMemoryDatabase = field(default_factory=InMemoryDatabase)
    wakes: int = 0

    def __post_init__(self) -> None:
        self.uow = InMemoryUnitOfWorkFactory(self.db)
        self.services = Services(
            uow=self.uow,
            catalogue=self.catalogue,
            clock=self.clock,
            config=self.config,
            events_written=self._woken,
        )
        self._tmdb_ids = itertools.count(100)

    def _woken(self) -> None:
        self.wakes += 1

    def configure(self, config: CoreConfig) -> None:
        self.services.config = config

    # -- arrange --

    def user(
        self,
        name: str,
        permissions: Permission = Permission.REQUEST,
        *,
        platforms: Iterable[str] = ("discord",),
        quota: QuotaLimits | None = None,
    ) -> User:
        """A registered user with an identity ``platform:name`` on each platform."""
        identities = [Identity(p, name) for p in platforms]
        return self.db.seed_user(name, permissions, identities, quota=quota, now=self.clock.now())

    def movie(self, title: str = "Alien", year: int | None = 1979) -> int:
        tmdb_id = next(self._tmdb_ids)
        self.catalogue.add_movie(
            tmdb_id, title, year, overview=f"About {title}.", poster_path=f"/{tmdb_id}.jpg"
        )
        return tmdb_id

    def show(
        self, title: str = "Severance", seasons: Iterable[int] = (0, 1, 2, 3), year: int = 2022
    ) -> int:
        tmdb_id = next(self._tmdb_ids)
        self.catalogue.add_show(
            tmdb_id, title, year, seasons=seasons, overview=f"About {title}.", poster_path=None
        )
        return tmdb_id

    # -- look --

    def events(self) -> list[Event]:
        return self.db.events()

    def kinds(self) -> list[EventKind]:
        return [e.kind for e in self.db.events()]

    def request(self, request_id: int) -> MediaRequest:
        found = self.db.request(request_id)
        assert found is not None, f"request {request_id} is gone"
        return found

    def media(self, tmdb_id: int, media_type: MediaType = MOVIE) -> Media:
        found = self.db.media(tmdb_id, media_type)
        assert found is not None, f"no media row for {media_type}:{tmdb_id}"
        return found


def payload_for(
    requester: User,
    *,
    request_id: int = 1,
    status: RequestStatus = RequestStatus.PENDING,
    title: str = "Alien",
) -> EventPayload:
    """A plausible event payload about ``requester``'s movie request."""
    return EventPayload(
        request_id=request_id,
        media_type=MOVIE,
        tmdb_id=348,
        title=title,
        year=1979,
        poster_path="/alien.jpg",
        overview="In space no one can hear you scream.",
        is_4k=False,
        seasons=(),
        requested_by_id=requester.id,
        requested_by_name=requester.display_name,
        actor_id=None,
        actor_name=None,
        status=status,
    )
