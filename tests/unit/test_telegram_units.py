"""The Telegram adapter's pure parts: button data, text limits and escaping, flood control."""

from __future__ import annotations

import asyncio
import html
import itertools
from typing import Any

import pytest
from telegram import Bot
from telegram.error import RetryAfter

from adapters.telegram import callbacks, render
from adapters.telegram.context import Answers
from adapters.telegram.flood import (
    MARGIN,
    WIRE,
    FloodControl,
    FloodRates,
    Window,
    is_group,
    is_limited,
    outbox,
)
from adapters.telegram.transport import aiohttp_request
from core.media import MediaType
from tests.fake_telegram import FakeTelegram

# ----- button data -------------------------------------------------------------------------


def test_the_longest_button_data_of_each_kind_fits_in_64_bytes() -> None:
    key, big = "A" * 8, 999_999_999
    longest = [
        callbacks.search_page(key, 500, 999),
        callbacks.request(key, 500, 999, MediaType.MOVIE, big),
        callbacks.notify(MediaType.TV, big),
        callbacks.seasons(key, "t999"),
        callbacks.approve(big),
        callbacks.my_requests(2**52, 999),
        callbacks.more_pending(999),
    ]
    assert max(len(data.encode()) for data in longest) <= callbacks.MAX_BYTES
    with pytest.raises(ValueError, match="callback data"):
        callbacks.seasons("k" * 70, "ok")


@pytest.mark.parametrize(
    ("pattern", "data", "matches"),
    [
        (callbacks.APPROVE, "ap:12", True),
        (callbacks.APPROVE, "ap:012", False),
        (callbacks.APPROVE, "ap:1234567890", False),  # beyond any real id: forged
        (callbacks.APPROVE, "ap:12:extra", False),
        (callbacks.REQUEST, "rq:abcdEF-_:1:0:m603", True),
        (callbacks.REQUEST, "rq:abc:1:0:m603", False),
        (callbacks.SEASONS, "ss:abcdEF-_:t35", True),
        (callbacks.SEASONS, "ss:abcdEF-_:drop", False),
        (callbacks.MY_REQUESTS, "mr:5123456789:2", True),
    ],
)
def test_button_data_is_matched_whole_and_strictly(pattern: Any, data: str, matches: bool) -> None:
    assert bool(pattern.match(data)) is matches


# ----- texts ------------------------------------------------------------------------------


def test_shorten_cuts_on_a_word_boundary_within_the_room() -> None:
    text = "The quick brown fox jumps over the lazy dog"
    assert render.shorten(text, 100) == text
    assert render.shorten(text, 20) == "The quick brown fox…"
    assert render.units(render.shorten(text, 20)) <= 20
    assert render.shorten("x" * 50, 10) == "x" * 9 + "…"
    assert render.shorten(text, 1) == ""


def test_lengths_count_utf16_units_and_visible_text_only() -> None:
    assert render.units("😀") == 2
    assert render.visible_length("<b>Tom &amp; Jerry</b>") == len("Tom & Jerry")
    emoji_text = "😀" * 600
    assert render.units(render.shorten(emoji_text, 1024)) <= 1024


@pytest.mark.parametrize("limit", [render.CAPTION_LIMIT, render.TEXT_LIMIT])
def test_compose_fits_the_limit_and_escapes_everything(limit: int) -> None:
    head = [f"<b>{render.esc('<Tom & Jerry>')}</b>"]
    body = "A <script> & more. " * 500

    text = compose_and_check(head, body, ["tail"], limit)

    assert "&lt;script&gt; &amp; more" in text
    assert text.endswith("…</i>\ntail")


def compose_and_check(head: list[str], body: str, tail: list[str], limit: int) -> str:
    text = render.compose(head, body, tail, limit)
    assert render.visible_length(text) <= limit
    assert "<script>" not in text
    return text


