"""The write path of a request: auto-approved movie requests per second, in process.

An admin creates requests for distinct movies, ``--clients`` at a time, through
core.requests.create_request on a real SQLite file with the production engine
(storage.create_engine). The catalogue is the real TMDb client in front of the fake TMDb
server on 127.0.0.1 (tests/fake_tmdb.py), warmed first so that its cache answers, as it
does for a title someone has just looked at. Printed: requests per second (median of
``--rounds``), trips to the SQLite thread, statements per request, and a profile of one run.

    python bench/write_path.py [--requests N] [--clients N] [--rounds N] [--profile]

The API bench builds on ``bench_world`` and ``create_in_process``: the same world, served.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import pstats
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from contextlib import AbstractContextManager, asynccontextmanager, contextmanager, nullcontext
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import aiosqlite
from sqlalchemy import event

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the fakes live with the tests

from adapters.clock import SystemClock  # noqa: E402
from adapters.tmdb.client import TmdbClient  # noqa: E402
from core import requests, users  # noqa: E402
from core.identity import Identity, User  # noqa: E402
from core.media import MediaType  # noqa: E402
from core.services import CoreConfig, Services  # noqa: E402
from storage import SqlUnitOfWorkFactory  # noqa: E402
from storage.sqlite_driver import OneHopConnection  # noqa: E402
from tests.fake_tmdb import FakeTmdb  # noqa: E402
from tests.storage_fixtures import open_storage  # noqa: E402

FIRST_ID = 1_000_000  # above the fake's built-in titles
ADMIN = Identity("bench", "admin")


@dataclass(slots=True)
class World:
    """What a run needs: the core on a fresh SQLite file, an admin, movies to request."""

    services: Services
    admin: User
    tmdb: FakeTmdb
    tmdb_ids: list[int]
    sync_engine: Any  # to count statements
    url: str  # the database's
    tmdb_client: TmdbClient  # the catalogue, as the API's title routes read it


@asynccontextmanager
async def bench_world(
    folder: Path, count: int, database_url: str | None = None
) -> AsyncIterator[World]:
    """``count`` movies in the fake TMDb, all in the client's cache, and an empty database:
    a SQLite file in ``folder``, or on PostgreSQL at ``database_url`` a schema of its own
    that is dropped afterwards."""
    url = database_url or "sqlite+aiosqlite:///" + (folder / "bench.db").as_posix()
    async with open_storage(url) as storage, FakeTmdb() as fake:
        engine = storage.engine
        ids = list(range(FIRST_ID, FIRST_ID + count))
        for tmdb_id in ids:
            fake.add_movie(tmdb_id, f"Movie {tmdb_id}", "2001-02-03", overview="A film.")
        async with TmdbClient(
            api_key=fake.api_key, base_url=fake.base_url, cache_size=2 * count, max_rate=1e6
        ) as tmdb:
            for chunk in range(0, count, 50):
                await asyncio.gather(
                    *(tmdb.details(i, MediaType.MOVIE) for i in ids[chunk : chunk + 50])
                )
            services = Services(
                SqlUnitOfWorkFactory(engine),
                tmdb,
                SystemClock(),
                CoreConfig(owners=(ADMIN,)),
            )
            admin = await users.resolve_user(services, ADMIN, "Bench Admin")
            yield World(services, admin, fake, ids, engine.sync_engine, url, tmdb)


def shares(ids: Sequence[int], clients: int) -> list[list[int]]:
    """The ids dealt out to ``clients`` workers, each getting distinct ones."""
    return [list(ids[n::clients]) for n in range(clients)]


@dataclass(frozen=True, slots=True)
class Rate:
    """How fast a run went: per second of wall time, and the process's CPU time (every
    thread's) per call, which other load on the machine disturbs less."""

    per_second: float
    cpu_ms: float


async def concurrently(clients: int, ids: Sequence[int], one: Callable[[int], Any]) -> Rate:
    """Run ``await one(tmdb_id)`` for every id, ``clients`` workers at a time."""

    async def worker(mine: list[int]) -> None:
        for tmdb_id in mine:
            await one(tmdb_id)

    started, cpu = time.perf_counter(), time.process_time()
    await asyncio.gather(*(worker(mine) for mine in shares(ids, clients)))
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    return Rate(len(ids) / elapsed, 1000 * cpu / len(ids))


async def create_in_process(world: World, ids: Sequence[int], clients: int) -> Rate:
    """Auto-approved movie requests created through core.requests."""

    async def one(tmdb_id: int) -> None:
        result = await requests.create_request(
            world.services, world.admin.id, tmdb_id, MediaType.MOVIE
        )
        if result.request is None or not result.auto_approved:
            raise AssertionError(f"not created and approved: {result}")

    return await concurrently(clients, ids, one)


@contextmanager
def counting(world: World) -> Iterator[Counter[str]]:
    """Count trips to aiosqlite's threads and statements sent, while inside."""
    counts: Counter[str] = Counter()
    original: Any = aiosqlite.Connection._execute

    async def counted(self: aiosqlite.Connection, fn: Any, *args: Any, **kwargs: Any) -> Any:
        counts["trips"] += 1
        return await original(self, fn, *args, **kwargs)

    def statement(*_: Any) -> None:
        counts["statements"] += 1

    aiosqlite.Connection._execute = counted  # type: ignore[method-assign]
    event.listen(world.sync_engine, "before_cursor_execute", statement)
    try:
        yield counts
    finally:
        aiosqlite.Connection._execute = original  # type: ignore[method-assign]
        event.remove(world.sync_engine, "before_cursor_execute", statement)


