"""Radarr and Sonarr (API v3): the core's Downloader and a HealthCheck, on httpx.

Both take the quality profile and root folder by name or by id, resolved against the
server once (``requestbot check`` shows what they resolved to). Sending is idempotent: the
title is looked up in the server's library first; one already there is monitored and
searched, never added twice, and a "has already been added" answer to a racing add is
taken as success.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Self

import httpx

from adapters.http import JsonApi, NotThere
from core.domain import DownloadOrder
from core.errors import ServiceRejected, ServiceUnavailable
from core.media import DownloadProgress, MediaStatus, MediaType

log = logging.getLogger(__name__)

API = "/api/v3"
QUEUE_PAGE = 100
MAX_QUEUE_PAGES = 50
MINIMUM_AVAILABILITY = ("announced", "inCinemas", "released")
ALREADY_ADDED = "already been added"


@dataclass(frozen=True, slots=True)
class ArrSettings:
    """Where a Radarr/Sonarr is and what to add titles with (names or ids)."""

    url: str
    api_key: str
    quality_profile: str
    root_folder: str
    minimum_availability: str = "released"  # Radarr only
    language_profile: str | None = None  # Sonarr v3 only


@dataclass(frozen=True, slots=True)
class Resolved:
    """What the settings name, as the server knows it: ids and the root folder's path."""

    profile_id: int
    profile_name: str
    root_folder: str
    language_profile_id: int | None = None


