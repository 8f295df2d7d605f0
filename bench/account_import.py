"""Making users of a large media server's accounts, as the daily full scan does: time and
statements.

    python bench/account_import.py [--accounts 5000] [--database-url URL]

Imports that many accounts into a fresh SQLite file (or the given database, which must be
empty), then again unchanged, then again with every account renamed, and prints for each the
wall time and the SQL statements sent (a fixed number whatever the count: the users who are
accounts are read in one, the new ones inserted and the changed ones updated in one each).
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from pathlib import Path
from typing import Any

from sqlalchemy import event

from adapters.clock import SystemClock
from core import linking
from core.identity import ServerAccount
from core.media import MediaDetails, MediaType, SearchPage
from core.services import Services
from storage import SqlUnitOfWorkFactory, create_engine
from storage.migrate import upgrade_engine


class NoCatalogue:
    """The import asks nothing of TMDb."""

    async def search(
        self, query: str, page: int = 1, media_type: MediaType | None = None
    ) -> SearchPage:
        raise NotImplementedError

    async def details(self, tmdb_id: int, media_type: MediaType) -> MediaDetails:
        raise NotImplementedError

    async def find(self, source: str, external_id: str) -> list[tuple[int, MediaType]]:
        raise NotImplementedError


async def run(url: str, count: int) -> None:
    engine = create_engine(url)
    await upgrade_engine(engine)
    statements: list[str] = []

    def counted(conn: Any, clause: Any, *args: Any) -> None:
        statements.append(str(clause).split()[0])

    event.listen(engine.sync_engine, "before_execute", counted)
    services = Services(SqlUnitOfWorkFactory(engine), NoCatalogue(), SystemClock())
    accounts = [
        ServerAccount(f"id-{n}", f"user {n}", email=f"u{n}@example.org") for n in range(count)
    ]
    renamed = [ServerAccount(a.server_id, a.name.upper()) for a in accounts]
    try:
        for label, given in (("new", accounts), ("unchanged", accounts), ("renamed", renamed)):
            statements.clear()
            started = time.perf_counter()
            report = await linking.import_accounts(services, given)
            took = time.perf_counter() - started
            sql = [s for s in statements if s not in ("BEGIN", "COMMIT")]
            print(
                f"{label:>10}: {took * 1000:7.0f} ms, {count / took:8.0f} accounts/s, "
                f"statements {sql}: {report.summary()}"
            )
    finally:
        await engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=5000)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = args.database_url or f"sqlite+aiosqlite:///{Path(folder) / 'bench.db'}"
        asyncio.run(run(url, args.accounts))


if __name__ == "__main__":
    main()
