"""Exit 0 if the PostgreSQL server at the URL given answers a query within two seconds."""

import asyncio
import sys

import asyncpg


async def main(url: str) -> int:
    dsn = url.replace("postgresql+asyncpg://", "postgresql://", 1)
    try:
        conn = await asyncio.wait_for(asyncpg.connect(dsn), 2)
        await conn.fetchval("select 1")
        await conn.close()
    except Exception:
        return 1
    return 0


sys.exit(asyncio.run(main(sys.argv[1])))
