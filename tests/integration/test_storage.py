"""What only the SQL storage has, on a SQLite file in tmp_path and PostgreSQL when
TEST_DATABASE_URL is set (each test in a schema of its own): migrations, connections and
transactions, statements per use case, deadlocks, cascades, the settings cache and
datetimes. What every repository does is tested on every back end, the in-memory fakes
included, in test_repository_contract.py."""

from __future__ import annotations

import asyncio
import dataclasses
import threading
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import aiosqlite
import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection, event, inspect, text
from sqlmodel import SQLModel

from core import requests
from core.errors import Conflict, DuplicateRequest
from core.events import EventKind
from core.identity import Identity, QuotaLimits, ServerAccount
from core.media import MediaType
from core.permissions import Permission
from core.ports import UnitOfWork
from core.services import CoreConfig, Services
from storage import SqlUnitOfWorkFactory, create_engine, current_revision, sqlite_driver, upgrade
from storage.db import SQLITE_POOL_SIZE, WRITE
from storage.migrate import alembic_config, current_revision_of, head_revision
from storage.repositories.events import dump_payload, load_payload
from tests.fakes import FakeCatalogue, FakeClock
from tests.integration.test_repository_contract import (
    NOW,
    Backend,
    add_request,
    add_user,
    payload,
    show,
)
from tests.storage_fixtures import Storage, open_storage, sqlite_url

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
    assert await current_revision(url) == head_revision() == "0008"


async def test_approvals_marked_retry_become_retried_events_on_upgrade(tmp_path: Path) -> None:
    url = sqlite_url(tmp_path)
    await upgrade(url, "0004")
    marked = dump_payload(dataclasses.replace(payload(), reason="retry"))
    plain = dump_payload(dataclasses.replace(payload(), reason=None))
    path = tmp_path / "data" / "requestbot.db"
    async with aiosqlite.connect(path) as db:
        await db.executemany(
            "INSERT INTO events (kind, payload, created_at, attempts, gave_up) "
            "VALUES (?, ?, '2026-12-01 12:00:00', 0, 0)",
            [("approved", marked), ("approved", plain), ("declined", marked)],
        )
        await db.commit()

    await upgrade(url)

    async def kinds() -> list[tuple[str, str | None]]:
        async with aiosqlite.connect(path) as db:
            query = "SELECT kind, payload FROM events ORDER BY id"
            rows = await (await db.execute(query)).fetchall()
        return [(kind, load_payload(text).reason) for kind, text in rows]

    assert await kinds() == [("retried", None), ("approved", None), ("declined", "retry")]

    def downgrade(conn: Connection) -> None:
        from alembic import command

        config = alembic_config()
        config.attributes["connection"] = conn
        command.downgrade(config, "0004")

    engine = create_engine(url)
    try:
        async with engine.begin() as conn:
            await conn.run_sync(downgrade)
    finally:
        await engine.dispose()
    assert await kinds() == [("approved", "retry"), ("approved", None), ("declined", "retry")]


async def test_users_linked_by_name_take_their_accounts_ids_on_upgrade(tmp_path: Path) -> None:
    url = sqlite_url(tmp_path)
    await upgrade(url, "0005")
    path = tmp_path / "data" / "requestbot.db"
    async with aiosqlite.connect(path) as db:
        await db.executemany(
            "INSERT INTO users (display_name, media_server_username, permissions, "
            "role_permissions, created_at, updated_at) "
            "VALUES (?, ?, 32, 0, '2026-12-01 12:00:00', '2026-12-01 12:00:00')",
            [("Ann", "ÉLODIE"), ("Ben", None), ("Cat", "gone")],
        )
        await db.executemany(
            "INSERT INTO media_server_accounts (server_id, name, is_admin, disabled, updated_at) "
            "VALUES (?, ?, 0, 0, '2026-12-01 12:00:00')",
            [("e1", "Élodie"), ("b2", "bob")],
        )
        await db.commit()

    await upgrade(url)

    async with aiosqlite.connect(path) as db:
        query = "SELECT display_name, media_server_user_id, media_server_disabled FROM users"
        rows = await (await db.execute(query + " ORDER BY id")).fetchall()
    assert rows == [("Ann", "e1", 0), ("Ben", None, 0), ("Cat", None, 0)]


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


