"""The REST API and the Telegram chat on the same running bot: what one does, the other
shows at once, and an approval over the API reaches the chats exactly as one pressed in
the admin chat."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from python_overseerr import OverseerrClient
from python_overseerr.models import RequestStatus

from tests.fake_telegram import FakeTelegram, SentMessage
from tests.fake_tmdb import FakeTmdb
from tests.telegram_world import (
    ADMIN_CHAT,
    ALICE,
    BOSS,
    TelegramWorld,
    has,
    labels,
    running,
    text_of,
)


@pytest.fixture
async def bot(
    fake_telegram: FakeTelegram, fake_tmdb: FakeTmdb, tmp_path: Path
) -> AsyncIterator[TelegramWorld]:
    """requestbot running with the Telegram adapter, an admin chat and the API."""
    async with running(TelegramWorld(fake_telegram, fake_tmdb, tmp_path, api=True)) as started:
        yield started


@pytest.fixture(autouse=True)
def no_errors(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    """Nothing of the bot, the API or the chat library is logged at ERROR."""
    caplog.set_level(logging.WARNING)
    yield
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []


async def test_a_request_made_in_the_chat_is_in_the_api_at_once(bot: TelegramWorld) -> None:
    await bot.request_movie(ALICE, "matrix")

    async with bot.api_client() as api:
        page = (await api.get("/request")).json()
    (listed,) = page["results"]
    assert (listed["status"], listed["media"]["tmdbId"], listed["type"]) == (1, 603, "movie")
    assert listed["requestedBy"]["displayName"] == "Alice"
    assert listed["modifiedBy"] is None
    assert bot.app is not None
    assert bot.api_port is not None
    key = await bot.app.api_keys.current()
    async with OverseerrClient("127.0.0.1", bot.api_port, key, ssl=False) as client:
        (request,) = await client.get_requests()
        movie = await client.get_movie_details(603)
        count = await client.get_request_count()
    assert (request.id, request.requested_by.display_name) == (listed["id"], "Alice")
    (known,) = movie.media_info.requests
    assert (known.id, known.status) == (listed["id"], RequestStatus.PENDING_APPROVAL)
    assert (count.total, count.pending) == (1, 1)


async def test_a_request_made_over_the_api_is_in_the_chats_list_at_once(
    bot: TelegramWorld,
) -> None:
    alice = await bot.user_id(ALICE, "Alice")

    async with bot.api_client() as api:
        created = await api.post(
            "/request",
            json={"mediaType": "movie", "mediaId": 27205},
            headers={"X-Api-User": str(alice)},
        )

    assert created.status_code == 201, created.text
    assert created.json()["status"] == 1  # Alice's own rights: not auto-approved
    listing = await bot.say(ALICE, "/requests", "Your requests")
    assert "Inception (2010)" in text_of(listing)
    card = await bot.tg.wait_for_message(ADMIN_CHAT, has("New Movie Request"))
    assert "Requested by Alice" in text_of(card)


async def approved(bot: TelegramWorld, *, over_api: bool) -> tuple[SentMessage, SentMessage]:
    """Alice's request of The Matrix approved by Boss, in the admin chat or over the API
    (the key alone acts as user 1: Boss, the first owner); the admin card once it says so
    and what Alice is told."""
    await bot.say(BOSS, "/start", lambda m: True)  # Boss has spoken: the bot knows his name
    await bot.request_movie(ALICE, "matrix")
    card = await bot.tg.wait_for_message(ADMIN_CHAT, has("New Movie Request"))
    if over_api:
        (request,) = await bot.requests()
        async with bot.api_client() as api:
            answer = await api.post(f"/request/{request.id}/approve")
        assert answer.status_code == 200, answer.text
        assert answer.json()["modifiedBy"]["displayName"] == "Boss"
    else:
        await bot.press(BOSS, card, "✅ Approve")
    card = await bot.changed(card, "Approved by Boss")
    told = await bot.tg.wait_for_message(ALICE, has("Movie Request Approved"))
    await bot.settled()
    return card, told


def seen(message: SentMessage) -> tuple[str | None, str | None, str | None, list[str]]:
    """What a message shows: its text, caption, photo and buttons (their labels: a search
    card's buttons carry a random key)."""
    return message.text, message.caption, message.photo, labels(message)


async def test_an_approval_over_the_api_tells_the_chats_exactly_as_a_chat_approval(
    fake_tmdb: FakeTmdb, tmp_path: Path
) -> None:
    shown = {}
    for over_api in (False, True):
        folder = tmp_path / ("api" if over_api else "chat")
        folder.mkdir()
        world = TelegramWorld(FakeTelegram(), fake_tmdb, folder, api=True)
        async with world.tg, running(world) as bot:
            card, told = await approved(bot, over_api=over_api)
            assert (card.buttons, told.buttons) == ([], [])
            assert bot.tg.errors == []
            shown[over_api] = [
                [seen(m) for m in bot.tg.messages(chat)] for chat in (ADMIN_CHAT, ALICE, BOSS)
            ]

    assert shown[True] == shown[False]
