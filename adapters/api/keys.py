"""The API's key (adapters.api.auth.ApiKeys): the one generated and kept in the database,
or the one given in the settings.

A rotation by another process counts on the very next request. On SQLite every rotation
also replaces a stamp file beside the database, and a check reads the key again only when
that file is another one than at its last read (an ``os.stat``, no trip to the database's
thread). Elsewhere a check reads the key every time; checks that wait at the same moment
share one read. Each key this process comes to know is handed to ``known`` first, which
keeps it out of the log.
"""

from __future__ import annotations

import asyncio
import os
import secrets
from collections.abc import Awaitable, Callable, Hashable
from pathlib import Path
from typing import Protocol

from core import api_keys
from core.errors import ApiKeyFixed
from core.ports import Clock, UnitOfWorkFactory


def _ignore(key: str) -> None:
    return None


class SharedReads:
    """A value read on demand, where each caller gets a read that began after it asked (so
    that nothing committed before its call is missed), and the callers that ask while one
    read is under way share the next one: under load, one read serves a whole burst."""

    def __init__(self, read: Callable[[], Awaitable[str | None]]) -> None:
        self._read = read
        self._next: asyncio.Future[str | None] | None = None
        self._reader: asyncio.Task[None] | None = None

    async def get(self) -> str | None:
        if self._next is None:
            self._next = asyncio.get_running_loop().create_future()
            if self._reader is None:
                self._reader = asyncio.create_task(self._reading())
        return await asyncio.shield(self._next)

    async def _reading(self) -> None:
        try:
            while self._next is not None:
                waiting, self._next = self._next, None  # who asks from now on waits for more
                try:
                    waiting.set_result(await self._read())
                except Exception as exc:
                    waiting.set_exception(exc)
                    waiting.exception()  # told to whoever still waits; not "never retrieved"
        finally:
            self._reader = None


class Changes(Protocol):
    """Tells whether the stored key may have changed since a check last read it."""

    def token(self) -> Hashable:
        """Something equal to the last token as long as no rotation happened since (cheap)."""
        ...

    def rotated(self) -> None:
        """Say that the key was just replaced (after the commit)."""
        ...


class EveryCheck:
    """No signal to go by (PostgreSQL, perhaps on another host): every check reads."""

    def token(self) -> Hashable:
        return object()  # never equal to the last one

    def rotated(self) -> None:
        return None


class StampFile:
    """A file that every rotation replaces (a new inode each time, written then renamed
    into place), beside a SQLite database that every process using it can reach."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def token(self) -> Hashable:
        try:
            found = os.stat(self.path)
        except FileNotFoundError:
            return None  # no rotation yet
        except OSError:
            return object()  # cannot tell: read
        return (found.st_ino, found.st_mtime_ns, found.st_ctime_ns)

    def rotated(self) -> None:
        """Replace the stamp; an error is raised, as the other processes would not know."""
        fresh = self.path.with_name(f"{self.path.name}.{secrets.token_hex(4)}")
        fresh.write_text(secrets.token_hex(8), encoding="ascii")
        os.replace(fresh, self.path)


class StoredApiKeys:
    """The key kept in the database, generated on first use."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        clock: Clock,
        known: Callable[[str], None] = _ignore,
        changes: Changes | None = None,
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._known = known
        self._changes = changes or EveryCheck()
        self._last: str | None = None
        self._seen: Hashable = object()  # the token at the last read (none yet)
        self._stored = SharedReads(lambda: api_keys.stored_key(uow))

    async def matches(self, presented: str) -> bool:
        """Whether ``presented`` is the key stored now (constant-time)."""
        token = self._changes.token()  # taken before the read: a later rotation shows next
        key = self._last
        if key is None or token != self._seen:
            key = await self._stored.get()
            if key is None:
                return False
            self._learn(key, token)
        return api_keys.same_key(presented, key)

    async def current(self) -> str:
        """The stored key, generated now if there is none."""
        token = self._changes.token()
        return self._learn(await api_keys.ensure_key(self._uow, self._clock), token)

    async def rotate(self) -> str:
        """A new key in place of the old one, which stops working at once."""
        key = await api_keys.replace_key(self._uow, self._clock)
        self._changes.rotated()
        return self._learn(key, object())  # the next check reads it back

    def _learn(self, key: str, token: Hashable) -> str:
        if key != self._last:
            self._known(key)
            self._last = key
        self._seen = token
        return key


class FixedApiKeys:
    """The key given in the settings (API_KEY): nothing to read, nothing to rotate."""

    def __init__(self, key: str) -> None:
        self._key = key

    async def matches(self, presented: str) -> bool:
        """Whether ``presented`` is the configured key (constant-time)."""
        return api_keys.same_key(presented, self._key)

    async def current(self) -> str:
        return self._key

    async def rotate(self) -> str:
        """Refused: the key is changed in the settings."""
        raise ApiKeyFixed()
