"""A full library scan of a large Jellyfin library: time and peak memory.

The test suite's fake Jellyfin runs in a separate process (so its own memory is not
counted) and serves a generated library over HTTP on 127.0.0.1: by default 45,000 movies
and 5,000 shows of 3 seasons x 8 episodes, 50,000 items in all. requestbot's real
JellyfinClient pages through it and the core's scan records every title in a fresh SQLite
file, as the daily full scan does. TMDb is answered in-process (show seasons for the
episode-count comparison, and /find for the one movie in ten that has only an IMDb id):
TMDb's speed is not what is measured.

    python bench/library_scan.py [--movies 45000] [--series 5000] [--page 200]

Prints, for a tenth of the library and then for all of it, the wall time, items per
second, the peak of Python allocations during the scan (tracemalloc, which itself slows
Python down: the times are upper bounds) and the process's peak RSS, then the time of a
second scan that finds nothing new. Bounded memory shows as a peak that does not grow with
the library.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

from adapters.clock import SystemClock
from adapters.jellyfin import JellyfinClient
from core import library
from core.errors import TitleNotFound
from core.media import MediaDetails, MediaType, SearchPage, SeasonInfo
from core.services import Services
from storage import SqlUnitOfWorkFactory, create_engine, upgrade

ROOT = Path(__file__).resolve().parent.parent
SEASONS, EPISODES = 3, 8


class GeneratedCatalogue:
    """TMDb for the fake's generated library (ids as tests/fake_jellyfin.py makes them)."""

    async def search(
        self, query: str, page: int = 1, media_type: MediaType | None = None
    ) -> SearchPage:
        return SearchPage(1, 0, 0, ())

    async def details(self, tmdb_id: int, media_type: MediaType) -> MediaDetails:
        if media_type is not MediaType.TV or tmdb_id < 2_000_000:
            raise TitleNotFound(tmdb_id, media_type)
        seasons = tuple(SeasonInfo(n, EPISODES) for n in range(1, SEASONS + 1))
        return MediaDetails(tmdb_id, media_type, f"Show {tmdb_id}", 2020, "", None, seasons)

    async def find(self, source: str, external_id: str) -> list[tuple[int, MediaType]]:
        if source == "imdb_id" and external_id.startswith("tt9"):
            return [(1_000_000 + int(external_id[2:]) - 9_000_000, MediaType.MOVIE)]
        return []


async def start_fake(movies: int, series: int) -> tuple[asyncio.subprocess.Process, str, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tests.fake_jellyfin", "--movies", str(movies),
        "--series", str(series), "--seasons", str(SEASONS), "--episodes", str(EPISODES),
        cwd=ROOT, stdout=asyncio.subprocess.PIPE,
    )  # fmt: skip
    assert process.stdout is not None
    first = json.loads(await process.stdout.readline())
    return process, first["base_url"], first["api_key"]


async def scan(movies: int, series: int, page: int) -> None:
    process, base_url, api_key = await start_fake(movies, series)
    try:
        with tempfile.TemporaryDirectory(prefix="requestbot-bench-") as folder:
            url = "sqlite+aiosqlite:///" + (Path(folder) / "bench.db").as_posix()
            await upgrade(url)
            engine = create_engine(url)
            services = Services(SqlUnitOfWorkFactory(engine), GeneratedCatalogue(), SystemClock())
            async with JellyfinClient(base_url, api_key, page_size=page) as server:
                tracemalloc.start()
                started = time.perf_counter()
                report = await library.scan_library(services, server)
                elapsed = time.perf_counter() - started
                _, peak = tracemalloc.get_traced_memory()
                tracemalloc.stop()
                # The daily scan usually finds the library as it was: time that too.
                started = time.perf_counter()
                again = await library.scan_library(services, server)
                unchanged = time.perf_counter() - started
            await engine.dispose()
    finally:
        process.terminate()
        await process.wait()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    items = movies + series
    print(
        f"{items:>7,} items ({movies:,} movies, {series:,} shows): {elapsed:7.1f} s, "
        f"{report.seen / elapsed:6.0f} items/s, peak Python allocations "
        f"{peak / 2**20:5.1f} MiB, process peak RSS {rss:5.0f} MiB"
    )
    print(f"          first scan: {report.summary()[:120]}")
    print(f"          again, nothing new: {unchanged:.1f} s ({again.summary()})")


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--movies", type=int, default=45_000)
    parser.add_argument("--series", type=int, default=5_000)
    parser.add_argument("--page", type=int, default=200, help="items per /Items page")
    args = parser.parse_args()
    await scan(args.movies // 10, args.series // 10, args.page)
    await scan(args.movies, args.series, args.page)


if __name__ == "__main__":
    asyncio.run(main())
