"""Issues on Telegram end to end: reporting a problem with a title on the server from its
card or /issue, the managers' cards (admin chat, or private without one) kept current,
resolving, reopening and commenting from either side, /issues, and the refusals; the real
python-telegram-bot against the fake Bot API server, the fake TMDb and a SQLite file."""

from __future__ import annotations

import time
from pathlib import Path

from adapters.issue_text import REPORT_BUTTON
from adapters.telegram import awaiting
from adapters.telegram.messages import PLATFORM
from core import availability, chat
from core.issue_queries import current_issue
from core.issue_values import IssueStatus, IssueType
from core.issues import comment_on_issue, delete_issue, report_issue, set_issue_status
from core.media import MediaStatus, MediaType
from core.permissions import Permission
from core.services import in_transaction
from tests.fake_telegram import FakeTelegram, SentMessage
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

MATRIX, BREAKING_BAD, SIMPSONS = 603, 1396, 456
ASKED = "What is wrong?"


async def on_server(
    bot: TelegramWorld,
    tmdb_id: int,
    media_type: MediaType,
    seasons: range | None = None,
    *,
    is_4k: bool = False,
) -> int:
    """Put a title on the media server (a show: those seasons; only in 4K if is_4k); its
    media id."""
    services = bot.services
    details = await services.catalogue.details(tmdb_id, media_type)
    media = await in_transaction(
        services, lambda uow: uow.media.ensure(details, services.clock.now())
    )
    statuses = {n: MediaStatus.AVAILABLE for n in seasons} if seasons else None
    await availability.mark_available(services, tmdb_id, media_type, statuses, is_4k=is_4k)
    return media.id


async def report_movie(bot: TelegramWorld, user: int, kind: str, words: str) -> SentMessage:
    """Report a problem with The Matrix from its search card; the bot's thanks."""
    card = await bot.say(user, "/movie matrix", "The Matrix")
    await bot.press(user, card, REPORT_BUTTON)
    picker = await bot.tg.wait_for_message(user, has("What kind of problem"), after=card)
    await bot.press(user, picker, kind)
    question = await bot.tg.wait_for_message(user, has(ASKED), after=picker)
    return await answer(bot, user, question, words, "Thanks:")


async def answer(
    bot: TelegramWorld, user: int, to: SentMessage, words: str, expect: str, *, chat: int = 0
) -> SentMessage:
    """Reply to a message of the bot's; the bot's next message there with ``expect``."""
    where = chat or user
    before = bot.tg.messages(where, include_deleted=True)[-1].message_id
    bot.tg.send_text(user, words, chat_id=chat or None, reply_to=to)
    return await bot.tg.wait_for_message(where, has(expect), after=before)


async def test_a_movie_problem_reported_from_its_card_reaches_the_admin_chat(
    bot: TelegramWorld,
) -> None:
    await on_server(bot, MATRIX, MediaType.MOVIE)
    card = await bot.say(ALICE, "/movie matrix", "The Matrix")
    assert REPORT_BUTTON in labels(card)
    await bot.press(ALICE, card, REPORT_BUTTON)
    picker = await bot.tg.wait_for_message(ALICE, has("What kind of problem"), after=card)
    assert labels(picker) == ["🎞️ Video", "🔊 Audio", "🔤 Subtitles", "❓ Other", "Cancel"]
    await bot.press(ALICE, picker, "🔊 Audio")

    question = await bot.tg.wait_for_message(ALICE, has(ASKED), after=picker)
    assert question.reply_markup is not None
    assert question.reply_markup["force_reply"] is True
    await bot.changed(picker, "Reply to my question below.")
    thanks = await answer(bot, ALICE, question, "No sound after 10 minutes", "Thanks:")
    assert text_of(thanks) == (
        "Thanks: 🔊 Audio issue #1 on The Matrix (1999) is reported. The admins have been "
        "told; you will hear when it is resolved."
    )

    admin = await bot.tg.wait_for_message(ADMIN_CHAT, has("Audio issue #1"))
    assert admin.photo is not None
    assert text_of(admin).splitlines() == [
        "🔊 Audio issue #1 · 🟠 Open",
        "The Matrix (1999)",
        "Reported by Alice: “No sound after 10 minutes”",
    ]
    assert labels(admin) == ["✅ Resolve", "💬 Comment"]
    issue = await current_issue(bot.services, 1)
    assert issue is not None
    assert (issue.issue_type, issue.problem_season, issue.problem_episode) == (
        IssueType.AUDIO,
        0,
        0,
    )
    await bot.settled()
    assert not [m for m in bot.tg.messages(BOSS) if "issue" in text_of(m)]  # the admin chat has it
    assert bot.tg.errors == []


