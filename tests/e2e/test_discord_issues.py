"""Issues on Discord end to end: reporting a problem with a title on the server (its search
card or /issue, the type, a show's season and episode, a modal for the words), the managers'
cards in the admin channel or their DMs kept current, Resolve / Reopen and comments by modal
from either side, /issues, and what is refused. The real discord.py client against the fake
Discord and TMDb servers, a real SQLite file, the outbox delivering for real."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from core import availability, users
from core.identity import Identity
from core.issue_rules import MAX_MESSAGE
from core.issue_values import Issue, IssueStatus, IssueType
from core.issues import delete_issue, report_issue, set_issue_status
from core.media import MediaStatus, MediaType
from tests.discord_world import (
    ADMIN_CHANNEL,
    ALICE,
    BOB,
    BOSS,
    CAROL,
    ISSUE_ROLE,
    MOD,
    MOD_ROLE,
    NOTIFY_CHANNEL,
    DiscordWorld,
    answered,
    running,
)
from tests.fake_discord import FakeDiscord, FakeInteraction, FakeMessage, Mentions
from tests.fake_tmdb import FakeTmdb

MATRIX, RELOADED, SIMPSONS, INCEPTION, BATTERIES = 603, 604, 456, 27205, 11548
NO_SOUND = "No sound after ten minutes"


@pytest.fixture
async def no_admin_channel(
    fake_discord: FakeDiscord, fake_tmdb: FakeTmdb, tmp_path: Path
) -> AsyncIterator[DiscordWorld]:
    """As ``discord_bot``, without an admin channel: managers get cards as DMs."""
    async with running(DiscordWorld(fake_discord, fake_tmdb, tmp_path, admin_channel=None)) as bot:
        yield bot


async def on_server(bot: DiscordWorld, tmdb_id: int, media_type: MediaType) -> int:
    """The media server has the title (every season of a show), as a library scan finds it;
    its media id."""
    details = await bot.services.catalogue.details(tmdb_id, media_type)
    async with bot.services.uow() as uow:
        media = await uow.media.ensure(details, bot.services.clock.now())
        await uow.commit()
    seasons = {n: MediaStatus.AVAILABLE for n in details.requestable_seasons} or None
    await availability.mark_available(bot.services, tmdb_id, media_type, seasons)
    return media.id


async def issue_managers(bot: DiscordWorld) -> None:
    """Mo manages issues (a role) and, like the owner Boss, is known to the bot."""
    bot.discord.user(MOD).roles = (MOD_ROLE, ISSUE_ROLE)
    for manager in (MOD, BOSS):
        await bot.run(manager, "quota")


async def issues(bot: DiscordWorld) -> list[Issue]:
    async with bot.services.uow(write=False) as uow:
        found, _ = await uow.issues.page(limit=100)
    return sorted(found, key=lambda i: i.id)


def dms(bot: DiscordWorld, user: int) -> list[FakeMessage]:
    """What the bot sent the user in their DMs (not answers to their own presses there)."""
    return [m for m in bot.discord.dms(user) if m.interaction_id is None]


def labels(message: FakeMessage) -> list[str]:
    return [str(b["label"]) for b in message.buttons()]


async def modal_of(
    bot: DiscordWorld, who: int, message: FakeMessage, label: str
) -> FakeInteraction:
    """Press ``label`` and get the modal it opens."""
    pressed = await (await bot.click(who, message, label)).acked()
    assert pressed.modal is not None, pressed.ack_body
    return pressed


async def report_movie(bot: DiscordWorld, who: int, words: str = NO_SOUND) -> FakeMessage:
    """/issue on The Matrix, Video, the words: what the picker finally says."""
    picker = await bot.run(who, "issue", title=f"movie:{MATRIX}")
    form = await modal_of(bot, who, picker, "Video")
    await (await bot.discord.submit_modal(who, form, {"message": words})).acked()
    return await bot.changed(picker, "is reported")


async def until_offered(bot: DiscordWorld, picker: FakeMessage, label: str) -> None:
    """Wait until the picker's menu offers ``label`` first after its "whole" choice."""
    await bot.discord.wait_for(
        lambda: bot.message(picker).selects()[0]["options"][1]["label"] == label
    )


