"""Seerr's downloader pages: ``/settings/radarr|sonarr`` (admins) and
``/service/radarr|sonarr[/{id}]``, from the configured Radarr and Sonarr servers.

Seerr numbers its servers of each kind from 0; here the regular server is 0 and the 4K one
1, whichever are configured. Profiles, root folders, tags and language profiles are read
from the servers themselves (cached by the downloader options).

Unlike Seerr, the settings pages never carry a server's ``apiKey``: a key that can delete
a library has no business in a page any admin tool may fetch and log, and none of the
tools that read these pages (Janitorr: id, useSsl, hostname, port; Doplarr: is4k) uses it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from typing import Annotated, Any, Protocol

import httpx
from fastapi import APIRouter, Depends, Path
from fastapi.responses import JSONResponse

from adapters.api.errors import message_only
from core.errors import ServiceRejected, ServiceUnavailable
from core.media import MediaType

log = logging.getLogger(__name__)

Json = dict[str, Any]
KINDS = {"radarr": MediaType.MOVIE, "sonarr": MediaType.TV}


class Choice(Protocol):
    @property
    def id(self) -> int: ...
    @property
    def name(self) -> str: ...


class Folder(Protocol):
    @property
    def id(self) -> int: ...
    @property
    def path(self) -> str: ...
    @property
    def free_space(self) -> int | None: ...
    @property
    def total_space(self) -> int | None: ...


class Active(Protocol):
    """What the settings resolve to on the server."""

    @property
    def profile_id(self) -> int: ...
    @property
    def profile_name(self) -> str: ...
    @property
    def root_folder(self) -> str: ...
    @property
    def language_profile_id(self) -> int | None: ...


class Options(Protocol):
    @property
    def profiles(self) -> Sequence[Choice]: ...
    @property
    def root_folders(self) -> Sequence[Folder]: ...
    @property
    def language_profiles(self) -> Sequence[Choice] | None: ...
    @property
    def tags(self) -> Sequence[Choice]: ...
    @property
    def active(self) -> Active: ...


class DownloadServer(Protocol):
    """One configured Radarr or Sonarr (adapters.arr.options.ArrOptions)."""

    @property
    def name(self) -> str: ...
    @property
    def url(self) -> str: ...
    @property
    def minimum_availability(self) -> str: ...
    async def options(self) -> Options: ...


Downloaders = Mapping[tuple[MediaType, bool], DownloadServer]


def services_router(downloaders: Downloaders, admin: Callable[..., Any]) -> APIRouter:
    """The downloader routes; ``admin`` is the dependency that admits admins only."""
    router = APIRouter(tags=["services"])
    for kind, media in KINDS.items():
        numbered = {
            int(is_4k): downloaders[(media, is_4k)]
            for is_4k in (False, True)
            if (media, is_4k) in downloaders
        }
        _add_routes(router, kind, numbered, admin)
    return router


def _add_routes(
    router: APIRouter, kind: str, servers: dict[int, DownloadServer], admin: Callable[..., Any]
) -> None:
    """The three routes of one kind ("radarr" or "sonarr")."""
    app = kind.capitalize()

    async def settings() -> list[Json]:
        """Each configured server's settings, as Seerr keeps them (no API key)."""
        return [await _settings(kind, n, server) for n, server in servers.items()]

    async def listing() -> list[Json]:
        """Each configured server, with what titles are added with."""
        return [_summary(kind, n, server, await _active(server)) for n, server in servers.items()]

    async def detail(server_id: Annotated[str, Path(max_length=20)]) -> Json | JSONResponse:
        """One server with its profiles, root folders, language profiles and tags; an id
        that is not one (a word too, as in Seerr) is 404."""
        number = int(server_id) if server_id.isdigit() else None
        server = servers.get(number) if number is not None else None
        if number is None or server is None:
            return message_only(404, f"{app} server with provided ID does not exist.")
        options = await _options(server)
        if options is None:
            return message_only(503, f"{server.name} is not reachable right now.")
        return _detail(kind, number, server, options)

    router.add_api_route(f"/settings/{kind}", settings, dependencies=[Depends(admin)])
    router.add_api_route(f"/service/{kind}", listing)
    router.add_api_route(f"/service/{kind}/{{server_id}}", detail, response_model=None)


async def _options(server: DownloadServer) -> Options | None:
    """The server's options, or None (logged) while it does not answer or refuses us."""
    try:
        return await server.options()
    except (ServiceUnavailable, ServiceRejected) as exc:
        log.warning("%s options unavailable: %s", server.name, exc)
        return None


async def _active(server: DownloadServer) -> Active | None:
    """What the settings resolve to, or None while the server does not answer."""
    options = await _options(server)
    return options.active if options is not None else None


async def _settings(kind: str, server_id: int, server: DownloadServer) -> Json:
    url = httpx.URL(server.url)
    ssl = url.scheme == "https"
    active = await _active(server)
    body = {
        **_summary(kind, server_id, server, active),
        "hostname": url.host,
        "port": url.port or (443 if ssl else 80),
        "useSsl": ssl,
        "baseUrl": url.path.rstrip("/"),
        "activeProfileName": active.profile_name if active else None,
        "tags": [],
        "externalUrl": "",
        "syncEnabled": True,
        "preventSearch": False,
        "tagRequests": False,
        "overrideRule": [],
    }
    if kind == "radarr":
        body["minimumAvailability"] = server.minimum_availability
    else:
        body.update(
            seriesType="standard",
            animeSeriesType="anime",
            activeAnimeProfileName=body["activeProfileName"],
            animeTags=[],
            enableSeasonFolders=True,
            monitorNewItems="all",
        )
    return body


def _summary(kind: str, server_id: int, server: DownloadServer, active: Active | None) -> Json:
    """A server as /service lists it (Seerr's ServiceCommonServer)."""
    body: Json = {
        "id": server_id,
        "name": server.name,
        "is4k": server_id == 1,
        "isDefault": True,  # the only server of its kind and 4K-ness
        "activeDirectory": active.root_folder if active else None,
        "activeProfileId": active.profile_id if active else None,
        "activeTags": [],
    }
    if kind == "sonarr":
        # Anime goes to the same profile and folder, as the series type "anime".
        language = active.language_profile_id if active else None
        body.update(
            activeAnimeProfileId=body["activeProfileId"],
            activeAnimeDirectory=body["activeDirectory"],
            activeLanguageProfileId=language,
            activeAnimeLanguageProfileId=language,
        )
    return body


def _detail(kind: str, server_id: int, server: DownloadServer, options: Options) -> Json:
    body: Json = {
        "server": _summary(kind, server_id, server, options.active),
        "profiles": [{"id": p.id, "name": p.name} for p in options.profiles],
        "rootFolders": [
            {"id": f.id, "freeSpace": f.free_space, "path": f.path, "totalSpace": f.total_space}
            for f in options.root_folders
        ],
        "tags": [{"id": t.id, "label": t.name} for t in options.tags],
    }
    if kind == "sonarr":
        languages = options.language_profiles
        body["languageProfiles"] = (
            None if languages is None else [{"id": p.id, "name": p.name} for p in languages]
        )
    return body
