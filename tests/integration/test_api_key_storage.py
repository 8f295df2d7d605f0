"""The generated API key on a real database: two processes' factories racing for the first
key end with one, and a rotation through one is what the other reads next."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from adapters.api.keys import StoredApiKeys
from adapters.clock import SystemClock
from core import api_keys
from storage import SqlUnitOfWorkFactory, create_engine, upgrade
from tests.storage_fixtures import sqlite_url


@pytest.fixture
async def two_factories(
    tmp_path: Path,
) -> AsyncIterator[tuple[SqlUnitOfWorkFactory, SqlUnitOfWorkFactory]]:
    """Two unit-of-work factories, each on an engine of its own (as two processes have), on
    one migrated SQLite file with no key yet. (Two units storing the first key at once on
    PostgreSQL: test_repository_contract.py.)"""
    url = sqlite_url(tmp_path)
    await upgrade(url)
    engines = [create_engine(url), create_engine(url)]
    try:
        yield SqlUnitOfWorkFactory(engines[0]), SqlUnitOfWorkFactory(engines[1])
    finally:
        for engine in engines:
            await engine.dispose()


async def test_two_factories_generating_the_first_key_at_once_end_with_one(
    two_factories: tuple[SqlUnitOfWorkFactory, SqlUnitOfWorkFactory],
) -> None:
    clock = SystemClock()
    one, other = two_factories
    keys = await asyncio.gather(*(api_keys.ensure_key(f, clock) for f in (one, other, one, other)))
    assert len(set(keys)) == 1
    assert await api_keys.stored_key(one) == await api_keys.stored_key(other) == keys[0]


async def test_a_rotation_through_one_factory_is_what_the_other_checks_next(
    two_factories: tuple[SqlUnitOfWorkFactory, SqlUnitOfWorkFactory],
) -> None:
    clock = SystemClock()
    server = StoredApiKeys(two_factories[0], clock)
    command = StoredApiKeys(two_factories[1], clock)
    old = await server.current()
    assert await server.matches(old)
    new = await command.rotate()
    assert not await server.matches(old)
    assert await server.matches(new)
