"""The Discord adapter end to end: the real discord.py client against fake Discord and TMDb
servers on 127.0.0.1, a real SQLite file, and the outbox delivering for real."""

from __future__ import annotations

import asyncio
import gc
import logging
import re
from datetime import timedelta
from typing import Any

import pytest

from core import chat, requests, users
from core.domain import RequestStatus
from core.events import EventKind
from core.identity import Identity
from tests.discord_world import (
    ADMIN_CHANNEL,
    ALICE,
    BOB,
    BOSS,
    CAROL,
    GENERAL,
    MOD,
    MOD2,
    MOD_ROLE,
    NOTIFY_CHANNEL,
    VIP_ROLE,
    DiscordWorld,
    answered,
)
from tests.fake_discord import FakeMessage, Mentions


async def test_a_movie_is_requested_approved_and_the_requester_gets_a_dm(
    discord_bot: DiscordWorld,
) -> None:
    bot = discord_bot
    card = await bot.request_movie(ALICE, "The Matrix")
    assert card.ephemeral
    await bot.settled()
    [admin_card] = bot.admin_cards()
    assert "New Movie Request: The Matrix (1999)" in admin_card.text()
    assert admin_card.embeds[0]["color"] == 15105570  # Seerr's pending orange

    approve = await bot.click(MOD, admin_card, "Approve")
    await approve.acked()
    decided = await bot.changed(admin_card, "Approved by Mo")
    assert decided.buttons() == []
    assert decided.embeds[0]["color"] == 10181046  # approved purple
    await bot.settled()
    dms = bot.discord.dms(ALICE)
    assert any("Movie Request Approved" in m.text() for m in dms), [m.text() for m in dms]
    [request] = await bot.requests()
    assert request.status.name == "APPROVED"
    assert approve.ack_latency is not None
    assert approve.ack_latency < 3
    assert await answered(approve)


async def test_a_show_with_more_than_25_seasons_is_picked_across_pages(
    discord_bot: DiscordWorld,
) -> None:
    bot = discord_bot
    card = await bot.run(ALICE, "request tv", title="tv:456")  # a chosen suggestion
    assert "The Simpsons" in card.text()
    await (await bot.click(ALICE, card, "Request")).acked()
    picker = await bot.changed(card, "Pick the seasons")
    [menu] = bot.message(picker).selects()
    assert len(menu["options"]) == 25
    assert len(menu["custom_id"]) <= 100
    await (await bot.discord.select(ALICE, picker, menu["custom_id"], ["1", "2"])).acked()
    await bot.changed(card, "Chosen:** 1, 2")
    await (await bot.click(ALICE, bot.message(card), "Seasons 26+")).acked()
    await bot.discord.wait_for(
        lambda: bot.message(card).selects()[0]["options"][0]["value"] == "26"
    )
    [later] = bot.message(card).selects()
    assert [o["value"] for o in later["options"]] == [str(n) for n in range(26, 36)]
    await (await bot.discord.select(ALICE, card, later["custom_id"], ["30"])).acked()
    await bot.changed(card, "Chosen:** 1, 2, 30")
    await (await bot.click(ALICE, bot.message(card), "Request 3 seasons")).acked()
    done = await bot.changed(card, "Requested (seasons 1, 2, 30)")
    assert "awaits approval" in done.text()
    [request] = await bot.requests()
    assert request.season_numbers == (1, 2, 30)


async def test_decline_asks_for_a_reason_in_a_modal_and_tells_the_requester(
    discord_bot: DiscordWorld,
) -> None:
    bot = discord_bot
    await bot.request_movie(ALICE, "The Matrix")
    await bot.settled()
    [admin_card] = bot.admin_cards()
    decline = await bot.click(MOD, admin_card, "Decline")
    await decline.acked()
    assert decline.modal is not None, decline.ack_body
    submitted = await bot.discord.submit_modal(MOD, decline, {"reason": "Already on the shelf"})
    await submitted.acked()
    card = await bot.changed(admin_card, "Declined by Mo: Already on the shelf")
    assert card.buttons() == []
    await bot.settled()
    dm = bot.discord.dms(ALICE)[-1]
    assert "declined by Mo: Already on the shelf" in dm.text()
    assert dm.embeds[0]["color"] == 15158332


