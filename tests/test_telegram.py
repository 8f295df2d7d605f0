"""The Telegram adapter end to end: the real python-telegram-bot Application against a fake
Bot API server, a fake TMDb and a SQLite file, driven only as Telegram users would."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from core.domain import RequestStatus
from tests.fake_telegram import FakeTelegram
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
async def world(
    fake_telegram: FakeTelegram, fake_tmdb: FakeTmdb, tmp_path: Path
) -> AsyncIterator[TelegramWorld]:
    async with running(TelegramWorld(fake_telegram, fake_tmdb, tmp_path)) as started:
        yield started


async def test_a_movie_request_is_approved_in_the_admin_chat_and_the_requester_told(
    world: TelegramWorld,
) -> None:
    card = await world.say(ALICE, "/request matrix", "The Matrix")
    assert card.photo is not None
    assert "Not requested" in text_of(card)
    assert "Request" in labels(card)

    await world.press(ALICE, card, "Request")
    card = await world.changed(card, "awaits approval")
    admin_card = await world.tg.wait_for_message(
        ADMIN_CHAT, lambda m: "New Movie Request" in text_of(m)
    )
    assert "Requested by Alice" in text_of(admin_card)
    assert labels(admin_card) == ["✅ Approve", "❌ Decline"]

    await world.press(BOSS, admin_card, "✅ Approve")
    admin_card = await world.changed(admin_card, "Approved by Boss")
    assert admin_card.buttons == []
    told = await world.tg.wait_for_message(ALICE, has("Movie Request Approved"))
    assert "approved by Boss" in text_of(told)
    [request] = await world.requests()
    assert request.status is RequestStatus.APPROVED
