"""The fake Telegram Bot API server, driven by python-telegram-bot's own Bot and Application."""

from __future__ import annotations

import asyncio
import datetime as dtm
import time
from collections.abc import AsyncIterator

import httpx
import pytest
from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeChat,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputMediaPhoto,
    Update,
)
from telegram.constants import ParseMode
from telegram.error import (
    BadRequest,
    Conflict,
    EndPointNotFound,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
)
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, ContextTypes

from tests.fake_telegram import FakeTelegram

ANN = 5
BOB = 6
GROUP = -1001234567890
POSTER = "https://image.tmdb.org/t/p/w500/poster603.jpg"
# Reading RetryAfter.retry_after warns about its future type unless PTB_TIMEDELTA is set.
quiet_retry_after = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")


@pytest.fixture
async def tg() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram() as fake:
        fake.add_user(ANN, "Ann", username="ann")
        fake.add_user(BOB, "Bob", started=False)
        fake.add_group(GROUP, "Requests", username="requests_group")
        fake.enforce_flood = False  # the tests that are about flood control turn it on
        yield fake


@pytest.fixture
async def bot(tg: FakeTelegram) -> AsyncIterator[Bot]:
    async with Bot(tg.token, base_url=tg.base_url) as client:
        yield client


def keyboard(*rows: list[tuple[str, str]]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(text, callback_data=data) for text, data in row] for row in rows]
    )


def seconds(retry_after: int | dtm.timedelta) -> float:
    return retry_after.total_seconds() if isinstance(retry_after, dtm.timedelta) else retry_after


# ----- identity and routing -----------------------------------------------------------------


async def test_get_me_bad_token_and_unknown_method(tg: FakeTelegram, bot: Bot) -> None:
    assert bot.bot.id == 7000001
    assert bot.bot.username == "requestbot_test_bot"
    assert bot.bot.can_join_groups is True
    assert bot.bot.can_read_all_group_messages is False
    assert tg.calls[0].method == "getMe"
    assert tg.calls[0].ok

    with pytest.raises(InvalidToken):
        async with Bot("1:wrong", base_url=tg.base_url):
            pass
    assert (tg.errors[-1].status, tg.errors[-1].description) == (401, "Unauthorized")

    with pytest.raises(EndPointNotFound):
        await bot.do_api_request("fooBar")
    assert (tg.errors[-1].status, tg.errors[-1].description) == (404, "Not Found")


async def test_raw_requests_json_query_and_case(tg: FakeTelegram) -> None:
    url = f"{tg.base_url}{tg.token}"
    async with httpx.AsyncClient() as client:
        by_json = await client.post(f"{url}/SENDMESSAGE", json={"chat_id": ANN, "text": "hi"})
        by_query = await client.get(f"{url}/sendmessage", params={"chat_id": "5", "text": "yo"})
        bad = await client.post(f"{url}/sendMessage", data={"chat_id": "42", "text": "x"})
    assert by_json.json()["result"]["text"] == "hi"
    assert by_query.json()["result"]["message_id"] == 2
    assert bad.status_code == 400
    assert bad.json() == {
        "ok": False,
        "error_code": 400,
        "description": "Bad Request: chat not found",
    }
    assert [c.method for c in tg.calls] == ["sendMessage"] * 3
    assert tg.calls[1].params == {"chat_id": ANN, "text": "yo"}


# ----- sending, editing, deleting -----------------------------------------------------------


