"""Discord notifications side by side: the real discord.py client against the fake Discord,
the outbox delivering for real."""

from __future__ import annotations

from core import requests, users
from core.identity import Identity
from tests.discord_world import ADMIN_CHANNEL, ALICE, BOSS, DiscordWorld
from tests.fake_discord import FakeMessage


async def test_a_dm_goes_out_while_the_admin_channel_waits_out_a_rate_limit(
    discord_bot: DiscordWorld,
) -> None:
    bot = discord_bot
    await bot.request_movie(ALICE, "The Matrix")
    await bot.settled()
    [card] = bot.admin_cards()
    # discord.py waits out this 429 itself before it edits the card
    bot.discord.rate_limit("PATCH", rf"/channels/{ADMIN_CHANNEL}/messages/", retry_after=30)
    boss = await users.resolve_user(bot.services, Identity("discord", str(BOSS)), "Boss")
    [request] = await bot.requests()

    await requests.approve_request(bot.services, boss.id, request.id)

    def told() -> FakeMessage | None:
        return next((m for m in bot.discord.dms(ALICE) if "Approved" in m.text()), None)

    await bot.discord.wait_for(lambda: bot.discord.rate_limit_hits, timeout=5)  # card held up
    assert await bot.discord.wait_for(told, timeout=5)
    assert "Approved" not in bot.message(card).text()  # the card still waits out its 429
