"""/notifications on Discord end to end: the switches (working after a restart), honoured
by the outbox, and a manager's approval cards as DMs as well as in the admin channel."""

from __future__ import annotations

from core import availability
from core.events import DeliveryStatus
from core.identity import Identity
from core.media import MediaType
from core.preferences import TURNED_OFF
from tests.discord_world import ADMIN_CHANNEL, ALICE, MOD, DiscordWorld
from tests.fake_discord import FakeMessage

REPORTER_SWITCHES = ["✅ Issue comments", "✅ Issues resolved", "✅ Issues reopened"]


def labels(message: FakeMessage) -> list[str]:
    return [str(b["label"]) for b in message.buttons()]


async def until_labelled(bot: DiscordWorld, message: FakeMessage, label: str) -> FakeMessage:
    await bot.discord.wait_for(lambda: label in labels(bot.message(message)))
    return bot.message(message)


async def test_a_switch_flipped_after_a_restart_is_honoured(discord_bot: DiscordWorld) -> None:
    bot = discord_bot
    menu = await bot.run(ALICE, "notifications")
    assert menu.ephemeral
    assert "Your notifications" in menu.text()
    assert labels(menu) == [
        "✅ Approved",
        "✅ Declined",
        "✅ Failed",
        "✅ Available",
        *REPORTER_SWITCHES,  # new users report problems (CREATE_ISSUES)
    ]

    await bot.restart()  # the menu's buttons are answered by the new process
    await (await bot.click(ALICE, bot.message(menu), "✅ Approved")).acked()
    menu = await until_labelled(bot, menu, "❌ Approved")
    assert labels(menu)[1:] == ["✅ Declined", "✅ Failed", "✅ Available", *REPORTER_SWITCHES]

    await bot.request_movie(ALICE, "The Matrix")
    await bot.settled()
    [admin_card] = bot.admin_cards()
    await (await bot.click(MOD, admin_card, "Approve")).acked()
    await bot.changed(admin_card, "Approved by Mo")
    await bot.settled()
    assert not [m for m in bot.discord.dms(ALICE) if "Request Approved" in m.text()]
    async with bot.services.uow(write=False) as uow:
        alice = await uow.users.find_by_identity(Identity("discord", str(ALICE)))
        logged = [a for e in (1, 2) for a in await uow.events.attempts(e)]
    assert alice is not None
    skipped = [(a.notifier, a.recipient_id, a.status) for a in logged if a.error == TURNED_OFF]
    assert skipped == [("discord", alice.id, DeliveryStatus.SKIPPED)]

    await availability.mark_available(bot.services, 603, MediaType.MOVIE)
    await bot.settled()
    assert any("Now Available" in m.text() for m in bot.discord.dms(ALICE))


async def test_a_manager_gets_cards_as_dms_too_and_a_decision_edits_both(
    discord_bot: DiscordWorld,
) -> None:
    bot = discord_bot
    menu = await bot.run(MOD, "notifications")
    assert labels(menu)[:2] == ["✅ New requests", "✅ Approved automatically"]
    await (await bot.click(MOD, menu, "❌ Approval cards in private too")).acked()
    await until_labelled(bot, menu, "✅ Approval cards in private too")

    await bot.request_movie(ALICE, "The Matrix")
    await bot.settled()
    [admin_card] = bot.admin_cards()
    [dm_card] = [m for m in bot.discord.dms(MOD) if "New Movie Request" in m.text()]
    assert admin_card.channel_id == ADMIN_CHANNEL
    assert "Approve" in " ".join(labels(dm_card))

    await (await bot.click(MOD, dm_card, "Approve")).acked()
    await bot.changed(dm_card, "Approved by Mo")
    await bot.changed(admin_card, "Approved by Mo")
