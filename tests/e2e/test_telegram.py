"""The Telegram adapter end to end: the real python-telegram-bot Application against a fake
Bot API server, a fake TMDb and a SQLite file, driven only as Telegram users would."""

from __future__ import annotations

from pathlib import Path

from core import requests, users
from core.domain import RequestStatus
from core.identity import Identity, QuotaLimits
from core.media import MediaType
from tests.fake_telegram import FakeTelegram
from tests.fake_tmdb import FakeTmdb
from tests.telegram_world import (
    ADMIN_CHAT,
    ALICE,
    BOB,
    BOSS,
    CAROL,
    MOD,
    TelegramWorld,
    has,
    labels,
    running,
    text_of,
)


async def test_a_movie_request_is_approved_in_the_admin_chat_and_the_requester_told(
    bot: TelegramWorld,
) -> None:
    card = await bot.say(ALICE, "/request matrix", "The Matrix")
    assert card.photo is not None
    assert "Not requested" in text_of(card)
    assert "Request" in labels(card)

    await bot.press(ALICE, card, "Request")
    card = await bot.changed(card, "awaits approval")
    admin_card = await bot.tg.wait_for_message(
        ADMIN_CHAT, lambda m: "New Movie Request" in text_of(m)
    )
    assert "Requested by Alice" in text_of(admin_card)
    assert labels(admin_card) == ["✅ Approve", "❌ Decline"]

    await bot.press(BOSS, admin_card, "✅ Approve")
    admin_card = await bot.changed(admin_card, "Approved by Boss")
    assert admin_card.buttons == []
    told = await bot.tg.wait_for_message(ALICE, has("Movie Request Approved"))
    assert "approved by Boss" in text_of(told)
    [request] = await bot.requests()
    assert request.status is RequestStatus.APPROVED
    await bot.settled()
    assert bot.tg.errors == []  # not even an edit that changed nothing


async def test_a_long_show_is_requested_season_by_season_across_picker_pages(
    bot: TelegramWorld,
) -> None:
    card = await bot.say(ALICE, "/tv simpsons", "The Simpsons")
    await bot.press(ALICE, card, "Choose seasons")
    picker = await bot.changed(card, "choose seasons")
    assert labels(picker)[:20] == [str(n) for n in range(1, 21)]
    assert "Later »" in labels(picker)

    await bot.press(ALICE, picker, "3")
    picker = await bot.changed(picker, "Chosen: 3")
    await bot.press(ALICE, picker, "Later »")
    picker = await bot.changed(picker, lambda m: "25" in labels(m))
    assert labels(picker)[:15] == [str(n) for n in range(21, 36)]
    await bot.press(ALICE, picker, "25")
    picker = await bot.changed(picker, "Chosen: 3, 25")
    await bot.press(ALICE, picker, "Request 2 seasons")

    await bot.changed(picker, "Requested (seasons 3, 25)")
    [request] = await bot.requests()
    assert request.season_numbers == (3, 25)
    admin_card = await bot.tg.wait_for_message(ADMIN_CHAT, has("New Series Request"))
    assert "Seasons 3, 25" in text_of(admin_card)


async def test_seasons_already_requested_are_shown_and_cannot_be_chosen_again(
    bot: TelegramWorld,
) -> None:
    picker = await bot.choose_two_seasons()
    await bot.press(ALICE, picker, "Request 2 seasons")
    await bot.changed(picker, "Requested (seasons 1, 2)")

    card = await bot.say(BOB, "/tv breaking bad", "Breaking Bad")
    assert "More seasons" in labels(card)
    await bot.press(BOB, card, "More seasons")
    picker = await bot.changed(card, "choose seasons")
    assert labels(picker)[:5] == ["🟡 1", "🟡 2", "3", "4", "5"]
    query = bot.tg.press_button(BOB, picker, "🟡 1")
    answer = await bot.answer_to(query)
    assert answer.text == "Season 1 is requested, pending approval."

    await bot.press(BOB, picker, "All")
    picker = await bot.changed(picker, "Chosen: 3, 4, 5")
    await bot.press(BOB, picker, "Request 3 seasons")
    await bot.changed(picker, "Requested (seasons 3, 4, 5)")
    assert [r.season_numbers for r in await bot.requests()] == [(1, 2), (3, 4, 5)]


