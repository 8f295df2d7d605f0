"""The runner stops every component cleanly on SIGTERM/SIGINT, and when one crashes, within
its budget; the whole bot too, with notifications held up by flood control."""

from __future__ import annotations

import asyncio
import gc
import os
import signal
from pathlib import Path

import pytest

from bot.runner import STOP_BUDGET, Component, serve
from core import requests
from core.media import MediaType
from tests.e2e.test_cli_services import start_bot
from tests.fake_telegram import FakeTelegram
from tests.fake_tmdb import DEFAULT_API_KEY, FakeTmdb
from tests.telegram_world import ADMIN_CHAT, ALICE, BOSS, TelegramWorld, text_of


class Looper:
    """A component that runs until cancelled and remembers how it ended."""

    def __init__(self) -> None:
        self.started = asyncio.Event()
        self.cancelled = False

    async def run(self) -> None:
        self.started.set()
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            self.cancelled = True
            raise


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
async def test_a_signal_stops_every_component_and_exits_zero(sig: signal.Signals) -> None:
    first, second = Looper(), Looper()

    async def send_signal_when_started() -> None:
        await first.started.wait()
        await second.started.wait()
        os.kill(os.getpid(), sig)

    sender = asyncio.create_task(send_signal_when_started())
    code = await serve([Component("one", first.run), Component("two", second.run)])
    await sender
    assert code == 0
    assert first.cancelled
    assert second.cancelled


async def test_a_crashing_component_stops_the_others_and_exits_one() -> None:
    survivor = Looper()

    async def crash() -> None:
        await survivor.started.wait()
        raise RuntimeError("boom")

    code = await serve([Component("survivor", survivor.run), Component("crasher", crash)])
    assert code == 1
    assert survivor.cancelled


async def test_signal_handlers_are_removed_after_serving() -> None:
    stop = asyncio.Event()
    stop.set()
    assert await serve([Component("idle", Looper().run)], stop=stop) == 0
    loop = asyncio.get_running_loop()
    # No handler of ours is left behind: removing it again reports there was none.
    assert loop.remove_signal_handler(signal.SIGTERM) is False


async def test_components_stop_in_reverse_order_each_after_the_next_has_finished() -> None:
    ended: list[str] = []

    def component(name: str) -> Component:
        async def run() -> None:
            try:
                await asyncio.Event().wait()
            except asyncio.CancelledError:
                await asyncio.sleep(0.01)  # some cleanup that takes a moment
                ended.append(name)
                raise

        return Component(name, run)

    stop = asyncio.Event()
    asyncio.get_running_loop().call_later(0.05, stop.set)
    code = await serve([component("telegram"), component("notifications")], stop=stop, signals=())

    assert code == 0
    assert ended == ["notifications", "telegram"]


async def test_a_component_that_will_not_stop_is_left_behind_when_the_budget_is_spent() -> None:
    polite = Looper()
    released = asyncio.Event()
    left: list[asyncio.Task[object]] = []

    async def stubborn() -> None:
        left.extend(t for t in [asyncio.current_task()] if t is not None)
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            await released.wait()  # ignores the stop until the test lets it go
            raise

    stop = asyncio.Event()
    stop.set()
    components = [Component("polite", polite.run), Component("stubborn", stubborn)]
    loop = asyncio.get_running_loop()
    started = loop.time()

    code = await serve(components, stop=stop, signals=(), budget=0.2)

    assert code == 0
    assert loop.time() - started < 2.0  # the budget, with room for a slow machine
    assert polite.cancelled  # the next one was still stopped
    released.set()
    await asyncio.gather(*left, return_exceptions=True)


