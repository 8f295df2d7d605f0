"""The API's key (adapters.api.auth.ApiKeys): the one generated and kept in the database,
or the one given in the settings.

A check reads the stored key anew (one small read), so that a rotation by another process
counts on the very next request; checks that wait at the same moment share one read. Each
key this process comes to know is handed to ``known`` first, which keeps it out of the log.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

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


class StoredApiKeys:
    """The key kept in the database, generated on first use."""

    def __init__(
        self, uow: UnitOfWorkFactory, clock: Clock, known: Callable[[str], None] = _ignore
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._known = known
        self._last: str | None = None
        self._stored = SharedReads(lambda: api_keys.stored_key(uow))

    async def matches(self, presented: str) -> bool:
        """Whether ``presented`` is the key stored now (constant-time)."""
        key = await self._stored.get()
        if key is None:
            return False
        self._learn(key)
        return api_keys.same_key(presented, key)

    async def current(self) -> str:
        """The stored key, generated now if there is none."""
        return self._learn(await api_keys.ensure_key(self._uow, self._clock))

    async def rotate(self) -> str:
        """A new key in place of the old one, which stops working at once."""
        return self._learn(await api_keys.replace_key(self._uow, self._clock))

    def _learn(self, key: str) -> str:
        if key != self._last:
            self._known(key)
            self._last = key
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