def issue_cards(bot: DiscordWorld, messages: list[FakeMessage]) -> list[FakeMessage]:
    return [m for m in messages if m.embeds and "issue #" in m.text()]


async def test_a_movie_is_reported_from_its_search_card_and_the_admin_channel_gets_its_card(
    discord_bot: DiscordWorld,
) -> None:
    bot = discord_bot
    await on_server(bot, MATRIX, MediaType.MOVIE)
    typed = await (
        await bot.discord.autocomplete(ALICE, "issue", focused="title", value="matrix")
    ).acked()
    assert typed.choices == [{"name": "The Matrix (1999)", "value": "movie:603"}]  # on the server
    card = await bot.run(ALICE, "request movie", title=f"movie:{MATRIX}")
    pressed = await bot.click(ALICE, card, "Report a problem")
    picker = await answered(pressed)
    assert picker.ephemeral
    assert picker.id != card.id  # the search card stays as it was
    assert labels(picker) == ["🎞️ Video", "🔊 Audio", "🔤 Subtitles", "❓ Other"]

    form = await modal_of(bot, ALICE, picker, "Video")
    assert form.modal is not None
    assert form.ack_latency is not None
    assert form.ack_latency < 3
    [field] = [c["component"] for c in form.modal["components"] if c["type"] == 18]
    assert field["max_length"] == MAX_MESSAGE
    assert any("What is wrong?" in c.get("content", "") for c in form.modal["components"])
    await (await bot.discord.submit_modal(ALICE, form, {"message": NO_SOUND})).acked()
    done = await bot.changed(picker, "is reported")
    assert "Thanks: 🎞️ Video issue #1 on The Matrix (1999) is reported." in done.text()
    assert done.buttons() == []

    await bot.settled()
    [admin_card] = issue_cards(bot, bot.discord.channel_messages(ADMIN_CHANNEL))
    assert "🎞️ Video issue #1 · 🟠 Open" in admin_card.text()
    assert f"Reported by Alice: “{NO_SOUND}”" in admin_card.text()
    assert admin_card.embeds[0]["thumbnail"]["url"].endswith("/poster603.jpg")
    assert labels(admin_card) == ["✅ Resolve", "💬 Comment"]
    assert dms(bot, ALICE) == []  # she was answered where she reported
    [issue] = await issues(bot)
    assert (issue.issue_type, issue.problem_season, issue.message) == (
        IssueType.VIDEO,
        0,
        NO_SOUND,
    )


async def test_a_show_is_reported_on_an_episode_picked_across_pages(
    discord_bot: DiscordWorld,
) -> None:
    bot = discord_bot
    await on_server(bot, SIMPSONS, MediaType.TV)
    picker = await bot.run(ALICE, "issue", title=f"tv:{SIMPSONS}")
    await (await bot.click(ALICE, picker, "Audio")).acked()
    seasons = await bot.changed(picker, "which season has it?")
    [menu] = seasons.selects()
    assert len(menu["options"]) == 25
    assert menu["options"][0]["label"] == "Whole show"
    assert len(menu["custom_id"]) <= 100
    await (await bot.click(ALICE, seasons, "Later ›")).acked()
    await until_offered(bot, picker, "Season 25")
    later = bot.message(picker).selects()[0]
    assert [o["label"] for o in later["options"][1:]] == [f"Season {n}" for n in range(25, 36)]
    await (await bot.click(ALICE, bot.message(picker), "‹ Earlier")).acked()
    await until_offered(bot, picker, "Season 1")

    menu = bot.message(picker).selects()[0]
    await (await bot.discord.select(ALICE, picker, menu["custom_id"], ["6:25"])).acked()
    episodes = await bot.changed(picker, "in season 6: which episode?")
    [menu] = episodes.selects()
    assert [o["label"] for o in menu["options"][:2]] == ["Whole season 6", "Episode 1"]
    assert len(menu["options"]) == 25
    await (await bot.click(ALICE, episodes, "Later ›")).acked()
    await bot.discord.wait_for(lambda: len(bot.message(picker).selects()[0]["options"]) == 2)
    menu = bot.message(picker).selects()[0]
    form = await (await bot.discord.select(ALICE, picker, menu["custom_id"], ["25"])).acked()
    assert form.modal is not None
    assert form.modal["title"] == "🔊 Audio problem · S6E25"
    await (await bot.discord.submit_modal(ALICE, form, {"message": "Out of sync"})).acked()
    done = await bot.changed(picker, "is reported")
    assert "🔊 Audio issue #1 on The Simpsons (1989), S6E25 is reported" in done.text()
    [issue] = await issues(bot)
    assert (issue.problem_season, issue.problem_episode) == (6, 25)


