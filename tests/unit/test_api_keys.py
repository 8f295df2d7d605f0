"""The API key: generated once, replaced on demand, compared in constant time, shown only
to the bot's owners, never rotated when the settings give it."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from adapters.api.keys import FixedApiKeys, SharedReads, StampFile, StoredApiKeys
from core import api_keys
from core.errors import ApiKeyFixed, OwnersOnly
from core.identity import Identity
from core.ports import UnitOfWork
from core.services import CoreConfig
from tests.core_fixtures import World

OWNER = Identity("telegram", "9001")


@pytest.fixture
def world() -> World:
    return World(config=CoreConfig(owners=frozenset({OWNER})))


def test_a_generated_key_is_long_random_and_fit_for_a_header() -> None:
    first, second = api_keys.generate_key(), api_keys.generate_key()
    assert first != second
    assert len(first) == 64
    assert set(first) <= set("0123456789abcdef")


def test_keys_are_compared_whole_whatever_is_presented() -> None:
    key = api_keys.generate_key()
    assert api_keys.same_key(key, key)
    assert not api_keys.same_key(key[:-1], key)
    assert not api_keys.same_key(key.upper() + "é", key)  # not ASCII: no TypeError
    assert not api_keys.same_key("", key)


async def test_the_stored_key_is_generated_once_and_kept(world: World) -> None:
    assert await api_keys.stored_key(world.uow) is None
    key = await api_keys.ensure_key(world.uow, world.clock)
    assert await api_keys.ensure_key(world.uow, world.clock) == key
    assert await api_keys.stored_key(world.uow) == key


async def test_a_rotated_key_replaces_the_old_one_at_once(world: World) -> None:
    learnt: list[str] = []
    keys = StoredApiKeys(world.uow, world.clock, known=learnt.append)
    old = await keys.current()
    new = await keys.rotate()
    assert new != old
    assert not await keys.matches(old)
    assert await keys.matches(new)
    assert learnt == [old, new]  # each told once, before it is used


async def test_a_rotation_elsewhere_counts_on_the_next_check(world: World) -> None:
    here = StoredApiKeys(world.uow, world.clock)
    elsewhere = StoredApiKeys(world.uow, world.clock)
    old = await here.current()
    assert await here.matches(old)
    new = await elsewhere.rotate()
    assert not await here.matches(old)
    assert await here.matches(new)


class CountedReads:
    """A unit-of-work factory that counts the read-only units it opens."""

    def __init__(self, world: World) -> None:
        self.world = world
        self.reads = 0

    def __call__(self, *, write: bool = True) -> UnitOfWork:
        self.reads += not write
        return self.world.uow(write=write)


async def test_with_a_stamp_file_a_check_reads_the_key_only_after_a_rotation(
    world: World, tmp_path: Path
) -> None:
    counted = CountedReads(world)
    stamp = tmp_path / "requestbot.db-api-key"
    here = StoredApiKeys(counted, world.clock, changes=StampFile(stamp))
    elsewhere = StoredApiKeys(world.uow, world.clock, changes=StampFile(stamp))
    old = await here.current()
    reads = counted.reads
    for _ in range(5):
        assert await here.matches(old)
    assert counted.reads == reads  # nothing but a look at the stamp

    new = await elsewhere.rotate()

    assert not await here.matches(old)
    assert await here.matches(new)
    assert counted.reads == reads + 1
    mine = await here.rotate()  # its own rotation: read back at the next check, then known
    assert await here.matches(mine)
    assert await here.matches(mine)
    assert not await here.matches(new)
    assert counted.reads == reads + 2


async def test_nothing_matches_before_a_key_exists(world: World) -> None:
    assert not await StoredApiKeys(world.uow, world.clock).matches("")
    assert await api_keys.stored_key(world.uow) is None  # a check generates nothing


async def test_a_key_from_the_settings_is_used_as_it_is_and_never_rotated() -> None:
    keys = FixedApiKeys("k" * 40)
    assert await keys.current() == "k" * 40
    assert await keys.matches("k" * 40)
    assert not await keys.matches("k" * 39)
    with pytest.raises(ApiKeyFixed):
        await keys.rotate()


async def test_only_an_owner_sees_or_rotates_the_key(world: World) -> None:
    keys = StoredApiKeys(world.uow, world.clock)
    shown = await api_keys.owner_api_key(world.services, keys, OWNER)
    assert shown == await keys.current()
    rotated = await api_keys.owner_api_key(world.services, keys, OWNER, rotate=True)
    assert rotated != shown
    for stranger in (Identity("telegram", "1001"), Identity("discord", "9001")):
        with pytest.raises(OwnersOnly):
            await api_keys.owner_api_key(world.services, keys, stranger, rotate=True)
    assert await keys.current() == rotated


class GatedReads:
    """A read that counts its calls, and returns its call number once let through."""

    def __init__(self) -> None:
        self.calls = 0
        self.gate = asyncio.Event()
        self.started = asyncio.Event()

    async def read(self) -> str | None:
        self.calls += 1
        number = self.calls
        self.started.set()
        await self.gate.wait()
        if number == 3:
            raise ConnectionError("the database went away")
        return f"read {number}"


async def test_checks_asking_during_a_read_share_the_next_one_never_an_older_one() -> None:
    reads = GatedReads()
    shared = SharedReads(reads.read)
    first = asyncio.create_task(shared.get())
    await reads.started.wait()  # the first read is under way
    later = [asyncio.create_task(shared.get()) for _ in range(5)]  # they ask before it ends
    reads.gate.set()

    assert await first == "read 1"
    assert await asyncio.gather(*later) == ["read 2"] * 5  # begun after they asked, shared
    assert reads.calls == 2


async def test_a_failed_read_fails_its_checks_and_the_next_check_reads_again() -> None:
    reads = GatedReads()
    reads.calls = 2
    reads.gate.set()
    shared = SharedReads(reads.read)
    with pytest.raises(ConnectionError):
        await shared.get()
    assert await shared.get() == "read 4"
