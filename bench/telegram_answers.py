"""How fast Telegram button presses are answered while TMDb is slow.

The test suite's fake Bot API server and fake TMDb run on 127.0.0.1 in this process, and
requestbot runs as its own process with `requestbot run` (composition root, SQLite file,
dispatcher), as it does in production, where Telegram is not in the bot's event loop. USERS
people each search for a movie, then all press Request at the same moment while TMDb takes
DELAY seconds to answer. Printed: the time from each press to its answerCallbackQuery
(p50, p99, max; Telegram shows a spinner until then) and to the card showing the outcome.

``--in-process`` runs the bot in this process instead, in the same event loop as the
fakes (as the test suite does): the fakes' own work then counts in the bot's latency.

    python bench/telegram_answers.py [--users 50] [--tmdb-delay 1.5] [--in-process]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import signal
import statistics
import sys
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the fakes live with the tests

from tests.fake_telegram import FakeTelegram  # noqa: E402
from tests.fake_tmdb import FakeTmdb  # noqa: E402
from tests.telegram_world import TelegramWorld, running, text_of  # noqa: E402

SETTING_PREFIXES = ("TMDB_", "TELEGRAM_", "DISCORD_", "JELLYFIN_", "RADARR", "SONARR")


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


@contextlib.asynccontextmanager
async def bot_process(tg: FakeTelegram, tmdb: FakeTmdb, folder: Path) -> AsyncIterator[None]:
    """`requestbot run` in its own process against the fakes, stopped with SIGTERM."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(SETTING_PREFIXES)}
    env.update(
        PYTHONPATH=str(ROOT),
        TELEGRAM_BOT_TOKEN=tg.token,
        TELEGRAM_BASE_URL=tg.base_url,
        TMDB_API_KEY=tmdb.api_key or "unused",
        TMDB_BASE_URL=tmdb.base_url,
        DATABASE_URL=f"sqlite+aiosqlite:///{folder / 'requestbot.db'}",
        LOG_LEVEL="WARNING",
    )
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "--env-file", os.devnull, "run", cwd=folder, env=env
    )
    try:
        await tg.wait_for(lambda: tg.calls_to("getUpdates"), timeout=60)
        yield
    finally:
        process.send_signal(signal.SIGTERM)
        await asyncio.wait_for(process.wait(), 30)


async def measure(world: TelegramWorld, users: int, delay: float) -> None:
    tg, tmdb = world.tg, world.tmdb
    people = list(range(5001, 5001 + users))
    cards = []
    for n, person in enumerate(people):
        tg.add_user(person, f"Viewer {n}")
        title = f"Bench{n:03d}"
        tmdb.add_movie(700_000 + n, title, "2020-01-01", poster_path=f"/{title}.jpg")
        cards.append(await world.say(person, f"/movie {title}", title, within=30))
    tmdb.delay = delay
    queries = [
        tg.press_button(person, card, "Request") for person, card in zip(people, cards, strict=True)
    ]
    answers = [await world.answer_to(q, within=60) for q in queries]
    answered = [a.at - a.created_at for a in answers]
    shown = []
    for card, answer in zip(cards, answers, strict=True):
        done = await world.changed(
            card, lambda m: "Requested" in text_of(m) or "already" in text_of(m), within=120
        )
        assert done.edited_at is not None
        shown.append(done.edited_at - answer.created_at)
    for name, values in (("answered", answered), ("card updated", shown)):
        print(
            f"  {name:<13} p50 {statistics.median(values) * 1000:7.0f} ms   "
            f"p99 {percentile(values, 0.99) * 1000:7.0f} ms   "
            f"max {max(values) * 1000:7.0f} ms"
        )


async def main(users: int, delay: float, in_process: bool) -> None:
    where = "in the fakes' process" if in_process else "in its own process"
    print(f"{users} users press Request at once; TMDb answering in {delay:.1f} s; bot {where}")
    async with FakeTelegram() as tg, FakeTmdb() as tmdb:
        tg.callback_answer_deadline = 60.0
        with tempfile.TemporaryDirectory() as folder:
            # The world's conversation helpers only talk to the fakes; in-process, the world
            # also runs the bot.
            world = TelegramWorld(tg, tmdb, Path(folder), admin_chat=None, flood_scale=1.0)
            if in_process:
                async with running(world):
                    await measure(world, users, delay)
            else:
                async with bot_process(tg, tmdb, Path(folder)):
                    await measure(world, users, delay)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--tmdb-delay", type=float, default=1.5)
    parser.add_argument("--in-process", action="store_true")
    args = parser.parse_args()
    asyncio.run(main(args.users, args.tmdb_delay, args.in_process))
