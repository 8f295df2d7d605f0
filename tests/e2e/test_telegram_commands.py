"""The Telegram adapter's commands end to end: /start and its menus, /requests, /quota,
/cancel, /pending, group chats, and where cards and announcements go."""

from __future__ import annotations

from pathlib import Path

from core import availability, requests
from core.domain import RequestStatus
from core.identity import QuotaLimits
from core.media import MediaStatus, MediaType
from tests.fake_telegram import FakeTelegram
from tests.fake_tmdb import FakeTmdb
from tests.telegram_world import (
    ADMIN_CHAT,
    ALICE,
    BOB,
    BOSS,
    CAROL,
    MOD,
    NEWS_CHANNEL,
    TelegramWorld,
    has,
    labels,
    running,
    text_of,
)

USER_MENU = [
    "request", "movie", "tv", "requests", "quota", "cancel", "issue", "issues", "notifications",
    "link", "status", "help",
]  # fmt: skip
MANAGER_MENU = [*USER_MENU[:-1], "pending", "help"]


def menu(bot: TelegramWorld, chat: int | None = None) -> list[str]:
    scope = None if chat is None else {"type": "chat", "chat_id": chat}
    return [c["command"] for c in bot.tg.commands(scope)]


async def test_start_explains_the_bot_and_the_menus_fit_each_user(bot: TelegramWorld) -> None:
    assert menu(bot) == USER_MENU
    assert menu(bot, ADMIN_CHAT) == MANAGER_MENU

    hello = await bot.say(ALICE, "/start", "Hi Alice!")
    assert "/request – Search movies and shows to request" in text_of(hello)
    assert "/pending" not in text_of(hello)
    assert "/notifications – Choose what I tell you, and where" in text_of(hello)
    assert "/apikey" not in text_of(hello)
    assert "You manage users" not in text_of(hello)

    hello = await bot.say(BOSS, "/help", "Hi Boss!")  # a bot owner, so an admin
    assert "/pending – Requests awaiting approval" in text_of(hello)
    assert "You manage requests" in text_of(hello)
    assert "/link ACCOUNT @username" in text_of(hello)
    assert "/apikey – the key of the Seerr-compatible API" in text_of(hello)
    assert await bot.tg.wait_for(lambda: menu(bot, BOSS) == MANAGER_MENU)

    await bot.set_permissions(CAROL, permissions=0)  # type: ignore[arg-type]
    hello = await bot.say(CAROL, "/start", "Hi Carol!")
    assert "requesting needs an admin to allow it" in text_of(hello)


async def test_unknown_commands_and_plain_text_get_a_hint_in_private(bot: TelegramWorld) -> None:
    reply = await bot.say(ALICE, "/frobnicate", "I don't know /frobnicate")
    assert "Send /help" in text_of(reply)
    await bot.say(ALICE, "hello there", "Send /request and a title")


async def test_a_search_without_a_title_says_how_and_nothing_found_says_so(
    bot: TelegramWorld,
) -> None:
    await bot.say(ALICE, "/tv", "Which show? Send /tv and a title")
    reply = await bot.say(ALICE, "/request zzzzqqqq", "Nothing found")
    assert "“zzzzqqqq”" in text_of(reply)


async def test_results_page_with_prev_and_next_across_tmdb_pages(bot: TelegramWorld) -> None:
    for n in range(25):
        bot.tmdb.add_movie(800000 + n, f"Paging Test {n:02d}", popularity=100 - n)
    card = await bot.say(ALICE, "/movie paging test", "Paging Test 00")
    assert "Result 1 of 20 · page 1 of 2" in text_of(card)
    assert labels(card)[:2] == ["1/20", "Next ›"]

    await bot.press(ALICE, card, "Next ›")
    card = await bot.changed(card, "Paging Test 01")
    assert labels(card)[:3] == ["‹ Prev", "2/20", "Next ›"]
    key = card.buttons[0][0][1].split(":")[1]  # sr:KEY:page:index
    await bot.answer_to(bot.tg.press(ALICE, card, f"sr:{key}:1:19"))  # skip ahead
    card = await bot.changed(card, "Paging Test 19")
    await bot.press(ALICE, card, "Next ›")
    card = await bot.changed(card, "Paging Test 20")
    assert "Paging Test 20" in text_of(card)
    assert "Result 1 of 5 · page 2 of 2" in text_of(card)
    await bot.press(ALICE, card, "‹ Prev")
    card = await bot.changed(card, "Paging Test 19")
    assert "Result 20 of 20 · page 1 of 2" in text_of(card)


