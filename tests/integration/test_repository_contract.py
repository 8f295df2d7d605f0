"""The repository contract: every test here runs on each implementation of the unit-of-work
port, the in-memory fakes of tests/fakes.py (which the core's unit tests trust), a SQLite
file, and PostgreSQL when TEST_DATABASE_URL is set (each test in a schema of its own).

Only the port is used, so the fakes cannot drift from storage/ unnoticed. What only a SQL
database has (migrations, connections, the settings cache) is tested in test_storage.py.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import pytest
from sqlalchemy import text

from core.domain import ChatPost, RequestStatus
from core.errors import Conflict, NotFound
from core.events import DeliveryAttempt, DeliveryStatus, EventKind, EventPayload
from core.identity import Identity, QuotaLimits, ServerAccount, User
from core.listing_repositories import (
    MediaFilter,
    MediaQuery,
    RequestCounts,
    RequestFilter,
    RequestQuery,
    RequestSort,
    UserQuery,
    UserSort,
)
from core.media import MediaDetails, MediaStatus, MediaType, SeasonInfo
from core.permissions import Permission
from core.user_repositories import AccountSync
from storage.db import write_lock
from tests.core_fixtures import payload_for
from tests.fakes import InMemoryDatabase, InMemoryUnitOfWorkFactory
from tests.storage_fixtures import Storage, open_storage, sqlite_url

if TYPE_CHECKING:
    from core.ports import UnitOfWork, UnitOfWorkFactory

NOW = datetime(2026, 2, 1, 12, 0, tzinfo=UTC)
MOVIE = MediaType.MOVIE
TV = MediaType.TV
T = TypeVar("T")


# Sessions waiting for a lock while they hold one on a table of this test's schema (the
# database may be shared with other test runs).
_WAITERS_IN_THIS_SCHEMA = text(
    "SELECT count(*) FROM pg_locks waiting WHERE NOT waiting.granted AND waiting.pid IN "
    "(SELECT held.pid FROM pg_locks held JOIN pg_class c ON c.oid = held.relation "
    "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = current_schema())"
)


@dataclass(frozen=True, slots=True)
class Backend:
    """A unit-of-work factory, and what it runs on: the fakes' database or a SQL one."""

    uow: UnitOfWorkFactory
    memory: InMemoryDatabase | None = None
    storage: Storage | None = None

    @classmethod
    def on(cls, storage: Storage) -> Backend:
        return cls(storage.uow, storage=storage)

    def writer_lock_is_free(self) -> bool:
        """Whether no write unit of work holds the back end's writer lock (if it has one)."""
        if self.memory is not None:
            return not self.memory.writer_lock.locked()
        assert self.storage is not None
        lock = write_lock(self.storage.engine)
        return lock is None or not lock.locked()

    async def until_blocked(self, task: asyncio.Task[Any]) -> None:
        """Return once ``task`` waits for a lock held by the caller's open transaction."""
        for _ in range(3):
            await asyncio.sleep(0)  # let it run up to its first wait
        assert not task.done(), "the second transaction did not wait"
        if self.storage is None or self.storage.is_sqlite:
            return  # it queues on the writer lock at once
        deadline = asyncio.get_running_loop().time() + 10
        while asyncio.get_running_loop().time() < deadline:
            assert not task.done(), "the second transaction did not wait"
            async with self.storage.engine.connect() as conn:
                if await conn.scalar(_WAITERS_IN_THIS_SCHEMA):
                    return
        raise AssertionError("the second transaction never started waiting")


@pytest.fixture(
    params=[
        pytest.param("memory", id="memory"),
        pytest.param("sqlite", id="sqlite"),
        pytest.param("postgresql", id="postgresql", marks=pytest.mark.postgres),
    ]
)
async def backend(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Backend]:
    """An empty database behind the port: the fakes', a SQLite file, then PostgreSQL
    (skipped without TEST_DATABASE_URL)."""
    if request.param == "memory":
        db = InMemoryDatabase()
        yield Backend(InMemoryUnitOfWorkFactory(db), memory=db)
        return
    if request.param == "sqlite":
        url = sqlite_url(tmp_path)
    else:
        url = request.getfixturevalue("postgres_url")
    async with open_storage(url) as opened:
        yield Backend.on(opened)


# ----- arranging -----------------------------------------------------------------------


def movie(tmdb_id: int = 603, title: str = "The Matrix") -> MediaDetails:
    return MediaDetails(tmdb_id, MOVIE, title, 1999, "Neo wakes up.", "/m.jpg")


def show(tmdb_id: int = 1399, seasons: int = 3) -> MediaDetails:
    return MediaDetails(
        tmdb_id,
        TV,
        "Game of Thrones",
        2011,
        "Winter is coming.",
        "/g.jpg",
        seasons=tuple(SeasonInfo(n, 10) for n in range(seasons + 1)),
        tvdb_id=121361,
        imdb_id="tt0944947",
    )


async def committed(backend: Backend, work: Callable[[UnitOfWork], Awaitable[T]]) -> T:
    """Run ``work`` in a write unit of work and commit it, as the core does (on SQLite, all
    on the connection's thread)."""
    async with backend.uow() as uow:
        return await uow.run_and_commit(work)


async def read(backend: Backend, work: Callable[[UnitOfWork], Awaitable[T]]) -> T:
    """Run ``work`` in a read-only unit of work, as the core does."""
    async with backend.uow(write=False) as uow:
        return await uow.run_and_commit(work)


async def add_user(
    backend: Backend,
    name: str = "Alice",
    permissions: Permission = Permission.REQUEST,
    identity: Identity | None = None,
) -> User:
    return await committed(backend, lambda uow: uow.users.add(name, permissions, identity, NOW))


async def add_request(
    backend: Backend,
    user: User,
    details: MediaDetails,
    *,
    at: datetime = NOW,
    status: RequestStatus = RequestStatus.PENDING,
    seasons: tuple[int, ...] = (),
    is_4k: bool = False,
) -> int:
    async def work(uow: UnitOfWork) -> int:
        media = await uow.media.upsert(details, at)
        added = await uow.requests.add(
            media=media,
            requested_by=user,
            status=status,
            is_4k=is_4k,
            seasons=seasons,
            modified_by=None,
            now=at,
        )
        return added.id

    return await committed(backend, work)


def payload(request_id: int = 1) -> EventPayload:
    return EventPayload(
        request_id=request_id,
        media_type=TV,
        tmdb_id=1399,
        title="Game of Thrones",
        year=2011,
        poster_path="/g.jpg",
        overview="Winter is coming.",
        is_4k=False,
        seasons=(1, 2),
        requested_by_id=1,
        requested_by_name="Alice",
        actor_id=None,
        actor_name=None,
        status=RequestStatus.PENDING,
    )


async def raises_in_own_unit(
    backend: Backend, error: type[Exception], work: Callable[[UnitOfWork], Awaitable[object]]
) -> None:
    """``work`` raises ``error`` (each in a unit of its own: PostgreSQL aborts the
    transaction of a failed statement)."""
    with pytest.raises(error):
        async with backend.uow() as uow:
            await work(uow)


# ----- units of work ---------------------------------------------------------------------


async def test_readers_neither_wait_for_writers_nor_see_their_uncommitted_rows(
    backend: Backend,
) -> None:
    async with backend.uow() as writer:
        await writer.users.add("Alice", Permission.REQUEST, None, NOW)
        async with backend.uow(write=False) as reader:
            assert await reader.users.count() == 0
        await writer.commit()
    assert await read(backend, lambda uow: uow.users.count()) == 1


async def test_leaving_a_unit_of_work_without_commit_rolls_back(backend: Backend) -> None:
    async with backend.uow() as uow:
        await uow.users.add("Alice", Permission.REQUEST, None, NOW)

    async def failing_use_case() -> None:
        async with backend.uow() as uow:
            await uow.users.add("Bob", Permission.REQUEST, None, NOW)
            raise RuntimeError("use case failed")

    with pytest.raises(RuntimeError):
        await failing_use_case()
    assert await read(backend, lambda uow: uow.users.count()) == 0
    assert backend.writer_lock_is_free()


async def test_a_cancelled_unit_of_work_rolls_back_and_lets_the_next_writer_in(
    backend: Backend,
) -> None:
    inserted = asyncio.Event()

    async def interrupted() -> None:
        async with backend.uow() as uow:
            await uow.users.add("Alice", Permission.REQUEST, None, NOW)
            inserted.set()
            await asyncio.Event().wait()

    task = asyncio.create_task(interrupted())
    await inserted.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    await add_user(backend, "Bob")
    assert [u.display_name for u in await read(backend, lambda uow: uow.users.page())] == ["Bob"]


async def lock_user(uow: UnitOfWork, user: User) -> object:
    found = await uow.users.get(user.id, for_update=True)
    assert found is not None
    return found.permissions


async def change_user(uow: UnitOfWork, user: User) -> None:
    await uow.users.set_permissions(user.id, Permission.ADMIN, NOW)


async def lock_request(uow: UnitOfWork, user: User) -> object:
    found = await uow.requests.get(1, for_update=True)
    assert found is not None
    return found.status


async def change_request(uow: UnitOfWork, user: User) -> None:
    await uow.requests.set_status(1, RequestStatus.APPROVED, NOW, modified_by_id=None)


async def lock_media(uow: UnitOfWork, user: User) -> object:
    found = await uow.media.get_by_tmdb(603, MOVIE, for_update=True)
    assert found is not None
    return found.status


async def change_media(uow: UnitOfWork, user: User) -> None:
    await uow.media.set_status(1, MediaStatus.PROCESSING, NOW)