async def test_send_edit_delete_and_their_errors(tg: FakeTelegram, bot: Bot) -> None:
    sent = await bot.send_message(ANN, "Pick one", reply_markup=keyboard([("Yes", "y")]))
    assert sent.text == "Pick one"
    assert sent.from_user.id == bot.bot.id
    assert sent.chat.type == "private"
    assert sent.chat.username == "ann"
    assert sent.reply_markup == keyboard([("Yes", "y")])
    assert tg.last(ANN).buttons == [[("Yes", "y")]]

    edited = await bot.edit_message_text("Picked", chat_id=ANN, message_id=sent.message_id)
    assert isinstance(edited, type(sent))
    assert edited.text == "Picked"
    assert edited.reply_markup is None  # an edit without reply_markup drops the keyboard
    record = tg.message(ANN, sent.message_id)
    assert [old.text for old in record.history] == ["Pick one"]
    assert record.edited_at is not None

    with pytest.raises(BadRequest, match=r"(?i)message is not modified"):
        await bot.edit_message_text("Picked", chat_id=ANN, message_id=sent.message_id)
    with pytest.raises(BadRequest, match=r"(?i)there is no caption in the message to edit"):
        await bot.edit_message_caption(chat_id=ANN, message_id=sent.message_id, caption="c")
    with pytest.raises(BadRequest, match=r"(?i)message to edit not found"):
        await bot.edit_message_text("x", chat_id=ANN, message_id=999)

    assert await bot.delete_message(ANN, sent.message_id) is True
    assert tg.messages(ANN) == []
    assert tg.message(ANN, sent.message_id).deleted
    with pytest.raises(BadRequest, match=r"(?i)message to delete not found"):
        await bot.delete_message(ANN, sent.message_id)
    with pytest.raises(BadRequest, match=r"(?i)message to edit not found"):
        await bot.edit_message_text("x", chat_id=ANN, message_id=sent.message_id)
    assert tg.errors[-1].description == "Bad Request: message to edit not found"


async def test_photos_captions_and_media(tg: FakeTelegram, bot: Bot) -> None:
    photo = await bot.send_photo(
        GROUP, POSTER, caption="<b>The Matrix</b> (1999)", parse_mode=ParseMode.HTML
    )
    assert photo.chat.type == "supergroup"
    assert photo.chat.title == "Requests"
    assert [size.width for size in photo.photo] == [90, 320, 800]
    assert photo.caption == "The Matrix (1999)"
    assert photo.caption_entities[0].type == "bold"
    assert photo.caption_entities[0].length == 10
    assert tg.last(GROUP).photo == POSTER

    again = await bot.send_photo("@requests_group", photo.photo[-1].file_id)
    assert again.photo[-1].file_unique_id == photo.photo[-1].file_unique_id
    with pytest.raises(BadRequest, match=r"(?i)wrong file identifier"):
        await bot.send_photo(GROUP, "no-such-file-id")

    with pytest.raises(BadRequest, match=r"(?i)there is no text in the message to edit"):
        await bot.edit_message_text("x", chat_id=GROUP, message_id=photo.message_id)
    captioned = await bot.edit_message_caption(
        chat_id=GROUP, message_id=photo.message_id, caption="Requested"
    )
    assert captioned.caption == "Requested"
    other = "https://image.tmdb.org/t/p/w500/poster604.jpg"
    media = await bot.edit_message_media(
        InputMediaPhoto(other, caption="Reloaded"), chat_id=GROUP, message_id=photo.message_id
    )
    assert media.caption == "Reloaded"
    record = tg.message(GROUP, photo.message_id)
    assert (record.photo, len(record.history)) == (other, 2)
    assert [old.photo for old in record.history] == [POSTER, POSTER]


async def test_uploads_arrive_as_multipart(tg: FakeTelegram, bot: Bot) -> None:
    sent = await bot.send_photo(ANN, b"\x89PNG poster", caption="uploaded")
    assert tg.last(ANN).photo is not None
    assert tg.last(ANN).photo.startswith("upload:")
    upload = tg.calls[-1].params["photo"]
    assert upload.data == b"\x89PNG poster"
    edited = await bot.edit_message_media(
        InputMediaPhoto(b"another poster"), chat_id=ANN, message_id=sent.message_id
    )
    assert edited.photo[-1].file_id != sent.photo[-1].file_id
    assert edited.caption is None  # new media without a caption clears it


async def test_replies_both_ways(tg: FakeTelegram, bot: Bot) -> None:
    question = tg.send_text(ANN, "what is new?")
    answer = await bot.send_message(ANN, "Nothing", reply_to_message_id=question["message_id"])
    assert answer.reply_to_message.text == "what is new?"
    assert tg.last(ANN).reply_to == question["message_id"]
    follow_up = tg.send_text(ANN, "ok", reply_to=tg.last(ANN))
    assert follow_up["reply_to_message"]["text"] == "Nothing"
    with pytest.raises(BadRequest, match=r"(?i)message to be replied not found"):
        await bot.send_message(ANN, "x", reply_to_message_id=999)


# ----- Telegram's limits --------------------------------------------------------------------


