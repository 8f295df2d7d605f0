"""Whether the notification agents slow the chats down: the same burst of events delivered
with no agent, then with three (one that answers, one that hangs, one that is down).

requestbot runs as `requestbot run` runs it (composition root, SQLite file, dispatcher)
against the test suite's fake Bot API server with Telegram's real flood limits (30
messages a second in all), the agents going out through Apprise to HTTP sinks on
127.0.0.1. EVENTS "available" events to EVENTS private chats are written at once; printed
for each run: when the last chat message arrived (the floor is (EVENTS - 1) // 30 s), and
with agents when the answering agent had them all and what the two broken ones cost
(target: the chats within 1.05x of the run without agents).

    python bench/agent_fanout.py [--events 150]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the fakes live with the tests

from bench.notify_fanout import available_burst  # noqa: E402
from bot.agent_settings import agent_settings  # noqa: E402
from tests.fake_agents import FakeHooks  # noqa: E402
from tests.fake_telegram import FakeTelegram  # noqa: E402
from tests.fake_tmdb import FakeTmdb  # noqa: E402
from tests.telegram_world import TelegramWorld  # noqa: E402


async def burst(events: int, with_agents: bool) -> tuple[float, float | None]:
    """(seconds until the last chat message, seconds until the answering agent had all)."""
    async with FakeTelegram() as tg, FakeTmdb() as tmdb, FakeHooks() as good, FakeHooks() as hung:
        dead = FakeHooks()
        await dead.start()
        await dead.outage()  # connections refused
        hung.delay = 600  # takes the connection, never answers
        found, problems = agent_settings(
            {
                "NOTIFY_GOOD_URL": f"json://127.0.0.1:{good.port}/hook",
                "NOTIFY_HUNG_URL": f"json://127.0.0.1:{hung.port}/hook",
                "NOTIFY_DEAD_URL": f"json://127.0.0.1:{dead.port}/hook",
            },
            {},
        )
        assert not problems, problems
        with tempfile.TemporaryDirectory() as folder:
            world = TelegramWorld(
                tg,
                tmdb,
                Path(folder),
                admin_chat=None,
                flood_scale=1.0,
                agents=tuple(found) if with_agents else (),
            )
            await world.start()
            people, start = await available_burst(world, events)
            await tg.wait_for(lambda: all(tg.messages(p) for p in people), timeout=events)
            chats = time.monotonic() - start
            agent = None
            if with_agents:
                await good.wait_for(lambda: len(good.bodies()) >= events, timeout=events)
                agent = time.monotonic() - start
            await world.stop()
            await dead.stop()
    return chats, agent


async def main(events: int) -> None:
    floor = (events - 1) // 30
    alone, _ = await burst(events, with_agents=False)
    print(f"{events} events to {events} private chats (floor {floor} s at 30 messages/s)")
    print(f"  no agent:     last chat message after {alone:.2f} s")
    chats, agent = await burst(events, with_agents=True)
    ratio = chats / alone
    print(f"  three agents: last chat message after {chats:.2f} s ({ratio:.2f}x; target 1.05x)")
    print(f"                the answering agent had all {events} after {agent:.2f} s")
    print("                (one agent hung on every connection, one refused them)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=150)
    asyncio.run(main(parser.parse_args().events))