@pytest.mark.parametrize(
    ("lock", "change", "changed"),
    [
        (lock_user, change_user, Permission.ADMIN),
        (lock_request, change_request, RequestStatus.APPROVED),
        (lock_media, change_media, MediaStatus.PROCESSING),
    ],
    ids=["user", "request", "media"],
)
async def test_a_row_read_for_update_is_held_until_the_transaction_ends(
    backend: Backend,
    lock: Callable[[UnitOfWork, User], Awaitable[object]],
    change: Callable[[UnitOfWork, User], Awaitable[None]],
    changed: object,
) -> None:
    alice = await add_user(backend)
    await add_request(backend, alice, movie())

    async def read_locked() -> object:
        async with backend.uow() as uow:
            return await lock(uow, alice)

    async with backend.uow() as uow:
        await lock(uow, alice)
        waiting = asyncio.create_task(read_locked())
        await backend.until_blocked(waiting)
        await change(uow, alice)
        await uow.commit()
    assert await waiting == changed


# ----- users -----------------------------------------------------------------------------


async def test_a_new_user_reads_back_as_it_was_added(backend: Backend) -> None:
    telegram = Identity("telegram", "100", "alice_l")
    alice = await add_user(backend, "Alice", Permission.REQUEST | Permission.VOTE, telegram)
    nobody = await add_user(backend, "Nobody", Permission.NONE)

    async def look(uow: UnitOfWork) -> tuple[User | None, ...]:
        return (
            await uow.users.get(alice.id),
            await uow.users.find_by_identity(Identity("telegram", "100")),
            await uow.users.get(nobody.id),
            await uow.users.get(404),
            await uow.users.find_by_identity(Identity("discord", "100")),
        )

    got, by_identity, plain, missing, elsewhere = await read(backend, look)
    assert got == by_identity == alice
    assert alice == User(
        alice.id, "Alice", Permission.REQUEST | Permission.VOTE, (telegram,), created_at=NOW
    )
    assert got is not None
    assert [i.username for i in got.identities] == ["alice_l"]
    assert plain == nobody
    assert nobody.identities == ()
    assert (missing, elsewhere) == (None, None)


async def test_an_identity_belongs_to_one_user(backend: Backend) -> None:
    alice = await add_user(backend, identity=Identity("discord", "42"))
    await raises_in_own_unit(
        backend,
        Conflict,
        lambda uow: uow.users.add("Mallory", Permission.REQUEST, Identity("discord", "42"), NOW),
    )

    async def link_to_bob(uow: UnitOfWork) -> None:
        bob = await uow.users.add("Bob", Permission.REQUEST, None, NOW)
        await uow.users.add_identity(bob.id, Identity("discord", "42"))

    await raises_in_own_unit(backend, Conflict, link_to_bob)
    await raises_in_own_unit(
        backend, Conflict, lambda uow: uow.users.add_identity(alice.id, Identity("discord", "42"))
    )
    found = await read(backend, lambda uow: uow.users.find_by_identity(Identity("discord", "42")))
    assert found == alice
    assert await read(backend, lambda uow: uow.users.count()) == 1


async def test_users_keep_their_identities_permissions_quota_and_profile(
    backend: Backend,
) -> None:
    alice = await add_user(backend, identity=Identity("discord", "1"))

    async def change(uow: UnitOfWork) -> None:
        await uow.users.add_identity(alice.id, Identity("telegram", "2", "al"))
        await uow.users.set_permissions(alice.id, Permission.REQUEST | Permission.VOTE, NOW)
        await uow.users.set_quota(alice.id, QuotaLimits(3, 7, None, 14), NOW)
        await uow.users.set_profile(
            alice.id, NOW, email="alice@example.org", media_server_username="alice_jf"
        )

    async def change_again(uow: UnitOfWork) -> None:
        await uow.users.set_profile(alice.id, NOW, display_name="Alice L.", email="")

    await committed(backend, change)
    await committed(backend, change_again)
    user = await read(backend, lambda uow: uow.users.get(alice.id))
    assert user == User(
        id=alice.id,
        display_name="Alice L.",
        permissions=Permission.REQUEST | Permission.VOTE,
        identities=(Identity("discord", "1"), Identity("telegram", "2")),
        email=None,
        media_server_username="alice_jf",
        quota=QuotaLimits(movie_limit=3, movie_days=7, tv_limit=None, tv_days=14),
        created_at=NOW,
    )
    assert [i.username for i in user.identities] == [None, "al"]


async def test_an_empty_media_server_username_unlinks_the_user(backend: Backend) -> None:
    alice = await add_user(backend)

    async def link(uow: UnitOfWork) -> None:
        await uow.users.set_profile(alice.id, NOW, media_server_username="alice")

    async def unlink(uow: UnitOfWork) -> User | None:
        await uow.users.set_profile(alice.id, NOW, media_server_username="")
        return await uow.users.get(alice.id)

    await committed(backend, link)
    unlinked = await committed(backend, unlink)
    assert unlinked is not None
    assert unlinked.media_server_username is None
    assert await read(backend, lambda uow: uow.users.with_media_server_username("alice")) is None


@pytest.mark.parametrize(
    "change",
    [
        lambda uow: uow.users.set_permissions(404, Permission.ADMIN, NOW),
        lambda uow: uow.users.set_role_permissions(404, Permission.ADMIN, NOW),
        lambda uow: uow.users.set_quota(404, QuotaLimits(1, 1), NOW),
        lambda uow: uow.users.set_profile(404, NOW, display_name="Nobody"),
    ],
    ids=["permissions", "role permissions", "quota", "profile"],
)
async def test_changing_a_missing_user_is_not_found(
    backend: Backend, change: Callable[[UnitOfWork], Awaitable[None]]
) -> None:
    await raises_in_own_unit(backend, NotFound, change)


async def test_find_matches_names_usernames_and_identities_in_any_case(backend: Backend) -> None:
    alice = await add_user(backend, "Alice", identity=Identity("discord", "111"))
    alina = await add_user(backend, "Alina", identity=Identity("telegram", "222"))
    bob = await add_user(backend, "Bob 100%", identity=Identity("console", "bob"))
    await committed(
        backend, lambda uow: uow.users.set_profile(bob.id, NOW, media_server_username="RoBeRt")
    )

    async def names(text: str) -> list[str]:
        return [u.display_name for u in await read(backend, lambda uow: uow.users.find(text))]

    assert await names("ALI") == ["Alice", "Alina"]
    assert await names("alina") == ["Alina"]
    assert await names("robert") == ["Bob 100%"]
    assert await names("discord:111") == ["Alice"]
    assert await names("Discord:111") == ["Alice"]  # the platform in any case
    assert await names("222") == ["Alina"]
    assert await names("11") == []  # an identity matches whole, not in part
    assert await names("telegram:111") == []
    assert await names("bob") == ["Bob 100%"]
    assert await names("100%") == ["Bob 100%"]
    assert await names("_") == []  # LIKE wildcards are escaped
    assert await names("  ") == []
    assert {alice.id, alina.id, bob.id} == {1, 2, 3}


async def test_find_puts_exact_names_first_then_goes_by_id(backend: Backend) -> None:
    for name in ("Alina", "Al Pacino", "Al", "al"):
        await add_user(backend, name)

    found = await read(backend, lambda uow: uow.users.find("  al "))

    assert [u.display_name for u in found] == ["Al", "al", "Alina", "Al Pacino"]


async def test_find_gives_at_most_fifty_users_the_exact_name_among_them(
    backend: Backend,
) -> None:
    async def arrange(uow: UnitOfWork) -> None:
        for n in range(60):
            await uow.users.add(f"Sam {n}", Permission.REQUEST, None, NOW)
        await uow.users.add("sam", Permission.REQUEST, None, NOW)

    await committed(backend, arrange)
    found = await read(backend, lambda uow: uow.users.find("SAM"))

    assert [u.display_name for u in found[:3]] == ["sam", "Sam 0", "Sam 1"]
    assert len(found) == 50


async def test_users_are_paged_and_counted_by_id(backend: Backend) -> None:
    for name in ("Ann", "Ben", "Cy"):
        await add_user(backend, name)

    async def look(uow: UnitOfWork) -> tuple[list[str], list[str], list[str], int]:
        return (
            [u.display_name for u in await uow.users.page()],
            [u.display_name for u in await uow.users.page(offset=1, limit=1)],
            [u.display_name for u in await uow.users.page(offset=3)],
            await uow.users.count(),
        )

    assert await read(backend, look) == (["Ann", "Ben", "Cy"], ["Ben"], [], 3)


async def test_users_with_any_permission_include_admins(backend: Backend) -> None:
    await add_user(backend, "User", Permission.REQUEST)
    await add_user(backend, "Moderator", Permission.MANAGE_REQUESTS | Permission.REQUEST)
    await add_user(backend, "Admin", Permission.ADMIN)
    await add_user(backend, "Guest", Permission.NONE)

    async def look(uow: UnitOfWork) -> tuple[list[str], list[str]]:
        managers = await uow.users.with_any_permission(Permission.MANAGE_REQUESTS)
        voters = await uow.users.with_any_permission(Permission.VOTE | Permission.REQUEST)
        return [u.display_name for u in managers], [u.display_name for u in voters]

    managers, voters = await read(backend, look)
    assert managers == ["Moderator", "Admin"]
    assert voters == ["User", "Moderator", "Admin"]


async def test_role_permissions_add_to_a_users_own_and_count_as_held(backend: Backend) -> None:
    alice = await add_user(backend, "Alice", Permission.REQUEST)
    await committed(
        backend,
        lambda uow: uow.users.set_role_permissions(alice.id, Permission.MANAGE_REQUESTS, NOW),
    )

    async def change(uow: UnitOfWork) -> list[User]:
        managers = await uow.users.with_any_permission(Permission.MANAGE_REQUESTS)
        await uow.users.set_permissions(alice.id, Permission.VOTE, NOW)
        return managers

    managers = await committed(backend, change)
    again = await read(backend, lambda uow: uow.users.get(alice.id))
    assert [u.id for u in managers] == [alice.id]
    assert managers[0].permissions == Permission.REQUEST | Permission.MANAGE_REQUESTS
    assert managers[0].role_permissions == Permission.MANAGE_REQUESTS
    assert again is not None
    assert again.permissions == Permission.VOTE | Permission.MANAGE_REQUESTS
    await committed(
        backend, lambda uow: uow.users.set_role_permissions(alice.id, Permission.NONE, NOW)
    )
    dropped = await read(backend, lambda uow: uow.users.get(alice.id))
    assert dropped is not None
    assert (dropped.permissions, dropped.role_permissions) == (Permission.VOTE, Permission.NONE)


