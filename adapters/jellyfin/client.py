"""The Jellyfin (or Emby) client: the core's MediaServer and a HealthCheck, on httpx.

Jellyfin takes the API key as ``Authorization: MediaBrowser Token="..."``; Emby as
``X-Emby-Token`` with its API under ``/emby``. Otherwise the calls used here are the same
on both: /System/Info, /Users, /Library/VirtualFolders, /Items and /Shows/{id}/Episodes.
"""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator, Iterable
from datetime import UTC, datetime
from typing import Any, Literal, Self

import httpx

from adapters.http import JsonApi, NotThere
from core.errors import ServiceRejected, ServiceUnavailable
from core.identity import ServerAccount
from core.media import LibraryItem, MediaType

log = logging.getLogger(__name__)

Kind = Literal["jellyfin", "emby"]
PAGE_SIZE = 200
IDS_AT_ONCE = 50
# Libraries that can hold movies or shows: a library of mixed content has no type.
VIDEO_LIBRARIES = frozenset({"movies", "tvshows", "mixed", ""})
_FRACTION = re.compile(r"(\.\d{6})\d+")


class JellyfinClient:
    """Reads a Jellyfin or Emby server's video libraries and users with an API key."""

    def __init__(
        self,
        base_url: str,
        api_key: str,
        *,
        kind: Kind = "jellyfin",
        page_size: int = PAGE_SIZE,
        timeout: float = 15.0,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        if kind not in ("jellyfin", "emby"):
            raise ValueError(f"kind must be jellyfin or emby, not {kind!r}")
        self.name = "Jellyfin" if kind == "jellyfin" else "Emby"
        self._prefix = "" if kind == "jellyfin" else "/emby"
        headers = (
            {"Authorization": f'MediaBrowser Client="requestbot", Token="{api_key}"'}
            if kind == "jellyfin"
            else {"X-Emby-Token": api_key}
        )
        self._api = JsonApi(
            self.name, base_url, headers, secret=api_key, timeout=timeout, transport=transport
        )
        self._page = max(1, page_size)

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._api.aclose()

    # ----- HealthCheck ----------------------------------------------------------------

    async def check(self) -> str:
        """The server's name and version and its video libraries."""
        info = await self._get("/System/Info")
        if not isinstance(info, dict):
            raise ServiceUnavailable(self.name, "malformed server info")
        libraries = await self._libraries()
        names = ", ".join(str(lib.get("Name")) for lib in libraries) or "no video library"
        product = info.get("ProductName") or self.name
        return f"{info.get('ServerName', '?')} ({product} {info.get('Version', '?')}), {names}"

    # ----- MediaServer ----------------------------------------------------------------

    async def accounts(self) -> list[ServerAccount]:
        """Every user account of the server, with its email where the server has one."""
        users = await self._get("/Users")
        if not isinstance(users, list):
            raise ServiceUnavailable(self.name, "malformed user list")
        found = []
        for raw in users:
            if not isinstance(raw, dict) or not raw.get("Id") or not raw.get("Name"):
                continue
            policy = raw.get("Policy") or {}
            found.append(
                ServerAccount(
                    server_id=str(raw["Id"]),
                    name=str(raw["Name"]),
                    is_admin=bool(policy.get("IsAdministrator")),
                    disabled=bool(policy.get("IsDisabled")),
                    email=_email(raw),
                )
            )
        return found

    async def library(self, *, added_since: datetime | None = None) -> AsyncIterator[LibraryItem]:
        """Every movie and show of every video library, a page at a time; with
        ``added_since``, the movies added since then and the shows with a new episode."""
        for lib in await self._libraries():
            lib_id = str(lib.get("ItemId") or "")
            if not lib_id:
                continue
            if added_since is None:
                async for item in self._whole_library(lib_id):
                    yield item
            else:
                async for item in self._recent(lib_id, added_since):
                    yield item

    # ----- the calls ------------------------------------------------------------------

    async def _libraries(self) -> list[dict[str, Any]]:
        folders = await self._get("/Library/VirtualFolders")
        if not isinstance(folders, list):
            raise ServiceUnavailable(self.name, "malformed library list")
        return [
            f
            for f in folders
            if isinstance(f, dict) and str(f.get("CollectionType") or "").lower() in VIDEO_LIBRARIES
        ]

    async def _whole_library(self, lib_id: str) -> AsyncIterator[LibraryItem]:
        params = {
            "ParentId": lib_id,
            "Recursive": "true",
            "IncludeItemTypes": "Movie,Series",
            "Fields": "ProviderIds",
            # Oldest first: items added during the scan land on later pages, and no page
            # shifts under the scan.
            "SortBy": "DateCreated,SortName",
            "SortOrder": "Ascending",
        }
        async for raw in self._pages("/Items", params):
            item = await self._item(raw)
            if item is not None:
                yield item

    async def _recent(self, lib_id: str, since: datetime) -> AsyncIterator[LibraryItem]:
        params = {
            "ParentId": lib_id,
            "Recursive": "true",
            "IncludeItemTypes": "Movie,Episode",
            "IsMissing": "false",
            "Fields": "ProviderIds,DateCreated",
            "SortBy": "DateCreated",
            "SortOrder": "Descending",
        }
        series_ids: dict[str, None] = {}
        async for raw in self._pages("/Items", params):
            added = _date(raw.get("DateCreated"))
            if added is not None and added < since:
                break
            if raw.get("Type") == "Episode":
                if raw.get("SeriesId") and raw.get("LocationType") != "Virtual":
                    series_ids[str(raw["SeriesId"])] = None
                continue
            item = await self._item(raw)
            if item is not None:
                yield item
        for chunk in _chunks(list(series_ids), IDS_AT_ONCE):
            found = await self._get("/Items", {"Ids": ",".join(chunk), "Fields": "ProviderIds"})
            for raw in _items(found):
                item = await self._item(raw)
                if item is not None:
                    yield item

    async def _pages(self, path: str, params: dict[str, Any]) -> AsyncIterator[dict[str, Any]]:
        start = 0
        while True:
            body = await self._get(path, {**params, "StartIndex": start, "Limit": self._page})
            items = _items(body)
            for raw in items:
                yield raw
            start += len(items)
            total = body.get("TotalRecordCount") if isinstance(body, dict) else None
            if not items or (isinstance(total, int) and start >= total):
                return
            if not isinstance(total, int) and len(items) < self._page:
                return  # no total to go by: a short page is the last one

    async def _item(self, raw: dict[str, Any]) -> LibraryItem | None:
        kind = raw.get("Type")
        if kind not in ("Movie", "Series") or not raw.get("Id"):
            return None
        ids = {str(k).lower(): v for k, v in (raw.get("ProviderIds") or {}).items()}
        media_type = MediaType.MOVIE if kind == "Movie" else MediaType.TV
        episodes = await self._episodes(str(raw["Id"])) if media_type is MediaType.TV else {}
        return LibraryItem(
            server_id=str(raw["Id"]),
            media_type=media_type,
            title=str(raw.get("Name") or ""),
            year=raw.get("ProductionYear") if isinstance(raw.get("ProductionYear"), int) else None,
            tmdb_id=_int(ids.get("tmdb")),
            imdb_id=_text(ids.get("imdb")),
            tvdb_id=_int(ids.get("tvdb")),
            episodes=episodes,
        )

    async def _episodes(self, series_id: str) -> dict[int, int]:
        """Distinct episodes on disk per season (a file holding episodes 1-2 counts as two,
        two files of one episode as one)."""
        try:
            body = await self._get(
                f"/Shows/{series_id}/Episodes", {"IsMissing": "false", "Fields": "Path"}
            )
        except ServiceRejected as exc:
            if exc.status == 404:
                return {}
            raise
        numbers: dict[int, set[int]] = {}
        for raw in _items(body):
            if raw.get("LocationType") == "Virtual":
                continue
            season, first = raw.get("ParentIndexNumber"), raw.get("IndexNumber")
            if not isinstance(season, int) or not isinstance(first, int):
                continue
            last = raw.get("IndexNumberEnd")
            end = last if isinstance(last, int) and first <= last < first + 100 else first
            # Distinct numbers: two copies of an episode (two qualities) count once.
            numbers.setdefault(season, set()).update(range(first, end + 1))
        return {season: len(episodes) for season, episodes in numbers.items()}

    async def _get(self, path: str, params: dict[str, Any] | None = None) -> Any:
        try:
            return await self._api.get(self._prefix + path, params)
        except NotThere:
            raise ServiceRejected(
                self.name, 404, f"no {path} here: is this a {self.name} URL?"
            ) from None


def _email(raw: dict[str, Any]) -> str | None:
    """An account's email address: Jellyfin's /Users has none; Emby gives the Emby Connect
    name of a linked account, which is an address when it has an @."""
    for key in ("Email", "ConnectUserName"):
        value = raw.get(key)
        if isinstance(value, str) and "@" in value.strip(" @"):
            return value.strip()
    return None


def _items(body: Any) -> list[dict[str, Any]]:
    items = body.get("Items") if isinstance(body, dict) else None
    return [i for i in items if isinstance(i, dict)] if isinstance(items, list) else []


def _chunks(values: list[str], size: int) -> Iterable[list[str]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def _date(value: object) -> datetime | None:
    """Jellyfin's ``2024-03-01T12:00:00.0000000Z`` (seven fraction digits) as UTC."""
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(_FRACTION.sub(r"\1", value).replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def _int(value: object) -> int | None:
    try:
        number = int(str(value).strip()) if value not in (None, "") else None
    except ValueError:
        return None
    return number if number and number > 0 else None


def _text(value: object) -> str | None:
    return str(value).strip() or None if value not in (None, "") else None