async def test_a_member_without_manage_requests_cannot_approve(discord_bot: DiscordWorld) -> None:
    bot = discord_bot
    await bot.request_movie(ALICE, "The Matrix")
    await bot.settled()
    [admin_card] = bot.admin_cards()
    click = await bot.click(BOB, admin_card, "Approve")
    told = await answered(click)
    assert told.ephemeral
    assert "not allowed" in told.text()
    decline = await bot.click(BOB, admin_card, "Decline")
    refused = await answered(decline)
    assert "not allowed" in refused.text()
    assert decline.modal is None
    [request] = await bot.requests()
    assert request.status is RequestStatus.PENDING
    assert "Approve" in [b["label"] for b in bot.message(admin_card).buttons()]


async def test_two_managers_approving_at_once_one_wins_the_other_is_told(
    discord_bot: DiscordWorld,
) -> None:
    bot = discord_bot
    await bot.request_movie(ALICE, "The Matrix")
    await bot.settled()
    [admin_card] = bot.admin_cards()
    clicks = await asyncio.gather(
        bot.click(MOD, admin_card, "Approve"), bot.click(MOD2, admin_card, "Approve")
    )
    for click in clicks:
        await click.acked()
    card = await bot.changed(admin_card, "Approved by")
    await bot.settled()
    winner = "Mo" if "Approved by Mo" in card.text() else "Max"
    assert f"Approved by {winner}" in card.text()
    loser = clicks[1] if winner == "Mo" else clicks[0]
    told = await bot.discord.wait_for(lambda: loser.followups)
    assert f"already approved (by {winner}" in told[-1].text()
    assert (await bot.event_kinds()).count(EventKind.APPROVED) == 1


async def test_an_approval_card_still_works_after_a_restart(discord_bot: DiscordWorld) -> None:
    bot = discord_bot
    await bot.request_movie(ALICE, "The Matrix")
    await bot.settled()
    [admin_card] = bot.admin_cards()
    await bot.restart()
    approve = await bot.click(MOD, admin_card, "Approve")
    await approve.acked()
    assert approve.ack_status == 204 or approve.ack_status == 200
    await bot.changed(admin_card, "Approved by Mo")
    await bot.settled()
    assert any("Movie Request Approved" in m.text() for m in bot.discord.dms(ALICE))


def shown_by(state: dict[str, Any]) -> str:
    """What a card showed in one of its former states (a message's ``history``)."""
    embeds, components = state.get("embeds", []), state.get("components", [])
    return FakeMessage(0, 0, 0, state.get("content", ""), embeds, components).text()


async def test_a_manager_retries_a_failed_request_from_its_card_and_it_says_sent_again(
    discord_bot: DiscordWorld,
) -> None:
    bot = discord_bot
    await bot.request_movie(ALICE, "The Matrix")
    await bot.settled()
    [admin_card] = bot.admin_cards()
    boss = await users.resolve_user(bot.services, Identity("discord", str(BOSS)), "Boss")
    await requests.approve_request(bot.services, boss.id, 1)
    await requests.fail_request(bot.services, 1, "Radarr answered 503")
    failed = await bot.changed(admin_card, "⚠️ Failed: Radarr answered 503")
    assert [b["label"] for b in failed.buttons()] == ["Retry"]
    await bot.settled()
    before = len(failed.history)

    retry = await bot.click(BOSS, failed, "Retry")
    await retry.acked()

    card = await bot.changed(admin_card, "🔁 Sent again by Boss")
    assert card.buttons() == []
    assert card.embeds[0]["color"] == 10181046  # Seerr's approved purple
    await bot.settled()
    since = [shown_by(state) for state in card.history[before:]] + [card.text()]
    assert not any("Approved by" in shown for shown in since), since  # at once, not later
    told = bot.discord.dms(ALICE)[-1]
    assert "Your request is being sent again by Boss." in told.text()
    assert told.embeds[0]["color"] == 10181046
    [request] = await bot.requests()
    assert request.status is RequestStatus.APPROVED


async def test_thirty_people_asking_while_tmdb_is_slow_are_all_acknowledged_in_time(
    discord_bot: DiscordWorld,
) -> None:
    bot = discord_bot
    people = [950000000000000000 + n for n in range(30)]
    for person in people:
        bot.discord.add_user(person, f"user{person % 100}")
    bot.tmdb.delay = 2.5
    asks = await asyncio.gather(
        *(
            bot.discord.slash(person, "request", subcommand="movie", options={"title": "Matrix"})
            for person in people
        )
    )
    shown = await asyncio.gather(*(answered(ix, within=30) for ix in asks))
    latencies = sorted(ix.ack_latency or 99 for ix in asks)
    assert all(ix.ack_status in (200, 204) for ix in asks)
    assert latencies[-1] < 3.0, latencies
    assert all("The Matrix" in card.text() for card in shown)