async def test_platform_usernames_are_stored_and_found_in_any_case(backend: Backend) -> None:
    telegram = Identity("telegram", "100")
    alice = await add_user(backend, "Alice L.", identity=replace(telegram, username="alice_l"))
    await add_user(backend, "Bob", identity=Identity("discord", "5"))

    async def work(uow: UnitOfWork) -> User | None:
        stored = await uow.users.find_by_identity(telegram)
        assert stored is not None
        assert stored.identities[0].username == "alice_l"
        assert [u.id for u in await uow.users.with_username("ALICE_L")] == [alice.id]
        await uow.users.set_identity_username(telegram, "alice")
        await uow.users.set_identity_username(Identity("telegram", "404"), "nobody")
        assert await uow.users.with_username("alice_l") == []
        assert await uow.users.with_username("nobody") == []
        await uow.users.set_profile(alice.id, NOW, media_server_username="Alice")
        return await uow.users.with_media_server_username("aLiCe")

    found = await committed(backend, work)
    assert found is not None
    assert found.id == alice.id
    renamed = await read(backend, lambda uow: uow.users.get(alice.id))
    assert renamed is not None
    assert renamed.identities[0].username == "alice"


async def test_one_username_can_belong_to_users_on_two_platforms(backend: Backend) -> None:
    alice = await add_user(backend, "Alice", identity=Identity("telegram", "1", "ally"))
    other = await add_user(backend, "Ally", identity=Identity("discord", "2", "Ally"))

    found = await read(backend, lambda uow: uow.users.with_username("ally"))

    assert [u.id for u in found] == [alice.id, other.id]


async def test_the_first_user_linked_to_a_media_server_name_is_found(backend: Backend) -> None:
    first = await add_user(backend, "First")
    second = await add_user(backend, "Second")

    async def link(uow: UnitOfWork) -> None:
        await uow.users.set_profile(second.id, NOW, media_server_username="Shared")
        await uow.users.set_profile(first.id, NOW, media_server_username="shared")

    await committed(backend, link)
    found = await read(backend, lambda uow: uow.users.with_media_server_username("SHARED"))
    assert found is not None
    assert found.id == first.id


async def test_names_match_in_any_case_beyond_ascii_and_spacing(backend: Backend) -> None:
    telegram = Identity("telegram", "7")

    async def arrange(uow: UnitOfWork) -> User:
        user = await uow.users.add(
            "É", Permission.REQUEST, replace(telegram, username="ÉLODIE"), NOW
        )
        await uow.users.set_profile(user.id, NOW, media_server_username="Élodie")
        mary = await uow.users.add("Mary", Permission.REQUEST, None, NOW)
        await uow.users.set_profile(mary.id, NOW, media_server_username="Mary  Jane")
        return user

    async def look(uow: UnitOfWork) -> tuple[Any, ...]:
        return (
            await uow.users.with_username("élodie"),
            await uow.users.with_media_server_username("ÉLODIE"),
            await uow.users.with_media_server_username(" MARY JANE "),
        )

    user = await committed(backend, arrange)
    by_handle, linked, mary = await read(backend, look)
    assert [u.id for u in by_handle] == [user.id]
    assert linked is not None
    assert linked.id == user.id
    assert mary is not None
    assert mary.display_name == "Mary"


# ----- media -------------------------------------------------------------------------------


async def test_a_title_is_keyed_by_tmdb_id_and_type(backend: Backend) -> None:
    async def arrange(uow: UnitOfWork) -> tuple[int, int]:
        film = await uow.media.upsert(movie(1399, "A film"), NOW)
        series = await uow.media.upsert(show(1399), NOW)
        return film.id, series.id

    film_id, series_id = await committed(backend, arrange)

    async def look(uow: UnitOfWork) -> tuple[Any, ...]:
        return (
            await uow.media.get(film_id),
            await uow.media.get_by_tmdb(1399, MOVIE),
            await uow.media.get_by_tmdb(1399, TV),
            await uow.media.get(404),
            await uow.media.get_by_tmdb(603, MOVIE),
        )

    film, by_key, series, missing, unknown = await read(backend, look)
    assert film == by_key
    assert film is not None
    assert (film.title, film.media_type, film.year, film.overview) == (
        "A film",
        MOVIE,
        1999,
        "Neo wakes up.",
    )
    assert series is not None
    assert (series.id, series.title, series.tvdb_id, series.imdb_id) == (
        series_id,
        "Game of Thrones",
        121361,
        "tt0944947",
    )
    assert (series.status, series.status_4k, series.season_statuses) == (
        MediaStatus.UNKNOWN,
        MediaStatus.UNKNOWN,
        {},
    )
    assert (missing, unknown) == (None, None)


async def test_two_transactions_upserting_the_same_media_make_one_row(backend: Backend) -> None:
    async def upsert_in_own_transaction(details: MediaDetails) -> Any:
        return await committed(backend, lambda uow: uow.media.upsert(details, NOW))

    async with backend.uow() as first:
        mine = await first.media.upsert(movie(), NOW)
        racer = asyncio.create_task(upsert_in_own_transaction(movie(title="Matrix")))
        await backend.until_blocked(racer)
        await first.commit()
    theirs = await racer
    assert theirs.id == mine.id
    media = await read(backend, lambda uow: uow.media.get_by_tmdb(603, MOVIE))
    states = await read(backend, lambda uow: uow.media.states([(603, MOVIE)]))
    assert media is not None
    assert media.title == "Matrix"
    assert list(states) == [(603, MOVIE)]


async def test_upsert_refreshes_metadata_and_keeps_statuses_and_known_ids(
    backend: Backend,
) -> None:
    async def arrange(uow: UnitOfWork) -> Any:
        first = await uow.media.upsert(show(), NOW)
        await uow.media.set_status(first.id, MediaStatus.PARTIALLY_AVAILABLE, NOW)
        await uow.media.set_status(first.id, MediaStatus.PENDING, NOW, is_4k=True)
        await uow.media.set_season_statuses(
            first.id, {1: MediaStatus.AVAILABLE, 2: MediaStatus.PROCESSING}, NOW
        )
        return first

    first = await committed(backend, arrange)
    renamed = MediaDetails(1399, TV, "GoT", 2011, "New overview", "/new.jpg")

    async def refresh(uow: UnitOfWork) -> Any:
        again = await uow.media.upsert(renamed, NOW + timedelta(days=1))
        await uow.media.set_season_statuses(first.id, {2: MediaStatus.AVAILABLE}, NOW)
        await uow.media.set_season_statuses(first.id, {}, NOW)
        return again

    again = await committed(backend, refresh)
    stored = await read(backend, lambda uow: uow.media.get(first.id))
    assert again.id == first.id
    assert (again.title, again.poster_path, again.overview) == ("GoT", "/new.jpg", "New overview")
    assert (again.tvdb_id, again.imdb_id) == (121361, "tt0944947")
    assert (again.status, again.status_4k) == (
        MediaStatus.PARTIALLY_AVAILABLE,
        MediaStatus.PENDING,
    )
    assert again.season_statuses == {1: MediaStatus.AVAILABLE, 2: MediaStatus.PROCESSING}
    assert stored is not None
    assert stored.season_statuses == {1: MediaStatus.AVAILABLE, 2: MediaStatus.AVAILABLE}


async def test_upsert_takes_ids_the_catalogue_now_sends(backend: Backend) -> None:
    bare = replace(show(), tvdb_id=None, imdb_id=None)
    await committed(backend, lambda uow: uow.media.upsert(bare, NOW))

    found = await committed(backend, lambda uow: uow.media.upsert(show(), NOW))

    assert (found.tvdb_id, found.imdb_id) == (121361, "tt0944947")


async def test_setting_the_status_of_a_missing_title_changes_nothing(backend: Backend) -> None:
    await committed(backend, lambda uow: uow.media.set_status(404, MediaStatus.AVAILABLE, NOW))

    assert await read(backend, lambda uow: uow.media.get(404)) is None


async def test_ensure_creates_a_media_row_once_and_keeps_catalogue_metadata(
    backend: Backend,
) -> None:
    plain = MediaDetails(603, MOVIE, "Matrix", 1999, "", None)

    async def create(uow: UnitOfWork) -> Any:
        created = await uow.media.ensure(plain, NOW)
        await uow.media.set_status(created.id, MediaStatus.AVAILABLE, NOW)
        return created

    created = await committed(backend, create)
    assert (created.title, created.poster_path) == ("Matrix", None)
    await committed(backend, lambda uow: uow.media.upsert(movie(603), NOW))  # looked up on TMDb
    kept = await committed(backend, lambda uow: uow.media.ensure(plain, NOW))

    assert kept.id == created.id
    assert (kept.title, kept.poster_path) == ("The Matrix", "/m.jpg")
    assert kept.status is MediaStatus.AVAILABLE