async def test_a_movie_request_is_one_trip_of_six_statements_five_for_the_unlimited(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Pins the hot path: the whole unit of work goes to the SQLite thread at once, and its
    statements are user, quota use, media upsert (which tells there are no requests for the
    title yet), media status, request, outbox event (BEGIN rides with the first, the quota
    defaults come from the cache), then COMMIT. A title with requests has them read."""
    async with open_storage(sqlite_url(tmp_path), one_hop=True) as opened:
        catalogue = FakeCatalogue()
        config = CoreConfig(quota_defaults=QuotaLimits(movie_limit=100, movie_days=7))
        services = Services(opened.uow, catalogue, FakeClock(), config)
        alice = await add_user(Backend.on(opened), "Alice", Permission.REQUEST)
        admin = await add_user(Backend.on(opened), "Admin", Permission.ADMIN)
        for tmdb_id in range(1, 5):
            catalogue.add_movie(tmdb_id, f"Movie {tmdb_id}")
        await requests.create_request(services, alice.id, 1, MediaType.MOVIE)
        trips: list[object] = []
        statements: list[str] = []
        real: Any = aiosqlite.Connection._execute

        async def counted(self: aiosqlite.Connection, fn: Any, *args: Any, **kw: Any) -> Any:
            trips.append(fn)
            return await real(self, fn, *args, **kw)

        def statement(_conn: Any, _cursor: Any, sql: str, *_: Any) -> None:
            statements.append(sql.split()[0])

        monkeypatch.setattr(aiosqlite.Connection, "_execute", counted)
        event.listen(opened.engine.sync_engine, "before_cursor_execute", statement)
        created = await requests.create_request(services, alice.id, 2, MediaType.MOVIE)
        assert created.request is not None
        assert (len(trips), len(statements)) == (1, 6)
        trips.clear()
        statements.clear()
        created = await requests.create_request(services, admin.id, 3, MediaType.MOVIE)
        assert created.request is not None
        assert (len(trips), len(statements)) == (1, 5)  # no quota to count against
        statements.clear()
        with pytest.raises(DuplicateRequest):
            await requests.create_request(services, admin.id, 2, MediaType.MOVIE)
        assert statements == ["SELECT", "INSERT", "SELECT"]  # user, upsert, Alice's request


# ----- a unit of work in one trip -------------------------------------------------------


@pytest.fixture
def trips(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """Every trip to an aiosqlite thread from now on (clear it once the storage is open)."""
    made: list[object] = []
    real: Any = aiosqlite.Connection._execute

    async def counted(self: aiosqlite.Connection, fn: Any, *args: Any, **kw: Any) -> Any:
        made.append(fn)
        return await real(self, fn, *args, **kw)

    monkeypatch.setattr(aiosqlite.Connection, "_execute", counted)
    return made


async def names(storage: Storage) -> list[str]:
    async with storage.uow(write=False) as uow:
        return [u.display_name for u in await uow.users.page()]


async def test_one_hop_writes_begin_immediately_and_reads_do_not(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    begins: list[str | None] = []
    real = sqlite_driver._run

    def run(conn: Any, begin: str | None, *args: Any) -> Any:
        begins.append(begin)
        return real(conn, begin, *args)

    monkeypatch.setattr(sqlite_driver, "_run", run)
    async with open_storage(sqlite_url(tmp_path), one_hop=True) as opened:
        begins.clear()
        for write in (True, False):
            async with opened.uow(write=write) as uow:
                await uow.run_and_commit(lambda uow: uow.users.page())
        migrating = opened.engine.execution_options(**{WRITE: True})  # as migrations do
        async with migrating.connect() as conn, conn.begin():
            await conn.execute(text("SELECT 1"))
    assert begins == ["BEGIN IMMEDIATE", "BEGIN", "BEGIN IMMEDIATE"]


async def test_work_and_its_commit_are_one_trip(tmp_path: Path, trips: list[object]) -> None:
    async with open_storage(sqlite_url(tmp_path), one_hop=True) as opened:
        trips.clear()

        async def work(uow: UnitOfWork) -> str:
            await uow.users.add("Alice", Permission.REQUEST, Identity("discord", "1"), NOW)
            await uow.users.add("Bob", Permission.REQUEST, Identity("discord", "2"), NOW)
            return "done"

        async with opened.uow() as uow:
            assert await uow.run_and_commit(work) == "done"
        assert len(trips) == 1
        async with opened.uow(write=False) as uow:
            found = await uow.run_and_commit(lambda uow: uow.users.page())
        assert [u.display_name for u in found] == ["Alice", "Bob"]
        assert len(trips) == 2


async def test_work_that_waits_for_the_loop_goes_on_there(
    tmp_path: Path, trips: list[object]
) -> None:
    async with open_storage(sqlite_url(tmp_path), one_hop=True) as opened:
        trips.clear()
        loop = asyncio.get_running_loop()
        later: asyncio.Future[str] = loop.create_future()

        async def work(uow: UnitOfWork) -> str:
            await uow.users.add("Alice", Permission.REQUEST, Identity("discord", "1"), NOW)
            loop.call_soon_threadsafe(later.set_result, "Bob")
            name = await later  # a future of the loop: the rest runs there
            await asyncio.sleep(0)
            await uow.users.add(name, Permission.REQUEST, Identity("discord", "2"), NOW)
            return name

        async with opened.uow() as uow:
            assert await uow.run_and_commit(work) == "Bob"
        assert len(trips) == 4  # the first part; Bob and his identity; COMMIT
        assert await names(opened) == ["Alice", "Bob"]


async def test_work_failing_on_the_thread_leaves_nothing(tmp_path: Path) -> None:
    async with open_storage(sqlite_url(tmp_path), one_hop=True) as opened:

        async def work(uow: UnitOfWork) -> None:
            await uow.users.add("Alice", Permission.REQUEST, Identity("discord", "1"), NOW)
            raise ValueError("changed its mind")

        async with opened.uow() as uow:
            with pytest.raises(ValueError, match="changed its mind"):
                await uow.run_and_commit(work)
        assert await names(opened) == []


async def test_a_lost_race_on_the_thread_is_a_conflict_and_leaves_nothing(
    tmp_path: Path,
) -> None:
    async with open_storage(sqlite_url(tmp_path), one_hop=True) as opened:
        await add_user(Backend.on(opened), "Alice", identity=Identity("discord", "1"))

        async def work(uow: UnitOfWork) -> None:
            await uow.users.add("Bob", Permission.REQUEST, Identity("discord", "2"), NOW)
            await uow.users.add("Alias", Permission.REQUEST, Identity("discord", "1"), NOW)

        async with opened.uow() as uow:
            with pytest.raises(Conflict):
                await uow.run_and_commit(work)
        assert await names(opened) == ["Alice"]


async def test_a_unit_of_work_cancelled_on_the_thread_rolls_back(tmp_path: Path) -> None:
    async with open_storage(sqlite_url(tmp_path), one_hop=True) as opened:
        started, go_on = threading.Event(), threading.Event()

        async def work(uow: UnitOfWork) -> None:
            await uow.users.add("Alice", Permission.REQUEST, Identity("discord", "1"), NOW)
            started.set()
            go_on.wait(10)  # on the connection's thread, while the caller is cancelled
            await uow.users.add("Bob", Permission.REQUEST, Identity("discord", "2"), NOW)

        async def unit() -> None:
            async with opened.uow() as uow:
                await uow.run_and_commit(work)

        task = asyncio.create_task(unit())
        assert await asyncio.to_thread(started.wait, 10)
        task.cancel()
        asyncio.get_running_loop().call_soon(go_on.set)  # once the task has been told
        with pytest.raises(asyncio.CancelledError):
            await task
        assert await names(opened) == []


async def test_syncing_thousands_of_accounts_takes_the_same_few_statements(
    storage: Storage,
) -> None:
    """The library scan's account sync: one read of the account users, one insert of the
    new ones, one update of the changed ones, however many accounts there are."""
    statements: list[str] = []

    def count(conn: Any, clause: Any, *args: Any) -> None:
        statements.append(str(clause).split()[0])

    event.listen(storage.engine.sync_engine, "before_execute", count)
    try:
        for n in (10, 3000):
            accounts = [ServerAccount(f"{n}-{i}", f"user {n}-{i}") for i in range(n)]
            statements.clear()
            async with storage.uow() as uow:
                await uow.accounts.sync(accounts, Permission.REQUEST, NOW)
                await uow.commit()
            assert statements == ["SELECT", "INSERT"]
            statements.clear()
            async with storage.uow() as uow:
                renamed = [dataclasses.replace(a, name=a.name.upper()) for a in accounts]
                await uow.accounts.sync(renamed, Permission.REQUEST, NOW)
                await uow.commit()
            assert statements == ["SELECT", "UPDATE"]
    finally:
        event.remove(storage.engine.sync_engine, "before_execute", count)


# ----- locks and cascades -------------------------------------------------------------------


async def test_a_deadlock_between_transactions_surfaces_as_a_conflict(storage: Storage) -> None:
    if storage.is_sqlite:
        pytest.skip("SQLite serialises write transactions: they cannot deadlock")
    alice = await add_user(Backend.on(storage))
    bob = await add_user(Backend.on(storage), "Bob")
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


async def test_deleting_a_request_deletes_its_season_rows(storage: Storage) -> None:
    alice = await add_user(Backend.on(storage))
    request_id = await add_request(Backend.on(storage), alice, show(), seasons=(1, 2))
    seasons = text("SELECT count(*) FROM season_requests")
    async with storage.engine.connect() as conn:
        assert await conn.scalar(seasons) == 2
    async with storage.uow() as uow:
        await uow.requests.delete(request_id)
        await uow.commit()
    async with storage.engine.connect() as conn:
        assert await conn.scalar(seasons) == 0


# ----- the settings cache --------------------------------------------------------------------


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
