"""/status and /link on Telegram and Discord, end to end on the fake platforms: claims of
media-server accounts, the managers' cards and their presses."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from pathlib import Path
from typing import Any

from core import jobs, linking, user_admin, users
from core.errors import ServiceUnavailable
from core.identity import Identity, ServerAccount
from core.jobs import Job, Scheduler
from core.permissions import Permission
from core.services import Services
from tests import discord_world, telegram_world
from tests.discord_world import DiscordWorld, answered
from tests.fake_telegram import FakeTelegram
from tests.fake_tmdb import FakeTmdb
from tests.telegram_world import TelegramWorld, has, labels, text_of

ACCOUNTS = [ServerAccount("a", "Alice"), ServerAccount("b", "bobby")]


async def store_two_job_runs(services: Services) -> None:
    """What `requestbot run` leaves behind: one job that worked, one that did not."""

    async def scan() -> str:
        return "120 items, 118 matched to TMDb"

    async def sync() -> str:
        raise ServiceUnavailable("Radarr", "cannot connect")

    services.config = replace(services.config, jobs=("full library scan", "download sync"))
    scan_job, sync_job = Job("full library scan", 86_400, scan), Job("download sync", 60, sync)
    scheduler = Scheduler(services, [scan_job, sync_job])
    await scheduler.run_now("full library scan")
    await scheduler.run_now("download sync")


async def test_telegram_status_shows_each_jobs_last_run(bot: TelegramWorld) -> None:
    nothing = await bot.say(telegram_world.ALICE, "/status", "No background jobs")
    assert "no media server or downloader is configured" in text_of(nothing)

    await store_two_job_runs(bot.services)
    reply = await bot.say(telegram_world.ALICE, "/status", "Background jobs")

    lines = text_of(reply).splitlines()
    assert lines[1].startswith("• full library scan: ok just now: 120 items")
    assert "next run in 24 hours" in lines[1]
    assert lines[2].startswith("• download sync: FAILED just now: Radarr is not reachable")


async def test_telegram_a_claim_waits_for_a_managers_press_on_a_card(bot: TelegramWorld) -> None:
    await linking.import_accounts(bot.services, ACCOUNTS)
    assert await bot.user_id(telegram_world.BOSS) == 1  # the first owner, made at start-up
    await bot.make(telegram_world.MOD, "moderator", "Mo")
    await bot.set_permissions(telegram_world.MOD, Permission.MANAGE_USERS)
    before = bot._newest(telegram_world.ADMIN_CHAT)

    shown = await bot.say(telegram_world.ALICE, "/link", "You are not linked")
    assert "media-server account" in text_of(shown)  # @alice alone links nothing
    asked = await bot.say(telegram_world.ALICE, "/link ALICE", "asked the managers")
    assert "confirm that you are the media-server account Alice" in text_of(asked)
    card = await bot.tg.wait_for_message(
        telegram_world.ADMIN_CHAT, has("Account claim"), after=before, timeout=10
    )
    assert "Alice (@alice) says they are the media-server account Alice" in text_of(card)
    assert labels(card) == ["✅ Confirm", "❌ Refuse"]
    confirm = dict(card.buttons[0])["✅ Confirm"]  # as a client that still shows it sends it

    nobody = await bot.press(telegram_world.BOB, card, "✅ Confirm")  # not a manager
    assert "not allowed to confirm account links" in (await bot.answer_to(nobody)).text
    pressed = await bot.press(telegram_world.MOD, card, "✅ Confirm")
    assert (await bot.answer_to(pressed)).text == "Linked Alice to Alice."
    await bot.changed(card, "Confirmed by Mo: Alice is the media-server account Alice")
    told = await bot.tg.wait_for_message(
        telegram_world.ALICE, has("A manager confirmed it"), after=asked.message_id, timeout=10
    )
    assert "linked to the media-server account Alice" in text_of(told)
    assert labels(bot.tg.message(card.chat_id, card.message_id)) == []
    again = bot.tg.press(telegram_world.BOSS, card, confirm)  # a second manager, a double press
    assert (await bot.answer_to(again)).text == "This claim was confirmed already, by Mo."
    forged = bot.tg.press(telegram_world.MOD, card, "lk:ok:AAAAAAAA")
    assert "expired or is not one I know" in (await bot.answer_to(forged)).text
    assert "Confirmed by Mo" in text_of(bot.tg.message(card.chat_id, card.message_id))

    linked = await bot.say(telegram_world.ALICE, "/link", "You are linked")
    assert "media-server account Alice" in text_of(linked)
    alice = await bot.user_id(telegram_world.ALICE)
    account = await user_admin.get_user(bot.services, alice, alice)
    assert account.media_server_user_id == "a"
    taken = await bot.say(telegram_world.CAROL, "/link alice", "linked to someone else")
    assert "Alice" in text_of(taken)
    mine = await bot.say(telegram_world.ALICE, "/link bobby", "already")
    assert text_of(mine) == (
        "You are the media-server account Alice already; a manager can change that."
    )


async def test_telegram_a_refused_claim_changes_nothing_and_the_claimant_is_told(
    bot: TelegramWorld,
) -> None:
    await linking.import_accounts(bot.services, ACCOUNTS)
    before = bot._newest(telegram_world.ADMIN_CHAT)
    asked = await bot.say(telegram_world.BOB, "/link bobby", "asked the managers")
    card = await bot.tg.wait_for_message(
        telegram_world.ADMIN_CHAT, has("Account claim"), after=before, timeout=10
    )

    pressed = await bot.press(telegram_world.BOSS, card, "❌ Refuse")

    assert (await bot.answer_to(pressed)).text == "Refused: Bob is not linked."
    await bot.changed(card, "Refused by Boss")
    await bot.tg.wait_for_message(
        telegram_world.BOB, has("did not confirm"), after=asked.message_id, timeout=10
    )
    bob = await bot.user_id(telegram_world.BOB)
    assert (await user_admin.get_user(bot.services, bob, bob)).media_server_username is None
    assert labels(bot.tg.message(card.chat_id, card.message_id)) == []


async def test_telegram_without_an_admin_chat_each_manager_gets_the_card_privately(
    fake_telegram: FakeTelegram, fake_tmdb: FakeTmdb, tmp_path: Path
) -> None:
    world = TelegramWorld(fake_telegram, fake_tmdb, tmp_path, admin_chat=None)
    async with telegram_world.running(world) as bot:
        await linking.import_accounts(bot.services, ACCOUNTS)
        await bot.user_id(telegram_world.BOSS, "Boss")
        before = bot._newest(telegram_world.BOSS)
        await bot.say(telegram_world.BOB, "/link bobby", "asked the managers")
        card = await bot.tg.wait_for_message(
            telegram_world.BOSS, has("Account claim"), after=before, timeout=10
        )

        pressed = await bot.press(telegram_world.BOSS, card, "✅ Confirm")

        assert (await bot.answer_to(pressed)).text == "Linked Bob to bobby."
        await bot.changed(card, "Confirmed by Boss")


async def test_discord_status_and_link(discord_bot: DiscordWorld) -> None:
    bot = discord_bot
    await linking.import_accounts(bot.services, ACCOUNTS)
    await store_two_job_runs(bot.services)

    status = await bot.run(discord_world.ALICE, "status")
    assert status.ephemeral
    assert "full library scan: ok just now: 120 items" in status.text()
    assert "download sync: FAILED just now: Radarr is not reachable" in status.text()
    shown = await bot.run(discord_world.ALICE, "link")
    assert "You are not linked to a media-server account" in shown.text()  # a name alone
    unknown = await bot.run(discord_world.CAROL, "link", account="nobody")
    assert "There is no media-server account" in unknown.text()
    states = await jobs.job_states(bot.services)
    assert [s.ok for s in states] == [True, False]


async def test_discord_a_claim_is_decided_by_the_first_managers_press(
    discord_bot: DiscordWorld,
) -> None:
    bot = discord_bot
    await linking.import_accounts(bot.services, ACCOUNTS)
    boss = await users.resolve_user(bot.services, Identity("discord", str(discord_world.BOSS)), "")
    mod = await users.resolve_user(bot.services, Identity("discord", str(discord_world.MOD)), "Mo")
    await user_admin.set_permissions(bot.services, boss.id, mod.id, Permission.MANAGE_USERS)

    asked = await bot.run(discord_world.BOB, "link", account="BOBBY")
    assert "asked the managers to confirm that you are the media-server account bobby" in (
        asked.text()
    )
    await bot.discord.wait_for(
        lambda: any("Account claim" in m.text() for m in _claim_cards(bot)), timeout=10
    )
    (card,) = _claim_cards(bot)
    assert "Bob (@Bob) says they are the media-server account bobby" in card.text()
    nobody = await answered(await bot.click(discord_world.ALICE, card, "Confirm"))
    assert "not allowed to confirm account links" in nobody.text()

    first, second = await asyncio.gather(
        bot.click(discord_world.MOD, card, "Confirm"),
        bot.click(discord_world.BOSS, card, "Confirm"),
    )
    answers = sorted([(await answered(first)).text(), (await answered(second)).text()])
    winner = "Mo" if answers[1].endswith("by Mo.") else "Boss"
    assert answers == ["Linked Bob to bobby.", f"This claim was confirmed already, by {winner}."]
    await bot.changed(card, f"Confirmed by {winner}: Bob is the media-server account bobby")
    assert bot.message(card).buttons() == []
    await bot.discord.wait_for(
        lambda: any(
            "A manager confirmed it" in m.text() for m in bot.discord.dms(discord_world.BOB)
        ),
        timeout=10,
    )
    linked = await bot.run(discord_world.BOB, "link")
    assert "linked to the media-server account bobby" in linked.text()
    again = await bot.run(discord_world.BOB, "link", account="bobby")
    assert "You are linked to the media-server account bobby already." in again.text()


def _claim_cards(bot: DiscordWorld) -> list[Any]:
    channel = bot.discord.channel_messages(discord_world.ADMIN_CHANNEL, include_ephemeral=False)
    return [m for m in channel if "Account claim" in m.text()]