async def test_add_new_inserts_only_titles_without_a_row(backend: Backend) -> None:
    alice = await add_user(backend)
    await add_request(backend, alice, movie(603))  # The Matrix has a row already
    got = show(1399, seasons=3)
    titles = [
        (movie(603), MediaStatus.AVAILABLE, {}),
        (movie(550, "Fight Club"), MediaStatus.AVAILABLE, {}),
        (got, MediaStatus.PARTIALLY_AVAILABLE, {1: MediaStatus.AVAILABLE}),
    ]

    added = await committed(backend, lambda uow: uow.media.add_new(titles, NOW))
    nothing = await committed(backend, lambda uow: uow.media.add_new([], NOW))

    async def look(uow: UnitOfWork) -> tuple[Any, ...]:
        return (
            await uow.media.get_by_tmdb(603, MOVIE),
            await uow.media.get_by_tmdb(550, MOVIE),
            await uow.media.get_by_tmdb(1399, TV),
        )

    matrix, fight_club, thrones = await read(backend, look)
    assert added == {(550, MOVIE), (1399, TV)}
    assert nothing == set()
    assert matrix is not None
    assert matrix.status is MediaStatus.UNKNOWN  # untouched (add_request sets no status)
    assert fight_club is not None
    assert (fight_club.title, fight_club.status) == ("Fight Club", MediaStatus.AVAILABLE)
    assert thrones is not None
    assert thrones.status is MediaStatus.PARTIALLY_AVAILABLE
    assert thrones.season_statuses == {1: MediaStatus.AVAILABLE}
    assert (thrones.tvdb_id, thrones.imdb_id) == (121361, "tt0944947")


async def test_states_returns_known_titles_with_their_request_statuses_newest_first(
    backend: Backend,
) -> None:
    alice = await add_user(backend)
    first = await add_request(backend, alice, movie(), status=RequestStatus.DECLINED)
    await add_request(backend, alice, movie())
    await add_request(backend, alice, movie(), is_4k=True)  # 4K: not among the badges
    await add_request(backend, alice, show(), seasons=(1,))
    await committed(backend, lambda uow: uow.media.upsert(movie(550, "Fight Club"), NOW))
    keys = [(603, MOVIE), (1399, TV), (550, MOVIE), (603, TV), (999, MOVIE), (603, MOVIE)]

    states = await read(backend, lambda uow: uow.media.states(keys))
    none = await read(backend, lambda uow: uow.media.states([]))

    assert none == {}
    assert set(states) == {(603, MOVIE), (1399, TV), (550, MOVIE)}
    matrix = states[(603, MOVIE)]
    assert matrix.media.title == "The Matrix"
    assert matrix.request_statuses == (RequestStatus.PENDING, RequestStatus.DECLINED)
    assert states[(1399, TV)].request_statuses == (RequestStatus.PENDING,)
    assert states[(550, MOVIE)].request_statuses == ()
    assert first == 1


# ----- requests ----------------------------------------------------------------------------


async def test_a_request_loads_with_its_media_users_and_seasons(backend: Backend) -> None:
    alice = await add_user(backend, identity=Identity("discord", "1"))
    mod = await add_user(backend, "Mod", Permission.MANAGE_REQUESTS, Identity("telegram", "9"))
    request_id = await add_request(backend, alice, show(), seasons=(2, 1, 2))
    later = NOW + timedelta(hours=1)

    async def approve(uow: UnitOfWork) -> Any:
        media = await uow.media.get_by_tmdb(1399, TV, for_update=True)
        assert media is not None
        await uow.media.set_season_statuses(
            media.id, {1: MediaStatus.PENDING, 2: MediaStatus.PENDING}, NOW
        )
        return await uow.requests.set_status(
            request_id, RequestStatus.APPROVED, later, modified_by_id=mod.id
        )

    approved = await committed(backend, approve)
    loaded = await read(backend, lambda uow: uow.requests.get(request_id))
    assert loaded == approved
    assert loaded is not None
    assert loaded.status is RequestStatus.APPROVED
    assert loaded.requested_by == alice
    assert loaded.modified_by == mod
    assert loaded.media.title == "Game of Thrones"
    assert loaded.media.season_statuses == {1: MediaStatus.PENDING, 2: MediaStatus.PENDING}
    assert [(s.season_number, s.status) for s in loaded.seasons] == [
        (1, RequestStatus.APPROVED),
        (2, RequestStatus.APPROVED),
    ]
    assert (loaded.created_at, loaded.updated_at) == (NOW, later)
    assert (loaded.sent_at, loaded.download_ref) == (None, None)
    assert await read(backend, lambda uow: uow.requests.get(404)) is None


async def test_adding_a_request_returns_what_reading_it_back_gives(backend: Backend) -> None:
    alice = await add_user(backend, identity=Identity("discord", "1"))
    mod = await add_user(backend, "Mod", Permission.MANAGE_REQUESTS, Identity("telegram", "9"))
    in_paris = NOW.astimezone(timezone(timedelta(hours=1)))

    async def work(uow: UnitOfWork) -> Any:
        media = await uow.media.upsert(show(), NOW)
        return await uow.requests.add(
            media=media,
            requested_by=alice,
            status=RequestStatus.APPROVED,
            is_4k=True,
            seasons=(3, 1, 3),
            modified_by=mod,
            now=in_paris,
        )

    added = await committed(backend, work)
    assert await read(backend, lambda uow: uow.requests.get(added.id)) == added
    assert added.season_numbers == (1, 3)
    assert added.is_4k
    assert added.created_at.tzinfo is UTC


async def test_a_status_change_sets_the_modifier_and_the_reasons_given(
    backend: Backend,
) -> None:
    alice = await add_user(backend)
    request_id = await add_request(backend, alice, movie(), status=RequestStatus.APPROVED)

    async def fail_then_retry(uow: UnitOfWork) -> tuple[Any, Any]:
        failed = await uow.requests.set_status(
            request_id, RequestStatus.FAILED, NOW, modified_by_id=alice.id, fail_reason="gone"
        )
        retried = await uow.requests.set_status(
            request_id, RequestStatus.APPROVED, NOW, modified_by_id=None
        )
        return failed, retried

    failed, retried = await committed(backend, fail_then_retry)
    assert (failed.fail_reason, failed.modified_by) == ("gone", alice)
    # A retried request has not failed (yet): no stale reason on its card.
    assert (retried.fail_reason, retried.modified_by) == (None, None)
    assert await read(backend, lambda uow: uow.requests.get(request_id)) == retried


async def test_declining_keeps_the_reason_and_deleting_removes_the_request(
    backend: Backend,
) -> None:
    alice = await add_user(backend)
    request_id = await add_request(backend, alice, show(), seasons=(1, 2))

    declined = await committed(
        backend,
        lambda uow: uow.requests.set_status(
            request_id, RequestStatus.DECLINED, NOW, modified_by_id=None, decline_reason="no"
        ),
    )
    assert (declined.status, declined.decline_reason, declined.modified_by) == (
        RequestStatus.DECLINED,
        "no",
        None,
    )
    assert [s.status for s in declined.seasons] == [RequestStatus.DECLINED] * 2
    await committed(backend, lambda uow: uow.requests.delete(request_id))
    await committed(backend, lambda uow: uow.requests.delete(request_id))  # gone already: fine
    assert await read(backend, lambda uow: uow.requests.get(request_id)) is None
    mine = await read(backend, lambda uow: uow.requests.for_user(alice.id))
    assert mine == ([], 0)


async def test_changing_a_missing_request_is_not_found(backend: Backend) -> None:
    await raises_in_own_unit(
        backend,
        NotFound,
        lambda uow: uow.requests.set_status(404, RequestStatus.APPROVED, NOW, modified_by_id=None),
    )


async def test_active_requests_leave_out_declined_and_completed(backend: Backend) -> None:
    alice = await add_user(backend)
    for status in RequestStatus:
        await add_request(backend, alice, movie(), status=status)
    await add_request(backend, alice, movie(), is_4k=True)
    await add_request(backend, alice, movie(604, "Reloaded"))

    async def look(uow: UnitOfWork) -> tuple[Any, ...]:
        media = await uow.media.get_by_tmdb(603, MOVIE)
        assert media is not None
        return (
            await uow.requests.active_for_media(media.id, False),
            await uow.requests.active_for_media(media.id, True),
        )

    active, active_4k = await read(backend, look)
    assert [r.status for r in active] == [
        RequestStatus.PENDING,
        RequestStatus.APPROVED,
        RequestStatus.FAILED,
    ]
    assert [(r.status, r.is_4k) for r in active_4k] == [(RequestStatus.PENDING, True)]


async def test_active_requests_after_an_upsert_are_what_the_unit_has_since_written(
    backend: Backend,
) -> None:
    alice = await add_user(backend)
    await add_request(backend, alice, movie(), status=RequestStatus.DECLINED)

    async def request_in_4k_then_look(uow: UnitOfWork) -> tuple[Any, ...]:
        media = await uow.media.upsert(movie(), NOW)
        before = await uow.requests.active_for_media(media.id, True)
        await uow.requests.add(
            media=media,
            requested_by=alice,
            status=RequestStatus.PENDING,
            is_4k=True,
            seasons=(),
            modified_by=None,
            now=NOW,
        )
        return (
            before,
            await uow.requests.active_for_media(media.id, True),
            await uow.requests.active_for_media(media.id, False),
        )

    before, active_4k, active = await committed(backend, request_in_4k_then_look)
    assert before == []
    assert [(r.status, r.is_4k) for r in active_4k] == [(RequestStatus.PENDING, True)]
    assert active == []


async def test_pages_of_requests_by_user_and_by_status(backend: Backend) -> None:
    alice = await add_user(backend)
    bob = await add_user(backend, "Bob")
    ids = [await add_request(backend, alice, movie(n)) for n in (1, 2, 3)]
    await add_request(backend, bob, movie(4), status=RequestStatus.APPROVED)

    async def look(uow: UnitOfWork) -> tuple[Any, ...]:
        return (
            await uow.requests.for_user(alice.id, offset=1, limit=1),
            await uow.requests.for_user(alice.id),
            await uow.requests.with_status(RequestStatus.PENDING, limit=2),
            await uow.requests.with_status(RequestStatus.PENDING, offset=2),
            await uow.requests.with_status(RequestStatus.DECLINED),
        )

    (mine, my_total), (all_mine, _), (pending, total), (rest, _), declined = await read(
        backend, look
    )
    assert ([r.id for r in mine], my_total) == ([ids[1]], 3)
    assert [r.id for r in all_mine] == ids[::-1]
    assert ([r.id for r in pending], total) == (ids[:2], 3)
    assert [r.id for r in rest] == ids[2:]
    assert declined == ([], 0)