async def test_a_title_on_the_server_only_in_4k_can_be_reported_too(bot: TelegramWorld) -> None:
    await on_server(bot, MATRIX, MediaType.MOVIE, is_4k=True)
    card = await bot.say(ALICE, "/movie matrix", "The Matrix")
    assert REPORT_BUTTON in labels(card)
    picker = await bot.say(ALICE, "/issue matrix", "What kind of problem")
    await bot.press(ALICE, picker, "🎞️ Video")
    question = await bot.tg.wait_for_message(ALICE, has(ASKED), after=picker)
    thanks = await answer(bot, ALICE, question, "Banding in dark scenes", "Thanks:")
    assert "Video issue #1 on The Matrix (1999)" in text_of(thanks)


async def test_a_show_problem_names_its_episode_across_the_pickers_pages(
    bot: TelegramWorld,
) -> None:
    await on_server(bot, SIMPSONS, MediaType.TV, range(1, 26))
    picker = await bot.say(ALICE, "/issue simpsons", "What kind of problem")  # one match here
    await bot.press(ALICE, picker, "🔤 Subtitles")
    picker = await bot.changed(picker, "which season?")
    assert labels(picker)[:20] == [str(n) for n in range(1, 21)]
    assert labels(picker)[20:] == ["Seasons 1–20", "Later »", "Whole show", "‹ Back"]
    await bot.press(ALICE, picker, "Later »")
    picker = await bot.changed(picker, lambda m: "25" in labels(m))
    assert labels(picker)[:5] == ["21", "22", "23", "24", "25"]
    await bot.press(ALICE, picker, "23")

    picker = await bot.changed(picker, "season 23 · which episode?")
    assert "Whole season" in labels(picker)
    await bot.press(ALICE, picker, "Later »")
    picker = await bot.changed(picker, lambda m: labels(m)[:2] == ["21", "22"])
    await bot.press(ALICE, picker, "21")
    await bot.tg.wait_for_message(ALICE, has(ASKED), after=picker)
    # The next message in the private chat answers the question, reply or not.
    thanks = await bot.say(ALICE, "Subtitles drift out of sync", "Thanks:")
    assert "Subtitles issue #1 on The Simpsons (1989), S23E21 is reported" in text_of(thanks)

    admin = await bot.tg.wait_for_message(ADMIN_CHAT, has("Subtitles issue #1"))
    assert "The Simpsons (1989), S23E21" in text_of(admin)
    issue = await current_issue(bot.services, 1)
    assert issue is not None
    assert (issue.problem_season, issue.problem_episode) == (23, 21)


async def test_a_whole_season_or_the_whole_show_can_be_reported_and_back_goes_back(
    bot: TelegramWorld,
) -> None:
    await on_server(bot, BREAKING_BAD, MediaType.TV, range(1, 6))
    card = await bot.say(ALICE, "/tv breaking bad", "Breaking Bad")
    await bot.press(ALICE, card, REPORT_BUTTON)
    picker = await bot.tg.wait_for_message(ALICE, has("What kind of problem"), after=card)
    await bot.press(ALICE, picker, "🎞️ Video")
    picker = await bot.changed(picker, "which season?")
    assert labels(picker) == ["1", "2", "3", "4", "5", "Whole show", "‹ Back"]
    await bot.press(ALICE, picker, "2")
    picker = await bot.changed(picker, "season 2 · which episode?")
    assert labels(picker)[:13] == [str(n) for n in range(1, 14)]
    await bot.press(ALICE, picker, "‹ Back")
    picker = await bot.changed(picker, "which season?")
    await bot.press(ALICE, picker, "3")
    picker = await bot.changed(picker, "season 3 · which episode?")
    await bot.press(ALICE, picker, "Whole season")
    question = await bot.tg.wait_for_message(ALICE, has(ASKED), after=picker)
    thanks = await answer(bot, ALICE, question, "Blocky picture all season", "Thanks:")
    assert "Breaking Bad (2008), Season 3 is reported" in text_of(thanks)

    thanks = await report_whole_show(bot)
    assert "🎞️ Video issue #2 on Breaking Bad (2008) is reported" in text_of(thanks)
    issues = [await current_issue(bot.services, n) for n in (1, 2)]
    assert [(i.problem_season, i.problem_episode) for i in issues if i] == [(3, 0), (0, 0)]


