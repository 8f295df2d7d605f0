"""How the outbox fans notifications out to Telegram under its flood limits.

requestbot runs as `requestbot run` runs it (composition root, SQLite file, dispatcher)
against the test suite's fake Bot API server, which enforces Telegram's flood limits (30
messages a second in all, 20 a minute in a group, a few a second in a private chat) and
records when each message arrives. Printed:

(a) while CARDS approval cards wait on the admin group's 20-a-minute limit, how long the
    requester of an approved request waits for their private "approved" message (target
    at most 2 s), and how long the bot then takes to stop with that backlog (target 5 s);
(b) CHATS notifications to CHATS private chats at once: the time until the last one
    arrived against the floor of 30 a second ((CHATS - 1) // 30 seconds: thirty at once,
    thirty more each second; target at most 1.05x), how many never
    arrived, how many arrived twice, and the flood-limit refusals the bot provoked;
(c) how long the bot takes to stop while a message waits out a 429, and while one hangs
    on the wire (target 5 s; docker stop kills after 10).

    python bench/notify_fanout.py [--cards 100] [--chats 1000]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the fakes live with the tests

from core import requests  # noqa: E402
from core.domain import RequestStatus  # noqa: E402
from core.events import EventKind, EventPayload  # noqa: E402
from core.media import MediaType  # noqa: E402
from tests.fake_telegram import FakeTelegram  # noqa: E402
from tests.fake_tmdb import FakeTmdb  # noqa: E402
from tests.telegram_world import ADMIN_CHAT, ALICE, BOSS, TelegramWorld  # noqa: E402

GROUP_BURST = 20  # Telegram lets 20 into a group in any minute


async def private_message_behind_cards(cards: int) -> None:
    async with FakeTelegram() as tg, FakeTmdb() as tmdb:
        with tempfile.TemporaryDirectory() as folder:
            world = TelegramWorld(tg, tmdb, Path(folder), admin_chat=ADMIN_CHAT, flood_scale=1.0)
            await world.start()
            boss = await world.user_id(BOSS, "Boss")
            made = []
            for n in range(GROUP_BURST + cards):
                person = 6001 + n
                tg.add_user(person, f"Viewer {n}")
                tmdb.add_movie(800_000 + n, f"Fanout{n:04d}", "2021-01-01")
                requester = await world.user_id(person, f"Viewer {n}")
                created = await requests.create_request(
                    world.services, requester, 800_000 + n, MediaType.MOVIE
                )
                assert created.request is not None
                made.append((person, created.request.id))
            await tg.wait_for(lambda: len(tg.messages(ADMIN_CHAT)) >= GROUP_BURST, timeout=60)
            waiting = GROUP_BURST + cards - len(tg.messages(ADMIN_CHAT))
            person, request_id = made[0]
            asked = time.monotonic()
            await requests.approve_request(world.services, boss, request_id)
            dm = await tg.wait_for_message(person, timeout=120)
            told = dm.sent_at - asked
            stopping = time.monotonic()
            code = await world.stop()
            stopped = time.monotonic() - stopping
    print(f"(a) {waiting} approval cards waiting on the admin group's limit")
    print(f"    requester's private message arrived {told:.2f} s after the approval (target 2 s)")
    print(f"    the bot then stopped in {stopped:.2f} s with that backlog (exit {code})")


def payload(n: int, user_id: int) -> EventPayload:
    return EventPayload(
        request_id=100_000 + n,
        media_type=MediaType.MOVIE,
        tmdb_id=900_000 + n,
        title=f"Fanout {n}",
        year=2021,
        poster_path=None,
        overview="",
        is_4k=False,
        seasons=(),
        requested_by_id=user_id,
        requested_by_name=f"Viewer {n}",
        actor_id=None,
        actor_name=None,
        status=RequestStatus.COMPLETED,
    )


async def available_burst(world: TelegramWorld, chats: int) -> tuple[list[int], float]:
    """Write an "available" event for each of ``chats`` new people in one transaction and
    wake the dispatcher; their Telegram ids, and when the dispatcher was woken."""
    people = list(range(20_001, 20_001 + chats))
    ids = []
    for n, person in enumerate(people):
        world.tg.add_user(person, f"Viewer {n}")
        ids.append(await world.user_id(person, f"Viewer {n}"))
    services = world.services
    async with services.uow() as uow:
        for n, user_id in enumerate(ids):
            await uow.events.add(EventKind.AVAILABLE, payload(n, user_id), services.clock.now())
        await uow.commit()
    start = time.monotonic()
    services.events_written()
    return people, start


async def fan_out(chats: int) -> None:
    async with FakeTelegram() as tg, FakeTmdb() as tmdb:
        with tempfile.TemporaryDirectory() as folder:
            world = TelegramWorld(tg, tmdb, Path(folder), admin_chat=None, flood_scale=1.0)
            await world.start()
            people, start = await available_burst(world, chats)

            def arrived() -> bool:
                return all(tg.messages(p) for p in people)

            with contextlib.suppress(AssertionError):  # counted below as lost
                await tg.wait_for(arrived, timeout=chats / 10)
            await world.settled(within=60)
            last = max((m.sent_at for p in people for m in tg.messages(p)), default=start)
            counts = Counter(len(tg.messages(p)) for p in people)
            violations = len(tg.flood_violations)
            await world.stop()
    elapsed = last - start
    # The earliest the last one can arrive when no 30 may arrive within any one second:
    # messages 0-29 at once, 30-59 a second later, and so on.
    floor = float((chats - 1) // 30)
    lost = counts.get(0, 0)
    twice = sum(count * (sent - 1) for sent, count in counts.items() if sent > 1)
    print(f"(b) {chats} notifications to {chats} Telegram chats")
    print(
        f"    {elapsed:.2f} s against the floor of {floor:.2f} s: {elapsed / floor:.3f}x "
        f"(target 1.05x); lost {lost}, duplicated {twice}, flood refusals {violations}"
    )


async def stop_while(state: str) -> float:
    """Seconds the bot takes to stop while an "approved" message is held up by ``state``."""
    async with FakeTelegram() as tg, FakeTmdb() as tmdb:
        with tempfile.TemporaryDirectory() as folder:
            world = TelegramWorld(tg, tmdb, Path(folder), admin_chat=ADMIN_CHAT, flood_scale=1.0)
            await world.start()
            boss, alice = await world.user_id(BOSS, "Boss"), await world.user_id(ALICE, "Alice")
            made = await requests.create_request(world.services, alice, 27205, MediaType.MOVIE)
            assert made.request is not None
            await world.settled()
            if state == "a 429 wait":
                tg.rate_limit(retry_after=30, chat_id=ALICE)
            else:
                tg.delay = 30.0  # every call but the long poll hangs
            await requests.approve_request(world.services, boss, made.request.id)
            if state == "a 429 wait":
                await tg.wait_for(lambda: any(c.status == 429 for c in tg.calls))
            else:
                await asyncio.sleep(0.5)  # the send is on the wire
            stopping = time.monotonic()
            await world.stop()
            return time.monotonic() - stopping


async def main(cards: int, chats: int) -> None:
    await private_message_behind_cards(cards)
    await fan_out(chats)
    for state in ("a 429 wait", "a send that hangs"):
        print(f"(c) the bot stopped in {await stop_while(state):.2f} s during {state}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cards", type=int, default=100)
    parser.add_argument("--chats", type=int, default=1000)
    args = parser.parse_args()
    asyncio.run(main(args.cards, args.chats))