async def test_the_requests_pending_after_one_oldest_first_with_their_count_and_last_id(
    backend: Backend,
) -> None:
    alice = await add_user(backend)
    ids = [await add_request(backend, alice, movie(n)) for n in (1, 2, 3, 4)]
    await add_request(backend, alice, movie(5), status=RequestStatus.APPROVED)

    async def look(uow: UnitOfWork) -> tuple[Any, ...]:
        return (
            await uow.requests.pending_after(0, 2),
            await uow.requests.pending_after(ids[1], 10),
            await uow.requests.pending_after(ids[3], 10),
        )

    first, after_second, after_all = await read(backend, look)
    assert ([r.id for r in first.requests], first.total, first.last_id) == (ids[:2], 4, ids[3])
    assert [r.id for r in after_second.requests] == ids[2:]
    assert (after_second.total, after_second.last_id) == (2, ids[3])
    assert (after_all.requests, after_all.total, after_all.last_id) == ((), 0, ids[3])
    assert first.requests[0].media.title == "The Matrix"


async def test_a_users_requests_in_one_status(backend: Backend) -> None:
    alice = await add_user(backend)
    kept = await add_request(backend, alice, movie(1))
    await add_request(backend, alice, movie(2), status=RequestStatus.APPROVED)
    newest = await add_request(backend, alice, movie(3))

    async def look(uow: UnitOfWork) -> tuple[Any, ...]:
        return (
            await uow.requests.for_user(alice.id, limit=5, status=RequestStatus.PENDING),
            await uow.requests.for_user(alice.id, status=RequestStatus.APPROVED),
            await uow.requests.for_user(alice.id, offset=1, status=RequestStatus.PENDING),
        )

    (pending, total), (approved, _), (second, second_total) = await read(backend, look)
    assert ([r.id for r in pending], total) == ([newest, kept], 2)
    assert [r.status for r in approved] == [RequestStatus.APPROVED]
    assert ([r.id for r in second], second_total) == ([kept], 2)


async def test_requests_are_ordered_as_they_were_made_whatever_their_times(
    backend: Backend,
) -> None:
    alice = await add_user(backend)
    first = await add_request(backend, alice, movie(1), at=NOW)
    second = await add_request(backend, alice, movie(2), at=NOW - timedelta(days=1))

    async def look(uow: UnitOfWork) -> tuple[Any, ...]:
        return (
            await uow.requests.for_user(alice.id),
            await uow.requests.with_status(RequestStatus.PENDING),
        )

    (newest_first, _), (oldest_first, _) = await read(backend, look)
    assert [r.id for r in newest_first] == [second, first]
    assert [r.id for r in oldest_first] == [first, second]


# ----- quota usage -------------------------------------------------------------------------


async def test_declined_movie_requests_do_not_count_against_the_quota(backend: Backend) -> None:
    alice = await add_user(backend)
    bob = await add_user(backend, "Bob")
    week_ago = NOW - timedelta(days=7)
    await add_request(backend, alice, movie(1), at=week_ago)  # on the edge: out, as in Seerr
    await add_request(backend, alice, movie(2), at=week_ago + timedelta(seconds=1))
    await add_request(backend, alice, movie(3), at=NOW, status=RequestStatus.DECLINED)
    await add_request(backend, alice, movie(4), at=NOW, status=RequestStatus.COMPLETED)
    await add_request(backend, alice, movie(5), at=NOW, status=RequestStatus.FAILED)
    await add_request(backend, alice, movie(8), at=NOW, is_4k=True)
    await add_request(backend, alice, show(6), at=NOW, seasons=(1,))
    await add_request(backend, bob, movie(7), at=NOW)

    async def look(uow: UnitOfWork) -> tuple[Any, ...]:
        return (
            await uow.requests.usage(alice.id, MOVIE, week_ago),
            await uow.requests.usage(bob.id, TV, week_ago),
        )

    usage, nothing = await read(backend, look)
    assert (usage.used, usage.oldest_at) == (4, week_ago + timedelta(seconds=1))
    assert (nothing.used, nothing.oldest_at) == (0, None)


async def test_tv_quota_usage_counts_requested_seasons(backend: Backend) -> None:
    alice = await add_user(backend)
    since = NOW - timedelta(days=7)
    await add_request(backend, alice, show(1), at=since - timedelta(days=1), seasons=(1, 2))
    await add_request(backend, alice, show(2), at=NOW - timedelta(days=2), seasons=(1, 2, 3))
    await add_request(backend, alice, show(3), at=NOW, seasons=(1,))
    declined = await add_request(backend, alice, show(4), at=NOW, seasons=(1, 2))
    await add_request(backend, alice, movie(5), at=NOW)
    await committed(
        backend,
        lambda uow: uow.requests.set_status(
            declined, RequestStatus.DECLINED, NOW, modified_by_id=None, decline_reason="no"
        ),
    )

    usage = await read(backend, lambda uow: uow.requests.usage(alice.id, TV, since))

    assert (usage.used, usage.oldest_at) == (4, NOW - timedelta(days=2))


# ----- hand-over to the downloaders ----------------------------------------------------------


async def test_approved_requests_are_listed_by_whether_they_were_sent(backend: Backend) -> None:
    alice = await add_user(backend)
    first = await add_request(backend, alice, movie(603), status=RequestStatus.APPROVED)
    second = await add_request(
        backend, alice, movie(604, "Reloaded"), status=RequestStatus.APPROVED
    )
    third = await add_request(
        backend, alice, movie(606, "Resurrections"), status=RequestStatus.APPROVED
    )
    await add_request(backend, alice, movie(605, "Revolutions"))  # pending: never listed
    assert await committed(backend, lambda uow: uow.requests.mark_sent(first, "radarr:7", NOW))

    async def look(uow: UnitOfWork) -> tuple[Any, ...]:
        return (
            await uow.requests.approved(sent=False),
            await uow.requests.approved(sent=True),
            await uow.requests.approved(sent=False, limit=1),
        )

    unsent, sent, one = await read(backend, look)
    assert [r.id for r in unsent] == [second, third]
    assert [r.id for r in sent] == [first]
    assert [r.id for r in one] == [second]
    assert (sent[0].download_ref, sent[0].sent_at) == ("radarr:7", NOW)


async def test_only_an_approved_request_can_be_marked_sent_and_a_change_clears_it(
    backend: Backend,
) -> None:
    alice = await add_user(backend)
    pending = await add_request(backend, alice, movie(603))
    approved = await add_request(
        backend, alice, movie(604, "Reloaded"), status=RequestStatus.APPROVED
    )

    async def work(uow: UnitOfWork) -> tuple[Any, Any]:
        assert not await uow.requests.mark_sent(pending, "radarr:1", NOW)
        assert not await uow.requests.mark_sent(404, "radarr:1", NOW)
        assert await uow.requests.mark_sent(approved, "radarr:2", NOW)
        failed = await uow.requests.set_status(
            approved, RequestStatus.FAILED, NOW, modified_by_id=None, fail_reason="gone"
        )
        again = await uow.requests.set_status(
            approved, RequestStatus.APPROVED, NOW + timedelta(1), modified_by_id=None
        )
        return failed, again

    failed, again = await committed(backend, work)
    still_pending = await read(backend, lambda uow: uow.requests.get(pending))
    assert failed.sent_at is None
    assert again.sent_at is None  # a retried request goes out again
    assert again.download_ref == "radarr:2"  # where it went last time stays known
    assert still_pending is not None
    assert (still_pending.sent_at, still_pending.download_ref) == (None, None)


async def test_approved_requests_can_be_narrowed_to_kinds(backend: Backend) -> None:
    alice = await add_user(backend)
    movie_id = await add_request(backend, alice, movie(603), status=RequestStatus.APPROVED)
    movie_4k = await add_request(
        backend, alice, movie(603), status=RequestStatus.APPROVED, is_4k=True
    )
    show_id = await add_request(
        backend, alice, show(1399), status=RequestStatus.APPROVED, seasons=(1,)
    )

    async def look(uow: UnitOfWork) -> tuple[Any, ...]:
        return (
            await uow.requests.approved(sent=False, kinds=[(MOVIE, False)]),
            await uow.requests.approved(sent=False, kinds=[(TV, True)]),
            await uow.requests.approved(sent=False, kinds=[(MOVIE, True), (TV, False)]),
            await uow.requests.approved(sent=False, kinds=[]),
            await uow.requests.approved(sent=False),
        )

    movies, shows_4k, mixed, nothing, every = await read(backend, look)
    assert [r.id for r in movies] == [movie_id]
    assert shows_4k == []
    assert [r.id for r in mixed] == [movie_4k, show_id]
    assert nothing == []
    assert [r.id for r in every] == [movie_id, movie_4k, show_id]


# ----- the outbox ----------------------------------------------------------------------------