async def test_html_must_be_escaped_and_balanced(tg: FakeTelegram, bot: Bot) -> None:
    html = ParseMode.HTML
    link = "<a href='https://x.y/?a=1&amp;b=2'>x</a>"
    ok = await bot.send_message(ANN, f"<b>Tom &amp; Jerry</b> &lt;3 {link}", parse_mode=html)
    assert ok.text == "Tom & Jerry <3 x"
    assert [(e.type, e.offset, e.length) for e in ok.entities] == [
        ("bold", 0, 11),
        ("text_link", 15, 1),
    ]
    assert ok.entities[1].url == "https://x.y/?a=1&b=2"
    assert tg.last(ANN).source.startswith("<b>Tom &amp; Jerry</b>")

    for bad, detail in [
        ("Tom & Jerry", 'Character "&" at byte offset 4'),
        ("<div>x</div>", 'Unsupported start tag "div"'),
        ("<b>x</i>", "Unmatched end tag"),
        ("<b>x", "Can't find end tag"),
        ("1 < 2", 'Character "<"'),
    ]:
        with pytest.raises(BadRequest, match=r"(?i)can't parse entities"):
            await bot.send_message(ANN, bad, parse_mode=html)
        assert detail in tg.errors[-1].description
    plain = await bot.send_message(ANN, "Tom & Jerry <3")  # no parse_mode: nothing to escape
    assert plain.text == "Tom & Jerry <3"


async def test_text_and_caption_limits_count_after_parsing(tg: FakeTelegram, bot: Bot) -> None:
    html = ParseMode.HTML
    assert (await bot.send_message(ANN, f"<b>{'x' * 4096}</b>", parse_mode=html)).text
    assert (await bot.send_message(ANN, "&amp;" * 4096, parse_mode=html)).text == "&" * 4096
    with pytest.raises(BadRequest, match=r"(?i)message is too long"):
        await bot.send_message(ANN, "x" * 4097)
    with pytest.raises(BadRequest, match=r"(?i)message is too long"):
        await bot.send_message(ANN, "😀" * 2049)  # 4098 UTF-16 code units
    with pytest.raises(BadRequest, match=r"(?i)message text is empty"):
        await bot.send_message(ANN, "<b> </b>\n", parse_mode=html)

    assert await bot.send_photo(ANN, POSTER, caption=f"<i>{'y' * 1024}</i>", parse_mode=html)
    with pytest.raises(BadRequest, match=r"(?i)message caption is too long"):
        await bot.send_photo(ANN, POSTER, caption="y" * 1025)


async def test_keyboard_limits(tg: FakeTelegram, bot: Bot) -> None:
    assert await bot.send_message(ANN, "ok", reply_markup=keyboard([("A", "d" * 64)]))
    for data in ["d" * 65, "é" * 33]:  # 65 and 66 bytes
        with pytest.raises(BadRequest, match=r"(?i)BUTTON_DATA_INVALID"):
            await bot.send_message(ANN, "x", reply_markup=keyboard([("A", data)]))
    nine = [(str(n), str(n)) for n in range(9)]
    with pytest.raises(BadRequest, match=r"(?i)reply markup is too long"):
        await bot.send_message(ANN, "x", reply_markup=keyboard(nine))
    eleven_rows = [[(f"{r}{c}", f"{r}{c}") for c in range(8)] for r in range(13)]
    with pytest.raises(BadRequest, match=r"(?i)reply markup is too long"):
        await bot.send_message(ANN, "x", reply_markup=keyboard(*eleven_rows))
    text_only = InlineKeyboardMarkup([[InlineKeyboardButton("A", url="https://example.org")]])
    assert (await bot.send_message(ANN, "link", reply_markup=text_only)).reply_markup
    assert tg.last(ANN).buttons == [[("A", "https://example.org")]]


# ----- callbacks ----------------------------------------------------------------------------


