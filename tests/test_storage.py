"""Contract tests of storage/ on real databases: a SQLite file in tmp_path, and PostgreSQL
when TEST_DATABASE_URL is set (each test in a schema of its own)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import aiosqlite
import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import event, inspect, text
from sqlmodel import SQLModel

from core import requests
from core.domain import (
    DeliveryAttempt,
    DeliveryStatus,
    EventKind,
    EventPayload,
    Identity,
    MediaDetails,
    MediaStatus,
    MediaType,
    QuotaLimits,
    RequestStatus,
    SeasonInfo,
    User,
)
from core.errors import Conflict, NotFound
from core.permissions import Permission
from core.services import CoreConfig, Services
from storage import SqlUnitOfWorkFactory, create_engine, current_revision, upgrade
from storage.db import SQLITE_POOL_SIZE, write_lock
from storage.migrate import current_revision_of, head_revision
from tests.fakes import FakeCatalogue, FakeClock
from tests.storage_fixtures import Storage, open_storage, sqlite_url

NOW = datetime(2026, 2, 1, 12, 0, tzinfo=UTC)


def movie(tmdb_id: int = 603, title: str = "The Matrix") -> MediaDetails:
    return MediaDetails(tmdb_id, MediaType.MOVIE, title, 1999, "Neo wakes up.", "/m.jpg")


def show(tmdb_id: int = 1399, seasons: int = 3) -> MediaDetails:
    return MediaDetails(
        tmdb_id,
        MediaType.TV,
        "Game of Thrones",
        2011,
        "Winter is coming.",
        "/g.jpg",
        seasons=tuple(SeasonInfo(n, 10) for n in range(seasons + 1)),
        tvdb_id=121361,
        imdb_id="tt0944947",
    )


async def add_user(
    storage: Storage,
    name: str = "Alice",
    permissions: Permission = Permission.REQUEST,
    identity: Identity | None = None,
) -> User:
    async with storage.uow() as uow:
        user = await uow.users.add(name, permissions, identity, NOW)
        await uow.commit()
    return user


async def add_request(
    storage: Storage,
    user: User,
    details: MediaDetails,
    *,
    at: datetime = NOW,
    status: RequestStatus = RequestStatus.PENDING,
    seasons: tuple[int, ...] = (),
) -> int:
    async with storage.uow() as uow:
        media = await uow.media.upsert(details, at)
        request = await uow.requests.add(
            media=media,
            requested_by=user,
            status=status,
            is_4k=False,
            seasons=seasons,
            modified_by=None,
            now=at,
        )
        await uow.commit()
    return request.id


def payload(request_id: int = 1) -> EventPayload:
    return EventPayload(
        request_id=request_id,
        media_type=MediaType.TV,
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


async def until_blocked(storage: Storage, task: asyncio.Task[Any]) -> None:
    """Return once ``task`` waits for a lock held by the caller's open transaction."""
    for _ in range(500):
        await asyncio.sleep(0.01)
        assert not task.done(), "the second transaction did not wait"
        if storage.is_sqlite:
            return  # it queues on the engine's write lock at once
        async with storage.engine.connect() as conn:
            waiting = await conn.scalar(
                text(
                    "SELECT count(*) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND wait_event_type = 'Lock'"
                )
            )
        if waiting:
            return
    raise AssertionError("the second transaction never started waiting")


# ----- migrations ----------------------------------------------------------------------


async def test_migrations_create_exactly_the_schema_of_the_models(database_url: str) -> None:
    async with open_storage(database_url) as opened:
        async with opened.engine.connect() as conn:
            diff = await conn.run_sync(
                lambda c: compare_metadata(
                    MigrationContext.configure(c, opts={"compare_type": True}), SQLModel.metadata
                )
            )
            tables = await conn.run_sync(lambda c: set(inspect(c).get_table_names()))
        assert diff == []
        assert tables == {*SQLModel.metadata.tables, "alembic_version"}
        assert await current_revision_of(opened.engine) == head_revision()


async def test_upgrade_by_url_creates_the_folder_and_can_run_again(tmp_path: Path) -> None:
    url = sqlite_url(tmp_path / "nested")
    await upgrade(url)
    await upgrade(url)
    assert await current_revision(url) == head_revision() == "0004"


def test_the_head_read_from_the_migration_files_is_alembics_own() -> None:
    from alembic.script import ScriptDirectory

    from storage.migrate import alembic_config

    assert head_revision() == ScriptDirectory.from_config(alembic_config()).get_current_head()