async def test_autocomplete_offers_at_most_25_titles_and_never_waits_for_a_slow_tmdb(
    quick_autocomplete: DiscordWorld,
) -> None:
    bot = quick_autocomplete
    typed = await bot.discord.autocomplete(
        ALICE, "request", subcommand="movie", focused="title", value="the mat"
    )
    await typed.acked()
    assert typed.choices is not None
    assert 0 < len(typed.choices) <= 25
    assert typed.choices[0] == {"name": "The Matrix (1999)", "value": "movie:603"}
    bot.tmdb.delay = 5.0  # far past the budget
    slow = await bot.discord.autocomplete(
        ALICE, "request", subcommand="movie", focused="title", value="the matr"
    )
    await slow.acked()
    assert slow.ack_status in (200, 204)
    assert slow.ack_latency is not None
    assert slow.ack_latency < 3.0  # Discord's window; the answer did not wait for TMDb
    assert slow.choices == typed.choices  # the closest cached answer


async def test_closed_dms_become_a_mention_in_the_notify_channel(discord_bot: DiscordWorld) -> None:
    bot = discord_bot
    await bot.request_movie(CAROL, "The Matrix")
    await bot.settled()
    [admin_card] = bot.admin_cards()
    await (await bot.click(MOD, admin_card, "Approve")).acked()
    await bot.changed(admin_card, "Approved by Mo")
    await bot.settled()
    mentions = [
        m for m in bot.discord.channel_messages(NOTIFY_CHANNEL) if f"<@{CAROL}>" in m.content
    ]
    assert len(mentions) == 1
    assert "Movie Request Approved" in mentions[0].text()
    assert mentions[0].mentions == Mentions(users=(CAROL,))  # only her, whatever it says


async def test_a_rate_limited_dm_is_retried_after_retry_after_and_not_lost(
    discord_bot: DiscordWorld,
) -> None:
    bot = discord_bot
    await bot.request_movie(ALICE, "The Matrix")
    await bot.settled()
    [admin_card] = bot.admin_cards()
    dm_channel = bot.discord.dm_channel_id(ALICE)
    bot.discord.rate_limit("POST", rf"/channels/{dm_channel}/messages", retry_after=0.4)
    await (await bot.click(MOD, admin_card, "Approve")).acked()
    await bot.changed(admin_card, "Approved by Mo")
    await bot.settled()
    assert any("Movie Request Approved" in m.text() for m in bot.discord.dms(ALICE))
    [hit] = bot.discord.rate_limit_hits
    assert hit.waited is not None
    assert hit.waited >= 0.4


async def test_roles_are_read_again_on_every_interaction(discord_bot: DiscordWorld) -> None:
    bot = discord_bot
    bot.discord.user(BOB).roles = (VIP_ROLE,)  # AUTO_APPROVE
    await bot.request_movie(BOB, "The Matrix", "approved automatically")
    bot.discord.user(BOB).roles = ()
    await bot.request_movie(BOB, "Inception", "awaits approval")
    first, second = await bot.requests()
    assert (first.status, second.status) == (RequestStatus.APPROVED, RequestStatus.PENDING)


async def test_an_expired_season_menu_says_so_and_changes_nothing(
    discord_bot: DiscordWorld,
) -> None:
    bot = discord_bot
    card = await bot.run(ALICE, "request tv", title="tv:456")
    await (await bot.click(ALICE, card, "Request")).acked()
    picker = await bot.changed(card, "Pick the seasons")
    key = picker.selects()[0]["custom_id"].split(":")[2]
    await chat.forget(bot.services, "discord", key)
    told = await answered(await bot.click(ALICE, bot.message(picker), "All"))
    assert "expired" in told.text()
    assert await bot.requests() == []


async def test_someone_elses_season_menu_does_not_answer_them(discord_bot: DiscordWorld) -> None:
    bot = discord_bot
    card = await bot.run(ALICE, "request tv", title="tv:456")
    await (await bot.click(ALICE, card, "Request")).acked()
    picker = await bot.changed(card, "Pick the seasons")
    custom_id = picker.selects()[0]["custom_id"]
    # Bob cannot see Alice's private card; a modified client sends its custom_id anyway:
    bot.discord.message(picker.id).visible_to = BOB
    forged = await bot.discord.select(BOB, picker, custom_id, ["1"])
    told = await answered(forged)
    assert "belongs to someone else" in told.text()
    assert "Chosen:** none yet" in bot.message(picker).text()