async def test_answer_callback_query_rules(tg: FakeTelegram, bot: Bot) -> None:
    sent = await bot.send_message(ANN, "Approve?", reply_markup=keyboard([("Yes", "y")]))
    query_id = tg.press_button(ANN, sent, "Yes")
    with pytest.raises(BadRequest, match=r"(?i)MESSAGE_TOO_LONG"):
        await bot.answer_callback_query(query_id, "x" * 201)
    assert await bot.answer_callback_query(query_id, "Approved", show_alert=True)
    assert tg.answers[0].text == "Approved"
    assert tg.answers[0].show_alert
    assert tg.answers[0].data == "y"
    assert tg.answers[0].created_at <= tg.answers[0].at
    with pytest.raises(BadRequest, match=r"(?i)query is too old"):
        await bot.answer_callback_query(query_id)  # twice
    with pytest.raises(BadRequest, match=r"(?i)query is too old"):
        await bot.answer_callback_query("12345")  # unknown

    tg.callback_answer_deadline = 0.0
    late = tg.press(ANN, sent, "y")
    with pytest.raises(BadRequest, match=r"(?i)query is too old"):
        await bot.answer_callback_query(late)
    assert tg.unanswered_queries == [late]


async def test_press_forged_data_and_missing_button(tg: FakeTelegram, bot: Bot) -> None:
    sent = await bot.send_message(ANN, "Menu", reply_markup=keyboard([("Search", "s")]))
    query_id = tg.press(ANN, sent, "approve:999")  # no such button: forged
    (update,) = await bot.get_updates()
    assert update.callback_query.id == query_id
    assert update.callback_query.data == "approve:999"
    assert update.callback_query.from_user.first_name == "Ann"
    assert update.callback_query.message.message_id == sent.message_id
    with pytest.raises(AssertionError, match=r"no button 'Help'.*\('Search', 's'\)"):
        tg.press_button(ANN, sent, "Help")
    assert tg.press_button(ANN, sent, lambda text: text.startswith("Sea"))


# ----- updates ------------------------------------------------------------------------------


async def test_long_polling_returns_early_and_offsets_confirm(tg: FakeTelegram, bot: Bot) -> None:
    poll = asyncio.create_task(bot.get_updates(timeout=5))
    await tg.wait_for(lambda: tg.polling, timeout=2)
    started = time.monotonic()
    tg.send_text(ANN, "/start@requestbot_test_bot now")
    (update,) = await poll
    assert time.monotonic() - started < 1.0
    assert update.update_id == 1
    assert update.message.text.startswith("/start")
    (command,) = update.message.entities
    assert (command.type, command.offset, command.length) == ("bot_command", 0, 26)

    tg.send_text(BOB, "hello")
    tg.send_text(ANN, "/help", chat_id=GROUP)
    assert [u.update_id for u in await bot.get_updates(limit=1)] == [1]
    assert [u.update_id for u in await bot.get_updates(offset=2)] == [2, 3]
    assert len(tg.pending_updates) == 2  # 1 confirmed by offset=2
    assert await bot.get_updates(offset=4, timeout=0) == ()
    assert tg.pending_updates == []
    assert len(tg.updates) == 3
    assert tg.calls_to("getUpdates")[-1].params["offset"] == 4


async def test_a_second_poller_conflicts(tg: FakeTelegram, bot: Bot) -> None:
    first = asyncio.create_task(bot.get_updates(timeout=5))
    await tg.wait_for(lambda: tg.polling, timeout=2)
    async with Bot(tg.token, base_url=tg.base_url) as second:  # another instance
        assert await second.get_updates(timeout=0) == ()
    with pytest.raises(Conflict, match="terminated by other getUpdates request"):
        await first
    assert tg.errors[-1].status == 409


async def test_application_polls_replies_and_answers(tg: FakeTelegram) -> None:
    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None
        await update.effective_message.reply_text(
            "Hello <b>Ann</b>", parse_mode=ParseMode.HTML, reply_markup=keyboard([("Go", "go")])
        )

    async def pressed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        assert query is not None
        await query.answer("Going")
        await query.edit_message_text(f"Went with {query.data}")

    tg.enforce_flood = True
    app = Application.builder().token(tg.token).base_url(tg.base_url).build()
    app.add_handler(CommandHandler("start", start))
    app.add_handler(CallbackQueryHandler(pressed))
    async with app:
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0, timeout=5)
        hello = tg.send_text(ANN, "/start")
        reply = await tg.wait_for_message(ANN, after=hello, timeout=5)
        assert reply.text == "Hello Ann"
        assert reply.entities[0]["type"] == "bold"
        tg.press_button(ANN, reply, "Go")
        await tg.wait_for(lambda: tg.last(ANN).text == "Went with go", timeout=5)
        await app.updater.stop()
        await app.stop()
    assert [a.text for a in tg.answers] == ["Going"]
    assert tg.errors == []
    assert tg.pending_updates == []