class ArrClient:
    """What Radarr and Sonarr share: profiles, root folders, the queue, commands."""

    app = "Radarr"

    def __init__(
        self,
        settings: ArrSettings,
        *,
        name: str | None = None,
        timeout: float = 15.0,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.name = name or self.app
        self.settings = settings
        self._api = JsonApi(
            self.name,
            settings.url,
            {"X-Api-Key": settings.api_key},
            secret=settings.api_key,
            timeout=timeout,
            transport=transport,
        )
        self._resolved: Resolved | None = None

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._api.aclose()

    async def check(self) -> str:
        """The server's version and what the settings resolved to; raises if they do not."""
        status = await self._get("/system/status")
        app = status.get("appName") if isinstance(status, dict) else None
        if app and str(app).lower() != self.app.lower():
            raise ServiceRejected(self.name, 400, f"this URL is a {app}, not a {self.app}")
        self._resolved = None
        resolved = await self._resolve()
        version = status.get("version", "?") if isinstance(status, dict) else "?"
        text = (
            f"{self.app} {version}, quality profile {resolved.profile_name} "
            f"({resolved.profile_id}), root folder {resolved.root_folder}"
        )
        return text + self._extra_check(resolved)

    def _extra_check(self, resolved: Resolved) -> str:
        return ""

    async def resolved(self) -> Resolved:
        """The quality profile, root folder and language profile titles are added with."""
        return await self._resolve()

    async def read(self, path: str) -> Any:
        """The body of GET ``/api/v3{path}`` (a list of profiles, folders or tags), or None
        when the server has no such path (Sonarr v4 has no language profiles)."""
        try:
            return await self._api.get(API + path)
        except NotThere:
            return None

    async def send(self, order: DownloadOrder) -> str:
        raise NotImplementedError

    async def progress(self, orders: Sequence[DownloadOrder]) -> list[DownloadProgress]:
        raise NotImplementedError

    async def _resolve(self) -> Resolved:
        if self._resolved is None:
            profiles = await self._get("/qualityprofile")
            profile_id, profile_name = _pick(
                self.name, "quality profile", self.settings.quality_profile, profiles
            )
            folders = await self._get("/rootfolder")
            root = _root_folder(self.name, self.settings.root_folder, folders)
            language = await self._language_profile()
            self._resolved = Resolved(profile_id, profile_name, root, language)
        return self._resolved

    async def _language_profile(self) -> int | None:
        return None

    async def _queued(self, key: str) -> set[int]:
        """The ids (``movieId`` or ``seriesId``) of everything in the download queue."""
        ids: set[int] = set()
        for page in range(1, MAX_QUEUE_PAGES + 1):
            body = await self._get("/queue", {"page": page, "pageSize": QUEUE_PAGE})
            records = body.get("records") if isinstance(body, dict) else None
            if not isinstance(records, list):
                raise ServiceUnavailable(self.name, "malformed queue")
            ids.update(
                r[key] for r in records if isinstance(r, dict) and isinstance(r.get(key), int)
            )
            total = body.get("totalRecords")
            if not records or not isinstance(total, int) or page * QUEUE_PAGE >= total:
                break
        return ids

    async def _command(self, body: dict[str, Any]) -> None:
        await self._api.post(API + "/command", body)

    async def _get(self, path: str, params: dict[str, Any] | None = None) -> Any:
        try:
            return await self._api.get(API + path, params)
        except NotThere:
            raise ServiceRejected(
                self.name, 404, f"no {API}{path} here: is this a {self.app} URL?"
            ) from None

    async def _write(self, method: str, path: str, body: Any) -> Any:
        try:
            return await self._api.call(method, API + path, body=body)
        except NotThere:
            raise ServiceRejected(self.name, 404, f"{path} not found") from None


class RadarrClient(ArrClient):
    """Movies to Radarr."""

    app = "Radarr"

    def _extra_check(self, resolved: Resolved) -> str:
        return f", minimum availability {self.settings.minimum_availability}"

    async def _resolve(self) -> Resolved:
        if self.settings.minimum_availability not in MINIMUM_AVAILABILITY:
            raise ServiceRejected(
                self.name,
                400,
                f"minimum availability {self.settings.minimum_availability!r} is not one of "
                + ", ".join(MINIMUM_AVAILABILITY),
            )
        return await super()._resolve()

    async def send(self, order: DownloadOrder) -> str:
        """Add the movie (monitored, searching at once), or monitor and search it if
        Radarr has it already; returns ``radarr:<id>``."""
        if order.media_type is not MediaType.MOVIE:
            raise ValueError(f"{self.name} takes movies, not {order.media_type}")
        existing = await self._movie(order.tmdb_id)
        if existing is not None:
            return await self._refresh(existing)
        resolved = await self._resolve()
        found = await self._get("/movie/lookup", {"term": f"tmdb:{order.tmdb_id}"})
        if not isinstance(found, list) or not found or not isinstance(found[0], dict):
            raise ServiceRejected(self.name, 404, f"cannot find TMDb movie {order.tmdb_id}")
        body = {
            **found[0],
            "qualityProfileId": resolved.profile_id,
            "rootFolderPath": resolved.root_folder,
            "monitored": True,
            "minimumAvailability": self.settings.minimum_availability,
            "addOptions": {"searchForMovie": True},
        }
        try:
            added = await self._write("POST", "/movie", body)
        except (ServiceRejected, ServiceUnavailable) as exc:
            # Added meanwhile by someone else, or added by us with the answer lost: look.
            again = await self._movie(order.tmdb_id) if _may_have_landed(exc) else None
            if again is None:
                raise
            return await self._refresh(again)
        return f"radarr:{added['id']}"

    async def _refresh(self, movie: dict[str, Any]) -> str:
        movie_id = movie["id"]
        if not movie.get("monitored"):
            await self._write("PUT", f"/movie/{movie_id}", {**movie, "monitored": True})
        if not movie.get("hasFile"):
            await self._command({"name": "MoviesSearch", "movieIds": [movie_id]})
        return f"radarr:{movie_id}"

    async def progress(self, orders: Sequence[DownloadOrder]) -> list[DownloadProgress]:
        """Each movie: in the queue, or with its file on disk."""
        queued = await self._queued("movieId") if orders else set()
        found = []
        for order in orders:
            movie = await self._movie(order.tmdb_id)
            if movie is None:
                found.append(DownloadProgress(MediaType.MOVIE, order.tmdb_id))
                continue
            found.append(
                DownloadProgress(
                    MediaType.MOVIE,
                    order.tmdb_id,
                    queued=movie["id"] in queued,
                    available=bool(movie.get("hasFile")),
                )
            )
        return found

    async def _movie(self, tmdb_id: int) -> dict[str, Any] | None:
        found = await self._get("/movie", {"tmdbId": tmdb_id})
        if isinstance(found, list):
            return next((m for m in found if isinstance(m, dict) and "id" in m), None)
        return None


class SonarrClient(ArrClient):
    """Shows to Sonarr, only the requested seasons monitored."""

    app = "Sonarr"

    def _extra_check(self, resolved: Resolved) -> str:
        if resolved.language_profile_id is None:
            return ""
        return f", language profile {resolved.language_profile_id}"

    async def _language_profile(self) -> int | None:
        """Sonarr v3 needs a language profile (the named one, else the first); v4 has none."""
        try:
            profiles = await self._api.get(API + "/languageprofile")
        except NotThere:
            return None
        if not isinstance(profiles, list) or not profiles:
            return None
        wanted = self.settings.language_profile
        if wanted:
            return _pick(self.name, "language profile", wanted, profiles)[0]
        first = profiles[0]
        return int(first["id"]) if isinstance(first, dict) and "id" in first else None

    async def send(self, order: DownloadOrder) -> str:
        """Add the series with only the requested seasons monitored and search them, or, if
        Sonarr has it already, monitor those seasons too and search them; ``sonarr:<id>``."""
        if order.media_type is not MediaType.TV:
            raise ValueError(f"{self.name} takes shows, not {order.media_type}")
        if order.tvdb_id is None:
            raise ServiceRejected(self.name, 400, f"{order.label} has no TheTVDB id")
        wanted = set(order.seasons)
        existing = await self._series(order.tvdb_id)
        if existing is not None:
            return await self._monitor(existing, wanted)
        resolved = await self._resolve()
        found = await self._get("/series/lookup", {"term": f"tvdb:{order.tvdb_id}"})
        if not isinstance(found, list) or not found or not isinstance(found[0], dict):
            raise ServiceRejected(self.name, 404, f"cannot find TheTVDB show {order.tvdb_id}")
        series = found[0]
        seasons = [
            {"seasonNumber": s["seasonNumber"], "monitored": s["seasonNumber"] in wanted}
            for s in series.get("seasons") or []
            if isinstance(s, dict) and isinstance(s.get("seasonNumber"), int)
        ]
        body = {
            **series,
            "qualityProfileId": resolved.profile_id,
            "rootFolderPath": resolved.root_folder,
            "monitored": True,
            "seasonFolder": True,
            "seriesType": "anime" if order.is_anime else (series.get("seriesType") or "standard"),
            "seasons": seasons,
            "addOptions": {"ignoreEpisodesWithFiles": True, "searchForMissingEpisodes": True},
        }
        if resolved.language_profile_id is not None:
            body["languageProfileId"] = resolved.language_profile_id
        try:
            added = await self._write("POST", "/series", body)
        except (ServiceRejected, ServiceUnavailable) as exc:
            # Added meanwhile by someone else, or added by us with the answer lost: look.
            again = await self._series(order.tvdb_id) if _may_have_landed(exc) else None
            if again is None:
                raise
            return await self._monitor(again, wanted)
        return f"sonarr:{added['id']}"

    async def _monitor(self, series: dict[str, Any], wanted: set[int]) -> str:
        series_id = series["id"]
        seasons = [s for s in series.get("seasons") or [] if isinstance(s, dict)]
        unmonitored = [
            s for s in seasons if s.get("seasonNumber") in wanted and not s.get("monitored")
        ]
        if unmonitored or not series.get("monitored"):
            changed = [
                {**s, "monitored": bool(s.get("monitored")) or s.get("seasonNumber") in wanted}
                for s in seasons
            ]
            await self._write(
                "PUT", f"/series/{series_id}", {**series, "monitored": True, "seasons": changed}
            )
        for season in seasons:
            number = season.get("seasonNumber")
            if number in wanted and not _complete(season):
                await self._command(
                    {"name": "SeasonSearch", "seriesId": series_id, "seasonNumber": number}
                )
        return f"sonarr:{series_id}"

    async def progress(self, orders: Sequence[DownloadOrder]) -> list[DownloadProgress]:
        """Each show: in the queue, and its seasons' episode files (all: AVAILABLE, some:
        PARTIALLY_AVAILABLE)."""
        queued = await self._queued("seriesId") if orders else set()
        found = []
        for order in orders:
            series = await self._series(order.tvdb_id) if order.tvdb_id else None
            if series is None:
                found.append(DownloadProgress(MediaType.TV, order.tmdb_id))
                continue
            seasons: dict[int, MediaStatus] = {}
            for season in series.get("seasons") or []:
                number = season.get("seasonNumber") if isinstance(season, dict) else None
                if not isinstance(number, int):
                    continue
                files = (season.get("statistics") or {}).get("episodeFileCount") or 0
                if _complete(season):
                    seasons[number] = MediaStatus.AVAILABLE
                elif files > 0:
                    seasons[number] = MediaStatus.PARTIALLY_AVAILABLE
            found.append(
                DownloadProgress(
                    MediaType.TV,
                    order.tmdb_id,
                    queued=series["id"] in queued,
                    seasons=seasons,
                )
            )
        return found

    async def _series(self, tvdb_id: int) -> dict[str, Any] | None:
        found = await self._get("/series", {"tvdbId": tvdb_id})
        if isinstance(found, list):
            return next((s for s in found if isinstance(s, dict) and "id" in s), None)
        return None


def _may_have_landed(exc: ServiceRejected | ServiceUnavailable) -> bool:
    """Whether the title may be there after a failed add: another add won the race, or
    ours went through and only its answer was lost."""
    if isinstance(exc, ServiceUnavailable):
        return True
    return ALREADY_ADDED in exc.detail


def _complete(season: dict[str, Any]) -> bool:
    stats = season.get("statistics") or {}
    files, total = stats.get("episodeFileCount") or 0, stats.get("totalEpisodeCount") or 0
    return total > 0 and files >= total


def _pick(service: str, what: str, wanted: str, options: Any) -> tuple[int, str]:
    """The (id, name) of the option whose id or name (any case) is ``wanted``."""
    listed = [o for o in options if isinstance(o, dict)] if isinstance(options, list) else []
    text = wanted.strip()
    for option in listed:
        if str(option.get("id")) == text or str(option.get("name", "")).lower() == text.lower():
            return int(option["id"]), str(option.get("name", option["id"]))
    names = ", ".join(f"{o.get('name')} ({o.get('id')})" for o in listed) or "none"
    raise ServiceRejected(service, 400, f"no {what} {wanted!r}; it has: {names}")


def _root_folder(service: str, wanted: str, folders: Any) -> str:
    """The path of the root folder whose id or path is ``wanted``."""
    listed = [f for f in folders if isinstance(f, dict)] if isinstance(folders, list) else []
    text = wanted.strip()
    for folder in listed:
        path = str(folder.get("path", ""))
        if str(folder.get("id")) == text or path.rstrip("/") == text.rstrip("/"):
            return path
    paths = ", ".join(f"{f.get('path')} ({f.get('id')})" for f in listed) or "none"
    raise ServiceRejected(service, 400, f"no root folder {wanted!r}; it has: {paths}")