async def test_outbox_delivers_due_events_in_order_and_keeps_a_log(backend: Backend) -> None:
    async def add(uow: UnitOfWork) -> tuple[Any, ...]:
        return (
            await uow.events.add(EventKind.PENDING, payload(1), NOW),
            await uow.events.add(EventKind.APPROVED, payload(2), NOW),
            await uow.events.add(EventKind.DECLINED, payload(3), NOW),
        )

    first, second, third = await committed(backend, add)
    later = NOW + timedelta(minutes=5)

    async def work(uow: UnitOfWork) -> None:
        await uow.events.reschedule(second.id, 1, later)
        await uow.events.finish(third.id, NOW, gave_up=True)
        await uow.events.log(
            DeliveryAttempt(first.id, "discord", 1, DeliveryStatus.FAILED, "HTTP 502", NOW)
        )
        await uow.events.log(
            DeliveryAttempt(first.id, "discord", 1, DeliveryStatus.SENT, None, NOW)
        )

    await committed(backend, work)

    async def look(uow: UnitOfWork) -> tuple[Any, ...]:
        return (
            await uow.events.due(NOW),
            await uow.events.due(later, limit=10),
            await uow.events.due(later, limit=1),
            await uow.events.pending_count(),
            await uow.events.attempts(first.id),
            await uow.events.attempts(second.id),
            await uow.events.get(second.id),
            await uow.events.get(third.id),
            await uow.events.get(404),
        )

    (due_now, due_later, one, pending, attempts, none, rescheduled, finished, missing) = await read(
        backend, look
    )
    assert (first.attempts, first.next_attempt_at, first.delivered_at) == (0, None, None)
    assert [e.id for e in due_now] == [first.id]
    assert [e.id for e in due_later] == [first.id, second.id]
    assert [e.id for e in one] == [first.id]
    assert due_now[0] == first
    assert pending == 2
    assert [(a.status, a.error) for a in attempts] == [
        (DeliveryStatus.FAILED, "HTTP 502"),
        (DeliveryStatus.SENT, None),
    ]
    assert attempts[1] == DeliveryAttempt(first.id, "discord", 1, DeliveryStatus.SENT, None, NOW)
    assert none == []
    assert rescheduled is not None
    assert (rescheduled.attempts, rescheduled.next_attempt_at) == (1, later)
    assert finished is not None
    assert finished.delivered_at == NOW
    assert missing is None


async def test_leases_are_extended_together_with_their_attempts_kept(backend: Backend) -> None:
    async def add(uow: UnitOfWork) -> tuple[Any, ...]:
        return (
            await uow.events.add(EventKind.PENDING, payload(1), NOW),
            await uow.events.add(EventKind.APPROVED, payload(2), NOW),
            await uow.events.add(EventKind.DECLINED, payload(3), NOW),
        )

    first, second, third = await committed(backend, add)
    until = NOW + timedelta(minutes=2)

    async def work(uow: UnitOfWork) -> None:
        await uow.events.reschedule(second.id, 2, NOW)
        await uow.events.extend([first.id, second.id, 404], until)
        await uow.events.extend([], until)

    await committed(backend, work)

    async def look(uow: UnitOfWork) -> list[Any]:
        return [await uow.events.get(e.id) for e in (first, second, third)]

    leased = [(e.attempts, e.next_attempt_at) for e in await read(backend, look)]
    assert leased == [(0, until), (2, until), (0, None)]


async def test_an_event_reads_back_with_its_whole_payload(backend: Backend) -> None:
    alice = await add_user(backend, identity=Identity("telegram", "42"))
    full = replace(
        payload_for(alice, status=RequestStatus.DECLINED),
        actor_id=2,
        actor_name="Mod",
        reason="not on Plex",
        watcher_ids=(3, 1),
    )
    shows = replace(payload(), seasons=(2, 1), is_4k=True, year=None, poster_path=None)

    async def add(uow: UnitOfWork) -> tuple[Any, Any]:
        return (
            await uow.events.add(EventKind.DECLINED, full, NOW),
            await uow.events.add(EventKind.PENDING, shows, NOW),
        )

    declined, pending = await committed(backend, add)
    assert await read(backend, lambda uow: uow.events.due(NOW)) == [declined, pending]
    assert declined.payload == full
    assert pending.payload.seasons == (2, 1)


async def test_claiming_an_event_leases_it_to_exactly_one_dispatcher(backend: Backend) -> None:
    event = await committed(backend, lambda uow: uow.events.add(EventKind.PENDING, payload(), NOW))
    until = NOW + timedelta(minutes=1)

    async def claim() -> bool:
        return await committed(backend, lambda uow: uow.events.claim(event.id, NOW, until))

    outcomes = await asyncio.gather(claim(), claim(), claim())
    assert sorted(outcomes) == [False, False, True]
    claimed = await read(backend, lambda uow: uow.events.get(event.id))
    assert claimed is not None
    assert claimed.next_attempt_at == until
    assert await read(backend, lambda uow: uow.events.due(NOW)) == []
    assert await read(backend, lambda uow: uow.events.due(until)) == [claimed]
    assert await committed(backend, lambda uow: uow.events.claim(event.id, until, until))


async def test_a_delivered_a_missing_or_a_not_yet_due_event_cannot_be_claimed(
    backend: Backend,
) -> None:
    later = NOW + timedelta(minutes=5)

    async def arrange(uow: UnitOfWork) -> tuple[int, int]:
        delivered = await uow.events.add(EventKind.PENDING, payload(1), NOW)
        waiting = await uow.events.add(EventKind.PENDING, payload(2), NOW)
        await uow.events.finish(delivered.id, NOW)
        await uow.events.reschedule(waiting.id, 1, later)
        return delivered.id, waiting.id

    delivered, waiting = await committed(backend, arrange)

    async def claims(uow: UnitOfWork) -> list[bool]:
        return [
            await uow.events.claim(delivered, later, later),
            await uow.events.claim(waiting, NOW, later),
            await uow.events.claim(404, NOW, later),
        ]

    assert await committed(backend, claims) == [False, False, False]
    assert await read(backend, lambda uow: uow.events.pending_count()) == 1


async def test_finishing_or_rescheduling_a_missing_event_changes_nothing(
    backend: Backend,
) -> None:
    event = await committed(backend, lambda uow: uow.events.add(EventKind.PENDING, payload(), NOW))

    async def work(uow: UnitOfWork) -> None:
        await uow.events.finish(404, NOW)
        await uow.events.reschedule(404, 3, NOW + timedelta(hours=1))

    await committed(backend, work)
    assert await read(backend, lambda uow: uow.events.due(NOW)) == [event]


# ----- settings ------------------------------------------------------------------------------


async def test_settings_are_plain_key_values(backend: Backend) -> None:
    async def write(uow: UnitOfWork) -> str | None:
        await uow.settings.set("quota_defaults", '{"movie_limit": 3}', NOW)
        await uow.settings.set("quota_defaults", '{"movie_limit": 5}', NOW)
        return await uow.settings.get("quota_defaults", max_age=timedelta(hours=1))

    assert await committed(backend, write) == '{"movie_limit": 5}'  # its own write, at once

    async def look(uow: UnitOfWork) -> tuple[str | None, str | None]:
        return await uow.settings.get("quota_defaults"), await uow.settings.get("missing")

    assert await read(backend, look) == ('{"movie_limit": 5}', None)


async def test_a_default_setting_is_stored_once_and_then_kept(backend: Backend) -> None:
    first = await committed(backend, lambda uow: uow.settings.set_default("api_key", "one", NOW))
    again = await committed(backend, lambda uow: uow.settings.set_default("api_key", "two", NOW))
    assert (first, again) == ("one", "one")
    assert await read(backend, lambda uow: uow.settings.get("api_key")) == "one"


async def test_of_two_units_storing_a_default_at_once_both_end_with_the_first_ones(
    backend: Backend,
) -> None:
    async def second() -> str:
        return await committed(backend, lambda uow: uow.settings.set_default("api_key", "2", NOW))

    async with backend.uow() as uow:
        assert await uow.settings.set_default("api_key", "1", NOW) == "1"
        racer = asyncio.create_task(second())
        await backend.until_blocked(racer)
        await uow.commit()
    assert await racer == "1"
    assert await read(backend, lambda uow: uow.settings.get("api_key")) == "1"


# ----- chat adapters' memory -------------------------------------------------------------------


async def user_and_media(backend: Backend) -> tuple[int, int]:
    async def work(uow: UnitOfWork) -> tuple[int, int]:
        user = await uow.users.add("Bob", Permission.REQUEST, Identity("telegram", "42"), NOW)
        media = await uow.media.upsert(MediaDetails(603, MOVIE, "The Matrix", 1999, "", None), NOW)
        return user.id, media.id

    return await committed(backend, work)


async def test_a_watcher_is_added_once_listed_in_order_and_cleared(backend: Backend) -> None:
    bob, media = await user_and_media(backend)
    other_media = (await committed(backend, lambda uow: uow.media.upsert(movie(550), NOW))).id

    async def subscribe(uow: UnitOfWork) -> int:
        alice = (await uow.users.add("Alice", Permission.REQUEST, None, NOW)).id
        assert await uow.watchers.add(bob, media, NOW) is True
        assert await uow.watchers.add(alice, media, NOW) is True
        assert await uow.watchers.add(bob, media, NOW) is False
        assert await uow.watchers.add(bob, other_media, NOW) is True
        return alice

    alice = await committed(backend, subscribe)
    assert await read(backend, lambda uow: uow.watchers.user_ids(media)) == [bob, alice]
    await committed(backend, lambda uow: uow.watchers.clear(media))
    assert await read(backend, lambda uow: uow.watchers.user_ids(media)) == []
    assert await read(backend, lambda uow: uow.watchers.user_ids(other_media)) == [bob]


async def test_chat_state_is_kept_per_platform_replaced_and_expires(backend: Backend) -> None:
    later = NOW + timedelta(hours=1)

    async def put(uow: UnitOfWork) -> None:
        await uow.chat_states.put("telegram", "abc", '{"q":"one"}', NOW, later)
        await uow.chat_states.put("telegram", "abc", '{"q":"two"}', NOW, later)
        await uow.chat_states.put("discord", "abc", '{"q":"three"}', NOW, NOW)
        await uow.chat_states.put("discord", "def", '{"q":"four"}', NOW, later)

    await committed(backend, put)

    async def look(uow: UnitOfWork) -> list[str | None]:
        return [
            await uow.chat_states.get("telegram", "abc", NOW),
            await uow.chat_states.get("discord", "abc", NOW),  # expired at NOW
            await uow.chat_states.get("telegram", "abc", later),
            await uow.chat_states.get("telegram", "def", NOW),
        ]

    assert await read(backend, look) == ['{"q":"two"}', None, None, None]

    async def clean(uow: UnitOfWork) -> int:
        purged = await uow.chat_states.purge(NOW)
        await uow.chat_states.delete("telegram", "abc")
        await uow.chat_states.delete("telegram", "missing")
        return purged

    assert await committed(backend, clean) == 1

    async def left(uow: UnitOfWork) -> list[str | None]:
        return [
            await uow.chat_states.get("telegram", "abc", NOW),
            await uow.chat_states.get("discord", "def", NOW),
        ]

    assert await read(backend, left) == [None, '{"q":"four"}']