async def test_a_decline_reason_given_by_reply_reaches_the_requester_and_the_card(
    bot: TelegramWorld,
) -> None:
    card = await bot.say(ALICE, "/movie inception", "Inception")
    await bot.press(ALICE, card, "Request")
    admin_card = await bot.tg.wait_for_message(ADMIN_CHAT, has("New Movie Request"))

    await bot.press(BOSS, admin_card, "❌ Decline")
    prompt = await bot.tg.wait_for_message(ADMIN_CHAT, has("why decline Inception (2010)"))
    assert labels(prompt) == ["No reason", "Keep it pending"]
    bot.tg.send_text(BOSS, "We have it in 4K already", chat_id=ADMIN_CHAT, reply_to=prompt)

    admin_card = await bot.changed(admin_card, "❌ Declined by Boss: We have it in 4K already")
    assert admin_card.buttons == []
    told = await bot.tg.wait_for_message(ALICE, has("Movie Request Declined"))
    assert "declined by Boss: We have it in 4K already" in text_of(told)
    await bot.tg.wait_for(lambda: bot.tg.message(ADMIN_CHAT, prompt.message_id).deleted)
    [request] = await bot.requests()
    assert request.status is RequestStatus.DECLINED
    assert request.decline_reason == "We have it in 4K already"


async def test_decline_without_a_reason_or_keep_the_request_pending(bot: TelegramWorld) -> None:
    for title in ("inception", "fight club"):
        card = await bot.say(ALICE, f"/movie {title}", "Movie")
        await bot.press(ALICE, card, "Request")
    first, second = await bot.tg.wait_for(
        lambda: bot.tg.messages(ADMIN_CHAT)[:2] if len(bot.tg.messages(ADMIN_CHAT)) >= 2 else None
    )

    await bot.press(MOD, first, "❌ Decline")  # a moderator, not yet one: refused
    assert (await bot.requests())[0].status is RequestStatus.PENDING
    await bot.make(MOD, "moderator", "Mo")
    await bot.press(MOD, first, "❌ Decline")
    prompt = await bot.tg.wait_for_message(ADMIN_CHAT, has("why decline"))
    await bot.press(MOD, prompt, "Keep it pending")
    await bot.tg.wait_for(lambda: bot.tg.message(ADMIN_CHAT, prompt.message_id).deleted)

    await bot.press(MOD, second, "❌ Decline")
    prompt = await bot.tg.wait_for_message(ADMIN_CHAT, has("why decline Fight Club"))
    await bot.press(MOD, prompt, "No reason")
    await bot.changed(second, "❌ Declined by Mo")

    statuses = [r.status for r in await bot.requests()]
    assert statuses == [RequestStatus.PENDING, RequestStatus.DECLINED]
    told = await bot.tg.wait_for_message(ALICE, has("Movie Request Declined"))
    assert text_of(told).endswith("declined by Mo.")


async def test_a_used_up_quota_is_explained_with_when_a_slot_frees(
    fake_telegram: FakeTelegram, fake_tmdb: FakeTmdb, tmp_path: Path
) -> None:
    quota = QuotaLimits(movie_limit=1, movie_days=7)
    async with running(TelegramWorld(fake_telegram, fake_tmdb, tmp_path, quota=quota)) as bot:
        card = await bot.say(ALICE, "/movie inception", "Inception")
        await bot.press(ALICE, card, "Request")
        await bot.changed(card, "awaits approval")

        card = await bot.say(ALICE, "/movie fight club", "Fight Club")
        await bot.press(ALICE, card, "Request")
        refusal = await bot.tg.wait_for_message(ALICE, has("quota"), after=card)

        assert text_of(refusal) == (
            "Your movie quota is used up: 1 of 1 movies in the last 7 days. "
            "The next slot frees up in 7 days."
        )
        assert refusal.reply_to == card.message_id
        assert len(await bot.requests()) == 1


async def test_a_title_someone_else_requested_meanwhile_is_a_duplicate(
    bot: TelegramWorld,
) -> None:
    bobs_card = await bot.say(BOB, "/movie inception", "Not requested")
    alices_card = await bot.say(ALICE, "/movie inception", "Inception")
    await bot.press(ALICE, alices_card, "Request")
    await bot.changed(alices_card, "awaits approval")

    await bot.press(BOB, bobs_card, "Request")
    refusal = await bot.tg.wait_for_message(BOB, has("already requested"), after=bobs_card)

    assert text_of(refusal) == "Inception (2010) was already requested by Alice (pending approval)."
    assert len(await bot.requests()) == 1