async def report_whole_show(bot: TelegramWorld) -> SentMessage:
    picker = await bot.say(ALICE, "/issue breaking bad", "What kind of problem")
    await bot.press(ALICE, picker, "🎞️ Video")
    picker = await bot.changed(picker, "which season?")
    await bot.press(ALICE, picker, "Whole show")
    question = await bot.tg.wait_for_message(ALICE, has(ASKED), after=picker)
    return await answer(bot, ALICE, question, "Wrong aspect ratio everywhere", "Thanks:")


async def test_without_an_admin_chat_issue_managers_get_cards_privately_and_all_stay_current(
    fake_telegram: FakeTelegram, fake_tmdb: FakeTmdb, tmp_path: Path
) -> None:
    world = TelegramWorld(fake_telegram, fake_tmdb, tmp_path, admin_chat=None)
    async with running(world) as bot:
        await bot.user_id(BOSS, "Boss")
        await bot.user_id(MOD, "Mo")
        await bot.set_permissions(MOD, Permission.MANAGE_ISSUES | Permission.REQUEST)
        await on_server(bot, MATRIX, MediaType.MOVIE)
        await report_movie(bot, ALICE, "🎞️ Video", "Green stripes")
        boss = await bot.tg.wait_for_message(BOSS, has("Video issue #1"))
        mod = await bot.tg.wait_for_message(MOD, has("Video issue #1"))
        assert labels(boss) == labels(mod) == ["✅ Resolve", "💬 Comment"]
        await bot.settled()
        assert not [m for m in bot.tg.messages(BOB) if "issue" in text_of(m)]

        await bot.press(MOD, mod, "✅ Resolve")
        for card in (mod, boss):
            card = await bot.changed(card, "🟢 Resolved")
            assert "Resolved by Mo." in text_of(card)
            assert labels(card) == ["↩️ Reopen", "💬 Comment"]
        told = await bot.tg.wait_for_message(ALICE, has("was resolved by Mo"))
        assert "Reply to this message to add a comment." in text_of(told)
        news = await bot.tg.wait_for_message(BOSS, has("Mo resolved"))
        assert news.reply_to == boss.message_id

        await answer(bot, ALICE, told, "Still green for me", "💬 Added to 🎞️ Video issue #1")
        for card in (mod, boss):
            await bot.changed(card, "💬 Alice: Still green for me")
        await bot.tg.wait_for_message(MOD, has("Alice commented on 🎞️ Video issue #1"))
        await bot.press(BOSS, boss, "↩️ Reopen")
        await bot.changed(mod, "🟠 Open")
        await bot.tg.wait_for_message(ALICE, has("was reopened by Boss"))
        await bot.settled()
        assert not [m for m in bot.tg.messages(BOSS) if "Boss reopened" in text_of(m)]
        assert bot.tg.errors == []


