"""The API key: generated once and kept in the database (unless the settings give one),
shown to and replaced by the bot's owners, compared in constant time.

A rotation made by any process (``requestbot api-key --rotate`` beside a running bot)
refuses the old key on the very next call; adapters/api/keys.py keeps that check cheap.
"""

from __future__ import annotations

import hmac
import secrets
from typing import Protocol

from core.errors import OwnersOnly
from core.identity import Identity
from core.ports import Clock, UnitOfWorkFactory
from core.services import Services

SETTING = "api_key"  # where the generated key is kept (core.state_repositories.SettingsRepository)
KEY_BYTES = 32  # 256 random bits, as 64 hexadecimal characters: fit for any header or file
SEE_OR_ROTATE = "see or replace the API key"


class ApiKeyManager(Protocol):
    """The API key as an owner's command sees it."""

    async def current(self) -> str:
        """The key in force (generated now if there is none yet)."""
        ...

    async def rotate(self) -> str:
        """Replace the key; the old one stops working at once. core.errors.ApiKeyFixed when
        the key is given in the settings."""
        ...


def generate_key() -> str:
    """A new random key."""
    return secrets.token_hex(KEY_BYTES)


def same_key(presented: str, key: str) -> bool:
    """Whether ``presented`` is ``key``, in constant time (for any text presented)."""
    return hmac.compare_digest(presented.encode("utf-8", "replace"), key.encode("utf-8"))


async def stored_key(uow: UnitOfWorkFactory) -> str | None:
    """The key kept in the database, read now (None before one was generated)."""
    async with uow(write=False) as unit:
        return await unit.settings.get(SETTING)


async def ensure_key(uow: UnitOfWorkFactory, clock: Clock) -> str:
    """The stored key, generated and kept first if there is none: of several processes
    doing this at once, all end with the same key."""
    found = await stored_key(uow)
    if found is not None:
        return found
    async with uow() as unit:
        kept = await unit.settings.set_default(SETTING, generate_key(), clock.now())
        await unit.commit()
    return kept


async def replace_key(uow: UnitOfWorkFactory, clock: Clock) -> str:
    """Keep a new key in place of the old one, and return it."""
    key = generate_key()
    async with uow() as unit:
        await unit.settings.set(SETTING, key, clock.now())
        await unit.commit()
    return key


async def owner_api_key(
    services: Services, keys: ApiKeyManager, identity: Identity, *, rotate: bool = False
) -> str:
    """The API key for a bot owner asking from a chat, replaced first if ``rotate``;
    anyone else gets OwnersOnly (and learns nothing of the key)."""
    if identity not in services.config.owners:
        raise OwnersOnly(SEE_OR_ROTATE)
    return await keys.rotate() if rotate else await keys.current()