async def test_an_unmigrated_database_has_no_revision(tmp_path: Path) -> None:
    assert await current_revision(sqlite_url(tmp_path)) is None


def test_sqlite_in_memory_is_refused() -> None:
    with pytest.raises(ValueError, match="file path"):
        create_engine("sqlite+aiosqlite:///:memory:")


# ----- SQLite connections and transactions ---------------------------------------------


@pytest.mark.parametrize("one_hop", [True, False], ids=["one-hop", "stock-driver"])
async def test_sqlite_connections_use_wal_foreign_keys_and_a_busy_timeout(
    tmp_path: Path, one_hop: bool
) -> None:
    async with (
        open_storage(sqlite_url(tmp_path), one_hop=one_hop) as opened,
        opened.engine.connect() as conn,
    ):
        pragmas = [
            await conn.scalar(text(f"PRAGMA {name}"))
            for name in ("journal_mode", "foreign_keys", "busy_timeout", "synchronous")
        ]
    assert pragmas == ["wal", 1, 30000, 1]  # synchronous 1 is NORMAL


async def test_foreign_keys_are_enforced(storage: Storage) -> None:
    with pytest.raises(Exception, match=r"(?i)foreign key"):
        async with storage.uow() as uow:
            await uow.users.add_identity(999, Identity("discord", "1"))


@pytest.mark.parametrize("one_hop", [True, False], ids=["one-hop", "stock-driver"])
async def test_fifty_concurrent_write_units_of_work_all_commit(
    tmp_path: Path, one_hop: bool
) -> None:
    async with open_storage(sqlite_url(tmp_path), one_hop=one_hop) as opened:

        async def register(n: int) -> None:
            async with opened.uow() as uow:
                user = await uow.users.add(f"user {n}", Permission.REQUEST, None, NOW)
                # read-then-write in one transaction: no lock upgrade to fail on
                assert await uow.users.get(user.id) is not None
                await uow.users.set_permissions(user.id, Permission.ADMIN, NOW)
                await uow.commit()

        await asyncio.gather(*(register(n) for n in range(50)))
        async with opened.uow(write=False) as uow:
            assert await uow.users.count() == 50
            assert len(await uow.users.with_any_permission(Permission.ADMIN)) == 50


@pytest.mark.parametrize("one_hop", [True, False], ids=["one-hop", "stock-driver"])
async def test_bursts_of_units_of_work_reuse_a_few_connections(
    tmp_path: Path, one_hop: bool
) -> None:
    # Each aiosqlite connection is a thread: one opened per use and closed after (an
    # overflow connection) costs a thread start and the PRAGMAs, so none may be.
    async with open_storage(sqlite_url(tmp_path), one_hop=one_hop) as opened:
        await opened.engine.dispose()  # count from an empty pool
        opened_connections = []
        event.listen(
            opened.engine.sync_engine, "connect", lambda conn, _: opened_connections.append(conn)
        )

        async def read(n: int) -> None:
            async with opened.uow(write=False) as uow:
                await uow.users.count()
                await uow.commit()

        async def write(n: int) -> None:
            async with opened.uow() as uow:
                await uow.users.add(f"user {n}", Permission.REQUEST, None, NOW)
                await uow.commit()

        for _ in range(3):
            await asyncio.gather(*(read(n) if n % 5 else write(n) for n in range(50)))
        for n in range(20):
            await read(n)

        assert len(opened_connections) <= SQLITE_POOL_SIZE
        async with opened.uow(write=False) as uow:
            assert await uow.users.count() == 30


async def test_a_second_engine_writing_the_same_file_is_waited_for(tmp_path: Path) -> None:
    url = sqlite_url(tmp_path)
    async with open_storage(url) as first, open_storage(url, migrate=False) as second:

        async def write_through_second() -> None:
            async with second.uow() as uow:
                await uow.users.add("Bob", Permission.REQUEST, None, NOW)
                await uow.commit()

        async with first.uow() as uow:
            await uow.users.add("Alice", Permission.REQUEST, None, NOW)
            other = asyncio.create_task(write_through_second())
            # the other engine has its own in-process lock: it waits in SQLite's busy handler
            await asyncio.sleep(0.3)
            assert not other.done()
            await uow.commit()
        await other
        async with first.uow(write=False) as uow:
            assert [u.display_name for u in await uow.users.page()] == ["Alice", "Bob"]