async def test_a_manager_comments_with_the_button_and_the_reporter_answers_by_reply(
    bot: TelegramWorld,
) -> None:
    await on_server(bot, MATRIX, MediaType.MOVIE)
    await report_movie(bot, ALICE, "🔊 Audio", "No sound")
    admin = await bot.tg.wait_for_message(ADMIN_CHAT, has("Audio issue #1"))

    await bot.press(BOSS, admin, "💬 Comment")
    question = await bot.tg.wait_for_message(ADMIN_CHAT, has("What would you like to say"))
    assert question.reply_markup == {
        "force_reply": True,
        "selective": True,
        "input_field_placeholder": "Your comment",
    }
    assert question.reply_to == admin.message_id
    await answer(bot, BOSS, question, "Which device?", "💬 Added", chat=ADMIN_CHAT)
    admin = await bot.changed(admin, "💬 Boss: Which device?")
    await bot.tg.wait_for(lambda: bot.tg.message(ADMIN_CHAT, question.message_id).deleted)

    told = await bot.tg.wait_for_message(ALICE, has("Boss commented on your 🔊 Audio issue #1"))
    assert "“Which device?”" in text_of(told)
    await answer(bot, ALICE, told, "The living-room TV", "💬 Added")
    admin = await bot.changed(admin, "💬 Alice: The living-room TV")
    news = await bot.tg.wait_for_message(ADMIN_CHAT, has("Alice commented on 🔊 Audio issue #1"))
    assert news.reply_to == admin.message_id

    await answer(bot, BOSS, admin, "Re-encoding it now", "💬 Added", chat=ADMIN_CHAT)
    await bot.changed(admin, "💬 Boss: Re-encoding it now")
    await bot.tg.wait_for_message(ALICE, has("“Re-encoding it now”"))
    issue = await current_issue(bot.services, 1)
    assert issue is not None
    assert [c.message for c in issue.comments] == [
        "No sound",
        "Which device?",
        "The living-room TV",
        "Re-encoding it now",
    ]


async def test_issues_lists_ones_own_and_managers_see_all_with_cards_to_open(
    bot: TelegramWorld,
) -> None:
    matrix = await on_server(bot, MATRIX, MediaType.MOVIE)
    await on_server(bot, BREAKING_BAD, MediaType.TV, range(1, 6))
    await bot.user_id(ALICE, "Alice")
    await bot.set_permissions(ALICE, Permission.REQUEST | Permission.CREATE_ISSUES)
    await report_movie(bot, ALICE, "🎞️ Video", "Green stripes")
    bob = await bot.user_id(BOB, "Bob")
    for n in range(10):  # five each: as many as one may have open on a title
        await report_issue(bot.services, bob, matrix if n < 5 else 2, IssueType.OTHER, f"n{n}")

    mine = await bot.say(ALICE, "/issues", "Your open issues")
    assert text_of(mine).splitlines() == [
        "Your open issues (1):",
        "• #1 🎞️ Video · The Matrix (1999)",
        "Press a number to see that issue's card.",
    ]
    await bot.press(ALICE, mine, "#1")
    card = await bot.tg.wait_for_message(ALICE, has("Video issue #1 · 🟠 Open"), after=mine)
    assert labels(card) == ["✅ Resolve", "💬 Comment"]  # her own: she may resolve it

    listed = await bot.say(BOSS, "/issues", "Open issues (11):")
    assert "(page 1 of 2)" in text_of(listed)
    assert "• #11 ❓ Other · Breaking Bad (2008) · Bob" in text_of(listed)
    assert labels(listed)[-2:] == ["1/2", "Older ›"]
    await bot.press(BOSS, listed, "Older ›")
    listed = await bot.changed(listed, "(page 2 of 2)")
    assert "• #1 🎞️ Video · The Matrix (1999) · Alice" in text_of(listed)
    await bot.press(BOSS, listed, "#1")
    boss = await bot.tg.wait_for_message(BOSS, has("Video issue #1"), after=listed)

    await bot.press(ALICE, card, "✅ Resolve")  # her own card: every card follows
    await bot.changed(boss, "🟢 Resolved")
    admin = await bot.tg.wait_for_message(ADMIN_CHAT, has("Video issue #1"))
    await bot.changed(admin, "Resolved by Alice.")
    await bot.tg.wait_for_message(ADMIN_CHAT, has("Alice resolved 🎞️ Video issue #1"))
    await bot.say(ALICE, "/issues", "You have no open issues.")