def test_compose_keeps_every_line_when_the_fixed_lines_alone_are_too_long() -> None:
    head = [f"<b>{render.esc('Tom & Jerry ' * 150)}</b>", "Requested by <b>Alice</b>"]
    tail = ["Request #7", f"❌ Declined by Boss: {render.esc('too long ' * 100)}"]

    text = render.compose(head, "body", tail, render.CAPTION_LIMIT)

    assert render.visible_length(text) <= render.CAPTION_LIMIT
    assert "<b>" not in text
    lines = html.unescape(text).splitlines()
    assert lines[0].startswith("Tom & Jerry Tom & Jerry")
    assert lines[1:3] == ["Requested by Alice", "Request #7"]
    assert lines[3].startswith("❌ Declined by Boss: too long")


def test_callback_answers_are_cut_to_200_characters() -> None:
    assert len(render.answer_text("word " * 100)) <= render.ANSWER_LIMIT


# ----- flood control ----------------------------------------------------------------------


def test_which_calls_count_and_which_chats_are_groups() -> None:
    assert is_limited("sendMessage")
    assert is_limited("editMessageCaption")
    assert not is_limited("answerCallbackQuery")
    assert not is_limited("sendChatAction")
    assert not is_limited("deleteMessage")
    assert is_group(-100123)
    assert is_group("@channel")
    assert not is_group(42)


async def test_a_window_lets_a_burst_through_then_spaces_the_rest() -> None:
    window = Window(3, 0.3)
    loop = asyncio.get_running_loop()
    start = loop.time()
    times = []
    for _ in range(5):
        window.answered(await window.acquire())
        times.append(loop.time() - start)

    assert max(times[:3]) < 0.2  # no waiting (with room for a busy machine)
    assert times[3] >= 0.3 * (1 + MARGIN) - 0.01  # the period, plus the margin for the wire
    for early, late in itertools.pairwise(times):
        assert late >= early


def test_the_overall_window_runs_at_95_percent_of_telegrams_rate_or_more() -> None:
    overall, group = Window(30, 1.0), Window(20, 60.0)

    assert 0.95 * 30 <= 30 / overall.period < 30  # never faster than Telegram allows
    assert group.period >= 60.1  # a long window keeps at least the margin it had


def test_telegrams_flood_rates_scaled_keep_their_counts_on_shorter_windows() -> None:
    assert FloodRates() == FloodRates(overall=(30, 1.0), group=(20, 60.0), private=(3, 3.0))
    assert FloodRates().scaled(0.5) == FloodRates((30, 0.5), (20, 30.0), (3, 1.5))


async def test_a_message_counts_until_a_period_after_its_answer() -> None:
    window = Window(1, 0.2)
    loop = asyncio.get_running_loop()
    out = await window.acquire()  # sent; its answer is slow to come
    later = asyncio.create_task(window.acquire())
    for _ in range(10):
        await asyncio.sleep(0)
    assert not later.done()  # the first is still out

    window.answered(out)
    answered = loop.time()
    window.answered(await later)

    assert loop.time() - answered >= 0.2  # a full period after the answer


async def test_an_answer_slow_to_come_counts_as_given_once_the_message_surely_arrived() -> None:
    window = Window(1, 0.1)
    loop = asyncio.get_running_loop()
    sent = loop.time()
    await window.acquire()  # never answered (Telegram still fetching the poster, say)

    await window.acquire()

    assert loop.time() - sent >= WIRE + 0.1


class FakeTelegramCall:
    """A Bot API call that answers 429 a given number of times, recording when it ran."""

    def __init__(self, refusals: int, retry_after: int) -> None:
        self.refusals = refusals
        self.retry_after = retry_after
        self.times: list[float] = []
        self.called = asyncio.Event()

    async def __call__(self) -> dict[str, Any]:
        self.times.append(asyncio.get_running_loop().time())
        self.called.set()
        if self.refusals:
            self.refusals -= 1
            raise RetryAfter(self.retry_after)
        return {"ok": True}


async def call(limiter: FloodControl, endpoint: str, chat_id: int, fn: FakeTelegramCall) -> Any:
    return await limiter.process_request(fn, (), {}, endpoint, {"chat_id": chat_id}, None)


