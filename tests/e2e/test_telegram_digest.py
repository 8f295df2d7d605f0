"""The admin chat's digest of pending requests (TELEGRAM_ADMIN_DIGEST_MINUTES) end to end:
the real python-telegram-bot Application against the fake Bot API, the digest job run by
hand (its own interval is far away), a SQLite file that survives restarts."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from core import requests
from core.domain import RequestStatus
from tests.fake_telegram import FakeTelegram, SentMessage
from tests.fake_tmdb import FakeTmdb
from tests.telegram_world import (
    ADMIN_CHAT,
    ALICE,
    BOB,
    BOSS,
    MOD,
    TelegramWorld,
    has,
    labels,
    running,
    text_of,
)

TITLES = ("matrix", "inception", "fight club")


@pytest.fixture
async def digesting(
    fake_telegram: FakeTelegram, fake_tmdb: FakeTmdb, tmp_path: Path
) -> AsyncIterator[TelegramWorld]:
    """requestbot with an admin chat that takes a digest every hour."""
    world = TelegramWorld(fake_telegram, fake_tmdb, tmp_path, digest_minutes=60)
    async with running(world) as started:
        yield started


async def request_three(bot: TelegramWorld) -> None:
    """Alice asks for three movies, and every notification about them is delivered."""
    for title in TITLES:
        await bot.request_movie(ALICE, title)
    await bot.settled()


def digests(bot: TelegramWorld) -> list[SentMessage]:
    return [m for m in bot.tg.messages(ADMIN_CHAT) if "awaiting approval" in text_of(m)]


async def test_three_requests_make_one_digest_and_a_press_on_it_decides_and_edits_it(
    digesting: TelegramWorld,
) -> None:
    bot = digesting
    await request_three(bot)
    assert bot.tg.messages(ADMIN_CHAT) == []  # no card each

    state = await bot.digest.run_now()
    assert state.ok is True
    assert state.result == "posted a digest of 3 pending requests"
    [digest] = bot.tg.messages(ADMIN_CHAT)
    lines = text_of(digest).splitlines()
    assert lines[0] == "📋 Requests awaiting approval: 3"
    assert lines[1] == "1. The Matrix (1999) · Movie · by Alice · just now"
    assert lines[2].startswith("2. Inception (2010) · Movie · by Alice")
    assert lines[3].startswith("3. Fight Club (1999) · Movie · by Alice")
    assert labels(digest) == [
        *("✅ Approve 1", "❌ Decline 1"),
        *("✅ Approve 2", "❌ Decline 2"),
        *("✅ Approve 3", "❌ Decline 3"),
    ]

    await bot.press(BOSS, digest, "✅ Approve 2")
    digest = await bot.changed(digest, "✅ Approved by Boss")
    assert text_of(digest).splitlines()[0] == "📋 Requests awaiting approval: 2"
    assert text_of(digest).splitlines()[2].startswith("2. Inception (2010)")
    assert text_of(digest).splitlines()[3].strip() == "✅ Approved by Boss"
    assert "✅ Approve 2" not in labels(digest)
    statuses = [r.status for r in await bot.requests()]
    assert statuses == [RequestStatus.PENDING, RequestStatus.APPROVED, RequestStatus.PENDING]
    await bot.tg.wait_for_message(ALICE, has("Movie Request Approved"))

    # Decline asks for a reason, as on a card; the digest then says who declined.
    await bot.press(BOSS, digest, "❌ Decline 1")
    prompt = await bot.tg.wait_for_message(ADMIN_CHAT, has("why decline The Matrix"))
    await bot.press(BOSS, prompt, "No reason")
    digest = await bot.changed(digest, "❌ Declined by Boss")
    assert labels(digest) == ["✅ Approve 3", "❌ Decline 3"]

    # Nothing new since: the next turn posts nothing.
    assert (await bot.digest.run_now()).result == "nothing new is pending"
    await bot.settled()
    assert len(digests(bot)) == 1
    assert bot.tg.errors == []


async def test_a_press_by_someone_who_may_not_decide_is_refused_as_on_a_card(
    digesting: TelegramWorld,
) -> None:
    bot = digesting
    await bot.request_movie(ALICE, "matrix")
    await bot.digest.run_now()
    [digest] = digests(bot)

    query = await bot.press(MOD, digest, "✅ Approve 1")  # not a moderator (yet)
    answer = await bot.answer_to(query)
    assert "not allowed" in answer.text
    [request] = await bot.requests()
    assert request.status is RequestStatus.PENDING
    assert bot.tg.message(ADMIN_CHAT, digest.message_id).buttons == digest.buttons


async def test_a_request_decided_before_the_digest_is_left_out(digesting: TelegramWorld) -> None:
    bot = digesting
    await request_three(bot)
    inception = (await bot.requests())[1]
    boss = await bot.user_id(BOSS, "Boss")
    await requests.decline_request(bot.services, boss, inception.id, "We have it")

    await bot.digest.run_now()
    [digest] = digests(bot)
    assert "Inception" not in text_of(digest)
    assert text_of(digest).splitlines()[0] == "📋 Requests awaiting approval: 2"
    assert labels(digest) == ["✅ Approve 1", "❌ Decline 1", "✅ Approve 2", "❌ Decline 2"]


async def test_requests_made_before_a_restart_are_posted_once_after_it(
    digesting: TelegramWorld,
) -> None:
    bot = digesting
    await request_three(bot)
    await bot.restart()

    await bot.digest.run_now()
    await bot.restart()
    assert (await bot.digest.run_now()).result == "nothing new is pending"
    [digest] = digests(bot)
    assert text_of(digest).splitlines()[0] == "📋 Requests awaiting approval: 3"

    # A request after the digest is in the next one, alone.
    await bot.request_movie(BOB, "spirited away")
    await bot.digest.run_now()
    first, second = digests(bot)
    assert first.message_id == digest.message_id
    assert text_of(second).splitlines()[1].startswith("1. Spirited Away (2001)")
    assert labels(second) == ["✅ Approve 1", "❌ Decline 1"]


async def test_a_digest_the_admin_chat_refused_is_posted_at_the_next_turn(
    digesting: TelegramWorld, caplog: pytest.LogCaptureFixture
) -> None:
    bot = digesting
    await request_three(bot)
    bot.tg.fail(1, 500, methods=["sendMessage"])

    failed = await bot.digest.run_now()
    assert failed.ok is False
    assert digests(bot) == []
    assert "job telegram admin digest failed" in caplog.text

    state = await bot.digest.run_now()
    assert state.ok is True
    [digest] = digests(bot)
    assert text_of(digest).splitlines()[0] == "📋 Requests awaiting approval: 3"
