"""The Seerr-compatible API as one more component of the running bot: its socket, its key
and its app. Imported only when the API runs, so that a bot without it loads no uvicorn
and no FastAPI."""

from __future__ import annotations

import logging
import socket
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from adapters.api.app import build_api
from adapters.api.auth import admin_user
from adapters.api.server import CannotListen, listen, serve
from adapters.api.services import services_router
from adapters.api.shapes import media_info_lookup
from adapters.api.titles import titles_router
from adapters.arr.options import ArrOptions
from bot.app import ApiKeySource, App
from bot.runner import Component
from bot.settings import ApiSettings

if TYPE_CHECKING:
    from fastapi import FastAPI

__all__ = ["CannotListen", "api_component", "api_listening", "build_app"]

log = logging.getLogger(__name__)


@contextmanager
def api_listening(api: ApiSettings) -> Iterator[socket.socket]:
    """The API's address bound and listening, before anything else starts (CannotListen
    when it cannot be, e.g. in use); closed on the way out."""
    sock = listen(api.host, api.port)
    try:
        yield sock
    finally:
        sock.close()


def build_app(app: App, keys: ApiKeySource) -> FastAPI:
    """The FastAPI app of every route, on the bot's services, key, TMDb client and
    downloaders."""
    routers = [
        services_router({route: ArrOptions(c) for route, c in app.arr_clients.items()}, admin_user)
    ]
    if app.tmdb is not None:
        routers.append(titles_router(app.tmdb, media_info_lookup(app.services)))
    else:
        log.warning("API: the catalogue is not TMDb, so /search, /movie and /tv are not served")
    return build_api(app.services, keys, routers=routers)


async def api_component(
    api: ApiSettings,
    app: App,
    sock: socket.socket,
    *,
    asgi: Callable[[App, ApiKeySource], Any] = build_app,
) -> Component:
    """The component serving ``asgi(app, keys)`` on ``sock``. A key is made sure of first,
    so that `requestbot api-key` and the clients agree on it from the start."""
    await app.api_keys.current()
    served = asgi(app, app.api_keys)

    async def serving() -> None:
        log.info("API: listening on %s", api.url)
        await serve(served, sock)

    return Component("api", serving)