async def test_without_an_admin_channel_managers_get_dm_cards_and_a_resolve_edits_every_one(
    no_admin_channel: DiscordWorld,
) -> None:
    bot = no_admin_channel
    await issue_managers(bot)
    await on_server(bot, MATRIX, MediaType.MOVIE)
    await report_movie(bot, ALICE)
    await bot.settled()
    [mo_card] = issue_cards(bot, dms(bot, MOD))
    [boss_card] = issue_cards(bot, dms(bot, BOSS))
    assert labels(mo_card) == labels(boss_card) == ["✅ Resolve", "💬 Comment"]
    assert issue_cards(bot, dms(bot, BOB)) == []  # no manager of issues

    resolve = await bot.click(MOD, mo_card, "Resolve")
    await resolve.acked()
    assert resolve.ack_latency is not None
    assert resolve.ack_latency < 3
    for card in (mo_card, boss_card):
        shown = await bot.changed(card, "Resolved by Mo.")
        assert "🟢 Resolved" in shown.text()
        assert labels(shown) == ["↩️ Reopen", "💬 Comment"]
    await bot.settled()
    [told] = dms(bot, ALICE)
    assert "✅ Your 🎞️ Video issue #1 (The Matrix (1999)) was resolved by Mo." in told.text()
    assert labels(told) == ["💬 Comment"]
    assert len(dms(bot, MOD)) == 1  # nothing about what he did himself

    answer = await modal_of(bot, ALICE, told, "Comment")
    await answered(await bot.discord.submit_modal(ALICE, answer, {"message": "Still silent"}))
    await bot.settled()
    for manager, card in ((MOD, mo_card), (BOSS, boss_card)):
        assert "💬 Alice: Still silent" in bot.message(card).text()
        [news] = [m for m in dms(bot, manager) if "commented" in m.text()]
        assert "Alice commented on 🎞️ Video issue #1" in news.text()
        assert news.extra["message_reference"]["message_id"] == str(card.id)  # under the card

    await (await bot.click(BOSS, bot.message(boss_card), "Reopen")).acked()
    for card in (mo_card, boss_card):
        shown = await bot.changed(card, "🟠 Open")
        assert labels(shown) == ["✅ Resolve", "💬 Comment"]
    await bot.settled()
    assert "↩️ Your 🎞️ Video issue #1 (The Matrix (1999)) was reopened by Boss." in (
        dms(bot, ALICE)[-1].text()
    )
    assert not [m for m in dms(bot, MOD) if "reopened" in m.text()]  # the card shows it
    [issue] = await issues(bot)
    assert issue.status is IssueStatus.OPEN


