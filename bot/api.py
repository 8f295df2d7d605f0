"""The Seerr-compatible API as one more component of the running bot: its socket, its key
and its app. Imported only when the API runs, so that a bot without it loads no uvicorn
and no FastAPI."""

from __future__ import annotations

import logging
import socket
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from adapters.api.app import build_api
from adapters.api.auth import admin_user
from adapters.api.media_info import media_info_lookup
from adapters.api.notification_settings import router as webhook_settings_router
from adapters.api.server import CannotListen, listen, serve
from adapters.api.services import services_router
from adapters.api.titles import titles_router
from adapters.arr.options import ArrOptions
from adapters.notify.webhook import WebhookTransport
from adapters.tmdb.client import TmdbClient
from bot.app import ApiKeySource, App
from bot.runner import Component
from bot.settings import ApiSettings
from core.agents import AgentTransport
from core.media import MediaType
from core.services import Services
from core.webhook import WebhookConfig

if TYPE_CHECKING:
    from fastapi import APIRouter, FastAPI

__all__ = ["CannotListen", "api_component", "api_listening", "api_routers", "build_app"]

Route = tuple[MediaType, bool]  # a downloader's (media type, 4K)

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


def api_routers(
    services: Services,
    tmdb: TmdbClient | None,
    downloaders: Mapping[Route, ArrOptions],
    *,
    webhook: WebhookConfig | None = None,
    webhook_transport: AgentTransport | None = None,
) -> list[APIRouter]:
    """The routes beyond the API's own: the downloader pages over ``downloaders``, the
    webhook's settings (``webhook``: the one set in the settings, read-only there; tests
    sent through ``webhook_transport``), and the title routes on ``tmdb`` with mediaInfo from
    ``services`` (none when the catalogue is not TMDb)."""
    routers = [
        services_router(downloaders, admin_user),
        webhook_settings_router(webhook_transport or WebhookTransport(), webhook),
    ]
    if tmdb is not None:
        routers.append(titles_router(tmdb, media_info_lookup(services)))
    else:
        log.warning("API: the catalogue is not TMDb, so /search, /movie and /tv are not served")
    return routers


def build_app(app: App, keys: ApiKeySource) -> FastAPI:
    """The FastAPI app of every route, on the bot's services, key, TMDb client, downloaders
    and webhook."""
    options = {route: ArrOptions(client) for route, client in app.arr_clients.items()}
    routers = api_routers(app.services, app.tmdb, options, webhook=app.webhook)
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
        log.info("API: listening on %s", api.url_on(sock.getsockname()[1]))
        await serve(served, sock)

    return Component("api", serving)