async def test_posts_about_a_request_come_back_oldest_first(backend: Backend) -> None:
    async def add(uow: UnitOfWork) -> None:
        await uow.chat_posts.add(ChatPost("telegram", "-1001", "5", 7), NOW)
        await uow.chat_posts.add(ChatPost("telegram", "42", "6", 7, "private"), NOW)
        await uow.chat_posts.add(ChatPost("discord", "1", "2", 7), NOW)
        await uow.chat_posts.add(ChatPost("telegram", "-1001", "8", 9), NOW)

    await committed(backend, add)
    posts = await read(backend, lambda uow: uow.chat_posts.for_request(7, "telegram"))
    assert posts == [
        ChatPost("telegram", "-1001", "5", 7),
        ChatPost("telegram", "42", "6", 7, "private"),
    ]
    assert await read(backend, lambda uow: uow.chat_posts.for_request(8, "telegram")) == []


# ----- media-server accounts as users -----------------------------------------------------


async def sync(backend: Backend, *accounts: ServerAccount, at: datetime = NOW) -> AccountSync:
    return await committed(backend, lambda uow: uow.accounts.sync(accounts, Permission.REQUEST, at))


async def test_every_account_becomes_a_user_once(backend: Backend) -> None:
    first = await sync(
        backend,
        ServerAccount("a1", "Alice", is_admin=True),
        ServerAccount("b2", "bob", email="bob@example.org"),
    )
    again = await sync(
        backend, ServerAccount("a1", "Alice", is_admin=True), ServerAccount("b2", "bob")
    )

    everyone = await read(backend, lambda uow: uow.users.page())
    assert len(first.created) == 2
    assert again == AccountSync(created=(), updated=0)
    assert [(u.id, u.display_name, u.media_server_username) for u in everyone] == [
        (first.created[0], "Alice", "Alice"),
        (first.created[1], "bob", "bob"),
    ]
    alice, bob = everyone
    assert (alice.media_server_user_id, alice.permissions, alice.identities) == (
        "a1",
        Permission.REQUEST,  # a media-server admin is no requestbot admin
        (),
    )
    assert bob.email == "bob@example.org"  # kept when the server has none to give


async def test_a_sync_updates_renamed_and_disabled_accounts_and_keeps_gone_ones(
    backend: Backend,
) -> None:
    made = await sync(backend, ServerAccount("a1", "Alice"), ServerAccount("c3", "Carol"))
    later = await sync(
        backend,
        ServerAccount("a1", "Alicia", email="alicia@example.org"),
        ServerAccount("d4", "Dan", disabled=True),
    )

    everyone = {u.media_server_user_id: u for u in await read(backend, lambda u: u.users.page())}
    assert later.updated == 1
    assert len(later.created) == 1
    alice = everyone["a1"]
    assert alice.id == made.created[0]
    assert (alice.media_server_username, alice.email) == ("Alicia", "alicia@example.org")
    assert alice.display_name == "Alice"  # a display name is the user's own once made
    assert everyone["c3"].media_server_username == "Carol"  # gone from the server: kept
    dan = everyone["d4"]
    assert dan.disabled
    assert dan.permissions == Permission.NONE  # a disabled account holds nothing
    managers = await read(backend, lambda uow: uow.users.with_any_permission(Permission.REQUEST))
    assert dan.id not in [u.id for u in managers]
    await sync(backend, ServerAccount("d4", "Dan"))
    enabled = await read(backend, lambda uow: uow.users.get(dan.id))
    assert enabled is not None
    assert (enabled.disabled, enabled.permissions) == (False, Permission.REQUEST)


async def test_a_user_linked_by_name_takes_the_accounts_id(backend: Backend) -> None:
    linked = await add_user(backend, "Old", identity=Identity("telegram", "5"))
    await committed(
        backend, lambda uow: uow.users.set_profile(linked.id, NOW, media_server_username="ALICE")
    )

    synced = await sync(backend, ServerAccount("a1", "Alice"))

    user = await read(backend, lambda uow: uow.users.get(linked.id))
    assert synced == AccountSync(created=(), updated=1)
    assert user is not None
    assert (user.media_server_user_id, user.media_server_username) == ("a1", "Alice")


async def test_thousands_of_accounts_are_made_and_renamed_in_one_sync(backend: Backend) -> None:
    accounts = [ServerAccount(f"id{n}", f"user{n}") for n in range(3000)]
    made = await sync(backend, *accounts)
    renamed = [replace(a, name=a.name.upper()) for a in accounts]
    again = await sync(backend, *renamed)

    assert len(made.created) == 3000
    assert again.updated == 3000
    assert await read(backend, lambda uow: uow.users.count()) == 3000


async def merge_world(backend: Backend) -> tuple[User, User, int, int]:
    """A chat user with a request, a watched title and a delivery; an account's user with
    a request and a watched title of its own (one title watched by both)."""
    chat = await add_user(backend, "Chatty", identity=Identity("telegram", "5"))
    (account_id,) = (await sync(backend, ServerAccount("a1", "Alice"))).created
    account = await read(backend, lambda uow: uow.users.get(account_id))
    assert account is not None
    mine = await add_request(backend, chat, movie())
    theirs = await add_request(backend, account, show())

    async def arrange(uow: UnitOfWork) -> None:
        await uow.users.set_permissions(chat.id, Permission.REQUEST | Permission.VOTE, NOW)
        await uow.users.set_permissions(account_id, Permission.REQUEST_4K, NOW)
        await uow.users.set_role_permissions(chat.id, Permission.AUTO_APPROVE, NOW)
        await uow.users.set_quota(chat.id, QuotaLimits(movie_limit=3, tv_limit=1), NOW)
        await uow.users.set_quota(account_id, QuotaLimits(movie_limit=9), NOW)
        await uow.users.set_profile(chat.id, NOW, email="chat@example.org")
        await uow.requests.set_status(theirs, RequestStatus.APPROVED, NOW, modified_by_id=chat.id)
        request = await uow.requests.get(mine)
        assert request is not None
        await uow.watchers.add(chat.id, request.media.id, NOW)
        await uow.watchers.add(account_id, request.media.id, NOW)
        other = await uow.media.upsert(movie(550, "Fight Club"), NOW)
        await uow.watchers.add(chat.id, other.id, NOW)
        event = await uow.events.add(EventKind.PENDING, payload(mine), NOW)
        await uow.events.log(
            DeliveryAttempt(event.id, "telegram", chat.id, DeliveryStatus.SENT, None, NOW)
        )

    await committed(backend, arrange)
    return chat, account, mine, theirs


async def test_merging_moves_everything_of_a_user_onto_the_other(backend: Backend) -> None:
    chat, account, mine, theirs = await merge_world(backend)

    await committed(backend, lambda uow: uow.users.merge(chat.id, account.id, NOW))

    async def look(uow: UnitOfWork) -> tuple[Any, ...]:
        made, modified = await uow.requests.get(mine), await uow.requests.get(theirs)
        assert made is not None
        assert modified is not None
        return (
            await uow.users.get(chat.id),
            await uow.users.get(account.id),
            await uow.users.find_by_identity(Identity("telegram", "5")),
            made,
            modified,
            await uow.watchers.user_ids(made.media.id),
            await uow.requests.usage(account.id, MOVIE, NOW - timedelta(days=7)),
            await uow.events.attempts(1),
            await uow.users.count(),
            await uow.events.get(1),
        )

    gone, merged, owner, made, modified, watching, usage, attempts, count, event = await read(
        backend, look
    )
    assert event is not None
    assert event.payload.requested_by_id == account.id  # still to be told: the account
    assert gone is None
    assert count == 1
    assert merged is not None
    assert owner is not None
    assert owner.id == merged.id == account.id
    assert merged.identities == (Identity("telegram", "5"),)
    assert merged.media_server_user_id == "a1"
    assert merged.display_name == "Alice"
    assert merged.permissions == (
        Permission.REQUEST | Permission.VOTE | Permission.REQUEST_4K | Permission.AUTO_APPROVE
    )
    assert merged.role_permissions == Permission.AUTO_APPROVE
    assert merged.quota == QuotaLimits(movie_limit=9, tv_limit=1)  # its own, else the other's
    assert merged.email == "chat@example.org"
    assert made.requested_by.id == account.id
    assert modified.modified_by is not None
    assert modified.modified_by.id == account.id
    assert watching == [account.id]  # watched by both: once
    assert usage.used == 1  # the quota use follows the request
    assert [a.recipient_id for a in attempts] == [account.id]


async def test_a_merge_that_fails_half_way_leaves_both_users_as_they_were(
    backend: Backend,
) -> None:
    chat, account, mine, _ = await merge_world(backend)
    before = await read(backend, lambda uow: uow.users.page())

    async def die_half_way(uow: UnitOfWork) -> None:
        await uow.users.merge(chat.id, account.id, NOW)
        raise RuntimeError("the process died before the commit")

    await raises_in_own_unit(backend, RuntimeError, die_half_way)

    after = await read(backend, lambda uow: uow.users.page())
    request = await read(backend, lambda uow: uow.requests.get(mine))
    assert after == before
    assert request is not None
    assert request.requested_by.id == chat.id


async def test_merging_a_missing_user_is_not_found(backend: Backend) -> None:
    alice = await add_user(backend)
    await raises_in_own_unit(backend, NotFound, lambda uow: uow.users.merge(99, alice.id, NOW))
    await raises_in_own_unit(backend, NotFound, lambda uow: uow.users.merge(alice.id, 99, NOW))
    assert await read(backend, lambda uow: uow.users.get(alice.id)) == alice