async def test_comments_by_modal_reach_the_reporter_and_the_managers(
    discord_bot: DiscordWorld,
) -> None:
    bot = discord_bot
    await issue_managers(bot)
    await on_server(bot, MATRIX, MediaType.MOVIE)
    await report_movie(bot, ALICE)
    await bot.settled()
    [admin_card] = issue_cards(bot, bot.discord.channel_messages(ADMIN_CHANNEL))

    form = await modal_of(bot, MOD, admin_card, "Comment")
    assert form.modal is not None
    assert form.modal["title"] == "Comment on 🎞️ Video issue #1"
    asked = "Which _player_? @everyone"
    await (await bot.discord.submit_modal(MOD, form, {"message": asked})).acked()
    await bot.changed(admin_card, "💬 Mo: Which \\_player\\_? @\u200beveryone")  # as written
    await bot.settled()
    [notice] = dms(bot, ALICE)
    assert "Mo commented on your 🎞️ Video issue #1 (The Matrix (1999)): “Which" in notice.text()
    assert notice.mentions == Mentions()  # it pings nobody

    reply = await modal_of(bot, ALICE, notice, "Comment")
    told = await answered(await bot.discord.submit_modal(ALICE, reply, {"message": "The TV app"}))
    assert told.ephemeral
    assert "Your comment on 🎞️ Video issue #1 is added." in told.text()
    card = await bot.changed(admin_card, "💬 Alice: The TV app")
    assert "💬 Mo: Which" in card.text()
    await bot.settled()
    [news] = [m for m in bot.discord.channel_messages(ADMIN_CHANNEL) if not m.embeds]
    assert "Alice commented on 🎞️ Video issue #1 (The Matrix (1999)): “The TV app”" in news.text()
    assert news.extra["message_reference"]["message_id"] == str(admin_card.id)
    assert labels(news) == ["💬 Comment"]
    assert len(dms(bot, ALICE)) == 1  # nothing about her own comment
    [issue] = await issues(bot)
    assert [c.message for c in issue.comments] == [NO_SOUND, asked, "The TV app"]


async def test_issues_lists_a_users_own_and_a_manager_all_with_cards_to_act_on(
    discord_bot: DiscordWorld,
) -> None:
    bot = discord_bot
    matrix = await on_server(bot, MATRIX, MediaType.MOVIE)
    simpsons = await on_server(bot, SIMPSONS, MediaType.TV)
    await bot.run(BOSS, "permissions", user=ALICE, set="REQUEST|CREATE_ISSUES")  # own only
    await report_movie(bot, ALICE)
    picker = await bot.run(BOB, "issue", title="simpsons")  # words: the first on the server
    await (await bot.click(BOB, picker, "Other")).acked()
    seasons = await bot.changed(picker, "which season has it?")
    menu = seasons.selects()[0]["custom_id"]
    form = await (await bot.discord.select(BOB, seasons, menu, ["0"])).acked()  # whole show
    assert form.modal is not None
    await (await bot.discord.submit_modal(BOB, form, {"message": "Wrong language"})).acked()
    await bot.changed(picker, "❓ Other issue #2 on The Simpsons (1989) is reported")

    mine = await bot.run(ALICE, "issues")
    assert mine.ephemeral
    assert "Your open issues (1):" in mine.text()
    assert "#1 🎞️ Video · The Matrix (1999)" in mine.text()
    assert "Simpsons" not in mine.text()
    assert labels(mine) == ["#1"]
    own = await answered(await bot.click(ALICE, mine, "#1"))
    assert labels(own) == ["✅ Resolve", "💬 Comment"]  # the reporter may close her own
    seen = await bot.run(BOB, "issues")  # members see everyone's (Seerr's VIEW_ISSUES)
    assert "Open issues (2):" in seen.text()
    assert "#1 🎞️ Video · The Matrix (1999) · Alice" in seen.text()
    other = await answered(await bot.click(BOB, seen, "#1"))
    assert "Reported by Alice" in other.text()
    assert labels(other) == []  # not his to act on

    boss = await users.resolve_user(bot.services, Identity("discord", str(BOSS)), "Boss")
    for n in range(9):  # at most five open issues of one person on a title
        media_id = simpsons if n < 4 else matrix
        await report_issue(bot.services, boss.id, media_id, IssueType.OTHER, f"Note {n}")
    listed = await bot.run(BOSS, "issues")
    assert "Open issues (11):" in listed.text()
    assert "Page 1 of 2" in listed.text()
    assert labels(listed) == [f"#{n}" for n in range(11, 1, -1)] + ["Older ›"]
    await (await bot.click(BOSS, listed, "Older ›")).acked()
    older = await bot.changed(listed, "Page 2 of 2")
    assert labels(older) == ["#1", "‹ Newer"]
    card = await answered(await bot.click(BOSS, older, "#1"))
    await (await bot.click(BOSS, card, "Resolve")).acked()
    await bot.changed(card, "Resolved by Boss.")
    [first, *_] = await issues(bot)
    assert first.status is IssueStatus.RESOLVED
    assert "You have no open issues." in (await bot.run(ALICE, "issues")).text()