async def test_my_requests_are_listed_newest_first_in_pages(bot: TelegramWorld) -> None:
    alice = await bot.user_id(ALICE, "Alice")
    ids = [603, 604, 605, 624860, 550, 27205, 194, 129, 10228, 447404, 342521, 35]
    for tmdb_id in ids:
        await requests.create_request(bot.services, alice, tmdb_id, MediaType.MOVIE)

    first = await bot.say(ALICE, "/requests", "Your requests")
    assert "(page 1 of 2, 12 in all)" in text_of(first)
    assert text_of(first).splitlines()[1] == "• #12 The Simpsons Movie (2007) · pending approval"
    assert labels(first) == ["1/2", "Older ›"]
    await bot.press(ALICE, first, "Older ›")
    second = await bot.changed(first, "page 2 of 2")
    assert text_of(second).splitlines()[1:] == [
        "• #2 The Matrix Reloaded (2003) · pending approval",
        "• #1 The Matrix (1999) · pending approval",
    ]
    query = bot.tg.press(BOB, second, "mr:1001:1")
    assert (await bot.answer_to(query)).text.startswith("That list is someone else's")


async def test_quota_shows_use_limits_and_when_a_slot_frees(
    fake_telegram: FakeTelegram, fake_tmdb: FakeTmdb, tmp_path: Path
) -> None:
    quota = QuotaLimits(movie_limit=2, movie_days=7, tv_limit=10, tv_days=14)
    async with running(TelegramWorld(fake_telegram, fake_tmdb, tmp_path, quota=quota)) as bot:
        alice = await bot.user_id(ALICE, "Alice")
        for tmdb_id in (603, 604):
            await requests.create_request(bot.services, alice, tmdb_id, MediaType.MOVIE)

        reply = await bot.say(ALICE, "/quota", "Your quota")

        assert text_of(reply) == (
            "Your quota\n"
            "Movies: 2 of 2 used in the last 7 days; next slot frees up in 7 days\n"
            "Seasons: 0 of 10 used in the last 14 days"
        )


async def test_cancel_lists_pending_requests_and_withdraws_the_one_pressed(
    bot: TelegramWorld,
) -> None:
    alice, boss = await bot.user_id(ALICE, "Alice"), await bot.user_id(BOSS, "Boss")
    for tmdb_id in (603, 604, 550):
        await requests.create_request(bot.services, alice, tmdb_id, MediaType.MOVIE)
    await requests.approve_request(bot.services, boss, 3)

    listing = await bot.say(ALICE, "/cancel", "Your pending requests")
    assert labels(listing) == [
        "✖ #2 The Matrix Reloaded (2003) · pending approval",
        "✖ #1 The Matrix (1999) · pending approval",
    ]
    query = bot.tg.press_button(ALICE, listing, lambda t: "#1 " in t)
    assert (await bot.answer_to(query)).text == "Withdrawn: The Matrix (1999)."
    listing = await bot.changed(listing, lambda m: len(labels(m)) == 1)
    assert [r.id for r in await bot.requests()] == [2, 3]
    card = next(m for m in bot.tg.messages(ADMIN_CHAT) if "The Matrix (1999)" in text_of(m))
    await bot.changed(card, "↩️ Withdrawn by Alice")

    await bot.press(ALICE, listing, lambda t: "#2 " in t)
    await bot.changed(listing, "You have no pending requests to withdraw.")


