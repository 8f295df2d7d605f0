"""A manager links someone else to a media-server account from Telegram and Discord, end to
end on the fake platforms: at once (the two users merge), with a plain answer naming both;
anyone else is refused, and unknown names get a plain answer."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from core import linking
from core.identity import Identity, ServerAccount, User
from core.permissions import Permission
from core.services import Services
from tests import discord_world, telegram_world
from tests.discord_world import DiscordWorld
from tests.telegram_world import TelegramWorld, has, text_of

ACCOUNTS = [ServerAccount("a", "Alice"), ServerAccount("b", "bobby")]


@pytest.fixture
def no_errors(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    """Nothing the bot does in the test is logged at ERROR."""
    caplog.set_level(logging.INFO)
    yield
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert errors == []


async def account(services: Services, name: str) -> User:
    """The user who is the media-server account ``name``, as the database has it now."""
    async with services.uow(write=False) as uow:
        found = await uow.users.with_media_server_username(name)
    assert found is not None, name
    return found


async def user_count(services: Services) -> int:
    async with services.uow(write=False) as uow:
        return await uow.users.count()


# ----- Telegram ----------------------------------------------------------------------------


async def test_telegram_a_manager_links_someone_by_username_or_number(
    bot: TelegramWorld, no_errors: None
) -> None:
    await linking.import_accounts(bot.services, ACCOUNTS)
    await bot.make(telegram_world.MOD, "moderator", "Mo")
    await bot.set_permissions(telegram_world.MOD, Permission.MANAGE_USERS)
    await bot.say(telegram_world.BOB, "/link", "You are not linked")  # the bot sees @bob
    bob = await bot.user_id(telegram_world.BOB)
    before = await user_count(bot.services)

    linked = await bot.say(telegram_world.MOD, "/link bobby @bob", "Linked")

    bobby = await account(bot.services, "bobby")
    assert text_of(linked) == f"Linked @bob to the media-server account bobby (user #{bobby.id})."
    assert bobby.identities == (Identity("telegram", str(telegram_world.BOB)),)
    assert await user_count(bot.services) == before - 1  # Bob's own user merged away
    assert await bot.user_id(telegram_world.BOB) == bobby.id != bob
    carol = await bot.user_id(telegram_world.CAROL, "Carol")
    by_number = await bot.say(telegram_world.MOD, f"/link Alice #{carol}", "Linked")
    alice = await account(bot.services, "Alice")
    assert text_of(by_number) == (
        f"Linked #{carol} to the media-server account Alice (user #{alice.id})."
    )
    assert alice.identities == (Identity("telegram", str(telegram_world.CAROL)),)


async def test_telegram_a_manager_links_the_author_of_the_message_replied_to(
    bot: TelegramWorld, no_errors: None
) -> None:
    await linking.import_accounts(bot.services, ACCOUNTS)
    hello = bot.tg.send_text(telegram_world.CAROL, "hello", chat_id=telegram_world.ADMIN_CHAT)
    before = bot._newest(telegram_world.ADMIN_CHAT)

    bot.tg.send_text(
        telegram_world.BOSS, "/link alice", chat_id=telegram_world.ADMIN_CHAT, reply_to=hello
    )

    answer = await bot.tg.wait_for_message(
        telegram_world.ADMIN_CHAT, has("Linked"), after=before, timeout=10
    )
    alice = await account(bot.services, "Alice")
    assert text_of(answer) == f"Linked Carol to the media-server account Alice (user #{alice.id})."
    assert alice.identities == (Identity("telegram", str(telegram_world.CAROL)),)
    mine = await bot.say(telegram_world.CAROL, "/link", "You are linked")
    assert "media-server account Alice" in text_of(mine)


async def test_telegram_an_account_with_a_chat_identity_takes_one_more_and_users_stay_one(
    bot: TelegramWorld, no_errors: None
) -> None:
    await linking.import_accounts(bot.services, ACCOUNTS)
    boss = await bot.user_id(telegram_world.BOSS, "Boss")
    carol = await bot.user_id(telegram_world.CAROL, "Carol")
    await linking.link_user(bot.services, boss, carol, "Alice")
    await bot.say(telegram_world.ALICE, "/link", "You are not linked")

    added = await bot.say(telegram_world.BOSS, "/link Alice @alice", "Linked")
    assert "Linked @alice to the media-server account Alice" in text_of(added)
    alice = await account(bot.services, "Alice")
    assert set(alice.identities) == {
        Identity("telegram", str(telegram_world.CAROL)),
        Identity("telegram", str(telegram_world.ALICE)),
    }
    await bot.say(telegram_world.BOB, "/link", "You are not linked")
    await bot.say(telegram_world.BOSS, "/link bobby @bob", "Linked")
    other = await bot.say(telegram_world.BOSS, "/link Alice @bob", "does not work")
    assert "is the media-server account bobby" in text_of(other)
    assert (await account(bot.services, "bobby")).identities == (
        Identity("telegram", str(telegram_world.BOB)),
    )


async def test_telegram_others_are_refused_and_unknown_names_get_a_plain_answer(
    bot: TelegramWorld, no_errors: None
) -> None:
    await linking.import_accounts(bot.services, ACCOUNTS)
    await bot.say(telegram_world.BOB, "/link", "You are not linked")
    before = await user_count(bot.services)

    refused = await bot.say(telegram_world.ALICE, "/link bobby @bob", "not allowed")
    hello = bot.tg.send_text(telegram_world.BOB, "hi", chat_id=telegram_world.ADMIN_CHAT)
    newest = bot._newest(telegram_world.ADMIN_CHAT)
    bot.tg.send_text(
        telegram_world.ALICE, "/link bobby", chat_id=telegram_world.ADMIN_CHAT, reply_to=hello
    )
    by_reply = await bot.tg.wait_for_message(
        telegram_world.ADMIN_CHAT, has("not allowed"), after=newest, timeout=10
    )
    no_account = await bot.say(telegram_world.BOSS, "/link nobody @bob", "There is no")
    no_user = await bot.say(telegram_world.BOSS, "/link bobby @zed", "There is no")
    no_number = await bot.say(telegram_world.BOSS, "/link bobby #4242", "There is no")

    assert text_of(refused) == "You are not allowed to link another user."
    assert text_of(by_reply) == "Alice: You are not allowed to link another user."  # in a group
    assert text_of(no_account) == "There is no media-server account nobody."
    assert text_of(no_user) == "There is no user @zed."
    assert text_of(no_number) == "There is no user #4242."
    assert (await account(bot.services, "bobby")).identities == ()
    assert await user_count(bot.services) == before + 1  # Alice, now that she spoke


# ----- Discord -----------------------------------------------------------------------------


async def test_discord_a_manager_links_a_member_with_the_user_option(
    discord_bot: DiscordWorld, no_errors: None
) -> None:
    bot = discord_bot
    await linking.import_accounts(bot.services, ACCOUNTS)
    await bot.run(discord_world.BOB, "link")  # Bob is a user of his own first
    await bot.run(discord_world.BOSS, "link")
    before = await user_count(bot.services)

    linked = await bot.run(discord_world.BOSS, "link", account="BOBBY", user=discord_world.BOB)

    bobby = await account(bot.services, "bobby")
    assert linked.ephemeral
    assert linked.text() == f"Linked Bob to the media-server account bobby (user #{bobby.id})."
    assert bobby.identities == (Identity("discord", str(discord_world.BOB)),)
    assert await user_count(bot.services) == before - 1  # Bob's own user merged away
    shown = await bot.run(discord_world.BOB, "link")
    assert "linked to the media-server account bobby" in shown.text()
    newcomer = await bot.run(discord_world.BOSS, "link", account="Alice", user=discord_world.CAROL)
    assert "Linked Carol to the media-server account Alice" in newcomer.text()
    alice = await account(bot.services, "Alice")
    assert alice.identities == (Identity("discord", str(discord_world.CAROL)),)


async def test_discord_the_user_option_is_for_managers_and_names_are_checked(
    discord_bot: DiscordWorld, no_errors: None
) -> None:
    bot = discord_bot
    await linking.import_accounts(bot.services, ACCOUNTS)
    boss = await bot.run(discord_world.BOSS, "link")
    assert "not linked" in boss.text()

    refused = await bot.run(discord_world.ALICE, "link", account="bobby", user=discord_world.BOB)
    unknown = await bot.run(discord_world.BOSS, "link", account="nobody", user=discord_world.BOB)
    empty = await bot.run(discord_world.BOSS, "link", user=discord_world.BOB)
    own = await bot.run(discord_world.ALICE, "link", account="Alice", user=discord_world.ALICE)

    assert refused.ephemeral
    assert refused.text() == "You are not allowed to link another user."
    assert unknown.text() == "There is no media-server account nobody."
    assert "must not be empty" in empty.text()
    assert "asked the managers to confirm that you are" in own.text()  # one's own: a claim
    assert (await account(bot.services, "bobby")).identities == ()
    (link,) = [c for c in bot.discord.commands(bot.discord.guild_id) if c["name"] == "link"]
    options = {o["name"]: (o["type"], o.get("required", False)) for o in link["options"]}
    assert options == {"account": (3, False), "user": (6, False)}