async def test_notify_me_tells_a_second_user_when_the_title_is_approved(
    bot: TelegramWorld,
) -> None:
    await bot.request_movie(ALICE, "inception")
    bobs_card = await bot.say(BOB, "/movie inception", "pending approval")
    assert "Request" not in labels(bobs_card)

    query = bot.tg.press_button(BOB, bobs_card, "🔔 Notify me")
    answer = await bot.answer_to(query)
    assert answer.text == "🔔 Done: I'll message you when there's news about Inception (2010)."
    admin_card = await bot.tg.wait_for_message(ADMIN_CHAT, has("New Movie Request"))
    await bot.press(BOSS, admin_card, "✅ Approve")

    told = await bot.tg.wait_for_message(BOB, has("Movie Request Approved"), after=bobs_card)
    assert "The request by Alice was approved by Boss" in text_of(told)


async def test_a_moderators_request_is_approved_automatically_and_managers_are_told(
    bot: TelegramWorld,
) -> None:
    await bot.make(MOD, "moderator", "Mo")
    card = await bot.say(MOD, "/movie inception", "Inception")

    await bot.press(MOD, card, "Request")

    await bot.changed(card, "approved automatically")
    info = await bot.tg.wait_for_message(ADMIN_CHAT, has("Requested by Mo"))
    assert "✅ Approved automatically" in text_of(info)
    assert info.buttons == []
    [request] = await bot.requests()
    assert request.status is RequestStatus.APPROVED


async def test_a_guest_may_search_but_is_told_plainly_that_requesting_is_not_allowed(
    bot: TelegramWorld,
) -> None:
    await bot.make(CAROL, "guest", "Carol")
    card = await bot.say(CAROL, "/movie inception", "Inception")

    await bot.press(CAROL, card, "Request")

    refusal = await bot.tg.wait_for_message(CAROL, has("not allowed"), after=card)
    assert text_of(refusal) == "You are not allowed to request a movie."
    assert await bot.requests() == []


async def test_a_show_with_every_season_taken_has_nothing_left_to_choose(
    bot: TelegramWorld,
) -> None:
    alice = await bot.user_id(ALICE, "Alice")
    await requests.create_request(bot.services, alice, 1396, MediaType.TV, "all")
    card = await bot.say(BOB, "/tv breaking bad", "Breaking Bad")

    await bot.press(BOB, card, "More seasons")

    await bot.changed(card, "Every season is already requested or available.")
    assert len(await bot.requests()) == 1


async def test_a_failed_request_is_told_to_all_and_a_manager_retries_it_from_the_card(
    bot: TelegramWorld,
) -> None:
    await bot.request_movie(ALICE, "inception")
    await bot.tg.wait_for_message(ADMIN_CHAT, has("New Movie Request"))
    boss = await bot.user_id(BOSS, "Boss")
    await requests.approve_request(bot.services, boss, 1)
    await requests.fail_request(bot.services, 1, "Radarr answered 503")

    told = await bot.tg.wait_for_message(ALICE, has("Movie Request Failed"))
    assert "could not be sent to the downloader: Radarr answered 503" in text_of(told)
    failed = await bot.tg.wait_for_message(ADMIN_CHAT, lambda m: labels(m) == ["🔁 Retry"])
    assert "⚠️ Failed: Radarr answered 503" in text_of(failed)
    alert = await bot.tg.wait_for_message(ADMIN_CHAT, has("could not be sent"))
    assert alert.reply_to == failed.message_id  # the managers are pinged, on the same card
    assert len([m for m in bot.tg.messages(ADMIN_CHAT) if m.photo]) == 1

    await bot.press(BOSS, failed, "🔁 Retry")

    await bot.changed(failed, "🔁 Sent again by Boss")
    [request] = await bot.requests()
    assert request.status is RequestStatus.APPROVED


async def test_notifications_written_while_the_bot_was_down_arrive_when_it_starts(
    bot: TelegramWorld,
) -> None:
    await bot.request_movie(ALICE, "inception")
    await bot.tg.wait_for_message(ADMIN_CHAT, has("New Movie Request"))
    await bot.settled()
    sent = len(bot.tg.messages(ALICE))
    await bot.stop()
    async with bot.offline() as services:  # a manager approves from the console meanwhile
        boss = await users.resolve_user(services, Identity("telegram", str(BOSS)), "Boss")
        await requests.approve_request(services, boss.id, 1)
    assert len(bot.tg.messages(ALICE)) == sent  # nothing could be sent meanwhile

    await bot.start()

    told = await bot.tg.wait_for_message(ALICE, has("Movie Request Approved"))
    assert "approved by Boss" in text_of(told)
    admin = bot.tg.messages(ADMIN_CHAT)[0]
    await bot.changed(admin, "Approved by Boss")
