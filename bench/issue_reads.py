"""Reading issues through the API: pages of GET /api/v1/issue?take=50 per second (open and
all, newest added and last modified first), GET /issue/count per second, a title's details
with its issues in mediaInfo, and one refresh of Home Assistant's Overseerr integration
(GET /request/count then /issue/count, the two calls its coordinator makes every 5 minutes)
in milliseconds.

The store is seeded in process through the repositories: ``--titles`` movies requested by
the admin and available on the server (bench/write_path.py's world: the fake TMDb on
127.0.0.1, the real TMDb client's cache in front), ``--users`` users, and ``--issues``
issues reported by them over a year, more on popular titles than on others, of every type,
each with 1-4 comments (the report is the first) and most of the older ones resolved by
the admin. The server and the load process are bench/http_load.py's.

Printed for each route: per second with ``--clients`` connections, the server's CPU time
(every thread's) per call, and the latency of a call (median and 99th percentile) from
one connection at a time, as a dashboard sends them. ``--explain`` adds the query plans of
a page and of the counts. ``--database-url`` runs on PostgreSQL instead of a SQLite file
(in a schema of its own, dropped afterwards).

    python bench/issue_reads.py [--issues N] [--calls N] [--database-url URL] [--explain]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import tempfile
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the fakes live with the tests
sys.path.insert(0, str(ROOT / "bench"))

from http_load import Call, Figure, Step, load, served, singles  # noqa: E402
from sqlalchemy.ext.asyncio import AsyncEngine  # noqa: E402
from write_path import WARM_UP, World, bench_world, create_in_process, new_folder  # noqa: E402

from core import users  # noqa: E402
from core.identity import Identity  # noqa: E402
from core.issue_values import IssueSort, IssueStatus, IssueType  # noqa: E402
from core.media import Media, MediaStatus, MediaType  # noqa: E402

PAGE = 50
TYPES = (IssueType.VIDEO, IssueType.AUDIO, IssueType.SUBTITLES, IssueType.OTHER)
TYPE_WEIGHTS = (35, 25, 25, 15)
WORDS = "The sound is out of sync after the first hour, and the subtitles stop halfway."


@dataclass(frozen=True, slots=True)
class Seeded:
    issues: int
    open: int
    comments: int
    busiest: tuple[int, int]  # the TMDb id of the title with the most issues, and how many
    by_status: Counter[IssueStatus]


async def seed(world: World, args: argparse.Namespace) -> Seeded:
    """Titles requested and available, users, and their issues with comments."""
    services, clock = world.services, world.services.clock
    await create_in_process(world, world.tmdb_ids, args.clients)
    now = clock.now()
    titles: list[Media] = []
    async with services.uow() as uow:
        for tmdb_id in world.tmdb_ids:
            media = await uow.media.get_by_tmdb(tmdb_id, MediaType.MOVIE)
            assert media is not None
            await uow.media.set_status(media.id, MediaStatus.AVAILABLE, now)
            titles.append(media)
        await uow.commit()
    people = [
        await users.resolve_user(services, Identity("bench", f"user-{n}"), f"User {n}")
        for n in range(args.users)
    ]
    chance = random.Random(7)
    # A few titles draw most reports (Zipf-like), people report about as often as each other.
    weights = [1 / (rank + 5) for rank in range(len(titles))]
    on = chance.choices(titles, weights, k=args.issues)
    started = now - timedelta(days=365)
    stamps = sorted(chance.uniform(0, 365 * 86400) for _ in range(args.issues))
    by_title: Counter[int] = Counter()
    by_status: Counter[IssueStatus] = Counter()
    comments = 0
    for first in range(0, args.issues, 250):
        async with services.uow() as uow:
            for n in range(first, min(first + 250, args.issues)):
                reporter = chance.choice(people)
                when = started + timedelta(seconds=stamps[n])
                issue = await uow.issues.add(
                    media=on[n],
                    issue_type=chance.choices(TYPES, TYPE_WEIGHTS)[0],
                    problem_season=0,
                    problem_episode=0,
                    created_by=reporter,
                    message=WORDS,
                    now=when,
                )
                by_title[on[n].tmdb_id] += 1
                comments += 1
                for _ in range(chance.randrange(4)):  # 1-4 comments in all
                    when = min(now, when + timedelta(hours=chance.uniform(1, 72)))
                    writer = chance.choice((reporter, world.admin))
                    await uow.issues.add_comment(issue.id, writer, "Still the same here.", when)
                    comments += 1
                old = (now - when).days > 30
                status = IssueStatus.OPEN
                if chance.random() < (0.8 if old else 0.3):
                    when = min(now, when + timedelta(hours=chance.uniform(1, 48)))
                    await uow.issues.set_status(
                        issue.id, IssueStatus.RESOLVED, world.admin.id, when
                    )
                    status = IssueStatus.RESOLVED
                by_status[status] += 1
            await uow.commit()
    busiest = by_title.most_common(1)[0]
    return Seeded(args.issues, by_status[IssueStatus.OPEN], comments, busiest, by_status)


def issue_pages(count: int, matching: int, status: str, sort: IssueSort) -> list[Call]:
    """Random pages of PAGE issues out of the ``matching`` ones."""
    chance = random.Random(13)
    last = max(1, matching - PAGE)
    return [
        Call("GET", f"/api/v1/issue?take={PAGE}&skip={chance.randrange(last)}&filter={status}"
             f"&sort={sort.value}")
        for _ in range(count)
    ]  # fmt: skip


@dataclass(frozen=True, slots=True)
class Measured:
    label: str
    busy: Figure  # from ``--clients`` connections
    alone: Figure  # from one


async def measure_one(
    label: str, steps: Sequence[Step], port: int, key: str, args: argparse.Namespace
) -> Measured:
    busy = await load(steps, port, key, clients=args.clients)
    alone = await load(steps, port, key, clients=1)
    return Measured(label, busy, alone)


async def explain(world: World) -> list[str]:
    """The plans of a page of open issues by last change, its count, the counts, and a
    title's issues, as the database makes them with values in place of the parameters."""
    from storage.repositories import issues as repository

    engine = AsyncEngine(world.sync_engine)
    open_page, open_count = repository._page_queries(True, False, False, IssueSort.MODIFIED)
    statements = {
        "a page (filter=open, sort=modified)": open_page,
        "its count": open_count,
        "GET /issue/count": repository._COUNTS,
        "a title's issues (mediaInfo)": repository._page_queries(
            False, False, True, IssueSort.ADDED
        )[0],
    }
    values = {"status": IssueStatus.OPEN.value, "offset": 1000, "limit": PAGE, "media_id": 1}
    prefix = "EXPLAIN QUERY PLAN " if engine.dialect.name == "sqlite" else "EXPLAIN "
    lines = []
    async with engine.connect() as conn:
        for label, statement in statements.items():
            compiled = statement.compile(dialect=engine.dialect)
            given = compiled.construct_params(values)
            positional = tuple(given[name] for name in compiled.positiontup or ())
            result = await conn.exec_driver_sql(prefix + compiled.string, positional)
            rows = result.all()
            lines.append(f"{label}:")
            lines.extend(f"  {' | '.join(str(v) for v in row)}" for row in rows)
    return lines


