"""The admin channel's digest of pending requests (DISCORD_ADMIN_DIGEST_MINUTES) end to end:
the real discord.py client against the fake Discord, the digest job run by hand (its own
interval is far away), a SQLite file that survives restarts."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from core import requests
from core.domain import RequestStatus
from tests.discord_world import (
    ADMIN_CHANNEL,
    ALICE,
    BOB,
    MOD,
    DiscordWorld,
    answered,
    running,
)
from tests.fake_discord import FakeDiscord, FakeMessage
from tests.fake_tmdb import FakeTmdb

TITLES = ("The Matrix", "Inception", "Fight Club")


@pytest.fixture
async def digesting(
    fake_discord: FakeDiscord, fake_tmdb: FakeTmdb, tmp_path: Path
) -> AsyncIterator[DiscordWorld]:
    """requestbot with an admin channel that takes a digest every hour."""
    world = DiscordWorld(fake_discord, fake_tmdb, tmp_path, digest_minutes=60)
    async with running(world) as started:
        yield started


async def request_all(bot: DiscordWorld, titles: tuple[str, ...] = TITLES) -> None:
    for title in titles:
        await bot.request_movie(ALICE, title)
    await bot.settled()


def digests(bot: DiscordWorld) -> list[FakeMessage]:
    return [m for m in bot.admin_cards() if "awaiting approval" in m.text()]


def labels(message: FakeMessage) -> list[str]:
    return [b.get("label") or "" for b in message.buttons()]


async def test_three_requests_make_one_digest_and_a_press_on_it_decides_and_edits_it(
    digesting: DiscordWorld,
) -> None:
    bot = digesting
    await request_all(bot)
    assert bot.admin_cards() == []  # no card each

    state = await bot.digest.run_now()
    assert state.result == "posted a digest of 3 pending requests"
    [digest] = bot.admin_cards()
    text = digest.text()
    assert "Requests awaiting approval: 3" in text
    assert "**1.** **The Matrix (1999)** · Movie · by Alice · just now" in text
    assert "**3.** **Fight Club (1999)** · Movie · by Alice" in text
    assert labels(digest) == [
        *("Approve 1", "Decline 1"),
        *("Approve 2", "Decline 2"),
        *("Approve 3", "Decline 3"),
    ]

    refused = await answered(await bot.click(BOB, digest, "Approve 1"))
    assert refused.ephemeral
    assert "not allowed" in refused.text()

    await (await bot.click(MOD, digest, "Approve 2")).acked()
    digest = await bot.changed(digest, "Approved by Mo")
    assert "Requests awaiting approval: 2" in digest.text()
    assert labels(digest) == ["Approve 1", "Decline 1", "Approve 3", "Decline 3"]

    decline = await bot.click(MOD, digest, "Decline 3")
    await decline.acked()
    assert decline.modal is not None, decline.ack_body
    submitted = await bot.discord.submit_modal(MOD, decline, {"reason": "Seen it"})
    await submitted.acked()
    digest = await bot.changed(digest, "Declined by Mo: Seen it")
    assert labels(digest) == ["Approve 1", "Decline 1"]
    statuses = [r.status for r in await bot.requests()]
    assert statuses == [RequestStatus.PENDING, RequestStatus.APPROVED, RequestStatus.DECLINED]

    await bot.settled()
    assert (await bot.digest.run_now()).result == "nothing new is pending"
    assert len(bot.admin_cards()) == 1


async def test_past_five_requests_the_digest_says_how_many_more_and_points_to_pending(
    digesting: DiscordWorld,
) -> None:
    bot = digesting
    await request_all(bot, (*TITLES, "Amélie", "Spirited Away", "The Simpsons Movie"))

    await bot.digest.run_now()
    [digest] = digests(bot)
    assert "Requests awaiting approval: 6" in digest.text()
    assert "**5.** **Spirited Away (2001)**" in digest.text()
    assert "Simpsons" not in digest.text()
    assert "…and 1 more: /pending" in digest.text()
    assert len(digest.buttons()) == 10  # Discord's five rows, a request each
    assert (await bot.digest.run_now()).result == "nothing new is pending"


async def test_a_request_withdrawn_before_the_digest_is_left_out(digesting: DiscordWorld) -> None:
    bot = digesting
    await request_all(bot)
    inception = (await bot.requests())[1]
    await requests.cancel_request(bot.services, inception.requested_by.id, inception.id)

    await bot.digest.run_now()
    [digest] = digests(bot)
    assert "Inception" not in digest.text()
    assert labels(digest) == ["Approve 1", "Decline 1", "Approve 2", "Decline 2"]


async def test_a_restart_and_a_refused_post_still_post_the_digest_once(
    digesting: DiscordWorld,
) -> None:
    bot = digesting
    await request_all(bot)
    await bot.restart()
    bot.discord.fail(1, 403)

    failed = await bot.digest.run_now()
    assert failed.ok is False
    assert digests(bot) == []

    assert (await bot.digest.run_now()).ok is True
    await bot.restart()
    assert (await bot.digest.run_now()).result == "nothing new is pending"
    [digest] = digests(bot)
    assert "Requests awaiting approval: 3" in digest.text()
    assert digest.channel_id == ADMIN_CHANNEL