async def test_what_cannot_be_reported_or_done_gets_a_plain_private_answer(
    discord_bot: DiscordWorld, caplog: pytest.LogCaptureFixture
) -> None:
    bot = discord_bot
    matrix = await on_server(bot, MATRIX, MediaType.MOVIE)
    card = await bot.request_movie(ALICE, "Inception")
    assert "Report a problem" not in " ".join(labels(card))  # requested, not on the server
    shown = await bot.run(ALICE, "request movie", title=f"movie:{MATRIX}")
    assert "⚠️ Report a problem" in labels(shown)
    refused = await bot.run(ALICE, "issue", title=f"movie:{INCEPTION}")
    assert refused.ephemeral
    assert "Inception (2010) is not on the server yet" in refused.text()
    nothing = await bot.run(ALICE, "issue", title="inception")
    assert "I found nothing on the server called “inception”" in nothing.text()

    await bot.run(BOSS, "permissions", user=BOB, set="REQUEST")
    denied = await bot.run(BOB, "issue", title=f"movie:{MATRIX}")
    assert "You are not allowed to report problems with titles." in denied.text()

    long = "x" * (MAX_MESSAGE + 1)  # past the modal's own limit: a modified client
    told = await answered(
        await bot.discord.submit_modal(ALICE, f"rb:im:{matrix}:1:0:0", {"message": long})
    )
    assert f"keep it under {MAX_MESSAGE} characters" in told.text()
    told = await answered(
        await bot.discord.submit_modal(ALICE, f"rb:im:{matrix}:1:2:0", {"message": "x"})
    )
    assert "a movie has no seasons" in told.text()
    told = await answered(await bot.discord.submit_modal(ALICE, "rb:im:1:9:0:0", {"message": "x"}))
    assert "expired" in told.text()

    picker = await bot.run(ALICE, "issue", title=f"movie:{MATRIX}")
    for custom_id in ("rb:it:1:9:m", "rb:it:1:1", "rb:ik:1:close", "rb:ic:1", "rb:io:x"):
        old = {"type": 2, "style": 2, "label": "Old", "custom_id": custom_id}
        bot.discord.message(picker.id).components = [{"type": 1, "components": [old]}]
        told = await answered(await bot.discord.click(ALICE, picker, custom_id))
        assert "expired or is not one of mine" in told.text(), custom_id

    for n in range(5):
        await report_movie(bot, ALICE, f"Problem {n}")
    picker = await bot.run(ALICE, "issue", title=f"movie:{MATRIX}")
    form = await modal_of(bot, ALICE, picker, "Audio")
    told = await answered(await bot.discord.submit_modal(ALICE, form, {"message": "Again"}))
    assert "You already have 5 open issues on The Matrix (1999)" in told.text()
    assert len(await issues(bot)) == 5

    await bot.settled()
    [first, *_] = issue_cards(bot, bot.discord.channel_messages(ADMIN_CHANNEL))
    resolve = await answered(await bot.click(BOB, first, "Resolve"))
    assert "You are not allowed to resolve or reopen other users' issues." in resolve.text()
    comment = await bot.click(BOB, first, "Comment")
    assert "You are not allowed to see other users' issues." in (await answered(comment)).text()
    assert comment.modal is None
    forged = await answered(await bot.discord.submit_modal(BOB, "rb:in:1:c", {"message": "hi"}))
    assert "not allowed" in forged.text()
    assert "🟠 Open" in bot.message(first).text()
    assert all(len(i.comments) == 1 for i in await issues(bot))
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING or r.exc_info]


