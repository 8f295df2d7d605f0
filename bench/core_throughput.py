"""Raw aiosqlite insert+commit per second vs requestbot's full create-request per second.

Both run on a fresh SQLite file with the same pragmas (WAL, synchronous=NORMAL, foreign keys,
busy timeout), one after the other in the same process. The full create-request is the real
use case on the real storage: user read, permission check, quota count, media upsert,
duplicate check, request insert, outbox event insert, commit. Only the catalogue is an
in-memory stand-in (TMDb is called before the transaction and is not what is measured).

    python bench/core_throughput.py [--requests N] [--raw N]

Prints the figures and the ratio (target: >= 0.5).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from pathlib import Path

import aiosqlite

from adapters.clock import SystemClock
from core import requests, users
from core.errors import TitleNotFound
from core.identity import Identity, QuotaLimits
from core.media import CatalogueItem, MediaDetails, MediaType, SearchPage
from core.permissions import Permission
from core.services import CoreConfig, Services
from storage import SqlUnitOfWorkFactory, create_engine, upgrade

PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    "PRAGMA synchronous=NORMAL",
    "PRAGMA foreign_keys=ON",
    "PRAGMA busy_timeout=30000",
)


class BenchCatalogue:
    """Movies 1..N, answered from memory."""

    async def search(
        self, query: str, page: int = 1, media_type: MediaType | None = None
    ) -> SearchPage:
        return SearchPage(1, 0, 0, ())

    async def details(self, tmdb_id: int, media_type: MediaType) -> MediaDetails:
        if media_type is not MediaType.MOVIE:
            raise TitleNotFound(tmdb_id, media_type)
        return MediaDetails(tmdb_id, media_type, f"Movie {tmdb_id}", 2000, "", None)

    async def find(self, source: str, external_id: str) -> list[tuple[int, MediaType]]:
        return []

    def item(self, tmdb_id: int) -> CatalogueItem:
        return CatalogueItem(tmdb_id, MediaType.MOVIE, f"Movie {tmdb_id}", 2000, "", None)


async def raw_inserts(folder: Path, count: int) -> float:
    """Single-row INSERT + COMMIT per second with plain aiosqlite."""
    async with aiosqlite.connect(folder / "raw.db") as db:
        for pragma in PRAGMAS:
            await db.execute(pragma)
        await db.execute(
            "CREATE TABLE requests (id INTEGER PRIMARY KEY, media_id INTEGER NOT NULL, "
            "user_id INTEGER NOT NULL, status INTEGER NOT NULL, created_at TEXT NOT NULL)"
        )
        await db.commit()
        started = time.perf_counter()
        for n in range(count):
            await db.execute(
                "INSERT INTO requests (media_id, user_id, status, created_at) VALUES (?, ?, ?, ?)",
                (n, 1, 1, "2026-01-01T00:00:00+00:00"),
            )
            await db.commit()
        return count / (time.perf_counter() - started)


async def full_requests(folder: Path, count: int, concurrency: int) -> float:
    """Full create_request calls per second, ``concurrency`` users at a time."""
    url = "sqlite+aiosqlite:///" + (folder / f"full-{concurrency}.db").as_posix()
    await upgrade(url)
    engine = create_engine(url)
    try:
        # A quota that is checked on every request but never reached.
        config = CoreConfig(
            default_permissions=Permission.REQUEST,
            quota_defaults=QuotaLimits(movie_limit=10 * count, movie_days=7),
        )
        services = Services(SqlUnitOfWorkFactory(engine), BenchCatalogue(), SystemClock(), config)
        people = [
            await users.resolve_user(services, Identity("bench", str(n)), f"user {n}")
            for n in range(concurrency)
        ]
        per_user = count // concurrency

        async def worker(index: int) -> None:
            user = people[index]
            for n in range(per_user):
                tmdb_id = 1 + index * per_user + n
                result = await requests.create_request(services, user.id, tmdb_id, MediaType.MOVIE)
                assert result.request is not None

        started = time.perf_counter()
        await asyncio.gather(*(worker(i) for i in range(concurrency)))
        return per_user * concurrency / (time.perf_counter() - started)
    finally:
        await engine.dispose()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000, help="create-requests per run")
    parser.add_argument("--raw", type=int, default=4000, help="raw inserts per run")
    parser.add_argument("--rounds", type=int, default=3, help="runs of each; the median counts")
    args = parser.parse_args()
    raw, full, busy = [], [], []
    with tempfile.TemporaryDirectory(prefix="requestbot-bench-") as tmp:
        for round_ in range(args.rounds):
            folder = Path(tmp) / str(round_)
            folder.mkdir()
            raw.append(await raw_inserts(folder, args.raw))
            full.append(await full_requests(folder, args.requests, concurrency=1))
            busy.append(await full_requests(folder, args.requests, concurrency=16))
    raw_rate, full_rate, busy_rate = (statistics.median(v) for v in (raw, full, busy))
    print(f"raw aiosqlite insert+commit:         {raw_rate:9.0f} /s  (median of {args.rounds})")
    print(f"requestbot create_request, 1 user:   {full_rate:9.0f} /s")
    print(f"requestbot create_request, 16 users: {busy_rate:9.0f} /s")
    print(f"ratio full/raw (1 user):             {full_rate / raw_rate:9.2f}  (target >= 0.5)")
    print(f"ratio full/raw (16 users):           {busy_rate / raw_rate:9.2f}")


if __name__ == "__main__":
    asyncio.run(main())
