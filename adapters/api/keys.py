"""The API's key (adapters.api.auth.ApiKeys): the one generated and kept in the database,
or the one given in the settings.

A check reads the stored key on every call (one small read), so that a rotation by another
process counts on the very next request. Each key this process comes to know is handed to
``known`` first, which keeps it out of the log.
"""

from __future__ import annotations

from collections.abc import Callable

from core import api_keys
from core.errors import ApiKeyFixed
from core.ports import Clock, UnitOfWorkFactory


def _ignore(key: str) -> None:
    return None


class StoredApiKeys:
    """The key kept in the database, generated on first use."""

    def __init__(
        self, uow: UnitOfWorkFactory, clock: Clock, known: Callable[[str], None] = _ignore
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._known = known
        self._last: str | None = None

    async def matches(self, presented: str) -> bool:
        """Whether ``presented`` is the key stored now (constant-time)."""
        key = await api_keys.stored_key(self._uow)
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
