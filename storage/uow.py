"""The unit of work: one connection, one transaction, the repositories on it (and the
factory's settings cache, which a unit that changed a setting updates when it ends).

On SQLite (storage.sqlite_driver), ``run_and_commit`` runs the work and its commit on the
connection's thread in one trip: the repositories' statements run there synchronously, so
a request costs one hand-off between threads instead of one per statement, and no
greenlet switches.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Generator
from functools import partial
from types import TracebackType
from typing import TYPE_CHECKING, Any, Self, TypeVar

from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from storage import sqlite_driver
from storage.db import WRITE, write_lock
from storage.repositories import (
    SettingsCache,
    SqlAccountRepository,
    SqlChatPostRepository,
    SqlChatStateRepository,
    SqlEventRepository,
    SqlIssueRepository,
    SqlListingRepository,
    SqlMediaRepository,
    SqlPreferenceRepository,
    SqlRequestRepository,
    SqlSettingsRepository,
    SqlUserRepository,
    SqlWatcherRepository,
)
from storage.sql import Db, raise_translated
from storage.sqlite_driver import OneHopConnection

if TYPE_CHECKING:
    from core.issue_values import IssueRepository
    from core.listing_repositories import ListingRepository
    from core.ports import UnitOfWorkFactory
    from core.request_repositories import MediaRepository, RequestRepository, WatcherRepository
    from core.state_repositories import (
        ChatPostRepository,
        ChatStateRepository,
        EventRepository,
        SettingsRepository,
    )
    from core.user_repositories import AccountRepository, PreferenceRepository, UserRepository

T = TypeVar("T")


class SqlUnitOfWork:
    """core.ports.UnitOfWork: leaving it without ``commit()`` rolls back.

    A write unit of work on SQLite first takes the engine's write lock (before it even
    checks out a connection, so queued writers hold no connections) and begins with
    BEGIN IMMEDIATE; a read one begins a plain deferred transaction.
    """

    # Typed as the ports: a Protocol's attributes are invariant.
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

    def __init__(
        self,
        engine: AsyncEngine,
        lock: asyncio.Lock | None = None,
        settings_cache: SettingsCache | None = None,
        *,
        write: bool = False,
    ) -> None:
        self._engine = engine
        self._lock = lock
        self._write = write
        self._settings_cache = settings_cache or SettingsCache()
        self._settings: SqlSettingsRepository | None = None
        self._conn: AsyncConnection | None = None
        self._db: Db | None = None

    async def __aenter__(self) -> Self:
        if self._conn is not None:
            raise RuntimeError("a unit of work can be entered only once")
        if self._lock is not None:
            await self._lock.acquire()
        try:
            conn = await self._engine.connect()
            try:
                hop = _one_hop(conn)
                if hop is not None and self._write:
                    hop.begin_immediately()
                await conn.begin()
            except BaseException:
                await conn.close()
                raise
        except BaseException:
            if self._lock is not None:
                self._lock.release()
            raise
        self._conn = conn
        db = Db(conn, hop)
        self._db = db
        self.users = SqlUserRepository(db)
        self.media = SqlMediaRepository(db)
        self.requests = SqlRequestRepository(db)
        self.events = SqlEventRepository(db)
        self.settings = self._settings = SqlSettingsRepository(db, self._settings_cache)
        self.watchers = SqlWatcherRepository(db)
        self.chat_states = SqlChatStateRepository(db)
        self.chat_posts = SqlChatPostRepository(db)
        self.accounts = SqlAccountRepository(db)
        self.listings = SqlListingRepository(db)
        self.preferences = SqlPreferenceRepository(db)
        self.issues = SqlIssueRepository(db)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        conn = self._conn
        if conn is None:
            return
        try:
            # Closing rolls back a transaction that is still open; after a commit it is
            # free (no reset on return to the pool).
            await conn.close()
        finally:
            if self._settings is not None and self._settings.written:
                self._settings_cache.evict(self._settings.written)
            if self._lock is not None:
                self._lock.release()

    async def commit(self) -> None:
        """Commit the transaction; a lost race surfaces as core.errors.Conflict."""
        if self._conn is None:
            raise RuntimeError("commit() outside the unit of work")
        try:
            await self._conn.commit()
        except DBAPIError as exc:
            raise_translated(exc)

    async def run_and_commit(self, work: Callable[[Self], Awaitable[T]]) -> T:
        """``await work(self)``, then commit: on SQLite in one trip to the connection's
        thread, as far as ``work`` awaits nothing but the repositories. Should it wait for a
        future of the event loop, it goes on from there on the loop, a hop per statement."""
        hop = self._db.hop if self._db is not None else None
        if hop is None:
            result = await work(self)
            await self.commit()
            return result
        done, value, steps = await hop.on_its_thread(partial(self._start_here, work))
        if done:
            return value  # type: ignore[no-any-return]
        result = await _Resumed(value, steps)
        await self.commit()
        return result

    def _start_here(self, work: Callable[[Self], Awaitable[Any]]) -> tuple[bool, Any, Any]:
        """On the connection's thread: run ``work`` until it ends (then commit) or waits for
        something that is not this connection. (True, result, None) or (False, what it
        waits for, the rest of it)."""
        sync_connection = self._conn.sync_connection if self._conn is not None else None
        assert sync_connection is not None, "run_and_commit() outside the unit of work"
        steps = work(self).__await__()
        try:
            waiting_for = steps.send(None)
        except StopIteration as finished:
            try:
                sync_connection.commit()
            except DBAPIError as exc:
                raise_translated(exc)
            return True, finished.value, None
        return False, waiting_for, steps


def _one_hop(conn: AsyncConnection) -> OneHopConnection | None:
    """The SQLite connection beneath, if it is storage.sqlite_driver's."""
    raw = conn.sync_connection.connection.dbapi_connection  # type: ignore[union-attr]
    return raw if isinstance(raw, OneHopConnection) else None


class _Resumed:
    """The rest of a coroutine that began on a database thread and waited there for
    something else: awaited on the event loop, it goes on from where it stopped."""

    __slots__ = ("_steps", "_waiting_for")

    def __init__(self, waiting_for: Any, steps: Generator[Any, None, Any]) -> None:
        self._waiting_for = waiting_for
        self._steps = steps

    def __await__(self) -> Generator[Any, None, Any]:
        steps = self._steps
        waiting_for = self._waiting_for
        while True:
            try:
                yield waiting_for
            except BaseException as exc:  # thrown in: cancellation
                step = partial(steps.throw, exc)
            else:
                step = partial(steps.send, None)
            try:
                waiting_for = step()
            except StopIteration as finished:
                return finished.value


class SqlUnitOfWorkFactory:
    """core.ports.UnitOfWorkFactory for one engine."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        # A one-hop connection is told by its unit of work to begin immediately, so that
        # writes run on an engine without event listeners (none to dispatch per statement).
        one_hop = engine.dialect.driver == sqlite_driver.DRIVER
        self._write_engine = engine if one_hop else engine.execution_options(**{WRITE: True})
        self._lock = write_lock(engine)
        self._settings_cache = SettingsCache()

    def __call__(self, *, write: bool = True) -> SqlUnitOfWork:
        """A new unit of work; ``write`` ones are serialised on SQLite."""
        if write:
            return SqlUnitOfWork(self._write_engine, self._lock, self._settings_cache, write=True)
        return SqlUnitOfWork(self.engine, settings_cache=self._settings_cache)


if TYPE_CHECKING:

    def _implements_the_port(engine: AsyncEngine) -> UnitOfWorkFactory:
        return SqlUnitOfWorkFactory(engine)  # mypy checks it against core.ports