async def test_readers_neither_wait_for_writers_nor_see_their_uncommitted_rows(
    storage: Storage,
) -> None:
    async with storage.uow() as writer:
        await writer.users.add("Alice", Permission.REQUEST, None, NOW)
        async with storage.uow(write=False) as reader:
            assert await reader.users.count() == 0
        await writer.commit()
    async with storage.uow(write=False) as reader:
        assert await reader.users.count() == 1


async def test_leaving_a_unit_of_work_without_commit_rolls_back(storage: Storage) -> None:
    async with storage.uow() as uow:
        await uow.users.add("Alice", Permission.REQUEST, None, NOW)

    async def failing_use_case() -> None:
        async with storage.uow() as uow:
            await uow.users.add("Bob", Permission.REQUEST, None, NOW)
            raise RuntimeError("use case failed")

    with pytest.raises(RuntimeError):
        await failing_use_case()
    async with storage.uow(write=False) as uow:
        assert await uow.users.count() == 0
    if storage.is_sqlite:
        lock = write_lock(storage.engine)
        assert lock is not None
        assert not lock.locked()


async def test_a_cancelled_unit_of_work_rolls_back_and_lets_the_next_writer_in(
    storage: Storage,
) -> None:
    inserted = asyncio.Event()

    async def interrupted() -> None:
        async with storage.uow() as uow:
            await uow.users.add("Alice", Permission.REQUEST, None, NOW)
            inserted.set()
            await asyncio.Event().wait()

    task = asyncio.create_task(interrupted())
    await inserted.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    async with storage.uow() as uow:
        await uow.users.add("Bob", Permission.REQUEST, None, NOW)
        await uow.commit()
    async with storage.uow(write=False) as uow:
        assert [u.display_name for u in await uow.users.page()] == ["Bob"]