async def test_pending_shows_managers_the_queue_as_cards_and_refuses_others(
    bot: TelegramWorld,
) -> None:
    alice = await bot.user_id(ALICE, "Alice")
    for tmdb_id in (603, 604, 605, 550, 27205, 194, 129):
        await requests.create_request(bot.services, alice, tmdb_id, MediaType.MOVIE)
    refusal = await bot.say(BOB, "/pending", "not allowed")
    assert text_of(refusal) == "You are not allowed to list requests."

    await bot.make(MOD, "moderator", "Mo")
    header = await bot.say(MOD, "/pending", "7 requests awaiting approval")
    more = await bot.tg.wait_for_message(MOD, has("There are more"), after=header)
    cards = [m for m in bot.tg.messages(MOD) if "New Movie Request" in text_of(m)]
    assert ["Request #" + str(n) in text_of(c) for n, c in enumerate(cards, 1)] == [True] * 5

    await bot.press(MOD, cards[0], "✅ Approve")
    await bot.changed(cards[0], "Approved by Mo")
    admin_card = next(m for m in bot.tg.messages(ADMIN_CHAT) if "Request #1" in text_of(m))
    await bot.changed(admin_card, "Approved by Mo")  # the same request's other card

    await bot.press(MOD, more, "Show 5 more")
    await bot.tg.wait_for_message(MOD, has("Request #7"), after=more)


async def test_in_a_group_a_card_pages_only_for_whoever_searched(bot: TelegramWorld) -> None:
    card = await bot.say(
        ALICE, "/request@requestbot_test_bot matrix", "The Matrix", chat=ADMIN_CHAT
    )

    query = bot.tg.press_button(BOB, card, "Next ›")
    answer = await bot.answer_to(query)

    assert answer.show_alert
    assert answer.text == "This card is Alice's. Send /request and a title to search yourself."
    await bot.press(ALICE, card, "Next ›")
    await bot.changed(card, "The Matrix Reloaded")


async def test_without_an_admin_chat_each_manager_gets_cards_privately(
    fake_telegram: FakeTelegram, fake_tmdb: FakeTmdb, tmp_path: Path
) -> None:
    bot = TelegramWorld(fake_telegram, fake_tmdb, tmp_path, admin_chat=None)
    async with running(bot):
        await bot.make(MOD, "moderator", "Mo")
        card = await bot.say(ALICE, "/movie inception", "Inception")
        await bot.press(ALICE, card, "Request")

        boss_card = await bot.tg.wait_for_message(BOSS, has("New Movie Request"))
        mod_card = await bot.tg.wait_for_message(MOD, has("New Movie Request"))
        await bot.press(MOD, mod_card, "✅ Approve")

        await bot.changed(boss_card, "Approved by Mo")
        await bot.changed(mod_card, "Approved by Mo")
        assert bot.tg.messages(ADMIN_CHAT) == []


async def test_availability_is_announced_in_the_notify_chat_and_told_to_the_requester(
    fake_telegram: FakeTelegram, fake_tmdb: FakeTmdb, tmp_path: Path
) -> None:
    bot = TelegramWorld(fake_telegram, fake_tmdb, tmp_path, notify_chat=NEWS_CHANNEL)
    async with running(bot):
        alice, boss = await bot.user_id(ALICE, "Alice"), await bot.user_id(BOSS, "Boss")
        created = await requests.create_request(bot.services, alice, 1399, MediaType.TV, [1, 2])
        assert created.request is not None
        await requests.approve_request(bot.services, boss, created.request.id)
        seasons = {1: MediaStatus.AVAILABLE, 2: MediaStatus.AVAILABLE}
        await availability.mark_available(bot.services, 1399, MediaType.TV, seasons)

        news = await bot.tg.wait_for_message(NEWS_CHANNEL, has("now available"))
        assert text_of(news).startswith("🎉 Series now available\nGame of Thrones (2011) · TV show")
        told = await bot.tg.wait_for_message(ALICE, has("Series Now Available"))
        assert "It's ready to watch now." in text_of(told)
        card = bot.tg.messages(ADMIN_CHAT)[0]
        await bot.changed(card, "🎉 Now available")
        [request] = await bot.requests()
        assert request.status is RequestStatus.COMPLETED
