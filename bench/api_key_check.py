"""What checking the API key costs: the stored key is read on every authenticated call (so
that a rotation by another process counts at once); the key from API_KEY is not.

Prints microseconds per check on a real SQLite file, one at a time and 8 at once (as 8
clients would): as StoredApiKeys checks with the stamp file beside SQLite (a stat, and a
read only after a rotation), as it checks on PostgreSQL (the checks waiting at one moment
share a read that began after each asked), with a read of its own per check, and with
API_KEY; next to a one-statement write transaction for scale.

    .venv/bin/python bench/api_key_check.py [--checks N]
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

from adapters.api.keys import FixedApiKeys, StampFile, StoredApiKeys
from adapters.clock import SystemClock
from core import api_keys
from storage import SqlUnitOfWorkFactory, create_engine, upgrade


async def per_call(work: Callable[[], Awaitable[object]], n: int, concurrent: int) -> float:
    """Microseconds per call of ``work``, ``n`` calls by ``concurrent`` tasks."""

    async def worker(count: int) -> None:
        for _ in range(count):
            await work()

    started = time.perf_counter()
    await asyncio.gather(*(worker(n // concurrent) for _ in range(concurrent)))
    return (time.perf_counter() - started) / n * 1e6


async def main(n: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite+aiosqlite:///{folder}/bench.db"
        await upgrade(url)
        engine = create_engine(url)
        uow = SqlUnitOfWorkFactory(engine)
        clock = SystemClock()
        stored = StoredApiKeys(uow, clock)  # as on PostgreSQL: a read per check
        stamped = StoredApiKeys(uow, clock, changes=StampFile(Path(folder) / "bench.db-api-key"))
        key = await stored.current()
        await stamped.rotate()
        key = await stamped.current()
        fixed = FixedApiKeys(key)

        async def write() -> None:
            async with uow() as unit:
                await unit.settings.set("bench", "x", clock.now())
                await unit.commit()

        for label, work in (
            ("stored key, SQLite's stamp file", lambda: stamped.matches(key)),
            ("stored key, shared fresh reads", lambda: stored.matches(key)),
            ("stored key, one read per check", lambda: api_keys.stored_key(uow)),
            ("API_KEY (no read)", lambda: fixed.matches(key)),
            ("a one-statement write transaction", write),
        ):
            await per_call(work, 200, 1)  # warm up
            one = await per_call(work, n, 1)
            eight = await per_call(work, n, 8)
            print(f"{label:36} {one:8.1f} µs one at a time {eight:8.1f} µs each, 8 at once")
        await engine.dispose()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--checks", type=int, default=4000)
    asyncio.run(main(parser.parse_args().checks))