async def test_refusals_are_said_plainly_and_change_nothing(bot: TelegramWorld) -> None:
    matrix = await on_server(bot, MATRIX, MediaType.MOVIE)
    inception = await bot.request_movie(ALICE, "inception")  # requested, not on the server
    assert REPORT_BUTTON not in labels(inception)
    await bot.say(ALICE, "/issue", "Send /issue and its name")
    reply = await bot.say(ALICE, "/issue inception", "is on the server")
    assert text_of(reply).startswith("Nothing called “inception” is on the server")
    for user, data, words in (
        (ALICE, "ir:2", "Inception (2010) is not on the server yet"),
        (ALICE, "ir:999", "There is no media 999."),
        (ALICE, "ia:resolve:1", "There is no issue 1."),
        (ALICE, "if:AAAAAAAA:t1", "This report has expired."),
        (ALICE, "ia:zap:1", "This button no longer works."),
        (ALICE, f"iw:{BOB}:{matrix}", "That list is someone else's."),
    ):
        answered = await bot.answer_to(bot.tg.press(user, inception, data))
        assert answered.show_alert, data
        assert answered.text.startswith(words), (data, answered.text)

    await bot.set_permissions(CAROL, Permission.REQUEST)
    card = await bot.say(CAROL, "/movie matrix", "The Matrix")
    answered = await bot.answer_to(bot.tg.press_button(CAROL, card, REPORT_BUTTON))
    assert answered.text == "You are not allowed to report problems with titles."

    card = await bot.say(ALICE, "/movie matrix", "The Matrix")
    await bot.press(ALICE, card, REPORT_BUTTON)
    picker = await bot.tg.wait_for_message(ALICE, has("What kind of problem"), after=card)
    answered = await bot.answer_to(bot.tg.press(BOB, picker, picker.buttons[0][0][1] or ""))
    assert answered.text.startswith("This report is Alice's.")
    await bot.press(ALICE, picker, "🎞️ Video")
    question = await bot.tg.wait_for_message(ALICE, has(ASKED), after=picker)
    refused = await answer(bot, ALICE, question, "x" * 2100, "does not work")
    assert "keep it under 2000 characters" in text_of(refused)
    assert "shorten it and reply to my question again" in text_of(refused)
    await answer(bot, ALICE, question, "Shorter: it stutters", "Thanks: 🎞️ Video issue #1")

    answered = await bot.answer_to(bot.tg.press(BOB, picker, "ia:resolve:1"))
    assert answered.text == "You are not allowed to resolve or reopen other users' issues."
    alice = await bot.user_id(ALICE)
    for n in range(4):
        await report_issue(bot.services, alice, matrix, IssueType.AUDIO, f"more {n}")
    refused = await report_movie_refused(bot)
    assert "You already have 5 open issues on The Matrix (1999)" in text_of(refused)
    issue = await current_issue(bot.services, 1)
    assert issue is not None
    assert issue.status is IssueStatus.OPEN
    assert not [c for c in bot.tg.errors if c.status != 429]


async def report_movie_refused(bot: TelegramWorld) -> SentMessage:
    card = await bot.say(ALICE, "/movie matrix", "The Matrix")
    await bot.press(ALICE, card, REPORT_BUTTON)
    picker = await bot.tg.wait_for_message(ALICE, has("What kind of problem"), after=card)
    await bot.press(ALICE, picker, "❓ Other")
    question = await bot.tg.wait_for_message(ALICE, has(ASKED), after=picker)
    return await answer(bot, ALICE, question, "Sixth one", "You already have")