async def test_a_restart_sends_nothing_twice_and_a_modal_opened_before_it_still_works(
    discord_bot: DiscordWorld,
) -> None:
    bot = discord_bot
    await issue_managers(bot)
    await on_server(bot, MATRIX, MediaType.MOVIE)
    held = bot.discord.stall("POST", rf"^/channels/{ADMIN_CHANNEL}/messages$")
    await report_movie(bot, ALICE)
    await asyncio.wait_for(held.reached.wait(), 10)  # the card's post, cut short by the stop
    await bot.restart()
    held.end()
    await bot.settled()
    [admin_card] = issue_cards(bot, bot.discord.channel_messages(ADMIN_CHANNEL))
    form = await modal_of(bot, MOD, admin_card, "Comment")

    await bot.restart()
    await (await bot.discord.submit_modal(MOD, form, {"message": "Which player?"})).acked()
    await bot.changed(admin_card, "💬 Mo: Which player?")
    await bot.settled()
    await bot.restart()
    await bot.settled()
    assert len(issue_cards(bot, bot.discord.channel_messages(ADMIN_CHANNEL))) == 1
    assert len(bot.discord.channel_messages(ADMIN_CHANNEL)) == 1  # no news: a manager spoke
    [notice] = dms(bot, ALICE)
    assert "Mo commented on your 🎞️ Video issue #1" in notice.text()


async def test_a_reporter_with_closed_dms_is_told_in_the_notify_channel_pinging_only_them(
    discord_bot: DiscordWorld,
) -> None:
    bot = discord_bot
    await issue_managers(bot)
    await on_server(bot, MATRIX, MediaType.MOVIE)
    await report_movie(bot, CAROL)
    await bot.settled()
    [admin_card] = issue_cards(bot, bot.discord.channel_messages(ADMIN_CHANNEL))
    form = await modal_of(bot, MOD, admin_card, "Comment")
    asked = f"Which player? @everyone <@{BOB}>"
    await (await bot.discord.submit_modal(MOD, form, {"message": asked})).acked()
    await bot.changed(admin_card, "💬 Mo: Which player?")
    await bot.settled()
    [told] = [m for m in bot.discord.channel_messages(NOTIFY_CHANNEL) if f"<@{CAROL}>" in m.content]
    assert "your direct messages are closed" in told.text()
    assert "Mo commented on your 🎞️ Video issue #1 (The Matrix (1999))" in told.text()
    assert told.mentions == Mentions(users=(CAROL,))  # only her, whatever the comment says
    assert labels(told) == ["💬 Comment"]
    reply = await modal_of(bot, CAROL, told, "Comment")
    await answered(await bot.discord.submit_modal(CAROL, reply, {"message": "The TV app"}))
    await bot.changed(admin_card, "💬 Carol: The TV app")


async def test_a_title_on_the_server_only_in_4k_can_be_reported_like_any_other(
    discord_bot: DiscordWorld,
) -> None:
    bot = discord_bot
    details = await bot.services.catalogue.details(MATRIX, MediaType.MOVIE)
    async with bot.services.uow() as uow:
        await uow.media.ensure(details, bot.services.clock.now())
        await uow.commit()
    await availability.mark_available(bot.services, MATRIX, MediaType.MOVIE, is_4k=True)
    typed = await (
        await bot.discord.autocomplete(ALICE, "issue", focused="title", value="matrix")
    ).acked()
    assert typed.choices == [{"name": "The Matrix (1999)", "value": "movie:603"}]
    card = await bot.run(ALICE, "request movie", title=f"movie:{MATRIX}")
    assert "⚠️ Report a problem" in labels(card)
    picker = await bot.run(ALICE, "issue", title="matrix")  # typed words, not a suggestion
    assert labels(picker) == ["🎞️ Video", "🔊 Audio", "🔤 Subtitles", "❓ Other"]
    form = await modal_of(bot, ALICE, picker, "Video")
    await (await bot.discord.submit_modal(ALICE, form, {"message": NO_SOUND})).acked()
    await bot.changed(picker, "is reported")
    [issue] = await issues(bot)
    assert issue.media.tmdb_id == MATRIX