def _first_option(message: FakeMessage) -> str:
    return str(message.selects()[0]["options"][0]["value"])


async def test_my_requests_quota_and_cancel(discord_bot: DiscordWorld) -> None:
    bot = discord_bot
    await bot.request_movie(ALICE, "The Matrix")
    mine = await bot.run(ALICE, "requests")
    assert mine.ephemeral
    assert "The Matrix (1999) · pending approval" in mine.text()
    quota = await bot.run(ALICE, "quota")
    assert "Movies: unlimited (1 in the last" in quota.text()
    cancel = await bot.run(ALICE, "cancel")
    withdraw = await bot.click(ALICE, cancel, "✖ #1 The Matrix")
    await withdraw.acked()
    after = await bot.changed(cancel, "Withdrawn: The Matrix (1999)")
    assert "no pending requests" in after.text()
    assert await bot.requests() == []


async def test_pending_lists_cards_that_managers_can_decide(discord_bot: DiscordWorld) -> None:
    bot = discord_bot
    await bot.request_movie(ALICE, "The Matrix")
    refused = await bot.run(BOB, "pending")
    assert "not allowed" in refused.text()
    ix = await bot.discord.slash(MOD, "pending", channel_id=GENERAL)
    heading = await answered(ix)
    assert "Pending requests** 1–1 of 1" in heading.text()
    card = await bot.discord.wait_for(lambda: next((m for m in ix.followups if m.buttons()), None))
    assert card.ephemeral
    await (await bot.click(MOD, card, "Approve")).acked()
    await bot.changed(card, "Approved by Mo")
    [request] = await bot.requests()
    assert request.status is RequestStatus.APPROVED


async def test_an_admin_sets_permissions_and_others_may_not(discord_bot: DiscordWorld) -> None:
    bot = discord_bot
    denied = await bot.run(MOD, "permissions", user=ALICE, set="moderator")
    assert "not allowed" in denied.text()
    done = await bot.run(BOSS, "permissions", user=ALICE, set="REQUEST|AUTO_APPROVE")
    assert "Alice** holds REQUEST|AUTO_APPROVE" in done.text()
    shown = await bot.run(BOSS, "permissions", user=MOD)
    assert "MANAGE_REQUESTS from their Discord roles" in shown.text()
    await bot.request_movie(ALICE, "The Matrix", "approved automatically")


EVE = 900000000000000014
HOSTILE_TITLE = "@everyone **x** <@123> <@&456>"
HOSTILE_NAME = f"__Eve__ @here <@&{MOD_ROLE}> <@{ALICE}>"
RAW = (
    "@everyone",
    "@here",
    "**x**",
    "<@123>",
    "<@&456>",
    f"<@&{MOD_ROLE}>",
    f"<@{ALICE}>",
    "__Eve__",
)


def _rendered(message: FakeMessage) -> str:
    """The message's text as Discord draws it: a backslash escape shows the character."""
    return re.sub(r"\\(.)", r"\1", message.text())


def _shown(bot: DiscordWorld) -> list[FakeMessage]:
    """Every message anyone was shown: answers, follow-ups, channel posts and DMs."""
    messages = [m for ix in bot.discord.interactions for m in (ix.original, *ix.followups) if m]
    for channel in (ADMIN_CHANNEL, NOTIFY_CHANNEL, GENERAL):
        messages += bot.discord.channel_messages(channel)
    for user in (ALICE, EVE):
        messages += bot.discord.dms(user)
    return messages


async def test_titles_and_names_are_shown_as_written_and_ping_nobody(
    discord_bot: DiscordWorld,
) -> None:
    bot = discord_bot
    bot.tmdb.add_movie(990001, HOSTILE_TITLE, "2020-02-02", overview="@everyone ~~see~~ <@&456>")
    bot.discord.add_user(EVE, "eve", global_name=HOSTILE_NAME)
    stale = await bot.run(ALICE, "request movie", title="movie:990001")
    await bot.request_movie(EVE, "movie:990001")
    told = await answered(await bot.click(ALICE, stale, "Request"))
    assert "was already requested by" in told.content
    assert r"\*\*x\*\*" in told.content
    assert r"\_\_Eve\_\_" in told.content
    await bot.settled()
    [admin_card] = bot.admin_cards()
    await (await bot.click(MOD, admin_card, "Approve")).acked()
    await bot.changed(admin_card, "Approved by Mo")
    await bot.settled()
    assert any("Movie Request Approved" in m.text() for m in bot.discord.dms(EVE))

    bot.tmdb.add_movie(990002, "*" * 250, "2021-01-01", overview="_" * 4000)
    starred = await bot.run(ALICE, "request movie", title="movie:990002")
    assert len(starred.embeds[0]["title"]) <= 256  # escaped, and still within Discord's limit

    shown = "\n".join(m.text() for m in _shown(bot))
    assert "@\u200beveryone \\*\\*x\\*\\*" in shown  # the title, escaped
    assert [raw for raw in RAW if raw in shown] == []
    assert bot.discord.sent
    for sent in bot.discord.sent:
        assert sent.allowed_mentions is not None, sent
        assert not {"everyone", "roles"} & set(sent.allowed_mentions.get("parse", [])), sent
        assert sent.mentions == Mentions(), sent


