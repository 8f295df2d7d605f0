"""The Telegram adapter under pressure: who may press what, races, 429s, restarts, forged
buttons, a slow or broken TMDb, blocked users and Telegram's size limits."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from adapters.telegram import app as telegram_app
from core import requests
from core.domain import RequestStatus
from core.events import EventKind
from core.identity import Identity
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


async def test_someone_without_manage_requests_pressing_approve_changes_nothing(
    bot: TelegramWorld,
) -> None:
    await bot.request_movie(ALICE, "inception")
    card = await bot.tg.wait_for_message(ADMIN_CHAT, has("New Movie Request"))

    query = bot.tg.press_button(CAROL, card, "✅ Approve")
    answer = await bot.answer_to(query)

    assert answer.show_alert
    assert answer.text == "You are not allowed to approve requests."
    assert [r.status for r in await bot.requests()] == [RequestStatus.PENDING]
    assert labels(bot.tg.message(ADMIN_CHAT, card.message_id)) == ["✅ Approve", "❌ Decline"]
    assert bot.tg.messages(ADMIN_CHAT) == [bot.tg.message(ADMIN_CHAT, card.message_id)]


@pytest.mark.parametrize("presses", [2, 4])
async def test_managers_pressing_approve_at_once_approve_once_and_the_rest_hear_who_did(
    bot: TelegramWorld, presses: int
) -> None:
    managers = [BOSS, MOD, BOB, CAROL][:presses]
    for manager in managers[1:]:
        await bot.make(manager, "moderator")
    await bot.request_movie(ALICE, "inception")
    card = await bot.tg.wait_for_message(ADMIN_CHAT, has("New Movie Request"))

    queries = [bot.tg.press_button(m, card, "✅ Approve") for m in managers]
    answers = [await bot.answer_to(q) for q in queries]

    [request] = await bot.requests()
    assert request.status is RequestStatus.APPROVED
    assert request.modified_by is not None
    winner = request.modified_by.display_name
    assert sorted(a.text for a in answers if not a.show_alert) == ["Approved: Inception (2010)."]
    losers = [a.text for a in answers if a.show_alert]
    assert len(losers) == presses - 1
    assert all(text.startswith(f"Request #1 is already approved (by {winner},") for text in losers)
    assert (await bot.event_kinds()).count(EventKind.APPROVED) == 1
    await bot.changed(card, f"Approved by {winner}")
    told = await bot.tg.wait_for_message(ALICE, has("Movie Request Approved"))
    assert f"approved by {winner}" in text_of(told)


async def test_a_notification_burst_through_429s_loses_nothing_and_waits_retry_after(
    bot: TelegramWorld,
) -> None:
    people = list(range(2001, 2009))
    boss = await bot.user_id(BOSS, "Boss")
    movies = [603, 604, 605, 550, 27205, 129, 447404, 35]
    pending = []
    for person, movie in zip(people, movies, strict=True):
        bot.tg.add_user(person, f"Viewer {person}")
        user = await bot.user_id(person, f"Viewer {person}")
        created = await requests.create_request(bot.services, user, movie, MediaType.MOVIE)
        assert created.request is not None
        pending.append(created.request.id)
    await bot.tg.wait_for(lambda: len(bot.tg.messages(ADMIN_CHAT)) == len(people))
    for person in people[1:4]:  # one 429 each: the rate limiter waits and retries
        bot.tg.rate_limit(times=1, retry_after=1, chat_id=person)
    bot.tg.rate_limit(times=3, retry_after=1, chat_id=people[0])  # the outbox retries

    for request_id in pending:
        await requests.approve_request(bot.services, boss, request_id)

    for person in people:
        await bot.tg.wait_for_message(person, has("Movie Request Approved"), timeout=20)
    await bot.settled()
    for person in people:
        told = [m for m in bot.tg.messages(person) if "Approved" in text_of(m)]
        assert len(told) == 1, f"user {person} was told {len(told)} times"
    limited = [c for c in bot.tg.calls if c.status == 429]
    assert len(limited) == 6
    for refused in limited:
        chat = refused.params["chat_id"]
        later = [
            c.at for c in bot.tg.calls if c.params.get("chat_id") == chat and c.at > refused.at
        ]
        assert later, f"nothing was sent to chat {chat} after its 429"
        assert min(later) - refused.at >= 0.95  # retry_after is 1 s
    assert bot.tg.flood_violations == []


async def test_a_restart_between_request_and_approval_loses_nothing(
    bot: TelegramWorld,
) -> None:
    card = await bot.say(ALICE, "/request matrix", "The Matrix")
    await bot.press(ALICE, card, "Next ›")
    card = await bot.changed(card, "The Matrix Reloaded")
    admin = None

    await bot.restart()

    await bot.press(ALICE, card, "Request")  # the search, kept in the database, pages on
    await bot.changed(card, "awaits approval")
    admin = await bot.tg.wait_for_message(ADMIN_CHAT, has("New Movie Request"))
    await bot.restart()
    await bot.press(BOSS, admin, "✅ Approve")  # a card from before the restart

    await bot.changed(admin, "Approved by Boss")
    told = await bot.tg.wait_for_message(ALICE, has("Movie Request Approved"))
    assert "The Matrix Reloaded" in text_of(told)
    await bot.settled()
    assert [r.status for r in await bot.requests()] == [RequestStatus.APPROVED]


async def test_forged_or_unknown_button_data_gets_a_polite_answer_and_acts_for_nobody(
    bot: TelegramWorld,
) -> None:
    await bot.request_movie(ALICE, "inception")
    card = await bot.tg.wait_for_message(ADMIN_CHAT, has("New Movie Request"))
    forged = {
        (CAROL, "ap:1"): "You are not allowed to approve requests.",
        (CAROL, "dn:1"): "You are not allowed to decline requests.",
        (CAROL, "rt:1"): "You are not allowed to retry requests.",
        (BOSS, "ap:999999"): "There is no request 999999.",
        (BOSS, "ap:99999999999999999999"): "This button no longer works.",
        (BOSS, "zz:1"): "This button no longer works.",
        (BOSS, "sr:AAAAAAAA:1:0"): "This search has expired.",
        (BOSS, "ss:AAAAAAAA:t1"): "This season choice has expired.",
        (CAROL, "mr:1001:1"): "That list is someone else's.",
        (BOB, "cx:1001:1"): "That list is someone else's.",
        (BOB, "cx:1002:1"): "You are not allowed to cancel another user's request.",
        (ALICE, "rq:AAAAAAAA:1:0:m603"): "This search has expired.",
    }
    for (user, data), expected in forged.items():
        answer = await bot.answer_to(bot.tg.press(user, card, data))
        assert answer.show_alert, data
        assert answer.text.startswith(expected), (data, answer.text)

    [request] = await bot.requests()
    assert request.status is RequestStatus.PENDING
    assert not [c for c in bot.tg.errors if c.status != 429]


async def test_a_button_press_is_answered_before_a_slow_tmdb_answers(
    bot: TelegramWorld,
) -> None:
    card = await bot.say(ALICE, "/movie inception", "Inception")
    bot.tmdb.delay = 2.0

    query = bot.tg.press_button(ALICE, card, "Request")
    answer = await bot.answer_to(query)

    assert answer.at - answer.created_at < 1.0  # TMDb takes 2 s: the answer did not wait
    assert "awaits approval" not in text_of(bot.tg.message(ALICE, card.message_id))
    done = await bot.changed(card, "awaits approval", within=10)
    assert done.edited_at is not None
    assert done.edited_at - answer.created_at >= 2.0


async def test_tmdb_being_down_is_said_plainly(bot: TelegramWorld) -> None:
    bot.tmdb.fail(times=100, status=503)

    reply = await bot.say(ALICE, "/request matrix", "TMDb")

    assert text_of(reply) == "TMDb is not reachable right now. Please try again in a moment."
    bot.tmdb.reset()
    card = await bot.say(ALICE, "/request matrix", "The Matrix")
    assert card.photo


async def test_a_user_who_blocked_the_bot_is_given_up_on_once_and_others_still_hear(
    bot: TelegramWorld, caplog: pytest.LogCaptureFixture
) -> None:
    await bot.make(MOD, "moderator", "Mo")
    await bot.request_movie(ALICE, "inception")
    await bot.request_movie(ALICE, "fight club")
    await bot.settled()
    bot.tg.block(ALICE)
    boss = await bot.user_id(BOSS)
    caplog.set_level(logging.INFO)

    for request_id in (1, 2):
        await requests.approve_request(bot.services, boss, request_id)
    await bot.settled()

    alice = await bot.user_id(ALICE)
    given_up = [d for d in await bot.deliveries() if d[2] == alice and d[3].value == "gave_up"]
    assert len(given_up) == 2  # one per event, never retried
    blocked_warnings = [
        r
        for r in caplog.records
        if r.levelno == logging.WARNING and "cannot be written" in r.message
    ]
    assert len(blocked_warnings) == 1
    cards = bot.tg.messages(ADMIN_CHAT)
    assert all("Approved by Boss" in text_of(c) for c in cards)


async def test_long_titles_and_markup_in_tmdb_texts_stay_inside_telegrams_limits(
    bot: TelegramWorld,
) -> None:
    overview = "Tom & Jerry <b>chase</b> each other & more. " * 120
    bot.tmdb.add_movie(
        900001, "Tom & Jerry: <The Movie> " * 4, overview=overview, poster_path="/tj.jpg"
    )

    card = await bot.say(ALICE, "/movie jerry", "Tom & Jerry")
    assert card.caption is not None
    assert len(card.caption.encode("utf-16-le")) // 2 <= 1024
    assert "Tom & Jerry: <The Movie>" in card.caption
    assert card.caption.count("…") == 1
    await bot.press(ALICE, card, "Request")
    admin = await bot.tg.wait_for_message(ADMIN_CHAT, has("Tom & Jerry"))
    assert len(text_of(admin)) <= 1024
    assert [c for c in bot.tg.errors if c.status == 400] == []


async def test_an_unexpected_error_is_logged_with_the_update_and_the_user_gets_an_apology(
    bot: TelegramWorld, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    from adapters.telegram import search as telegram_search

    async def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(telegram_search.search, "search", broken)

    reply = await bot.say(ALICE, "/request matrix", "Sorry")

    assert text_of(reply) == "Sorry, something went wrong on my side. Please try again in a moment."
    [record] = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert record.getMessage().startswith("update ")
    assert record.exc_info is not None
    assert "disk on fire" in str(record.exc_info[1])


async def test_a_card_posted_after_the_decision_shows_the_decision_not_live_buttons(
    bot: TelegramWorld,
) -> None:
    bot.tg.fail(times=1, status=502, methods=["sendPhoto"])  # the admin card must wait
    alice, boss = await bot.user_id(ALICE, "Alice"), await bot.user_id(BOSS, "Boss")
    await requests.create_request(bot.services, alice, 27205, MediaType.MOVIE)
    await bot.tg.wait_for(lambda: any(c.status == 502 for c in bot.tg.calls))
    await requests.approve_request(bot.services, boss, 1)  # decided before the card is out

    card = await bot.tg.wait_for_message(ADMIN_CHAT, has("Inception"), timeout=20)

    assert "✅ Approved by Boss" in text_of(card)
    assert card.buttons == []
    await bot.settled()
    assert len(bot.tg.messages(ADMIN_CHAT)) == 1


async def test_an_unusable_admin_chat_is_logged_as_an_error_and_managers_get_the_cards(
    fake_telegram: FakeTelegram,
    fake_tmdb: FakeTmdb,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    world = TelegramWorld(fake_telegram, fake_tmdb, tmp_path, admin_chat=-1005555)  # no such
    async with running(world):
        await world.user_id(BOSS, "Boss")  # a bot owner, known to the bot
        alice = await world.user_id(ALICE, "Alice")
        await requests.create_request(world.services, alice, 27205, MediaType.MOVIE)

        card = await world.tg.wait_for_message(BOSS, has("New Movie Request"))

        assert labels(card) == ["✅ Approve", "❌ Decline"]
        errors = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
        assert any("the admin chat -1005555 cannot be used" in e for e in errors)


async def test_a_decline_prompt_overtaken_by_another_decision_is_closed_not_left_open(
    bot: TelegramWorld,
) -> None:
    await bot.request_movie(ALICE, "inception")
    card = await bot.tg.wait_for_message(ADMIN_CHAT, has("New Movie Request"))
    await bot.press(BOSS, card, "❌ Decline")
    prompt = await bot.tg.wait_for_message(ADMIN_CHAT, has("why decline"))
    boss = await bot.user_id(BOSS)
    await requests.approve_request(bot.services, boss, 1)  # from elsewhere, meanwhile

    bot.tg.send_text(BOSS, "never mind", chat_id=ADMIN_CHAT, reply_to=prompt)

    refusal = await bot.tg.wait_for_message(ADMIN_CHAT, has("already approved"))
    assert text_of(refusal).startswith("Boss: Request #1 is already approved (by Boss")
    await bot.tg.wait_for(lambda: bot.tg.message(ADMIN_CHAT, prompt.message_id).deleted)
    before = len(bot.tg.messages(ADMIN_CHAT))
    bot.tg.send_text(BOSS, "thanks", chat_id=ADMIN_CHAT)  # no prompt is open: just chat
    await bot.say(BOSS, "/help", "Hi Boss!")  # the bot has read the message above
    assert len(bot.tg.messages(ADMIN_CHAT)) == before  # the /help answer went to Boss
    assert [r.status for r in await bot.requests()] == [RequestStatus.APPROVED]


async def test_a_reply_to_the_card_instead_of_the_question_gets_a_hint(bot: TelegramWorld) -> None:
    await bot.request_movie(ALICE, "inception")
    card = await bot.tg.wait_for_message(ADMIN_CHAT, has("New Movie Request"))
    await bot.press(BOSS, card, "❌ Decline")
    prompt = await bot.tg.wait_for_message(ADMIN_CHAT, has("why decline"))

    bot.tg.send_text(BOSS, "too expensive", chat_id=ADMIN_CHAT, reply_to=card)

    hint = await bot.tg.wait_for_message(ADMIN_CHAT, has("reply to my question"), after=prompt)
    assert text_of(hint).startswith("To decline with a reason, reply to my question")
    assert [r.status for r in await bot.requests()] == [RequestStatus.PENDING]


async def test_a_double_tap_on_request_asks_once(bot: TelegramWorld) -> None:
    card = await bot.say(ALICE, "/movie inception", "Inception")

    first = bot.tg.press_button(ALICE, card, "Request")
    second = bot.tg.press_button(ALICE, card, "Request")
    await bot.answer_to(first)
    await bot.answer_to(second)

    await bot.changed(card, "You asked for this already: #1 Inception (2010)")
    assert len(await bot.requests()) == 1
    assert [c for c in bot.tg.errors if c.status != 400 or "not modified" not in str(c)] == []


async def test_quick_taps_in_the_season_picker_end_with_the_card_showing_the_last(
    bot: TelegramWorld,
) -> None:
    card = await bot.say(ALICE, "/tv simpsons", "The Simpsons")
    await bot.press(ALICE, card, "Choose seasons")
    picker = await bot.changed(card, "choose seasons")
    taps = [bot.tg.press_button(ALICE, picker, str(n)) for n in range(1, 9)]
    for tap in taps:
        await bot.answer_to(tap)

    picker = await bot.changed(picker, "Chosen: 1, 2, 3, 4, 5, 6, 7, 8", within=20)
    assert "Request 8 seasons" in labels(picker)
    edits = [c for c in bot.tg.calls if c.method == "editMessageCaption"]
    assert len(edits) < 9  # the renders a newer tap made stale were skipped
    query = bot.tg.press(ALICE, picker, picker.buttons[-1][0][1].replace("ok8", "ok7"))
    answer = await bot.answer_to(query)
    assert answer.text == "You have 8 chosen now: press Request again to confirm."
    assert await bot.requests() == []
    await bot.press(ALICE, picker, "Request 8 seasons")
    await bot.changed(picker, "Requested (seasons 1, 2, 3, 4, 5, 6, 7, 8)")


async def test_an_anonymous_admin_is_asked_to_write_as_themselves(bot: TelegramWorld) -> None:
    group = bot.tg.chats[ADMIN_CHAT]
    bot.tg.inject(
        {
            "message": {
                "message_id": 500,
                "from": {
                    "id": 1087968824,
                    "is_bot": True,
                    "first_name": "Group",
                    "username": "GroupAnonymousBot",
                },
                "sender_chat": group,
                "chat": group,
                "date": 1_700_000_000,
                "text": "/request matrix",
                "entities": [{"type": "bot_command", "offset": 0, "length": 8}],
            }
        }
    )

    reply = await bot.tg.wait_for_message(ADMIN_CHAT, has("send that as yourself"))

    assert "anonymously or as a channel" in text_of(reply)
    async with bot.services.uow(write=False) as uow:
        assert await uow.users.find_by_identity(Identity("telegram", "1087968824")) is None


async def test_a_revoked_token_stops_the_bot_with_exit_code_one(
    bot: TelegramWorld, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(telegram_app, "WATCH_INTERVAL", 0.1)
    await bot.restart()  # the watch starts with the new interval
    bot.tg.token = "123456:revoked-in-BotFather"

    assert await bot.stopped_by_itself(within=10) == 1
    assert any("no longer accepts the bot token" in r.getMessage() for r in caplog.records)


async def test_a_press_on_a_picker_whose_request_was_made_before_a_restart_tells_the_truth(
    bot: TelegramWorld,
) -> None:
    picker = await bot.choose_two_seasons()
    # The request is made, but the picker never shows it (as if the bot died right then).
    bot.tg.fail(times=1, status=502, methods=["editMessageCaption", "editMessageText"])
    await bot.press(ALICE, picker, "Request 2 seasons")
    await bot.tg.wait_for(lambda: any(c.status == 502 for c in bot.tg.calls))
    assert "Request 2 seasons" in labels(bot.tg.message(ALICE, picker.message_id))
    await bot.restart()

    query = bot.tg.press_button(ALICE, picker, "Request 2 seasons")
    answer = await bot.answer_to(query)

    assert answer.show_alert
    assert answer.text == (
        "✅ You asked for this already: #1 Breaking Bad (2008) · seasons 1, 2 · pending approval."
    )
    await bot.changed(picker, "You asked for this already: #1 Breaking Bad (2008)")
    assert [r.season_numbers for r in await bot.requests()] == [(1, 2)]


async def test_a_double_tap_on_request_seasons_asks_once_and_says_so(
    fake_telegram: FakeTelegram, fake_tmdb: FakeTmdb, tmp_path: Path
) -> None:
    # The second tap waits for the first one's request; on a loaded machine that can take
    # longer than the answer budget, and the tap is then answered without words (which
    # the budget is for). The words are what this test reads, so it waits for them.
    world = TelegramWorld(fake_telegram, fake_tmdb, tmp_path, answer_budget=30.0)
    async with running(world) as bot:
        await _double_tap(bot)


async def _double_tap(bot: TelegramWorld) -> None:
    picker = await bot.choose_two_seasons()

    first = bot.tg.press_button(ALICE, picker, "Request 2 seasons")
    second = bot.tg.press_button(ALICE, picker, "Request 2 seasons")
    answers = [await bot.answer_to(first), await bot.answer_to(second)]

    assert [r.season_numbers for r in await bot.requests()] == [(1, 2)]
    assert answers[1].text.startswith("✅ You asked for this already: #1 Breaking Bad (2008)")
    assert "pending approval" in answers[1].text
    await bot.changed(picker, lambda m: "choose seasons" not in text_of(m))


async def test_a_second_picker_asking_for_seasons_one_asked_for_already_says_where_they_stand(
    bot: TelegramWorld,
) -> None:
    first = await bot.choose_two_seasons()
    second = await bot.choose_two_seasons()  # another search, another picker
    await bot.press(ALICE, first, "Request 2 seasons")
    await bot.changed(first, "awaits approval")

    await bot.press(ALICE, second, "Request 2 seasons")

    told = await bot.changed(second, "You asked for this already: #1 Breaking Bad (2008)")
    assert "Nothing left to request" not in text_of(told)
    assert [r.season_numbers for r in await bot.requests()] == [(1, 2)]


async def test_a_picker_whose_request_was_withdrawn_says_so(bot: TelegramWorld) -> None:
    picker = await bot.choose_two_seasons()
    bot.tg.fail(times=1, status=502, methods=["editMessageCaption", "editMessageText"])
    await bot.press(ALICE, picker, "Request 2 seasons")
    await bot.tg.wait_for(lambda: any(c.status == 502 for c in bot.tg.calls))
    alice = await bot.user_id(ALICE)
    await requests.cancel_request(bot.services, alice, 1)

    answer = await bot.answer_to(bot.tg.press_button(ALICE, picker, "✅ 1"))

    assert answer.text == "↩️ You asked for this already (request #1), and it was withdrawn."
    assert await bot.requests() == []


async def test_malformed_button_data_gets_a_plain_answer_and_no_traceback_in_the_log(
    bot: TelegramWorld, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    card = await bot.say(ALICE, "/movie inception", "Inception")
    key = card.buttons[-1][0][1].split(":")[1]  # the key of Alice's search
    malformed = [
        "rb:ap:abc",
        "rb:ap",
        "rb:ap:",
        "ap",
        "ap:",
        "ap:abc",
        "ap:0",
        "ap:-1",
        "ap:1.5",
        "ap:١٢",  # digits, but not ASCII ones
        "ap:1\n",
        "ap:" + "9" * 80,
        "x" * 300,
        "",
        "ss:AAAAAAAA:ok",
        "ss:AAAAAAAA:t1:x",
        f"sr:{key}:0:0",
        f"sr:{key}:999:999",
        f"rq:{key}:1:0:t999999999",
        "nt:m999999999",
        "pd:999",
        f"mr:{ALICE}:0",
        f"cx:{ALICE}:999999999",
        "dk:999",
        "dc:999999999",
    ]
    answers = {}
    for data in malformed:
        answers[data] = await bot.answer_to(bot.tg.press(ALICE, card, data))
    for data in ("rb:ap:abc", "rb:ap", "rb:ap:", "ap:abc", "ap:١٢", "ap:1\n", "x" * 300, ""):
        assert answers[data].show_alert, data
        assert answers[data].text.startswith("This button no longer works."), data
    assert answers["dc:999999999"].text == "You are not allowed to decline requests."

    await bot.settled()
    troubles = [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]
    assert troubles == []
    logged = [r.getMessage() for r in caplog.records if r.name.startswith("adapters.")]
    assert "unknown callback data 'rb:ap:abc' from user 1001" in logged
    assert max(len(line) for line in logged) < 200  # overlong data is cut in the log
    assert await bot.requests() == []
    assert [c for c in bot.tg.errors if "not modified" not in str(c)] == []


async def test_a_burst_of_presses_answers_every_spinner_before_any_press_asks_tmdb(
    bot: TelegramWorld,
) -> None:
    people = list(range(7001, 7013))
    cards = []
    for n, person in enumerate(people):
        bot.tg.add_user(person, f"Viewer {n}")
        title = f"Burst{n:02d}"
        bot.tmdb.add_movie(800_000 + n, title, "2021-01-01")
        cards.append(await bot.say(person, f"/movie {title}", title))
    bot.tmdb.requests.clear()

    queries = [bot.tg.press_button(p, c, "Request") for p, c in zip(people, cards, strict=True)]
    answers = [await bot.answer_to(q) for q in queries]
    for card in cards:
        await bot.changed(card, "Requested")

    asked = bot.tmdb.arrivals()
    assert len(asked) >= len(people)  # each request read its title from TMDb
    assert max(a.at for a in answers) < min(asked)
    assert len(await bot.requests()) == len(people)
