"""/apikey in both chats, with the real clients against the fake platforms: the owners see
or replace the API key privately; anyone else, or any group, learns nothing of it."""

from __future__ import annotations

from tests import discord_world as dw
from tests import telegram_world as tw
from tests.discord_world import DiscordWorld
from tests.telegram_world import TelegramWorld, text_of


async def keys_of(world: TelegramWorld | DiscordWorld) -> str:
    """The API key in force in the running bot."""
    assert world.app is not None
    return await world.app.api_keys.current()


async def test_a_telegram_owner_sees_and_rotates_the_key_in_private(bot: TelegramWorld) -> None:
    key = await keys_of(bot)

    shown = await bot.say(tw.BOSS, "/apikey", "The API key")
    assert key in text_of(shown)
    assert [e["type"] for e in shown.entities] == ["code"]  # a tap copies it

    rotated = await bot.say(tw.BOSS, "/apikey rotate", "A new API key")
    new = await keys_of(bot)
    assert new != key
    assert new in text_of(rotated)
    assert bot.app is not None
    assert not await bot.app.api_keys.matches(key)
    assert await bot.app.api_keys.matches(new)


async def test_telegram_tells_anyone_else_and_every_group_nothing(bot: TelegramWorld) -> None:
    key = await keys_of(bot)

    refused = await bot.say(tw.ALICE, "/apikey rotate", "Only the bot's owners")
    assert text_of(refused) == "Only the bot's owners may see or replace the API key."
    in_group = await bot.say(tw.BOSS, "/apikey", "only in a private chat", chat=tw.ADMIN_CHAT)
    assert "private chat, and only to the bot's owners" in text_of(in_group)
    await bot.say(tw.BOSS, "/apikey please", "Send /apikey to see the API key")

    assert await keys_of(bot) == key  # nothing was rotated
    everything = [text_of(m) for chat in (tw.ALICE, tw.ADMIN_CHAT) for m in bot.tg.messages(chat)]
    assert not any(key in text for text in everything)


async def test_a_discord_owner_sees_and_rotates_the_key_privately(
    discord_bot: DiscordWorld,
) -> None:
    key = await keys_of(discord_bot)

    shown = await discord_bot.run(dw.BOSS, "apikey")
    assert shown.ephemeral
    assert f"`{key}`" in shown.text()

    rotated = await discord_bot.run(dw.BOSS, "apikey", rotate=True)
    new = await keys_of(discord_bot)
    assert new != key
    assert rotated.ephemeral
    assert f"`{new}`" in rotated.text()
    assert discord_bot.app is not None
    assert not await discord_bot.app.api_keys.matches(key)


async def test_discord_refuses_anyone_else_without_a_word_of_the_key(
    discord_bot: DiscordWorld,
) -> None:
    key = await keys_of(discord_bot)

    refused = await discord_bot.run(dw.ALICE, "apikey", rotate=True)

    assert refused.ephemeral
    assert refused.text() == "Only the bot's owners may see or replace the API key."
    assert await keys_of(discord_bot) == key
    public = discord_bot.discord.channel_messages(dw.GENERAL, include_ephemeral=False)
    assert not any(key in m.text() for m in public)
