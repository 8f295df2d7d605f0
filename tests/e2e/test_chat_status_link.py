"""/status and /link on Telegram and Discord, end to end on the fake platforms."""

from __future__ import annotations

from dataclasses import replace

from core import jobs, users
from core.errors import ServiceUnavailable
from core.identity import ServerAccount
from core.jobs import Job, Scheduler
from core.services import Services
from tests import discord_world, telegram_world
from tests.discord_world import DiscordWorld
from tests.telegram_world import TelegramWorld, text_of

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


async def test_telegram_users_are_linked_by_username_or_link_themselves(
    bot: TelegramWorld,
) -> None:
    await users.import_accounts(bot.services, ACCOUNTS)

    shown = await bot.say(telegram_world.ALICE, "/link", "You are linked")
    assert "media-server account Alice" in text_of(shown)  # @alice matched "Alice"
    unknown = await bot.say(telegram_world.BOB, "/link bob", "There is no")
    assert "media-server account bob" in text_of(unknown)
    linked = await bot.say(telegram_world.BOB, "/link bobby", "Linked")
    assert text_of(linked) == "Linked to the media-server account bobby."
    taken = await bot.say(telegram_world.CAROL, "/link alice", "That media-server account")
    assert "Alice is already linked to Alice; an admin can move it" in text_of(taken)


async def test_discord_status_and_link(discord_bot: DiscordWorld) -> None:
    bot = discord_bot
    await users.import_accounts(bot.services, ACCOUNTS)
    await store_two_job_runs(bot.services)

    status = await bot.run(discord_world.ALICE, "status")
    assert status.ephemeral
    assert "full library scan: ok just now: 120 items" in status.text()
    assert "download sync: FAILED just now: Radarr is not reachable" in status.text()
    shown = await bot.run(discord_world.ALICE, "link")
    assert "linked to the media-server account Alice" in shown.text()  # name Alice matched
    linked = await bot.run(discord_world.BOB, "link", account="bobby")
    assert "Linked to the media-server account bobby." in linked.text()
    unknown = await bot.run(discord_world.CAROL, "link", account="nobody")
    assert "There is no media-server account" in unknown.text()
    states = await jobs.job_states(bot.services)
    assert [s.ok for s in states] == [True, False]