async def measure(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory(prefix="requestbot-bench-") as tmp:
        async with bench_world(new_folder(tmp, "issues"), args.titles, args.database_url) as world:
            seeded = await seed(world, args)
            plans = await explain(world) if args.explain else []
            n = args.calls + WARM_UP
            async with served(world) as (port, key):
                runs = []
                for status, matching in (("open", seeded.open), ("all", seeded.issues)):
                    for sort in IssueSort:
                        runs.append(
                            await measure_one(
                                f"GET /issue?take={PAGE}&filter={status}&sort={sort.value}",
                                singles(issue_pages(n, matching, status, sort)),
                                port,
                                key,
                                args,
                            )
                        )
                count = [Call("GET", "/api/v1/issue/count")] * n
                runs.append(await measure_one("GET /issue/count", singles(count), port, key, args))
                movie = [Call("GET", f"/api/v1/movie/{seeded.busiest[0]}")] * n
                runs.append(
                    await measure_one(
                        f"GET /movie/{{id}} ({seeded.busiest[1]} issues)", singles(movie), port,
                        key, args,
                    )
                )  # fmt: skip
                refresh = (Call("GET", "/api/v1/request/count"), Call("GET", "/api/v1/issue/count"))
                runs.append(
                    await measure_one(
                        "Home Assistant refresh (2 calls)", [refresh] * n, port, key, args
                    )
                )
    backend = "PostgreSQL" if args.database_url else "SQLite file"
    print(
        f"{backend}: {args.titles} titles, {args.users} users, {seeded.issues} issues "
        f"({seeded.open} open), {seeded.comments} comments; {args.calls} timed calls a run"
    )
    print(
        f"{'':44} {args.clients} connections        1 connection\n"
        f"{'':44} {'per s':>7} {'CPU ms':>7}   {'p50 ms':>7} {'p99 ms':>7}"
    )
    for run in runs:
        print(
            f"{run.label:44} {run.busy.per_second:7.0f} {run.busy.cpu_ms:7.2f}   "
            f"{run.alone.p50_ms:7.2f} {run.alone.p99_ms:7.2f}"
        )
    for line in plans:
        print(line)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--titles", type=int, default=2000, help="movies on the server")
    parser.add_argument("--users", type=int, default=200, help="people reporting")
    parser.add_argument("--issues", type=int, default=5000, help="issues reported")
    parser.add_argument("--calls", type=int, default=500, help="timed calls a run")
    parser.add_argument("--clients", type=int, default=8, help="concurrent connections")
    parser.add_argument("--database-url", help="PostgreSQL instead of a SQLite file")
    parser.add_argument("--explain", action="store_true", help="print the query plans")
    asyncio.run(measure(parser.parse_args()))


if __name__ == "__main__":
    main()