async def test_a_partly_requested_show_offers_more_seasons(discord_bot: DiscordWorld) -> None:
    bot = discord_bot
    first = await bot.run(ALICE, "request tv", title="tv:1396")  # Breaking Bad, seasons 1-5
    await (await bot.click(ALICE, first, "Request")).acked()
    picker = await bot.changed(first, "Pick the seasons")
    await (
        await bot.discord.select(ALICE, picker, picker.selects()[0]["custom_id"], ["1", "2"])
    ).acked()
    await bot.changed(first, "Chosen:** 1, 2")
    await (await bot.click(ALICE, bot.message(first), "Request 2 seasons")).acked()
    await bot.changed(first, "Requested (seasons 1, 2)")

    card = await bot.run(BOB, "request tv", title="Breaking Bad")  # a search's card
    assert [b["label"] for b in card.buttons()] == ["More seasons", "🔔 Notify me"]
    await (await bot.click(BOB, card, "More seasons")).acked()
    picker = await bot.changed(card, "Pick the seasons")
    assert "Already requested or here:** 1 (requested, pending approval), 2 (" in picker.text()
    options = {o["value"]: o.get("description") for o in picker.selects()[0]["options"]}
    assert options["1"] == options["2"] == "Requested, pending approval: not requestable"
    assert options["3"] is None
    await (await bot.click(BOB, picker, "All")).acked()
    await bot.changed(card, "Chosen:** 3, 4, 5")
    await (await bot.click(BOB, bot.message(card), "Request 3 seasons")).acked()
    await bot.changed(card, "Requested (seasons 3, 4, 5)")
    assert [r.season_numbers for r in await bot.requests()] == [(1, 2), (3, 4, 5)]

    every = await bot.run(CAROL, "request tv", title="tv:1396")  # nothing left to ask for
    assert [b["label"] for b in every.buttons()] == ["🔔 Notify me"]


MALFORMED = (
    "rb:ap:abc",
    "rb:ap",
    "rb:ap:",
    "rb:ap:1:2",
    "rb:de:-1",
    "rb:rt",
    "rb:cx:99999999999999999999",  # past SQLite's 64-bit integers
    "rb:pg:key",
    "rb:pg:key:x:0",
    "rb:nt:q:603",
    "rb:rq:m",
    "rb:rq:m:603:key",
    "rb:ss:key:z",
    "rb:sp:key",
    "rb:sp:key:drop",
    "rb:pm:",
    "rb:mr:1",
    "rb:zz:1",  # a verb this version does not know
    "rb:AP:1",
    "something-else",
)


async def test_malformed_button_ids_get_a_plain_answer_and_no_traceback(
    discord_bot: DiscordWorld, caplog: pytest.LogCaptureFixture
) -> None:
    bot = discord_bot
    caplog.set_level(logging.DEBUG, logger="adapters.discord")
    mine = await bot.run(ALICE, "requests")
    for custom_id in MALFORMED:
        # as if an older version, or a bug, had put such a button on the message
        old = {"type": 2, "style": 2, "label": "Old", "custom_id": custom_id}
        bot.discord.message(mine.id).components = [{"type": 1, "components": [old]}]
        told = await answered(await bot.discord.click(ALICE, mine, custom_id))
        assert told.ephemeral
        assert "expired or is not one of mine" in told.text(), custom_id
    form = await bot.discord.submit_modal(MOD, "rb:dm:abc", {"reason": "no"})
    assert "expired" in (await answered(form)).text()
    loud = [r for r in caplog.records if r.levelno >= logging.WARNING or r.exc_info]
    assert loud == []
    noted = "\n".join(r.getMessage() for r in caplog.records if r.levelno == logging.DEBUG)
    assert all(repr(custom_id) in noted for custom_id in (*MALFORMED, "rb:dm:abc")), noted
    assert await bot.requests() == []


