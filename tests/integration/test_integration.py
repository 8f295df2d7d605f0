"""The core on real storage: concurrency and the outbox across a restart.

Each test runs on a SQLite file and, when TEST_DATABASE_URL is set, on PostgreSQL.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta

import pytest
from sqlalchemy import event, func, select, text

from core import queries, requests, search, user_admin, users
from core.errors import AlreadyDecided, DuplicateRequest, QuotaExceeded
from core.events import DeliveryStatus, EventKind
from core.identity import Identity, QuotaLimits, User
from core.media import DisplayStatus, MediaType
from core.notifications import Dispatcher, DispatchPolicy
from core.permissions import Permission
from core.services import CoreConfig, Services
from storage import SqlUnitOfWorkFactory, create_engine
from storage.tables import EventRow, NotificationLogRow, RequestRow
from tests.fakes import FakeCatalogue, FakeClock, RecordingNotifier
from tests.storage_fixtures import Storage, search_path_setter

MOVIE = MediaType.MOVIE
ADMIN = Identity("discord", "1")


def services_on(storage: Storage, catalogue: FakeCatalogue, clock: FakeClock) -> Services:
    config = CoreConfig(owners=(ADMIN,))
    return Services(storage.uow, catalogue, clock, config)


async def person(services: Services, name: str, perms: Permission | None = None) -> User:
    user = await users.resolve_user(services, Identity("discord", name), name)
    if perms is not None:
        admin = await users.resolve_user(services, ADMIN, "admin")
        user = await user_admin.set_permissions(services, admin.id, user.id, perms)
    return user


async def count(storage: Storage, table: type, *where: object) -> int:
    async with storage.engine.connect() as conn:
        statement = select(func.count()).select_from(table)
        for condition in where:
            statement = statement.where(condition)  # type: ignore[arg-type]
        return int((await conn.execute(statement)).scalar_one())


async def test_100_simultaneous_requests_by_one_user_with_a_quota_of_3_create_exactly_3(
    storage: Storage,
) -> None:
    catalogue, clock = FakeCatalogue(), FakeClock()
    for n in range(1, 101):
        catalogue.add_movie(n, f"Movie {n}")
    services = services_on(storage, catalogue, clock)
    admin = await users.resolve_user(services, ADMIN, "admin")
    alice = await person(services, "alice")
    await user_admin.set_user_quota(services, admin.id, alice.id, QuotaLimits(3, 7))

    outcomes = await asyncio.gather(
        *(requests.create_request(services, alice.id, n, MOVIE) for n in range(1, 101)),
        return_exceptions=True,
    )

    created = [o for o in outcomes if not isinstance(o, BaseException)]
    refused = [o for o in outcomes if isinstance(o, QuotaExceeded)]
    assert len(created) == 3
    assert len(refused) == 97
    assert all(e.limit == 3 and e.used == 3 for e in refused)
    assert await count(storage, RequestRow) == 3
    assert await count(storage, EventRow) == 3


async def test_20_simultaneous_approvals_of_one_request_succeed_exactly_once(
    storage: Storage,
) -> None:
    catalogue, clock = FakeCatalogue(), FakeClock()
    catalogue.add_movie(603, "The Matrix", 1999)
    services = services_on(storage, catalogue, clock)
    alice = await person(services, "alice")
    managers = [
        await person(services, f"manager{n}", Permission.MANAGE_REQUESTS) for n in range(20)
    ]
    created = await requests.create_request(services, alice.id, 603, MOVIE)
    assert created.request is not None
    request_id = created.request.id

    outcomes = await asyncio.gather(
        *(requests.approve_request(services, m.id, request_id) for m in managers),
        return_exceptions=True,
    )

    approved = [o for o in outcomes if not isinstance(o, BaseException)]
    refused = [o for o in outcomes if isinstance(o, AlreadyDecided)]
    assert len(approved) == 1
    assert len(refused) == 19
    winner = approved[0].modified_by
    assert winner is not None
    assert {e.decided_by.id for e in refused if e.decided_by} == {winner.id}
    assert await count(storage, EventRow, EventRow.kind == EventKind.APPROVED.value) == 1


async def test_ten_people_requesting_one_movie_at_once_make_one_request(storage: Storage) -> None:
    catalogue, clock = FakeCatalogue(), FakeClock()
    catalogue.add_movie(550, "Fight Club", 1999)
    services = services_on(storage, catalogue, clock)
    people = [await person(services, f"user{n}") for n in range(10)]

    outcomes = await asyncio.gather(
        *(requests.create_request(services, p.id, 550, MOVIE) for p in people),
        return_exceptions=True,
    )

    assert sum(not isinstance(o, BaseException) for o in outcomes) == 1
    duplicates = [o for o in outcomes if isinstance(o, DuplicateRequest)]
    assert len(duplicates) == 9
    assert len({d.existing.id for d in duplicates}) == 1
    assert await count(storage, RequestRow) == 1


async def test_a_refused_request_leaves_no_trace(storage: Storage) -> None:
    catalogue, clock = FakeCatalogue(), FakeClock()
    catalogue.add_movie(27205, "Inception", 2010)
    services = services_on(storage, catalogue, clock)
    alice, bob = await person(services, "alice"), await person(services, "bob")
    await requests.create_request(services, alice.id, 27205, MOVIE)

    with pytest.raises(DuplicateRequest):
        await requests.create_request(services, bob.id, 27205, MOVIE)

    assert await count(storage, RequestRow) == 1
    assert await count(storage, EventRow) == 1


@asynccontextmanager
async def restarted(storage: Storage) -> AsyncIterator[Storage]:
    """The same database through a brand-new engine, as a restarted process would see it."""
    await storage.engine.dispose()
    engine = create_engine(storage.url)
    if storage.engine.dialect.name == "postgresql":
        async with storage.engine.connect() as conn:
            path = str((await conn.execute(text("SHOW search_path"))).scalar_one())
        event.listen(engine.sync_engine, "connect", search_path_setter(path.strip('"')))
    try:
        yield Storage(storage.url, engine, SqlUnitOfWorkFactory(engine))
    finally:
        await engine.dispose()


async def test_undelivered_events_are_delivered_after_a_restart(storage: Storage) -> None:
    catalogue, clock = FakeCatalogue(), FakeClock()
    catalogue.add_movie(603, "The Matrix", 1999)
    catalogue.add_show(1396, "Breaking Bad", 2008, seasons=(0, 1, 2, 3))
    services = services_on(storage, catalogue, clock)
    admin = await users.resolve_user(services, ADMIN, "admin")
    alice = await person(services, "alice")
    await user_admin.link_identity(services, admin.id, alice.id, Identity("telegram", "42"))
    movie = await requests.create_request(services, alice.id, 603, MOVIE)
    show = await requests.create_request(services, alice.id, 1396, MediaType.TV, [1, 2])
    assert movie.request is not None
    assert show.request is not None
    await requests.approve_request(services, admin.id, movie.request.id)
    # The first run reaches Discord but Telegram is down; then the process dies.
    discord, telegram = RecordingNotifier("discord"), RecordingNotifier("telegram")
    telegram.fail(times=None)
    before = Dispatcher(storage.uow, clock, [discord, telegram], DispatchPolicy(base_delay=1))
    assert await before.deliver_due() == 3
    assert len(discord.sent) == 5  # alice: 3 events; admin: the 2 new requests
    assert telegram.sent == []

    async with restarted(storage) as again:
        clock.advance(timedelta(minutes=5))
        discord_again, telegram_again = RecordingNotifier("discord"), RecordingNotifier("telegram")
        after = Dispatcher(again.uow, clock, [discord_again, telegram_again])

        assert await after.deliver_due() == 3
        assert discord_again.sent == []  # delivered before the restart, not repeated
        assert [n.event.kind for n in telegram_again.sent] == [
            EventKind.PENDING,
            EventKind.PENDING,
            EventKind.APPROVED,
        ]
        log = NotificationLogRow.status
        assert await count(again, NotificationLogRow, log == DeliveryStatus.FAILED.value) == 3
        assert await count(again, NotificationLogRow, log == DeliveryStatus.SENT.value) == 8
        assert await count(again, EventRow, EventRow.delivered_at.is_(None)) == 0  # type: ignore[union-attr]
        assert await after.deliver_due() == 0


async def test_two_processes_dispatching_at_once_deliver_each_event_once(
    storage: Storage,
) -> None:
    catalogue, clock = FakeCatalogue(), FakeClock()
    for n in range(1, 21):
        catalogue.add_movie(n, f"Movie {n}")
    services = services_on(storage, catalogue, clock)
    alice = await person(services, "alice")
    for n in range(1, 21):
        await requests.create_request(services, alice.id, n, MOVIE)

    async with restarted(storage) as other:
        first, second = RecordingNotifier("discord"), RecordingNotifier("discord")
        handled = await asyncio.gather(
            Dispatcher(storage.uow, clock, [first]).deliver_due(),
            Dispatcher(other.uow, clock, [second]).deliver_due(),
        )

    delivered = [n.event.id for n in first.sent + second.sent]
    assert sum(handled) == 20
    assert sorted(delivered) == sorted(set(delivered))
    assert len(delivered) == 20


async def test_a_4k_request_does_not_change_the_regular_search_badge(storage: Storage) -> None:
    catalogue, clock = FakeCatalogue(), FakeClock()
    catalogue.add_movie(603, "The Matrix", 1999)
    services = services_on(storage, catalogue, clock)
    alice = await person(services, "alice", Permission.REQUEST | Permission.REQUEST_4K)

    await requests.create_request(services, alice.id, 603, MOVIE, is_4k=True)

    results = await search.search(services, "matrix")
    assert [r.status for r in results.results] == [DisplayStatus.NOT_REQUESTED]
    state = await queries.title_state(services, 603, MOVIE)
    assert state.status is DisplayStatus.NOT_REQUESTED