async def test_one_hop_driver_makes_one_trip_per_statement_and_none_for_an_empty_transaction(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with open_storage(sqlite_url(tmp_path), one_hop=True) as opened:
        trips: list[object] = []
        real: Any = aiosqlite.Connection._execute

        async def counted(self: aiosqlite.Connection, fn: Any, *args: Any, **kw: Any) -> Any:
            trips.append(fn)
            return await real(self, fn, *args, **kw)

        monkeypatch.setattr(aiosqlite.Connection, "_execute", counted)
        async with opened.uow() as uow:
            await uow.commit()
        assert trips == []
        async with opened.uow() as uow:
            await uow.users.add("Alice", Permission.REQUEST, Identity("discord", "1"), NOW)
            await uow.settings.get("quota_defaults")
            await uow.commit()
        assert len(trips) == 4  # BEGIN IMMEDIATE rides with the first INSERT; then COMMIT


async def test_a_movie_request_costs_eight_trips_and_seven_for_the_unlimited(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Pins the statements of the hot path: user, quota use, media upsert, duplicates,
    media status, request, outbox event, COMMIT (the quota defaults come from the cache)."""
    async with open_storage(sqlite_url(tmp_path), one_hop=True) as opened:
        catalogue = FakeCatalogue()
        config = CoreConfig(quota_defaults=QuotaLimits(movie_limit=100, movie_days=7))
        services = Services(opened.uow, catalogue, FakeClock(), config)
        alice = await add_user(opened, "Alice", Permission.REQUEST)
        admin = await add_user(opened, "Admin", Permission.ADMIN)
        for tmdb_id in range(1, 5):
            catalogue.add_movie(tmdb_id, f"Movie {tmdb_id}")
        await requests.create_request(services, alice.id, 1, MediaType.MOVIE)
        trips: list[object] = []
        real: Any = aiosqlite.Connection._execute

        async def counted(self: aiosqlite.Connection, fn: Any, *args: Any, **kw: Any) -> Any:
            trips.append(fn)
            return await real(self, fn, *args, **kw)

        monkeypatch.setattr(aiosqlite.Connection, "_execute", counted)
        created = await requests.create_request(services, alice.id, 2, MediaType.MOVIE)
        assert created.request is not None
        assert len(trips) == 8
        trips.clear()
        created = await requests.create_request(services, admin.id, 3, MediaType.MOVIE)
        assert created.request is not None
        assert len(trips) == 7  # no quota to count against


# ----- users -----------------------------------------------------------------------------


async def test_an_identity_belongs_to_one_user(storage: Storage) -> None:
    alice = await add_user(storage, identity=Identity("discord", "42"))
    with pytest.raises(Conflict):
        async with storage.uow() as uow:
            await uow.users.add("Mallory", Permission.REQUEST, Identity("discord", "42"), NOW)

    async def link_to_bob() -> None:
        async with storage.uow() as uow:
            bob = await uow.users.add("Bob", Permission.REQUEST, None, NOW)
            await uow.users.add_identity(bob.id, Identity("discord", "42"))

    with pytest.raises(Conflict):
        await link_to_bob()
    async with storage.uow(write=False) as uow:
        found = await uow.users.find_by_identity(Identity("discord", "42"))
        assert found == alice
        assert await uow.users.count() == 1


async def test_users_keep_their_identities_permissions_quota_and_profile(
    storage: Storage,
) -> None:
    alice = await add_user(storage, identity=Identity("discord", "1"))
    async with storage.uow() as uow:
        await uow.users.add_identity(alice.id, Identity("telegram", "2"))
        await uow.users.set_permissions(alice.id, Permission.REQUEST | Permission.VOTE, NOW)
        await uow.users.set_quota(alice.id, QuotaLimits(3, 7, None, 14), NOW)
        await uow.users.set_profile(
            alice.id, NOW, email="alice@example.org", media_server_username="alice_jf"
        )
        await uow.commit()
    async with storage.uow() as uow:
        await uow.users.set_profile(alice.id, NOW, display_name="Alice L.", email="")
        await uow.commit()
    async with storage.uow(write=False) as uow:
        user = await uow.users.get(alice.id)
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


async def test_changing_a_missing_user_is_not_found(storage: Storage) -> None:
    with pytest.raises(NotFound):
        async with storage.uow() as uow:
            await uow.users.set_permissions(404, Permission.ADMIN, NOW)


async def test_find_matches_names_usernames_and_identities_in_any_case(storage: Storage) -> None:
    alice = await add_user(storage, "Alice", identity=Identity("discord", "111"))
    alina = await add_user(storage, "Alina", identity=Identity("telegram", "222"))
    bob = await add_user(storage, "Bob 100%", identity=Identity("console", "bob"))
    async with storage.uow() as uow:
        await uow.users.set_profile(bob.id, NOW, media_server_username="RoBeRt")
        await uow.commit()
    async with storage.uow(write=False) as uow:

        async def names(text: str) -> list[str]:
            return [u.display_name for u in await uow.users.find(text)]

        assert await names("ALI") == ["Alice", "Alina"]
        assert await names("alina") == ["Alina"]
        assert await names("robert") == ["Bob 100%"]
        assert await names("discord:111") == ["Alice"]
        assert await names("222") == ["Alina"]
        assert await names("100%") == ["Bob 100%"]
        assert await names("_") == []  # LIKE wildcards are escaped
        assert await names("  ") == []
    assert {alice.id, alina.id, bob.id} == {1, 2, 3}


async def test_users_with_any_permission_include_admins(storage: Storage) -> None:
    await add_user(storage, "User", Permission.REQUEST)
    await add_user(storage, "Moderator", Permission.MANAGE_REQUESTS | Permission.REQUEST)
    await add_user(storage, "Admin", Permission.ADMIN)
    await add_user(storage, "Guest", Permission.NONE)
    async with storage.uow(write=False) as uow:
        managers = await uow.users.with_any_permission(Permission.MANAGE_REQUESTS)
        page = await uow.users.page(offset=1, limit=2)
    assert [u.display_name for u in managers] == ["Moderator", "Admin"]
    assert [u.display_name for u in page] == ["Moderator", "Admin"]


async def test_role_permissions_add_to_a_users_own_and_count_as_held(storage: Storage) -> None:
    alice = await add_user(storage, "Alice", Permission.REQUEST)
    async with storage.uow() as uow:
        await uow.users.set_role_permissions(alice.id, Permission.MANAGE_REQUESTS, NOW)
        await uow.commit()
    async with storage.uow() as uow:
        managers = await uow.users.with_any_permission(Permission.MANAGE_REQUESTS)
        await uow.users.set_permissions(alice.id, Permission.VOTE, NOW)
        await uow.commit()
    async with storage.uow(write=False) as uow:
        again = await uow.users.get(alice.id)
    assert [u.id for u in managers] == [alice.id]
    assert managers[0].permissions == Permission.REQUEST | Permission.MANAGE_REQUESTS
    assert managers[0].role_permissions == Permission.MANAGE_REQUESTS
    assert again is not None
    assert again.permissions == Permission.VOTE | Permission.MANAGE_REQUESTS


async def test_for_update_holds_the_user_until_the_transaction_ends(storage: Storage) -> None:
    alice = await add_user(storage)

    async def read_locked() -> Permission:
        async with storage.uow() as uow:
            user = await uow.users.get(alice.id, for_update=True)
            assert user is not None
            return user.permissions

    async with storage.uow() as uow:
        assert await uow.users.get(alice.id, for_update=True) is not None
        waiting = asyncio.create_task(read_locked())
        await until_blocked(storage, waiting)
        await uow.users.set_permissions(alice.id, Permission.ADMIN, NOW)
        await uow.commit()
    assert await waiting == Permission.ADMIN


async def test_a_deadlock_between_transactions_surfaces_as_a_conflict(storage: Storage) -> None:
    if storage.is_sqlite:
        pytest.skip("SQLite serialises write transactions: they cannot deadlock")
    alice = await add_user(storage)
    bob = await add_user(storage, "Bob")
    both_hold_one = asyncio.Barrier(2)

    async def lock(first: int, second: int) -> None:
        async with storage.uow() as uow:
            await uow.users.get(first, for_update=True)
            await both_hold_one.wait()
            await uow.users.get(second, for_update=True)
            await uow.commit()

    outcomes = await asyncio.gather(
        lock(alice.id, bob.id), lock(bob.id, alice.id), return_exceptions=True
    )
    assert sorted(type(o).__name__ for o in outcomes) == ["Conflict", "NoneType"]


# ----- media -------------------------------------------------------------------------------


async def test_two_transactions_upserting_the_same_media_make_one_row(storage: Storage) -> None:
    async with storage.uow() as first:
        mine = await first.media.upsert(movie(), NOW)
        racer = asyncio.create_task(upsert_in_own_transaction(storage, movie(title="Matrix")))
        await until_blocked(storage, racer)
        await first.commit()
    theirs = await racer
    assert theirs.id == mine.id
    async with storage.uow(write=False) as uow:
        media = await uow.media.get_by_tmdb(603, MediaType.MOVIE)
        count = await uow.media.states([(603, MediaType.MOVIE)])
    assert media is not None
    assert media.title == "Matrix"
    assert list(count) == [(603, MediaType.MOVIE)]


async def upsert_in_own_transaction(storage: Storage, details: MediaDetails) -> Any:
    async with storage.uow() as uow:
        media = await uow.media.upsert(details, NOW)
        await uow.commit()
    return media


async def test_upsert_refreshes_metadata_and_keeps_statuses_and_known_ids(
    storage: Storage,
) -> None:
    async with storage.uow() as uow:
        first = await uow.media.upsert(show(), NOW)
        await uow.media.set_status(first.id, MediaStatus.PARTIALLY_AVAILABLE, NOW)
        await uow.media.set_status(first.id, MediaStatus.PENDING, NOW, is_4k=True)
        await uow.media.set_season_statuses(
            first.id, {1: MediaStatus.AVAILABLE, 2: MediaStatus.PROCESSING}, NOW
        )
        await uow.commit()
    renamed = MediaDetails(1399, MediaType.TV, "GoT", 2011, "New overview", "/new.jpg")
    async with storage.uow() as uow:
        again = await uow.media.upsert(renamed, NOW + timedelta(days=1))
        await uow.media.set_season_statuses(first.id, {2: MediaStatus.AVAILABLE}, NOW)
        await uow.commit()
    async with storage.uow(write=False) as uow:
        stored = await uow.media.get(first.id)
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


async def test_states_returns_known_titles_with_their_request_statuses_newest_first(
    storage: Storage,
) -> None:
    alice = await add_user(storage)
    first = await add_request(storage, alice, movie(), status=RequestStatus.DECLINED)
    await add_request(storage, alice, movie())
    await add_request(storage, alice, show(), seasons=(1,))
    async with storage.uow() as uow:
        await uow.media.upsert(movie(550, "Fight Club"), NOW)
        await uow.commit()
    keys = [(603, MediaType.MOVIE), (1399, MediaType.TV), (550, MediaType.MOVIE)]
    keys += [(603, MediaType.TV), (999, MediaType.MOVIE)]
    async with storage.uow(write=False) as uow:
        states = await uow.media.states(keys)
        assert await uow.media.states([]) == {}
    assert set(states) == {(603, MediaType.MOVIE), (1399, MediaType.TV), (550, MediaType.MOVIE)}
    matrix = states[(603, MediaType.MOVIE)]
    assert matrix.media.title == "The Matrix"
    assert matrix.request_statuses == (RequestStatus.PENDING, RequestStatus.DECLINED)
    assert states[(1399, MediaType.TV)].request_statuses == (RequestStatus.PENDING,)
    assert states[(550, MediaType.MOVIE)].request_statuses == ()
    assert first == 1


# ----- requests ----------------------------------------------------------------------------


async def test_a_request_loads_with_its_media_users_and_seasons(storage: Storage) -> None:
    alice = await add_user(storage, identity=Identity("discord", "1"))
    mod = await add_user(storage, "Mod", Permission.MANAGE_REQUESTS, Identity("telegram", "9"))
    request_id = await add_request(storage, alice, show(), seasons=(2, 1, 2))
    later = NOW + timedelta(hours=1)
    async with storage.uow() as uow:
        await uow.media.set_season_statuses(
            (await uow.media.get_by_tmdb(1399, MediaType.TV, for_update=True)).id,  # type: ignore[union-attr]
            {1: MediaStatus.PENDING, 2: MediaStatus.PENDING},
            NOW,
        )
        approved = await uow.requests.set_status(
            request_id, RequestStatus.APPROVED, later, modified_by_id=mod.id
        )
        await uow.commit()
    async with storage.uow(write=False) as uow:
        loaded = await uow.requests.get(request_id)
    assert loaded == approved
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


async def test_adding_a_request_returns_what_reading_it_back_gives(storage: Storage) -> None:
    alice = await add_user(storage, identity=Identity("discord", "1"))
    mod = await add_user(storage, "Mod", Permission.MANAGE_REQUESTS, Identity("telegram", "9"))
    in_paris = NOW.astimezone(timezone(timedelta(hours=1)))
    async with storage.uow() as uow:
        media = await uow.media.upsert(show(), NOW)
        added = await uow.requests.add(
            media=media,
            requested_by=alice,
            status=RequestStatus.APPROVED,
            is_4k=False,
            seasons=(3, 1, 3),
            modified_by=mod,
            now=in_paris,
        )
        await uow.commit()
    async with storage.uow(write=False) as uow:
        assert await uow.requests.get(added.id) == added
    assert added.season_numbers == (1, 3)
    assert added.created_at.tzinfo is UTC


async def test_declining_keeps_the_reason_and_deleting_removes_the_seasons(
    storage: Storage,
) -> None:
    alice = await add_user(storage)
    request_id = await add_request(storage, alice, show(), seasons=(1, 2))
    async with storage.uow() as uow:
        declined = await uow.requests.set_status(
            request_id, RequestStatus.DECLINED, NOW, modified_by_id=None, decline_reason="no"
        )
        await uow.commit()
    assert (declined.status, declined.decline_reason, declined.modified_by) == (
        RequestStatus.DECLINED,
        "no",
        None,
    )
    async with storage.uow() as uow:
        await uow.requests.delete(request_id)
        await uow.commit()
    async with storage.uow(write=False) as uow:
        assert await uow.requests.get(request_id) is None
        left = await uow.requests.usage(alice.id, MediaType.TV, NOW - timedelta(days=1))
    assert left.used == 0
    async with storage.engine.connect() as conn:
        assert await conn.scalar(text("SELECT count(*) FROM season_requests")) == 0


async def test_changing_a_missing_request_is_not_found(storage: Storage) -> None:
    with pytest.raises(NotFound):
        async with storage.uow() as uow:
            await uow.requests.set_status(404, RequestStatus.APPROVED, NOW, modified_by_id=None)


async def test_active_requests_leave_out_declined_completed_and_other_resolutions(
    storage: Storage,
) -> None:
    alice = await add_user(storage)
    statuses = list(RequestStatus)
    for status in statuses:
        await add_request(storage, alice, movie(), status=status)
    async with storage.uow() as uow:
        media = await uow.media.get_by_tmdb(603, MediaType.MOVIE)
        assert media is not None
        await uow.requests.add(
            media=media,
            requested_by=alice,
            status=RequestStatus.PENDING,
            is_4k=True,
            seasons=(),
            modified_by=None,
            now=NOW,
        )
        await uow.commit()
    async with storage.uow(write=False) as uow:
        active = await uow.requests.active_for_media(media.id, False)
        active_4k = await uow.requests.active_for_media(media.id, True)
    assert [r.status for r in active] == [
        RequestStatus.PENDING,
        RequestStatus.APPROVED,
        RequestStatus.FAILED,
    ]
    assert [(r.status, r.is_4k) for r in active_4k] == [(RequestStatus.PENDING, True)]


async def test_pages_of_requests_by_user_and_by_status(storage: Storage) -> None:
    alice = await add_user(storage)
    bob = await add_user(storage, "Bob")
    ids = [await add_request(storage, alice, movie(n)) for n in (1, 2, 3)]
    await add_request(storage, bob, movie(4), status=RequestStatus.APPROVED)
    async with storage.uow(write=False) as uow:
        mine, my_total = await uow.requests.for_user(alice.id, offset=1, limit=1)
        pending, pending_total = await uow.requests.with_status(RequestStatus.PENDING, limit=2)
    assert ([r.id for r in mine], my_total) == ([ids[1]], 3)
    assert ([r.id for r in pending], pending_total) == (ids[:2], 3)


async def test_a_users_requests_in_one_status(storage: Storage) -> None:
    alice = await add_user(storage)
    kept = await add_request(storage, alice, movie(1))
    await add_request(storage, alice, movie(2), status=RequestStatus.APPROVED)
    newest = await add_request(storage, alice, movie(3))
    async with storage.uow(write=False) as uow:
        pending, total = await uow.requests.for_user(
            alice.id, limit=5, status=RequestStatus.PENDING
        )
        approved, _ = await uow.requests.for_user(alice.id, status=RequestStatus.APPROVED)
    assert ([r.id for r in pending], total) == ([newest, kept], 2)
    assert [r.status for r in approved] == [RequestStatus.APPROVED]


# ----- quota usage -------------------------------------------------------------------------


async def test_declined_movie_requests_do_not_count_against_the_quota(storage: Storage) -> None:
    alice = await add_user(storage)
    bob = await add_user(storage, "Bob")
    week_ago = NOW - timedelta(days=7)
    await add_request(storage, alice, movie(1), at=week_ago)  # on the edge: out, as in Seerr
    await add_request(storage, alice, movie(2), at=week_ago + timedelta(seconds=1))
    await add_request(storage, alice, movie(3), at=NOW, status=RequestStatus.DECLINED)
    await add_request(storage, alice, movie(4), at=NOW, status=RequestStatus.COMPLETED)
    await add_request(storage, alice, movie(5), at=NOW, status=RequestStatus.FAILED)
    await add_request(storage, alice, show(6), at=NOW, seasons=(1,))
    await add_request(storage, bob, movie(7), at=NOW)
    async with storage.uow(write=False) as uow:
        usage = await uow.requests.usage(alice.id, MediaType.MOVIE, week_ago)
        nothing = await uow.requests.usage(bob.id, MediaType.TV, week_ago)
    assert (usage.used, usage.oldest_at) == (3, week_ago + timedelta(seconds=1))
    assert (nothing.used, nothing.oldest_at) == (0, None)


async def test_tv_quota_usage_counts_requested_seasons(storage: Storage) -> None:
    alice = await add_user(storage)
    since = NOW - timedelta(days=7)
    await add_request(storage, alice, show(1), at=since - timedelta(days=1), seasons=(1, 2))
    await add_request(storage, alice, show(2), at=NOW - timedelta(days=2), seasons=(1, 2, 3))
    await add_request(storage, alice, show(3), at=NOW, seasons=(1,))
    declined = await add_request(storage, alice, show(4), at=NOW, seasons=(1, 2))
    await add_request(storage, alice, movie(5), at=NOW)
    async with storage.uow() as uow:
        await uow.requests.set_status(
            declined, RequestStatus.DECLINED, NOW, modified_by_id=None, decline_reason="no"
        )
        await uow.commit()
    async with storage.uow(write=False) as uow:
        usage = await uow.requests.usage(alice.id, MediaType.TV, since)
    assert (usage.used, usage.oldest_at) == (4, NOW - timedelta(days=2))


# ----- outbox and settings ---------------------------------------------------------------


async def test_outbox_delivers_due_events_in_order_and_keeps_a_log(storage: Storage) -> None:
    async with storage.uow() as uow:
        first = await uow.events.add(EventKind.PENDING, payload(1), NOW)
        second = await uow.events.add(EventKind.APPROVED, payload(2), NOW)
        third = await uow.events.add(EventKind.DECLINED, payload(3), NOW)
        await uow.commit()
    later = NOW + timedelta(minutes=5)
    async with storage.uow() as uow:
        await uow.events.reschedule(second.id, 1, later)
        await uow.events.finish(third.id, NOW, gave_up=True)
        await uow.events.log(
            DeliveryAttempt(first.id, "discord", 1, DeliveryStatus.FAILED, "HTTP 502", NOW)
        )
        await uow.events.log(
            DeliveryAttempt(first.id, "discord", 1, DeliveryStatus.SENT, None, NOW)
        )
        await uow.commit()
    async with storage.uow(write=False) as uow:
        due_now = await uow.events.due(NOW)
        due_later = await uow.events.due(later, limit=10)
        pending = await uow.events.pending_count()
        attempts = await uow.events.attempts(first.id)
        rescheduled = await uow.events.get(second.id)
        finished = await uow.events.get(third.id)
    assert [e.id for e in due_now] == [first.id]
    assert [e.id for e in due_later] == [first.id, second.id]
    assert due_now[0] == first
    assert pending == 2
    assert [(a.status, a.error) for a in attempts] == [
        (DeliveryStatus.FAILED, "HTTP 502"),
        (DeliveryStatus.SENT, None),
    ]
    assert rescheduled is not None
    assert (rescheduled.attempts, rescheduled.next_attempt_at) == (1, later)
    assert finished is not None
    assert finished.delivered_at == NOW


async def test_settings_are_plain_key_values(storage: Storage) -> None:
    async with storage.uow() as uow:
        await uow.settings.set("quota_defaults", '{"movie_limit": 3}', NOW)
        await uow.settings.set("quota_defaults", '{"movie_limit": 5}', NOW)
        await uow.commit()
    async with storage.uow(write=False) as uow:
        assert await uow.settings.get("quota_defaults") == '{"movie_limit": 5}'
        assert await uow.settings.get("missing") is None


async def test_settings_read_with_a_max_age_may_come_from_this_factorys_recent_reads(
    storage: Storage,
) -> None:
    hour = timedelta(hours=1)
    elsewhere = SqlUnitOfWorkFactory(storage.engine)  # another process, as far as caches go

    async def read(max_age: timedelta | None = hour) -> str | None:
        async with storage.uow(write=False) as uow:
            return await uow.settings.get("k", max_age=max_age)

    async def write(factory: SqlUnitOfWorkFactory, value: str, *, commit: bool = True) -> None:
        async with factory() as uow:
            await uow.settings.set("k", value, NOW)
            assert await uow.settings.get("k", max_age=hour) == value  # its own write
            if commit:
                await uow.commit()

    assert await read() is None
    await write(elsewhere, "1")
    assert await read() is None  # another process's change shows up within max_age
    assert await read(None) == "1"
    await asyncio.sleep(0.01)
    assert await read(timedelta(milliseconds=1)) == "1"
    await write(storage.uow, "2")
    assert await read() == "2"  # this process's change shows at once
    await write(storage.uow, "3", commit=False)
    assert await read() == "2"  # and a rolled-back one never


# ----- datetimes -----------------------------------------------------------------------------


async def test_datetimes_come_back_as_aware_utc(storage: Storage) -> None:
    paris = timezone(timedelta(hours=1))
    local = datetime(2026, 2, 1, 13, 0, 0, 123456, tzinfo=paris)
    async with storage.uow() as uow:
        user = await uow.users.add("Alice", Permission.REQUEST, None, local)
        event = await uow.events.add(EventKind.PENDING, payload(), local)
        await uow.commit()
    async with storage.uow(write=False) as uow:
        loaded = await uow.users.get(user.id)
        stored = await uow.events.get(event.id)
    assert loaded is not None
    assert stored is not None
    for stamp in (loaded.created_at, stored.created_at):
        assert stamp == datetime(2026, 2, 1, 12, 0, 0, 123456, tzinfo=UTC)
        assert stamp is not None
        assert stamp.tzinfo is UTC


async def test_naive_datetimes_are_refused(storage: Storage) -> None:
    with pytest.raises(Exception, match="naive datetime"):
        async with storage.uow() as uow:
            await uow.settings.set("x", "y", datetime(2026, 2, 1, 12, 0))