async def test_nothing_is_said_twice_across_restarts_and_old_cards_and_notices_still_work(
    bot: TelegramWorld,
) -> None:
    await on_server(bot, MATRIX, MediaType.MOVIE)
    card = await bot.say(ALICE, "/movie matrix", "The Matrix")
    await bot.press(ALICE, card, REPORT_BUTTON)
    picker = await bot.tg.wait_for_message(ALICE, has("What kind of problem"), after=card)
    await bot.press(ALICE, picker, "🎞️ Video")
    question = await bot.tg.wait_for_message(ALICE, has(ASKED), after=picker)
    bot.tg.fail(times=1, status=502, methods=["sendPhoto"])  # the admin card's first try
    await answer(bot, ALICE, question, "Frozen frame", "Thanks:")
    await bot.restart()
    admin = await bot.tg.wait_for_message(ADMIN_CHAT, has("Video issue #1"))
    await bot.settled()
    assert [c.method for c in bot.tg.calls if c.status == 502] == ["sendPhoto"]

    await bot.press(BOSS, admin, "✅ Resolve")
    told = await bot.tg.wait_for_message(ALICE, has("was resolved by Boss"))
    await bot.settled()
    await bot.restart()
    await answer(bot, ALICE, told, "Thanks!", "💬 Added")  # a notice from before the restart
    await bot.changed(admin, "💬 Alice: Thanks!")
    await bot.press(BOSS, admin, "↩️ Reopen")  # a card from before the restart
    await bot.changed(admin, "🟠 Open")
    await bot.tg.wait_for_message(ALICE, has("was reopened by Boss"))
    await bot.settled()
    await bot.restart()
    await bot.settled()

    cards = [m for m in bot.tg.messages(ADMIN_CHAT) if "Video issue #1 ·" in text_of(m)]
    assert len(cards) == 1
    alice = [text_of(m) for m in bot.tg.messages(ALICE)]
    assert sum("was resolved by Boss" in t for t in alice) == 1
    assert sum("was reopened by Boss" in t for t in alice) == 1
    news = [m for m in bot.tg.messages(ADMIN_CHAT) if "Alice commented" in text_of(m)]
    assert len(news) == 1


async def test_what_happens_to_an_issue_elsewhere_shows_on_its_cards_even_its_deletion(
    bot: TelegramWorld,
) -> None:
    await on_server(bot, MATRIX, MediaType.MOVIE)
    await report_movie(bot, ALICE, "❓ Other", "Wrong language")
    admin = await bot.tg.wait_for_message(ADMIN_CHAT, has("Other issue #1"))
    boss = await bot.user_id(BOSS, "Boss")
    await set_issue_status(bot.services, boss, 1, IssueStatus.RESOLVED)  # the REST API, say
    admin = await bot.changed(admin, "🟢 Resolved")
    await bot.tg.wait_for_message(ALICE, has("was resolved by Boss"))

    await delete_issue(bot.services, boss, 1)
    admin = await bot.changed(admin, "🗑️ Deleted")
    assert text_of(admin).splitlines() == ["❓ Other issue #1 · 🗑️ Deleted", "The Matrix (1999)"]
    assert admin.buttons == []
    refused = await answer(bot, BOSS, admin, "Anyone?", "There is no issue 1.", chat=ADMIN_CHAT)
    assert refused.reply_to is not None
    await bot.settled()
    assert not [m for m in bot.tg.messages(ALICE) if "deleted" in text_of(m)]


async def test_a_message_replying_to_nothing_answers_the_newest_question_in_a_private_chat(
    fake_telegram: FakeTelegram, fake_tmdb: FakeTmdb, tmp_path: Path
) -> None:
    world = TelegramWorld(fake_telegram, fake_tmdb, tmp_path, admin_chat=None)
    async with running(world) as bot:
        await on_server(bot, MATRIX, MediaType.MOVIE)
        await bot.request_movie(ALICE, "inception")
        approval = await bot.tg.wait_for_message(BOSS, has("New Movie Request"))
        card = await bot.say(BOSS, "/movie matrix", "The Matrix")
        await bot.press(BOSS, card, REPORT_BUTTON)
        picker = await bot.tg.wait_for_message(BOSS, has("What kind of problem"), after=card)
        await bot.press(BOSS, picker, "🔊 Audio")
        await bot.tg.wait_for_message(BOSS, has(ASKED), after=picker)
        await bot.press(BOSS, approval, "❌ Decline")  # asked after the report's question
        await bot.tg.wait_for_message(BOSS, has("why decline Inception"))

        declined = await bot.say(BOSS, "We have it in 4K already", "❌ Declined Inception")
        assert "Alice will be told why" in text_of(declined)
        [request] = await bot.requests()
        assert request.decline_reason == "We have it in 4K already"
        assert await current_issue(bot.services, 1) is None
        # The report's question is still open: the next message answers it.
        thanks = await bot.say(BOSS, "Sound lags behind", "Thanks:")
        assert "Audio issue #1 on The Matrix (1999)" in text_of(thanks)