async def test_a_title_with_markdown_in_its_name_is_shown_as_written_on_the_picker_and_card(
    discord_bot: DiscordWorld,
) -> None:
    bot = discord_bot
    bot.tmdb.add_movie(BATTERIES, "*batteries not included", "1987-12-18")
    await on_server(bot, BATTERIES, MediaType.MOVIE)
    picker = await bot.run(ALICE, "issue", title=f"movie:{BATTERIES}")
    assert picker.embeds[0]["title"] == "Report a problem: \\*batteries not included (1987)"
    form = await modal_of(bot, ALICE, picker, "Video")
    await (await bot.discord.submit_modal(ALICE, form, {"message": "**Loud** hiss"})).acked()
    done = await bot.changed(picker, "is reported")
    assert "on \\*batteries not included (1987) is reported" in done.text()
    await bot.settled()
    [admin_card] = issue_cards(bot, bot.discord.channel_messages(ADMIN_CHANNEL))
    assert "\\*batteries not included (1987)" in admin_card.text()
    assert "“\\*\\*Loud\\*\\* hiss”" in admin_card.text()


async def test_changes_made_outside_discord_show_on_its_cards_and_a_deleted_issue_says_so(
    discord_bot: DiscordWorld,
) -> None:
    bot = discord_bot
    await on_server(bot, MATRIX, MediaType.MOVIE)
    await report_movie(bot, ALICE)
    await bot.settled()
    [admin_card] = issue_cards(bot, bot.discord.channel_messages(ADMIN_CHANNEL))
    boss = await users.resolve_user(bot.services, Identity("discord", str(BOSS)), "Boss")
    await set_issue_status(bot.services, boss.id, 1, IssueStatus.RESOLVED)  # as the API does
    shown = await bot.changed(admin_card, "Resolved by Boss.")
    assert labels(shown) == ["↩️ Reopen", "💬 Comment"]
    await bot.settled()
    assert "was resolved by Boss" in dms(bot, ALICE)[-1].text()
    await delete_issue(bot.services, boss.id, 1)
    gone = await bot.changed(admin_card, "🗑️ Deleted")
    assert gone.buttons() == []
    assert "The Matrix (1999)" in gone.text()
    await bot.settled()
    assert len(dms(bot, ALICE)) == 1  # nobody is told of a deletion


async def test_typed_words_that_match_several_titles_on_the_server_ask_which(
    discord_bot: DiscordWorld,
) -> None:
    bot = discord_bot
    await on_server(bot, MATRIX, MediaType.MOVIE)
    await on_server(bot, RELOADED, MediaType.MOVIE)
    asked = await bot.run(ALICE, "issue", title="matrix")
    assert asked.ephemeral
    assert "Which title has the problem?" in asked.text()
    assert labels(asked) == ["The Matrix (1999)", "The Matrix Reloaded (2003)"]
    picker = await answered(await bot.click(ALICE, asked, "The Matrix Reloaded (2003)"))
    assert picker.embeds[0]["title"] == "Report a problem: The Matrix Reloaded (2003)"
    form = await modal_of(bot, ALICE, picker, "Audio")
    await (await bot.discord.submit_modal(ALICE, form, {"message": "Out of sync"})).acked()
    await bot.changed(picker, "on The Matrix Reloaded (2003) is reported")


async def test_a_reporter_resolving_their_own_issue_is_news_under_the_admin_card(
    discord_bot: DiscordWorld,
) -> None:
    bot = discord_bot
    await issue_managers(bot)
    await on_server(bot, MATRIX, MediaType.MOVIE)
    await report_movie(bot, ALICE)
    await bot.settled()
    [admin_card] = issue_cards(bot, bot.discord.channel_messages(ADMIN_CHANNEL))

    mine = await bot.run(ALICE, "issues")
    own = await answered(await bot.click(ALICE, mine, "#1"))
    await (await bot.click(ALICE, own, "Resolve")).acked()
    await bot.changed(admin_card, "Resolved by Alice.")
    await bot.settled()

    [news] = [m for m in bot.discord.channel_messages(ADMIN_CHANNEL) if not m.embeds]
    assert "Alice resolved 🎞️ Video issue #1 (The Matrix (1999))." in news.text()
    assert news.extra["message_reference"]["message_id"] == str(admin_card.id)
    assert dms(bot, ALICE) == []  # she did it herself