async def test_wait_for_times_out_with_a_summary(tg: FakeTelegram, bot: Bot) -> None:
    await bot.send_message(ANN, "hi")
    with pytest.raises(AssertionError, match=r"(?s)nothing matched.*sendMessage -> 200"):
        await tg.wait_for(lambda: tg.last(BOB), timeout=0.05)


# ----- chats --------------------------------------------------------------------------------


async def test_blocked_not_started_and_unknown_chats(tg: FakeTelegram, bot: Bot) -> None:
    with pytest.raises(Forbidden, match="bot can't initiate conversation with a user"):
        await bot.send_message(BOB, "hi")
    tg.send_text(BOB, "/start")
    assert await bot.send_message(BOB, "hi")

    tg.block(ANN)
    with pytest.raises(Forbidden, match="bot was blocked by the user"):
        await bot.send_message(ANN, "hi")
    assert tg.errors[-1].status == 403
    tg.unblock(ANN)
    assert await bot.send_message(ANN, "hi again")

    with pytest.raises(BadRequest, match=r"(?i)chat not found"):
        await bot.send_message(42, "who?")
    chat = await bot.get_chat(GROUP)
    assert chat.title == "Requests"
    assert chat.type == "supergroup"


# ----- rate limits --------------------------------------------------------------------------


@quiet_retry_after
async def test_rate_limit_knob_raises_retry_after(tg: FakeTelegram, bot: Bot) -> None:
    tg.rate_limit(1, retry_after=7, chat_id=GROUP)
    assert await bot.send_message(ANN, "other chats pass")
    with pytest.raises(RetryAfter) as raised:
        await bot.send_message(GROUP, "throttled")
    assert seconds(raised.value.retry_after) == 7
    assert tg.errors[-1].description == "Too Many Requests: retry after 7"
    assert await bot.send_message(GROUP, "and then it passes")
    assert tg.flood_violations == []  # forced, not the bot's fault

    tg.fail(1, status=502)
    assert await bot.get_updates() == ()  # polling does not swallow the failure
    with pytest.raises(NetworkError, match="Bad Gateway"):
        await bot.send_message(ANN, "x")

    tg.delay = 0.05
    started = time.monotonic()
    assert await bot.send_message(ANN, "slow")
    assert time.monotonic() - started >= 0.05


@quiet_retry_after
async def test_flood_limits_in_a_private_chat(tg: FakeTelegram, bot: Bot) -> None:
    tg.enforce_flood = True
    tg.private_burst, tg.private_window = 2, 0.5
    await bot.send_message(ANN, "1")
    await bot.send_message(ANN, "2")
    with pytest.raises(RetryAfter) as raised:
        await bot.send_message(ANN, "3")
    assert seconds(raised.value.retry_after) == 1
    ((method, chat_id, _),) = tg.flood_violations
    assert (method, chat_id) == ("sendMessage", ANN)
    assert await bot.send_message(GROUP, "other chats are not affected")

    tg.enforce_flood = False
    assert await bot.send_message(ANN, "3")
    tg.reset()
    assert tg.enforce_flood
    assert tg.flood_violations == []
    assert tg.calls == []


# ----- commands -----------------------------------------------------------------------------


async def test_commands_are_stored_per_scope(tg: FakeTelegram, bot: Bot) -> None:
    everyone = [BotCommand("start", "Start"), BotCommand("search", "Find a title")]
    admins = [BotCommand("pending", "Requests to decide")]
    assert await bot.set_my_commands(everyone)
    assert await bot.set_my_commands(admins, scope=BotCommandScopeChat(GROUP))
    assert await bot.get_my_commands() == tuple(everyone)
    assert await bot.get_my_commands(scope=BotCommandScopeChat(GROUP)) == tuple(admins)
    assert [c["command"] for c in tg.commands()] == ["start", "search"]
    assert tg.commands({"type": "chat", "chat_id": GROUP}) == [
        {"command": "pending", "description": "Requests to decide"}
    ]
    assert await bot.delete_my_commands(scope=BotCommandScopeChat(GROUP))
    assert tg.commands({"type": "chat", "chat_id": GROUP}) == []
    with pytest.raises(BadRequest, match=r"(?i)BOT_COMMAND_INVALID"):
        await bot.set_my_commands([BotCommand("Start", "Start")])
