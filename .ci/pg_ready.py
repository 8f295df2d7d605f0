"""Exit 0 if the PostgreSQL server at the URL given answers a query: three tries, each
within five seconds (a busy machine can take more than a moment to accept a connection)."""

import asyncio
import sys

import asyncpg

TRIES = 3
TIMEOUT = 5.0


async def answers(dsn: str) -> str | None:
    """None if the server answered, else why not."""
    try:
        conn = await asyncio.wait_for(asyncpg.connect(dsn), TIMEOUT)
        try:
            await asyncio.wait_for(conn.fetchval("select 1"), TIMEOUT)
        finally:
            await conn.close()
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}"
    return None


async def main(url: str) -> int:
    dsn = url.replace("postgresql+asyncpg://", "postgresql://", 1)
    for attempt in range(TRIES):
        why = await answers(dsn)
        if why is None:
            return 0
        if attempt + 1 < TRIES:
            await asyncio.sleep(1.0)
    print(f"PostgreSQL did not answer: {why}", file=sys.stderr)
    return 1


sys.exit(asyncio.run(main(sys.argv[1])))
