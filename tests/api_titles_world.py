"""The title and downloader routes on their own: a small FastAPI app around them, a
mediaInfo lookup that reads the real database, and uvicorn on 127.0.0.1 for real clients.

The full API (auth, the complete mediaInfo with requests) is built elsewhere; these
routers take what they need as parameters, so their tests stand them up like this.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any

import httpx
import uvicorn
from fastapi import APIRouter, FastAPI

from adapters.api.titles import MediaInfoLookup
from core.media import MediaKey
from core.services import Services

PREFIX = "/api/v1"
STAMP = "2026-01-01T00:00:00.000Z"  # the media rows here keep no times


def media_info_lookup(services: Services) -> MediaInfoLookup:
    """Seerr's mediaInfo for the titles the database knows, from ``uow.media.states``."""

    async def lookup(keys: Sequence[MediaKey], detailed: bool) -> dict[MediaKey, dict[str, Any]]:
        async with services.uow(write=False) as uow:
            states = await uow.media.states(list(keys))
        found: dict[MediaKey, dict[str, Any]] = {}
        for key, state in states.items():
            media = state.media
            info: dict[str, Any] = {
                "id": media.id,
                "tmdbId": media.tmdb_id,
                "tvdbId": media.tvdb_id,
                "imdbId": media.imdb_id,
                "mediaType": str(media.media_type),
                "status": int(media.status),
                "status4k": int(media.status_4k),
                "createdAt": STAMP,
                "updatedAt": STAMP,
            }
            if detailed:
                info["seasons"] = [
                    {"seasonNumber": n, "status": int(s), "status4k": 1}
                    for n, s in sorted(media.season_statuses.items())
                ]
                info["requests"] = []
            found[key] = info
        return found

    return lookup


def app_with(*routers: APIRouter) -> FastAPI:
    """A FastAPI app with ``routers`` under /api/v1, as the API mounts them."""
    app = FastAPI()
    for router in routers:
        app.include_router(router, prefix=PREFIX)
    return app


def asgi_client(app: FastAPI) -> httpx.AsyncClient:
    """An httpx client calling ``app`` in process."""
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://api")


@asynccontextmanager
async def served(app: FastAPI) -> AsyncIterator[int]:
    """``app`` under uvicorn on 127.0.0.1, in this event loop; yields the port.

    The socket is bound and listening before uvicorn starts, so a client may connect at once
    (the kernel queues it until uvicorn accepts).
    """
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)
    port = int(sock.getsockname()[1])
    config = uvicorn.Config(app, log_level="warning", lifespan="off", access_log=False)
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        yield port
    finally:
        server.should_exit = True
        await task
        sock.close()
