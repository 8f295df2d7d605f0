"""Contract tests of the chat adapters' storage (watchers, button state, posted cards) on
a SQLite file and, when TEST_DATABASE_URL is set, PostgreSQL."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from core.domain import ChatPost, EventKind, Identity, MediaDetails, MediaType
from core.permissions import Permission
from tests.core_fixtures import payload_for
from tests.storage_fixtures import Storage

NOW = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)


async def _user_and_media(storage: Storage) -> tuple[int, int]:
    async with storage.uow() as uow:
        user = await uow.users.add("Bob", Permission.REQUEST, Identity("telegram", "42"), NOW)
        media = await uow.media.upsert(
            MediaDetails(603, MediaType.MOVIE, "The Matrix", 1999, "", None), NOW
        )
        await uow.commit()
    return user.id, media.id


async def test_a_watcher_is_added_once_listed_in_order_and_cleared(storage: Storage) -> None:
    bob, media = await _user_and_media(storage)
    async with storage.uow() as uow:
        alice = (await uow.users.add("Alice", Permission.REQUEST, None, NOW)).id
        assert await uow.watchers.add(bob, media, NOW) is True
        assert await uow.watchers.add(alice, media, NOW) is True
        assert await uow.watchers.add(bob, media, NOW) is False
        await uow.commit()
    async with storage.uow(write=False) as uow:
        assert await uow.watchers.user_ids(media) == [bob, alice]
    async with storage.uow() as uow:
        await uow.watchers.clear(media)
        await uow.commit()
    async with storage.uow(write=False) as uow:
        assert await uow.watchers.user_ids(media) == []


async def test_chat_state_is_kept_per_platform_replaced_and_expires(storage: Storage) -> None:
    later = NOW + timedelta(hours=1)
    async with storage.uow() as uow:
        await uow.chat_states.put("telegram", "abc", '{"q":"one"}', NOW, later)
        await uow.chat_states.put("telegram", "abc", '{"q":"two"}', NOW, later)
        await uow.chat_states.put("discord", "abc", '{"q":"three"}', NOW, NOW)
        await uow.commit()
    async with storage.uow(write=False) as uow:
        assert await uow.chat_states.get("telegram", "abc", NOW) == '{"q":"two"}'
        assert await uow.chat_states.get("discord", "abc", NOW) is None  # expired at NOW
        assert await uow.chat_states.get("telegram", "abc", later) is None
    async with storage.uow() as uow:
        assert await uow.chat_states.purge(NOW) == 1
        await uow.chat_states.delete("telegram", "abc")
        await uow.commit()
    async with storage.uow(write=False) as uow:
        assert await uow.chat_states.get("telegram", "abc", NOW) is None


async def test_posts_about_a_request_come_back_oldest_first(storage: Storage) -> None:
    async with storage.uow() as uow:
        await uow.chat_posts.add(ChatPost("telegram", "-1001", "5", 7), NOW)
        await uow.chat_posts.add(ChatPost("telegram", "42", "6", 7, "private"), NOW)
        await uow.chat_posts.add(ChatPost("discord", "1", "2", 7), NOW)
        await uow.chat_posts.add(ChatPost("telegram", "-1001", "8", 9), NOW)
        await uow.commit()
    async with storage.uow(write=False) as uow:
        posts = await uow.chat_posts.for_request(7, "telegram")
    assert posts == [
        ChatPost("telegram", "-1001", "5", 7),
        ChatPost("telegram", "42", "6", 7, "private"),
    ]


async def test_an_events_watchers_survive_the_outbox(storage: Storage) -> None:
    bob, _ = await _user_and_media(storage)
    async with storage.uow(write=False) as uow:
        user = await uow.users.get(bob)
    assert user is not None
    async with storage.uow() as uow:
        payload = replace(payload_for(user), watcher_ids=(3, 1))
        await uow.events.add(EventKind.APPROVED, payload, NOW)
        await uow.commit()
    async with storage.uow(write=False) as uow:
        [event] = await uow.events.due(NOW)
    assert event.payload.watcher_ids == (3, 1)
