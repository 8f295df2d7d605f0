"""The Seerr-compatible API as one more component of the running bot: its socket, its key
and its app. Imported only when the API runs, so that a bot without it loads no uvicorn
and no FastAPI."""

from __future__ import annotations

import importlib
import logging
import socket
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from adapters.api.server import CannotListen, listen, serve
from bot.app import ApiKeySource, App
from bot.runner import Component
from bot.settings import ApiSettings

if TYPE_CHECKING:
    from fastapi import APIRouter

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


def build_app(app: App, keys: ApiKeySource) -> Any:
    """The FastAPI app of every route, on the bot's services and key."""
    # FastAPI loads only now. (Looked up by name: the routes' package is built beside this.)
    build_api = importlib.import_module("adapters.api.app").build_api
    routers: Sequence[APIRouter] = ()  # the titles' and the downloaders' routers join here
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