_AREAS = (
    ("sqlalchemy", ("sqlalchemy",)),
    ("greenlet", ("greenlet",)),
    ("aiosqlite + sqlite3", ("aiosqlite", "sqlite3", "_sqlite3")),
    ("asyncio (hand-offs, loop)", ("asyncio", "selectors", "threading", "queue")),
    ("requestbot", ("/core/", "/storage/", "/adapters/")),
)


def _area(filename: str, name: str) -> str:
    where = filename + " " + name
    for area, marks in _AREAS:
        if any(mark in where for mark in marks):
            return area
    return "other"


@contextmanager
def profiling_units_of_work() -> Iterator[cProfile.Profile]:
    """Profile what units of work run on the SQLite threads (one at a time: writes are
    serialised, and the bench only writes)."""
    profile = cProfile.Profile()
    original = OneHopConnection.on_its_thread

    async def profiled(self: OneHopConnection, fn: Callable[[], Any]) -> Any:
        return await original(self, partial(profile.runcall, fn))

    OneHopConnection.on_its_thread = profiled  # type: ignore[method-assign]
    try:
        yield profile
    finally:
        OneHopConnection.on_its_thread = original  # type: ignore[method-assign]


def profile_breakdown(profile: cProfile.Profile, where: str, top: int, count: int) -> str:
    """Function calls per request (a figure that the machine's other load leaves alone),
    own time by area, then the costliest functions."""
    stats = pstats.Stats(profile)
    by_area: Counter[str] = Counter()
    total = 0.0
    calls = 0
    for (filename, _, name), (_, called, own, _, _) in stats.stats.items():  # type: ignore[attr-defined]
        by_area[_area(filename, name)] += own
        total += own
        calls += called
    lines = [f"{where}: {calls / count:.0f} function calls a request; own time {total:.2f} s:"]
    for area, own in by_area.most_common():
        lines.append(f"  {area:28} {100 * own / total:5.1f} %")
    lines.append(f"costliest {top} functions (own time):")
    rows = sorted(stats.stats.items(), key=lambda item: -item[1][2])  # type: ignore[attr-defined]
    for (filename, line, name), (_, calls, own, _, _) in rows[:top]:
        place = f"{Path(filename).name}:{line}" if line else filename
        lines.append(f"  {100 * own / total:5.1f} %  {calls:8d}  {name}  {place}")
    return "\n".join(lines)


WARM_UP = 100  # requests before the timed ones: pool, caches, compiled statements


def new_folder(tmp: str, name: str) -> Path:
    folder = Path(tmp) / name
    folder.mkdir()
    return folder


async def timed_run(
    folder: Path, args: argparse.Namespace, during: Callable[[World], AbstractContextManager[Any]]
) -> tuple[Rate, Any]:
    """One fresh world, warmed up, then ``args.requests`` requests timed inside ``during``
    (each run gets a fresh engine: a listener once added leaves SQLAlchemy dispatching
    events for good)."""
    async with bench_world(folder, args.requests + WARM_UP) as world:
        warm, timed = world.tmdb_ids[:WARM_UP], world.tmdb_ids[WARM_UP:]
        await create_in_process(world, warm, args.clients)
        with during(world) as seen:
            return await create_in_process(world, timed, args.clients), seen


@contextmanager
def profiling(_world: World) -> Iterator[tuple[cProfile.Profile, cProfile.Profile]]:
    """Profile the event loop's thread and the units of work on the SQLite thread."""
    loop_thread = cProfile.Profile()
    with profiling_units_of_work() as on_thread:
        loop_thread.enable()
        try:
            yield loop_thread, on_thread
        finally:
            loop_thread.disable()


async def measure(args: argparse.Namespace) -> None:
    n = args.requests
    with tempfile.TemporaryDirectory(prefix="requestbot-bench-") as tmp:
        rates = [
            (await timed_run(new_folder(tmp, f"round-{i}"), args, lambda _: nullcontext()))[0]
            for i in range(args.rounds)
        ]
        _, counts = await timed_run(new_folder(tmp, "counted"), args, counting)
        if args.profile:
            _, (loop_thread, on_thread) = await timed_run(
                new_folder(tmp, "profiled"), args, profiling
            )
    per_second = [rate.per_second for rate in rates]
    cpu_ms = [rate.cpu_ms for rate in rates]
    print(
        f"create_request, {args.clients} clients: {statistics.median(per_second):7.0f} /s  "
        f"(median of {args.rounds}: {', '.join(f'{r:.0f}' for r in per_second)})"
    )
    print(
        f"CPU time per request:                 {statistics.median(cpu_ms):6.3f} ms "
        f"({', '.join(f'{c:.3f}' for c in cpu_ms)})"
    )
    print(f"trips to the SQLite thread per request: {counts['trips'] / n:5.2f}")
    print(f"statements per request:                 {counts['statements'] / n:5.2f}")
    if args.profile:
        print(profile_breakdown(loop_thread, "on the event loop's thread", args.top, n))
        print(profile_breakdown(on_thread, "in units of work on the SQLite thread", args.top, n))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000, help="requests timed per round")
    parser.add_argument("--clients", type=int, default=8, help="concurrent requesters")
    parser.add_argument("--rounds", type=int, default=3, help="runs; the median counts")
    parser.add_argument("--profile", action="store_true", help="profile one more run")
    parser.add_argument("--top", type=int, default=25, help="functions the profile lists")
    asyncio.run(measure(parser.parse_args()))


if __name__ == "__main__":
    main()