# ----- listings --------------------------------------------------------------------------


async def test_listed_requests_filter_sort_and_page_as_seerr(backend: Backend) -> None:
    alice = await add_user(backend, identity=Identity("discord", "1"))
    bob = await add_user(backend, "Bob", identity=Identity("discord", "2"))
    older = await add_request(backend, alice, movie(1), at=NOW)
    newer = await add_request(backend, bob, show(2), at=NOW + timedelta(hours=1), seasons=(1,))
    done = await add_request(
        backend, alice, movie(3), at=NOW + timedelta(hours=2), status=RequestStatus.COMPLETED
    )

    async def approve(uow: UnitOfWork) -> None:
        await uow.requests.set_status(
            older, RequestStatus.APPROVED, NOW + timedelta(hours=3), modified_by_id=bob.id
        )
        media = await uow.media.get_by_tmdb(3, MOVIE)
        assert media is not None
        await uow.media.set_status(media.id, MediaStatus.AVAILABLE, NOW)

    await committed(backend, approve)

    async def ids(**query: Any) -> tuple[list[int], int]:
        found, total = await read(backend, lambda uow: uow.listings.requests(RequestQuery(**query)))
        return [r.id for r in found], total

    assert await ids() == ([done, newer, older], 3)
    assert await ids(descending=False) == ([older, newer, done], 3)
    assert await ids(sort=RequestSort.MODIFIED) == ([older, done, newer], 3)
    assert await ids(sort=RequestSort.ADDED, offset=1, limit=1) == ([newer], 3)
    assert await ids(filter=RequestFilter.PROCESSING) == ([older], 1)
    assert await ids(filter=RequestFilter.AVAILABLE) == ([done], 1)
    assert await ids(filter=RequestFilter.UNAVAILABLE) == ([newer, older], 2)
    assert await ids(requested_by=alice.id) == ([done, older], 2)
    assert await ids(media_type=TV) == ([newer], 1)
    assert await ids(limit=2**31 - 1) == ([done, newer, older], 3)
    listed, _ = await read(backend, lambda uow: uow.listings.requests(RequestQuery()))
    assert listed[2] == await read(backend, lambda uow: uow.requests.get(older))
    assert listed[1].seasons[0].id is not None


async def test_request_counts_split_approved_by_availability(backend: Backend) -> None:
    alice = await add_user(backend)
    await add_request(backend, alice, movie(1), status=RequestStatus.APPROVED)
    await add_request(backend, alice, show(2), status=RequestStatus.PENDING, seasons=(1,))
    await add_request(backend, alice, movie(3), status=RequestStatus.COMPLETED)

    async def available(uow: UnitOfWork) -> None:
        media = await uow.media.get_by_tmdb(1, MOVIE)
        assert media is not None
        await uow.media.set_status(media.id, MediaStatus.AVAILABLE, NOW)

    empty = await read(backend, lambda uow: uow.listings.request_counts())
    assert empty.total == 3
    assert (empty.processing, empty.available) == (1, 0)
    await committed(backend, available)
    counts = await read(backend, lambda uow: uow.listings.request_counts())
    assert counts == RequestCounts(
        total=3, movie=2, tv=1, pending=1, approved=1, declined=0, processing=0, available=1,
        completed=1,
    )  # fmt: skip


async def test_requests_are_counted_per_user_and_listed_per_title(backend: Backend) -> None:
    alice = await add_user(backend, identity=Identity("discord", "1"))
    bob = await add_user(backend, "Bob", identity=Identity("discord", "2"))
    first = await add_request(backend, alice, movie(1))
    second = await add_request(backend, alice, movie(1), is_4k=True)
    await add_request(backend, bob, movie(2))
    counts = await read(backend, lambda uow: uow.listings.requests_per_user([alice.id, bob.id, 99]))
    assert counts == {alice.id: 2, bob.id: 1, 99: 0}
    media = await read(backend, lambda uow: uow.media.get_by_tmdb(1, MOVIE))
    assert media is not None
    found = await read(backend, lambda uow: uow.listings.requests_for_media([media.id, 404]))
    assert [r.id for r in found[media.id]] == [first, second]
    assert found[404] == []


async def test_listed_users_sort_search_and_page(backend: Backend) -> None:
    carol = await add_user(backend, "carol", identity=Identity("discord", "c"))
    alice = await add_user(backend, "Alice", identity=Identity("discord", "a"))
    bob = await add_user(backend, "bob", identity=Identity("discord", "b"))
    await add_request(backend, bob, movie(1))

    async def names(**query: Any) -> tuple[list[str], int]:
        found, total = await read(backend, lambda uow: uow.listings.users(UserQuery(**query)))
        return [u.display_name for u in found], total

    assert await names() == (["carol", "Alice", "bob"], 3)
    assert await names(sort=UserSort.DISPLAY_NAME) == (["Alice", "bob", "carol"], 3)
    assert (await names(sort=UserSort.REQUESTS))[0][0] == "bob"
    assert await names(text="LIC") == (["Alice"], 1)
    assert await names(offset=1, limit=1) == (["Alice"], 3)
    listed, _ = await read(backend, lambda uow: uow.listings.users(UserQuery()))
    assert listed == [carol, alice, bob]
    assert listed[0].updated_at == NOW


async def test_listed_titles_filter_and_go_newest_first(backend: Backend) -> None:
    async def add(uow: UnitOfWork) -> None:
        for n, status in enumerate((MediaStatus.AVAILABLE, MediaStatus.PARTIALLY_AVAILABLE), 1):
            media = await uow.media.upsert(movie(n), NOW + timedelta(minutes=n))
            await uow.media.set_status(media.id, status, NOW + timedelta(minutes=n))
        await uow.media.upsert(movie(3), NOW + timedelta(minutes=3))

    await committed(backend, add)

    async def tmdb_ids(**query: Any) -> tuple[list[int], int]:
        found, total = await read(backend, lambda uow: uow.listings.media(MediaQuery(**query)))
        return [m.tmdb_id for m in found], total

    assert await tmdb_ids() == ([3, 2, 1], 3)
    assert await tmdb_ids(filter=MediaFilter.ALL_AVAILABLE) == ([2, 1], 2)
    assert await tmdb_ids(filter=MediaFilter.PARTIAL) == ([2], 1)
    assert await tmdb_ids(limit=1, offset=1) == ([2], 3)
    found, _ = await read(backend, lambda uow: uow.listings.media(MediaQuery(limit=1)))
    assert found[0].created_at == NOW + timedelta(minutes=3)


# ----- notification preferences --------------------------------------------------------


async def test_preferences_are_the_defaults_until_chosen_then_each_column_on_its_own(
    backend: Backend,
) -> None:
    from core.notification_types import NotificationType as N
    from core.preferences import Preferences

    alice, bob = await add_user(backend, "Alice"), await add_user(backend, "Bob")
    assert await read(backend, lambda uow: uow.preferences.get(alice.id)) == Preferences(alice.id)

    async def choose(uow: UnitOfWork) -> None:
        await uow.preferences.set_types(alice.id, "telegram", N.MEDIA_AVAILABLE, NOW)
        await uow.preferences.set_private_cards(alice.id, True, NOW)
        await uow.preferences.set_types(alice.id, "discord", N.NONE, NOW)
        await uow.preferences.set_types(alice.id, "telegram", N.MEDIA_DECLINED, NOW)  # again

    await committed(backend, choose)
    chosen = Preferences(alice.id, {"telegram": N.MEDIA_DECLINED, "discord": N.NONE}, True)
    assert await read(backend, lambda uow: uow.preferences.get(alice.id)) == chosen
    both = await read(backend, lambda uow: uow.preferences.for_users([bob.id, alice.id, 99]))
    assert both == {bob.id: Preferences(bob.id), alice.id: chosen, 99: Preferences(99)}
    assert await read(backend, lambda uow: uow.preferences.for_users([])) == {}


async def test_merging_keeps_the_targets_choices_and_fills_in_the_sources(
    backend: Backend,
) -> None:
    from core.notification_types import NotificationType as N
    from core.preferences import Preferences

    chat, account, _, _ = await merge_world(backend)
    other = await add_user(backend, "Other")

    async def choose(uow: UnitOfWork) -> None:
        await uow.preferences.set_types(chat.id, "telegram", N.MEDIA_AVAILABLE, NOW)
        await uow.preferences.set_types(chat.id, "discord", N.MEDIA_FAILED, NOW)
        await uow.preferences.set_private_cards(chat.id, True, NOW)
        await uow.preferences.set_types(account.id, "discord", N.MEDIA_APPROVED, NOW)
        await uow.preferences.set_types(other.id, "telegram", N.NONE, NOW)

    await committed(backend, choose)
    await committed(backend, lambda uow: uow.users.merge(chat.id, account.id, NOW))
    merged = await read(backend, lambda uow: uow.preferences.get(account.id))
    assert merged == Preferences(
        account.id, {"telegram": N.MEDIA_AVAILABLE, "discord": N.MEDIA_APPROVED}, True
    )
    assert await read(backend, lambda uow: uow.preferences.get(chat.id)) == Preferences(chat.id)
    # A source with choices merged into a target without any: they move over whole.
    await committed(backend, lambda uow: uow.users.merge(other.id, account.id, NOW))
    kept = await read(backend, lambda uow: uow.preferences.get(account.id))
    assert kept == merged  # the target's own stayed where it had chosen

    lone = await add_user(backend, "Lone")
    await committed(backend, lambda uow: uow.preferences.set_private_cards(lone.id, True, NOW))
    fresh = await add_user(backend, "Fresh")
    await committed(backend, lambda uow: uow.users.merge(lone.id, fresh.id, NOW))
    assert await read(backend, lambda uow: uow.preferences.get(fresh.id)) == Preferences(
        fresh.id, {}, True
    )