async def test_the_bot_stops_in_time_with_sends_held_by_flood_control_and_sends_them_once_after(
    fake_telegram: FakeTelegram, fake_tmdb: FakeTmdb, tmp_path: Path
) -> None:
    tg = fake_telegram
    world = TelegramWorld(tg, fake_tmdb, tmp_path)
    await world.start()
    boss, alice = await world.user_id(BOSS, "Boss"), await world.user_id(ALICE, "Alice")
    tg.rate_limit(retry_after=30, chat_id=ADMIN_CHAT)  # the card waits out a 429
    tg.rate_limit(retry_after=30, chat_id=ALICE)  # and so does the "approved" message
    made = await requests.create_request(world.services, alice, 27205, MediaType.MOVIE)
    assert made.request is not None
    await requests.approve_request(world.services, boss, made.request.id)
    await tg.wait_for(lambda: len([c for c in tg.calls if c.status == 429]) == 2)
    loop = asyncio.get_running_loop()
    stopping = loop.time()

    assert await world.stop() == 0

    assert loop.time() - stopping < STOP_BUDGET
    assert tg.messages(ALICE) == []
    assert tg.messages(ADMIN_CHAT) == []
    await world.start()
    await world.settled()
    [told] = tg.messages(ALICE)
    [card] = tg.messages(ADMIN_CHAT)
    assert "approved" in text_of(told).lower()
    assert "Approved" in text_of(card)
    assert await world.stop() == 0


async def test_requestbot_run_stops_in_time_on_sigterm_and_sends_the_held_card_once_after(
    fake_telegram: FakeTelegram, fake_tmdb: FakeTmdb, tmp_path: Path
) -> None:
    tg = fake_telegram
    tg.add_user(BOSS, "Boss")
    tg.add_user(ALICE, "Alice")
    env = {
        "TELEGRAM_BOT_TOKEN": tg.token,
        "TELEGRAM_BASE_URL": tg.base_url,
        "TELEGRAM_POLL_TIMEOUT": "2",
        "TMDB_API_KEY": DEFAULT_API_KEY,
        "TMDB_BASE_URL": fake_tmdb.base_url,
        "BOT_OWNERS": f"telegram:{BOSS}",
    }

    def cards() -> list[str]:
        return [text_of(m) for m in tg.messages(BOSS) if "New Movie Request" in text_of(m)]

    process = await start_bot(tmp_path, "run", **env)
    try:
        await tg.wait_for(lambda: tg.polling, timeout=30)
        tg.send_text(BOSS, "/start")  # the owner becomes known, and so a manager
        await tg.wait_for_message(BOSS, timeout=20)
        tg.rate_limit(retry_after=30, chat_id=BOSS)  # the boss's card waits out a 429
        tg.send_text(ALICE, "/movie matrix")
        found = await tg.wait_for_message(ALICE, lambda m: "Matrix" in text_of(m), timeout=20)
        tg.press_button(ALICE, found, "Request")
        await tg.wait_for(lambda: any(c.status == 429 for c in tg.calls), timeout=20)
    except BaseException:
        process.kill()
        raise
    loop = asyncio.get_running_loop()
    stopping = loop.time()
    process.send_signal(signal.SIGTERM)
    _, err = await asyncio.wait_for(process.communicate(), 30)

    assert loop.time() - stopping < STOP_BUDGET, err.decode()
    assert process.returncode == 0, err.decode()
    assert cards() == []

    process = await start_bot(tmp_path, "run", **env)
    try:
        await tg.wait_for(cards, timeout=30)
    finally:
        process.send_signal(signal.SIGTERM)
        await asyncio.wait_for(process.communicate(), 30)
    assert len(cards()) == 1


async def test_serving_moves_what_start_up_made_out_of_the_collectors_way() -> None:
    stop = asyncio.Event()
    started = asyncio.Event()

    async def component() -> None:
        started.set()
        await asyncio.Event().wait()

    serving = asyncio.create_task(serve([Component("idle", component)], stop=stop, signals=()))
    await asyncio.wait_for(started.wait(), 5)
    assert gc.get_freeze_count() > 0  # start-up's objects sit in the permanent generation
    stop.set()
    assert await asyncio.wait_for(serving, 10) == 0