async def test_a_429_pauses_that_chat_for_exactly_retry_after_and_then_succeeds() -> None:
    limiter = FloodControl(max_retries=2)
    refused_twice = FakeTelegramCall(refusals=2, retry_after=1)

    assert await call(limiter, "sendMessage", 42, refused_twice) == {"ok": True}

    first, second, third = refused_twice.times
    assert 1.0 <= second - first < 1.5  # never early; late only as far as a busy loop makes it
    assert 1.0 <= third - second < 1.5


async def test_a_429_that_outlasts_the_retries_reaches_the_caller() -> None:
    limiter = FloodControl(max_retries=1)
    stubborn = FakeTelegramCall(refusals=5, retry_after=1)

    with pytest.raises(RetryAfter):
        await call(limiter, "sendMessage", 42, stubborn)
    assert len(stubborn.times) == 2


async def test_other_chats_and_callback_answers_do_not_wait_for_a_paused_chat() -> None:
    limiter = FloodControl()
    paused = FakeTelegramCall(refusals=1, retry_after=2)
    loop = asyncio.get_running_loop()
    waiting = asyncio.create_task(call(limiter, "sendMessage", 42, paused))
    await paused.called.wait()  # refused with a 429: chat 42 is paused now
    start = loop.time()

    await call(limiter, "sendMessage", 43, FakeTelegramCall(0, 0))
    await limiter.process_request(
        FakeTelegramCall(0, 0), (), {}, "answerCallbackQuery", {"callback_query_id": "1"}, None
    )

    assert loop.time() - start < 1.0  # the paused chat waits 2 s; these did not
    assert await waiting == {"ok": True}


async def test_a_draining_limiter_holds_the_outboxs_sends_but_not_the_handlers() -> None:
    limiter = FloodControl()
    limiter.drain()
    queued = FakeTelegramCall(0, 0)

    async def send_from_the_outbox() -> Any:
        with outbox():
            return await call(limiter, "sendMessage", 42, queued)

    held = asyncio.create_task(send_from_the_outbox())
    reply = FakeTelegramCall(0, 0)
    assert await call(limiter, "sendMessage", 43, reply) == {"ok": True}  # a handler's reply

    assert queued.times == []  # never on the wire: the outbox sends it after the restart
    assert not held.done()
    held.cancel()
    with pytest.raises(asyncio.CancelledError):
        await held
    assert queued.times == []


async def test_work_after_an_answer_waits_for_the_answers_in_flight() -> None:
    answers = Answers(patience=10.0)
    released = asyncio.Event()

    async def answering() -> None:
        with answers.sending():
            await released.wait()

    other = asyncio.create_task(answering())
    await asyncio.sleep(0)  # the other answer is on its way
    waiting = asyncio.create_task(answers.out())
    await asyncio.sleep(0)
    assert not waiting.done()
    released.set()
    await other
    await asyncio.wait_for(waiting, 1.0)
    await asyncio.wait_for(answers.out(), 1.0)  # nothing in flight: no wait at all


async def test_an_answer_that_hangs_holds_the_other_presses_work_only_for_its_patience() -> None:
    answers = Answers(patience=0.05)
    hanging = asyncio.Event()

    async def answering() -> None:
        with answers.sending():
            await hanging.wait()

    stuck = asyncio.create_task(answering())
    await asyncio.sleep(0)
    loop = asyncio.get_running_loop()
    began = loop.time()
    await asyncio.wait_for(answers.out(), 1.0)
    assert loop.time() - began >= 0.04
    stuck.cancel()
    await asyncio.gather(stuck, return_exceptions=True)
    await asyncio.wait_for(answers.out(), 1.0)  # a cancelled answer is no longer in flight


async def test_the_bot_api_requests_open_again_after_a_shutdown(
    fake_telegram: FakeTelegram,
) -> None:
    bot = Bot(fake_telegram.token, base_url=fake_telegram.base_url, request=aiohttp_request())
    for _ in range(2):  # python-telegram-bot reuses the transport when initialised again
        async with bot:
            assert (await bot.get_me()).id == bot.id
    assert len(fake_telegram.calls_to("getMe")) >= 2