def _autocomplete_searches() -> list[asyncio.Task[Any]]:
    return [t for t in asyncio.all_tasks() if "Suggestions._fetch" in t.get_coro().__qualname__]


async def test_an_autocomplete_search_past_its_budget_ends_quietly(
    quick_autocomplete: DiscordWorld, caplog: pytest.LogCaptureFixture
) -> None:
    bot = quick_autocomplete
    loop = asyncio.get_running_loop()
    unhandled: list[dict[str, Any]] = []
    previous = loop.get_exception_handler()
    loop.set_exception_handler(lambda _, context: unhandled.append(context))
    try:
        typed = await bot.discord.autocomplete(
            ALICE, "request", subcommand="movie", focused="title", value="the mat"
        )
        await typed.acked()
        bot.tmdb.delay = 1.0  # past the budget, inside Discord's 3 s
        bot.tmdb.fail(times=3, status=401)  # and then it fails
        slow = await bot.discord.autocomplete(
            ALICE, "request", subcommand="movie", focused="title", value="the matr"
        )
        await slow.acked()
        assert slow.ack_status in (200, 204)
        assert slow.choices == typed.choices  # the closest cached answer
        abandoned = _autocomplete_searches()
        assert abandoned
        await asyncio.wait(abandoned, timeout=10)
        del abandoned
        gc.collect()  # a task whose exception nobody retrieved says so when it is collected
        assert unhandled == []
    finally:
        loop.set_exception_handler(previous)
    assert [r for r in caplog.records if r.levelno >= logging.ERROR] == []


@pytest.mark.parametrize("marked", [True, False], ids=["picker-marked", "crash-before-marking"])
async def test_a_press_after_a_crash_before_the_confirmation_tells_the_truth(
    discord_bot: DiscordWorld, marked: bool
) -> None:
    bot = discord_bot
    card = await bot.run(ALICE, "request tv", title="tv:1396")
    await (await bot.click(ALICE, card, "Request")).acked()
    picker = await bot.changed(card, "Pick the seasons")
    await (
        await bot.discord.select(ALICE, picker, picker.selects()[0]["custom_id"], ["1", "2"])
    ).acked()
    await bot.changed(card, "Chosen:** 1, 2")
    # The confirmation (the card's edit) never reaches Discord: the process dies first.
    cut_short = bot.discord.stall("PATCH", r"^/webhooks/\d+/[^/]+/messages/@original$")
    await (await bot.click(ALICE, bot.message(card), "Request 2 seasons")).acked()
    await asyncio.wait_for(cut_short.reached.wait(), 10)
    [made] = await bot.requests()
    if not marked:  # a picker from before its mark was kept with the request
        key = picker.selects()[0]["custom_id"].split(":")[2]
        state = await chat.recall(bot.services, "discord", key)
        assert state is not None
        assert chat.made_request(state) == made.id  # written with the request itself
        del state[chat.MADE]
        await chat.remember(bot.services, "discord", state, timedelta(hours=1), key=key)
    await bot.restart()  # a new bot on the same database file
    cut_short.end()
    assert "Pick the seasons" in bot.message(card).text()  # what the user still sees

    told = await answered(await bot.click(ALICE, bot.message(card), "Request 2 seasons"))
    assert f"You asked for this already: #{made.id} Breaking Bad" in _rendered(told)
    assert "expired" not in told.text()
    assert [r.id for r in await bot.requests()] == [made.id]


async def test_a_double_press_on_request_makes_one_request(discord_bot: DiscordWorld) -> None:
    bot = discord_bot
    card = await bot.run(ALICE, "request tv", title="tv:1396")
    await (await bot.click(ALICE, card, "Request")).acked()
    picker = await bot.changed(card, "Pick the seasons")
    await (await bot.click(ALICE, picker, "All")).acked()
    shown = await bot.changed(card, "Chosen:** 1, 2, 3, 4, 5")
    presses = await asyncio.gather(*(bot.click(ALICE, shown, "Request 5 seasons") for _ in "12"))
    for press in presses:
        await answered(press)
    await bot.changed(card, "You asked for this already")
    assert [r.season_numbers for r in await bot.requests()] == [(1, 2, 3, 4, 5)]
    assert not [m for p in presses for m in p.followups if "expired" in m.text()]