HOUSE, HOUSE_PARTY = 11_415, 11_500


def bury_house(tmdb: FakeTmdb) -> None:
    """ "House" (1986) and "House Party" (1990), ranked by TMDb past a first page of 20 more
    popular titles with "house" in their name."""
    for n in range(20):
        tmdb.add_movie(990_000 + n, f"The House Next Door {n}", "2010-01-01", popularity=90.0)
    tmdb.add_movie(HOUSE, "House", "1986-02-28", popularity=1.0)
    tmdb.add_movie(HOUSE_PARTY, "House Party", "1990-03-09", popularity=1.0)


def searches(tmdb: FakeTmdb) -> int:
    return sum(n for path, n in tmdb.calls.items() if path.startswith("/search/"))


async def test_a_title_tmdb_ranks_low_is_suggested_from_the_database_and_reported(
    discord_bot: DiscordWorld,
) -> None:
    bot = discord_bot
    bury_house(bot.tmdb)
    await on_server(bot, HOUSE, MediaType.MOVIE)
    tmdb_page = await bot.services.catalogue.search("house", 1, None)
    assert HOUSE not in [item.tmdb_id for item in tmdb_page.items]
    bot.tmdb.reset()

    for typed in ("ho", "hous", "HOUSE"):
        suggested = await (
            await bot.discord.autocomplete(ALICE, "issue", focused="title", value=typed)
        ).acked()
        assert suggested.choices == [{"name": "House (1986)", "value": f"movie:{HOUSE}"}]
    picker = await bot.run(ALICE, "issue", title="house")  # typed words: one on the server
    assert labels(picker) == ["🎞️ Video", "🔊 Audio", "🔤 Subtitles", "❓ Other"]
    assert searches(bot.tmdb) == 0
    form = await modal_of(bot, ALICE, picker, "Video")
    await (await bot.discord.submit_modal(ALICE, form, {"message": NO_SOUND})).acked()
    await bot.changed(picker, "on House (1986) is reported")
    [issue] = await issues(bot)
    assert issue.media.tmdb_id == HOUSE

    await on_server(bot, HOUSE_PARTY, MediaType.MOVIE)
    bot.tmdb.reset()
    suggested = await (
        await bot.discord.autocomplete(ALICE, "issue", focused="title", value="house")
    ).acked()
    assert [c["name"] for c in suggested.choices] == ["House (1986)", "House Party (1990)"]
    asked = await bot.run(ALICE, "issue", title="house")
    assert labels(asked) == ["House (1986)", "House Party (1990)"]
    picker = await answered(await bot.click(ALICE, asked, "House Party (1990)"))
    assert picker.embeds[0]["title"] == "Report a problem: House Party (1990)"
    assert searches(bot.tmdb) == 0


async def test_a_title_the_database_knows_by_another_name_is_suggested_from_tmdb(
    discord_bot: DiscordWorld,
) -> None:
    bot = discord_bot
    await on_server(bot, 129, MediaType.MOVIE)  # Spirited Away, 千と千尋の神隠し in Japan
    bot.tmdb.reset()
    suggested = await (
        await bot.discord.autocomplete(ALICE, "issue", focused="title", value="千と千尋")
    ).acked()
    assert suggested.choices == [{"name": "Spirited Away (2001)", "value": "movie:129"}]
    assert searches(bot.tmdb) == 1  # the database had nothing by these words
    picker = await bot.run(ALICE, "issue", title="千と千尋")
    assert picker.embeds[0]["title"] == "Report a problem: Spirited Away (2001)"
