"""How fast Telegram button presses are answered while TMDb is slow.

requestbot runs as `requestbot run` runs it (composition root, SQLite file, dispatcher)
against the test suite's fake Bot API server and fake TMDb on 127.0.0.1. USERS people each
search for a movie, then all press Request at the same moment while TMDb takes DELAY
seconds to answer. Printed: the time from each press to its answerCallbackQuery (p50, p99,
max; Telegram shows a spinner until then) and to the card showing the outcome.

    python bench/telegram_answers.py [--users 50] [--tmdb-delay 1.5]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the fakes live with the tests

from tests.fake_telegram import FakeTelegram  # noqa: E402
from tests.fake_tmdb import FakeTmdb  # noqa: E402
from tests.telegram_world import TelegramWorld, running, text_of  # noqa: E402


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


async def main(users: int, delay: float) -> None:
    async with FakeTelegram() as tg, FakeTmdb() as tmdb:
        tg.callback_answer_deadline = 60.0
        with tempfile.TemporaryDirectory() as folder:
            world = TelegramWorld(tg, tmdb, Path(folder), admin_chat=None)
            async with running(world):
                people = list(range(5001, 5001 + users))
                cards = []
                for n, person in enumerate(people):
                    tg.add_user(person, f"Viewer {n}")
                    title = f"Bench{n:03d}"
                    tmdb.add_movie(700_000 + n, title, "2020-01-01", poster_path=f"/{title}.jpg")
                    cards.append(await world.say(person, f"/movie {title}", title, within=30))
                tmdb.delay = delay
                queries = [
                    tg.press_button(person, card, "Request")
                    for person, card in zip(people, cards, strict=True)
                ]
                answers = [await world.answer_to(q, within=60) for q in queries]
                answered = [a.at - a.created_at for a in answers]
                shown = []
                for person, card, answer in zip(people, cards, answers, strict=True):
                    done = await world.changed(
                        card,
                        lambda m: "Requested" in text_of(m) or "already" in text_of(m),
                        within=120,
                    )
                    assert done.edited_at is not None, person
                    shown.append(done.edited_at - answer.created_at)
    print(f"{users} users pressed Request at once; TMDb answering in {delay:.1f} s")
    for name, values in (("answered", answered), ("card updated", shown)):
        print(
            f"  {name:<13} p50 {statistics.median(values) * 1000:7.0f} ms   "
            f"p99 {percentile(values, 0.99) * 1000:7.0f} ms   "
            f"max {max(values) * 1000:7.0f} ms"
        )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--tmdb-delay", type=float, default=1.5)
    args = parser.parse_args()
    asyncio.run(main(args.users, args.tmdb_delay))