async def test_words_too_long_can_be_shortened_and_sent_again_after_a_while(
    bot: TelegramWorld,
) -> None:
    await on_server(bot, MATRIX, MediaType.MOVIE)
    card = await bot.say(ALICE, "/movie matrix", "The Matrix")
    await bot.press(ALICE, card, REPORT_BUTTON)
    picker = await bot.tg.wait_for_message(ALICE, has("What kind of problem"), after=card)
    await bot.press(ALICE, picker, "🎞️ Video")
    question = await bot.tg.wait_for_message(ALICE, has(ASKED), after=picker)
    # Eleven minutes spent writing: past the window in which any next message answers.
    key = awaiting.asker_lock(ALICE, ALICE)
    assert bot.adapter is not None
    async with bot.adapter.application.bot_data["deps"].locks(key):  # until it is kept
        kept = await chat.recall(bot.services, PLATFORM, key)
    assert kept is not None
    backdated = {**kept, "at": time.time() - 660}
    await chat.remember(bot.services, PLATFORM, backdated, awaiting.QUESTION_TTL, key=key)

    refused = await answer(bot, ALICE, question, "x" * 2100, "does not work")
    assert "reply to my question again" in text_of(refused)
    # Shortening takes a while too; the next message, a reply or not, still answers.
    thanks = await bot.say(ALICE, "It stutters every few seconds", "Thanks:")
    assert "Video issue #1 on The Matrix (1999)" in text_of(thanks)


async def test_a_poster_card_with_long_words_keeps_its_heading_and_newest_comments_whole(
    bot: TelegramWorld,
) -> None:
    await on_server(bot, MATRIX, MediaType.MOVIE)
    await report_movie(bot, ALICE, "🎞️ Video", "Green stripes " * 40)
    admin = await bot.tg.wait_for_message(ADMIN_CHAT, has("Video issue #1"))
    alice = await bot.user_id(ALICE)
    for n in range(1, 4):
        await comment_on_issue(bot.services, alice, 1, f"Comment {n}: " + "still green " * 40)
    admin = await bot.changed(admin, "Comment 3")
    caption = text_of(admin)
    assert admin.photo is not None
    assert len(caption) <= 1024
    assert {"type": "bold", "offset": 0}.items() <= admin.entities[0].items()
    assert "… 1 earlier comment(s)" in caption, caption  # the newest are whole, not halved
    assert "Comment 1" not in caption
    assert caption.endswith("…")  # comment 3, cut as every card cuts a comment


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


async def test_issue_finds_a_title_tmdb_ranks_low_in_the_database(bot: TelegramWorld) -> None:
    bury_house(bot.tmdb)
    await on_server(bot, HOUSE, MediaType.MOVIE)
    tmdb_page = await bot.services.catalogue.search("house", 1, None)
    assert HOUSE not in [item.tmdb_id for item in tmdb_page.items]
    bot.tmdb.reset()

    picker = await bot.say(ALICE, "/issue HOUSE", "What kind of problem")  # one: at once
    assert "House (1986)" in text_of(picker)
    await bot.press(ALICE, picker, "🎞️ Video")
    question = await bot.tg.wait_for_message(ALICE, has(ASKED), after=picker)
    thanks = await answer(bot, ALICE, question, "Out of sync", "Thanks:")
    assert "Video issue #1 on House (1986)" in text_of(thanks)
    assert searches(bot.tmdb) == 0

    await on_server(bot, HOUSE_PARTY, MediaType.MOVIE)
    bot.tmdb.reset()
    listed = await bot.say(ALICE, "/issue house", "Which title has the problem?")
    assert labels(listed) == ["House (1986) · Movie", "House Party (1990) · Movie"]
    await bot.press(ALICE, listed, "House Party (1990) · Movie")
    picker = await bot.changed(listed, "What kind of problem")
    assert "House Party (1990)" in text_of(picker)
    assert searches(bot.tmdb) == 0


async def test_issue_asks_tmdb_when_the_database_knows_the_title_by_another_name(
    bot: TelegramWorld,
) -> None:
    await on_server(bot, 129, MediaType.MOVIE)  # Spirited Away, 千と千尋の神隠し in Japan
    bot.tmdb.reset()
    picker = await bot.say(ALICE, "/issue 千と千尋", "What kind of problem")
    assert "Spirited Away (2001)" in text_of(picker)
    assert searches(bot.tmdb) == 1
