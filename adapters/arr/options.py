"""What a Radarr or Sonarr offers: its quality profiles, root folders, tags and (Sonarr v3)
language profiles, and which of them the settings pick; read for the API's settings pages.

One read makes five calls, so the answer is kept for a while (five minutes by default):
pickers in other tools open these pages often, and the lists change rarely.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from adapters.arr.client import ArrClient, Resolved, SonarrClient

DEFAULT_TTL = 300.0


@dataclass(frozen=True, slots=True)
class Choice:
    """A quality profile, language profile or tag: its id and name (a tag's label)."""

    id: int
    name: str


@dataclass(frozen=True, slots=True)
class Folder:
    """A root folder and its space in bytes (None when the server does not say)."""

    id: int
    path: str
    free_space: int | None
    total_space: int | None


@dataclass(frozen=True, slots=True)
class ServerOptions:
    """Everything a server offers, and ``active``: what the settings resolve to there."""

    version: str
    profiles: tuple[Choice, ...]
    root_folders: tuple[Folder, ...]
    language_profiles: tuple[Choice, ...] | None  # None: Radarr, or Sonarr v4
    tags: tuple[Choice, ...]
    active: Resolved


class ArrOptions:
    """One downloader's options, cached for ``ttl`` seconds; concurrent reads share one."""

    def __init__(
        self,
        client: ArrClient,
        *,
        ttl: float = DEFAULT_TTL,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.client = client
        self._ttl = ttl
        self._clock = clock
        self._lock = asyncio.Lock()
        self._kept: tuple[float, ServerOptions] | None = None

    @property
    def name(self) -> str:
        return self.client.name

    @property
    def url(self) -> str:
        return str(self.client.settings.url)

    @property
    def minimum_availability(self) -> str:
        return self.client.settings.minimum_availability

    def cached(self) -> ServerOptions | None:
        """The options read last, if still fresh; never touches the network."""
        if self._kept is None or self._kept[0] <= self._clock():
            return None
        return self._kept[1]

    async def options(self) -> ServerOptions:
        """The server's options, from the cache or read afresh; raises ServiceUnavailable
        or ServiceRejected as the client does."""
        async with self._lock:
            found = self.cached()
            if found is None:
                found = await self._read()
                self._kept = (self._clock() + self._ttl, found)
            return found

    async def _read(self) -> ServerOptions:
        client = self.client
        status = await client.read("/system/status")
        languages = None
        if isinstance(client, SonarrClient):
            listed = await client.read("/languageprofile")
            languages = _choices(listed, "name") if listed is not None else None
        return ServerOptions(
            version=str(status.get("version", "")) if isinstance(status, dict) else "",
            profiles=_choices(await client.read("/qualityprofile"), "name"),
            root_folders=_folders(await client.read("/rootfolder")),
            language_profiles=languages,
            tags=_choices(await client.read("/tag"), "label"),
            active=await client.resolved(),
        )


def _choices(listed: Any, label: str) -> tuple[Choice, ...]:
    return tuple(
        Choice(item["id"], str(item.get(label, item["id"])))
        for item in _records(listed)
        if isinstance(item.get("id"), int)
    )


def _folders(listed: Any) -> tuple[Folder, ...]:
    return tuple(
        Folder(
            item["id"],
            str(item.get("path", "")),
            _size(item, "freeSpace"),
            _size(item, "totalSpace"),
        )
        for item in _records(listed)
        if isinstance(item.get("id"), int)
    )


def _records(listed: Any) -> list[dict[str, Any]]:
    return [item for item in listed if isinstance(item, dict)] if isinstance(listed, list) else []


def _size(item: dict[str, Any], key: str) -> int | None:
    value = item.get(key)
    return value if isinstance(value, int) and not isinstance(value, bool) else None
