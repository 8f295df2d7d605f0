"""How fast Discord interactions are acknowledged while TMDb is slow.

requestbot runs as `requestbot run` runs it (composition root, SQLite file, dispatcher, the
real discord.py client) against the test suite's fake Discord gateway/REST server and fake
TMDb on 127.0.0.1. USERS people run /request movie at the same moment, then all press
Request on their cards, while TMDb takes DELAY seconds to answer. Printed: the time from
the fake dispatching each INTERACTION_CREATE to the bot's acknowledging callback (p50, p99,
max; Discord fails an interaction not acknowledged within 3 s), and from dispatch to the
answer the user finally sees.

    python bench/interaction_latency.py [--users 50] [--tmdb-delay 1.5]
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

from tests.discord_world import GENERAL, DiscordWorld, answered, running  # noqa: E402
from tests.fake_discord import FakeDiscord, FakeInteraction  # noqa: E402
from tests.fake_tmdb import FakeTmdb  # noqa: E402


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def report(name: str, values: list[float]) -> None:
    print(
        f"  {name:<24} p50 {statistics.median(values) * 1000:7.1f} ms   "
        f"p99 {percentile(values, 0.99) * 1000:7.1f} ms   max {max(values) * 1000:7.1f} ms"
    )


async def main(users: int, delay: float) -> None:
    async with FakeDiscord() as fake, FakeTmdb() as tmdb:
        with tempfile.TemporaryDirectory() as folder:
            world = DiscordWorld(fake, tmdb, Path(folder))
            async with running(world):
                people = [960_000_000_000_000_000 + n for n in range(users)]
                for n, person in enumerate(people):
                    fake.add_user(person, f"viewer{n}")
                    title = f"Bench{n:03d}"
                    tmdb.add_movie(700_000 + n, title, "2020-01-01", poster_path=f"/{title}.jpg")
                tmdb.delay = delay
                commands = await asyncio.gather(
                    *(
                        fake.slash(
                            person,
                            "request",
                            subcommand="movie",
                            options={"title": f"Bench{n:03d}"},
                            channel_id=GENERAL,
                        )
                        for n, person in enumerate(people)
                    )
                )
                cards = await asyncio.gather(*(answered(ix, within=120) for ix in commands))
                clicks: list[FakeInteraction] = await asyncio.gather(
                    *(
                        world.click(person, card, "Request")
                        for person, card in zip(people, cards, strict=True)
                    )
                )
                await asyncio.gather(*(answered(ix, within=120) for ix in clicks))
    print(f"{users} users at once; TMDb answering in {delay:.1f} s")
    for name, done in (("/request movie", commands), ("Request button", clicks)):
        acks = [ix.ack_latency for ix in done if ix.ack_latency is not None]
        assert len(acks) == users, "some interactions were never acknowledged"
        assert all(ix.ack_status in (200, 204) for ix in done), "an acknowledgement failed"
        report(f"{name}: dispatch->ack", acks)
    print("  (target: p99 <= 90 ms; Discord's limit is 3000 ms)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--tmdb-delay", type=float, default=1.5)
    args = parser.parse_args()
    asyncio.run(main(args.users, args.tmdb_delay))
