"""The runner stops every component cleanly on SIGTERM/SIGINT, and when one crashes."""

from __future__ import annotations

import asyncio
import os
import signal

import pytest

from bot.runner import Component, serve


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
