"""A fake Jellyfin (or Emby) media server on 127.0.0.1, for tests that want real HTTP.

It answers the endpoints a library sync uses, with the server's PascalCase field names and
shapes (Jellyfin 10.10; Emby 4.8 is the same for these endpoints):

- ``/System/Info`` and ``/System/Info/Public`` (the latter without auth);
- ``/Users`` (``IsHidden`` / ``IsDisabled`` filters);
- ``/Library/VirtualFolders``: the libraries, created on demand by ``add_*`` and
  ``generate``, and always a ``Music`` library with nothing a video client wants;
- ``/Items`` (also ``/Users/{userId}/Items``): ``ParentId`` (a library's ``ItemId``, a
  series or a season), ``Recursive``, ``IncludeItemTypes`` / ``ExcludeItemTypes``,
  ``Fields``, ``Ids``, ``StartIndex``, ``Limit``, ``SortBy`` (``SortName`` by default,
  ``Name``, ``DateCreated``, ``PremiereDate``, ``ProductionYear``, ``IndexNumber``,
  ``ParentIndexNumber``; comma-separated, ties broken by ``Id``), ``SortOrder``
  (``Ascending`` by default; one value applies to every key), ``MinDateCreated``,
  ``IsMissing`` and ``ExcludeLocationTypes``. Answers
  ``{"Items": [...], "TotalRecordCount": n, "StartIndex": s}``. Without ``ParentId`` and
  ``Recursive`` it lists the libraries (``CollectionFolder`` items), as the root folder does;
- ``/Items/{id}`` (also ``/Users/{userId}/Items/{id}``): one item with every field;
- ``/Shows/{seriesId}/Episodes`` (``Season``, ``SeasonId``, ``IsMissing``, ``Fields``,
  ``StartIndex``, ``Limit``) and ``/Shows/{seriesId}/Seasons`` (``IsMissing``); 404 for a
  series that does not exist.

Query parameter names and paths are matched without regard to case, and item ids with or
without dashes. ``ProviderIds`` (``{"Tmdb": "603", "Imdb": "tt0133093"}``: strings, and
only the ids the item has), ``DateCreated``, ``Path``, ``Overview``, ``SortName``,
``Genres``, ``ChildCount`` and, for movies and series, ``ParentId`` are only in an item
when ``Fields`` asks for them, as on the real server; most null fields are left out, as
Jellyfin does. Dates look like ``2024-03-01T12:00:00.0000000Z``.

``kind="jellyfin"`` serves at the root and accepts only
``Authorization: MediaBrowser Token="<key>"`` (or the same in ``X-Emby-Authorization``;
other ``Client=".."``-style pairs may come along). ``kind="emby"`` serves under ``/emby``
and at the root, and accepts ``X-Emby-Token: <key>`` or the ``api_key`` query parameter.
Anything else gets 401 with a plain-text body; unknown paths get 404.

Use it as an async context manager, or through the ``fake_jellyfin`` fixture (Jellyfin,
built-in library) or ``fake_emby`` (the same as Emby)::

    from tests.fake_jellyfin import FakeJellyfin

    async def test_something(fake_jellyfin: FakeJellyfin) -> None:
        async with httpx.AsyncClient(base_url=fake_jellyfin.base_url) as http:
            ...
        assert fake_jellyfin.calls["/Items"] == 1

Building the library (plain methods, before or while serving): ``add_movie``,
``add_series`` (``seasons={1: 7, 2: 13}`` episodes on disk, ``missing={2: 3}`` more as
``Virtual`` placeholders numbered after them; season 0 is the specials),
``add_episodes`` (new downloads: they replace placeholders with the same numbers;
``multi_episode=True`` makes each file cover two episodes, with ``IndexNumberEnd``),
``remove``, ``add_user``. ``builtin=True`` adds, with real TMDb / IMDb / TheTVDB ids:

    Movies  The Matrix (Tmdb 603, Imdb tt0133093), Fight Club (550, tt0137523),
            Inception (27205, tt1375666), Amélie (only Imdb tt0211915),
            Home Movies 2015 (no provider ids)
    Shows   Breaking Bad (Tmdb 1396, Tvdb 81189, Imdb tt0903747): seasons 1-5 complete
            (7, 13, 13, 13, 16), specials 2 on disk + 7 missing;
            Game of Thrones (1399, 121361, tt0944947): seasons 1-2 complete (10, 10),
            season 3 has 5 of 10 (5 missing); The Simpsons (only Tvdb 71663): seasons 1-2
    Users   Alice (administrator), bob, Carol (disabled)

``generate(movies, series, seasons=3, episodes=8)`` adds a synthetic library that is
computed from the item's index when asked for, never stored: movie ``i`` (from 0) is
``Generated Movie {i}`` with Tmdb ``1000000 + i`` and Imdb ``tt{9000000 + i}``, except
that every tenth (``i % 10 == 0``) has only the Imdb id; series ``j`` is
``Generated Series {j}`` with Tmdb ``2000000 + j`` and Tvdb ``3000000 + j``, and
``seasons`` full seasons of ``episodes`` episodes (they can be read, not removed or added
to). Generated items come after the added
ones, in index order (movies, series, seasons, episodes), except when the first sort key
is ``DateCreated``: their dates are all in 2023 (older than the added items' default,
2024-01-01), one second apart in that order, so they come first in ascending order and
last, newest first, in descending order.

Lifetime (``start(port)`` too), outages, recorded requests, ``wait_for`` and the knobs every
fake has (``delay``, ``fail(times, status)`` with a plain-text body, ``send_garbage(times)``,
``rate_limit``) are tests/fake_server.py's; forced failures come after the auth check.
``api_key`` is the key accepted (None accepts every request; ``reset()`` puts it back).
``calls`` counts requests per path as sent, without ``/emby`` (``"/Items"``,
``"/Shows/<id>/Episodes"``), and ``requests`` records them under that path too.

Also at hand: ``base_url`` (``http://127.0.0.1:PORT``), ``port``, ``server_id``,
``library_id(name)``, ``user_id(name)`` and ``generated_id(kind, index)``.

Run it in its own process (for benchmarks)::

    python -m tests.fake_jellyfin --movies 45000 --series 5000 [--seasons 3] [--episodes 8]
        [--port 0] [--kind jellyfin|emby] [--builtin] [--api-key KEY]

prints one line of JSON, ``{"base_url": ..., "api_key": ...}``, once listening, and serves
until SIGTERM or SIGINT.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import hashlib
import json
import math
import re
import signal
import sys
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import unquote

import pytest
from aiohttp import web

from tests.fake_server import FakeService

Json = dict[str, Any]
Handler = Callable[["_Call"], Awaitable[web.Response]]

DEFAULT_API_KEY = "fa4e1e11000000000000000000007e57"
DEFAULT_ADDED = datetime(2024, 1, 1, tzinfo=UTC)
GENERATED_BASE = datetime(2023, 1, 1, tzinfo=UTC)
EMBY_PREFIX = "/emby"
TICKS_PER_MINUTE = 60 * 10_000_000

_NAMESPACE = uuid.UUID("6a3c1e0e-2f4b-4d61-9a57-3b8f0d1c2e4f")
# Generated ids: this tag, a kind digit (1-4) where a uuid5 has its version (5), the index.
_GEN_TAG = "9e4e7a7ed0c0"
_MOVIE, _SERIES, _SEASON, _EPISODE = 1, 2, 3, 4
_TYPES = {"movie": "Movie", "series": "Series", "season": "Season", "episode": "Episode"}
_GEN_TYPE = {_MOVIE: "Movie", _SERIES: "Series", _SEASON: "Season", _EPISODE: "Episode"}
_ARTICLES = ("the ", "a ", "an ")
_ERROR_TEXTS = {401: "Unauthorized", 404: "Not Found", 405: "Method Not Allowed"}


@dataclass(slots=True)
class _Item:
    """One movie, series, season, episode or library folder, stored or generated."""

    id: str
    type: str
    name: str
    library: str
    added: datetime
    parent_id: str
    year: int | None = None
    premiere: date | None = None
    provider_ids: dict[str, str] = field(default_factory=dict)
    series_id: str | None = None
    series_name: str | None = None
    season_id: str | None = None
    season_name: str | None = None
    index: int | None = None
    index_end: int | None = None
    season_number: int | None = None
    virtual: bool = False
    status: str | None = None
    path: str | None = None
    overview: str = ""
    minutes: int = 0
    collection_type: str | None = None


@dataclass(frozen=True, slots=True)
class _Generated:
    movies: int
    series: int
    seasons: int
    episodes: int
    library_movies: str
    library_shows: str
    offsets: tuple[int, ...] = field(init=False, compare=False)

    def __post_init__(self) -> None:
        counts = [self.count(kind) for kind in (_MOVIE, _SERIES, _SEASON)]
        offsets = (0, 0, counts[0], counts[0] + counts[1], sum(counts))
        object.__setattr__(self, "offsets", offsets)

    def count(self, kind: int) -> int:
        if kind == _MOVIE:
            return self.movies
        if kind == _SERIES:
            return self.series
        seasons = self.series * self.seasons
        return seasons if kind == _SEASON else seasons * self.episodes

    def ordinal_offset(self, kind: int) -> int:
        """Where the kind's items start in date order (one second apart)."""
        return self.offsets[kind]


@dataclass(frozen=True, slots=True)
class _Segment:
    """Generated items ``lo <= index < hi`` of one kind."""

    kind: int
    lo: int
    hi: int

    def __len__(self) -> int:
        return max(0, self.hi - self.lo)


@dataclass(slots=True)
class _Call:
    """One routed request: its path parameters and its query, names folded to lower case."""

    request: web.Request
    match: dict[str, str]
    query: dict[str, list[str]]

    def get(self, name: str) -> str | None:
        values = self.query.get(name.lower())
        return values[0] if values else None

    def items(self, name: str) -> list[str]:
        """A list parameter: comma-separated, repeated, or both."""
        return [
            part.strip()
            for value in self.query.get(name.lower(), [])
            for part in value.split(",")
            if part.strip()
        ]

    def integer(self, name: str) -> int | None:
        value = self.get(name)
        if value is None or value == "":
            return None
        try:
            return int(value)
        except ValueError:
            raise _BadRequest(f"The value '{value}' is not valid for {name}.") from None

    def boolean(self, name: str) -> bool | None:
        value = self.get(name)
        if value is None or value == "":
            return None
        if value.lower() in ("true", "1"):
            return True
        if value.lower() in ("false", "0"):
            return False
        raise _BadRequest(f"The value '{value}' is not valid for {name}.")


class _BadRequest(Exception):
    pass


class _NotFound(Exception):
    pass


@dataclass(slots=True)
class _Query:
    """What /Items was asked for."""

    parent_id: str | None
    recursive: bool
    types: set[str] | None
    exclude_types: set[str]
    ids: list[str] | None
    fields: set[str]
    start: int
    limit: int | None
    sort_by: list[str]
    descending: bool
    min_date: datetime | None
    is_missing: bool | None
    exclude_locations: set[str]


class FakeJellyfin(FakeService):
    """A Jellyfin or Emby look-alike on a free port of 127.0.0.1; see the module docstring."""

    def __init__(
        self, kind: str = "jellyfin", api_key: str | None = DEFAULT_API_KEY, builtin: bool = False
    ) -> None:
        if kind not in ("jellyfin", "emby"):
            raise ValueError(f"kind must be 'jellyfin' or 'emby', not {kind!r}")
        super().__init__(api_key)
        self.kind = kind
        self.server_id = _uuid(f"{kind}-server")
        self._items: dict[str, _Item] = {}
        self._children: dict[str, list[str]] = {}
        self._libraries: dict[str, _Item] = {}
        self._users: dict[str, Json] = {}
        self._generated: _Generated | None = None
        self._serial = 0
        self._routes = self._make_routes()
        self._library("Music", "music")
        if builtin:
            _add_builtin_library(self)

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT``, what a client is given as the server's address."""
        return self.origin

    # ----- the library ----------------------------------------------------------------

    def add_movie(
        self,
        name: str,
        year: int | None,
        *,
        tmdb: int | str | None = None,
        imdb: str | None = None,
        library: str = "Movies",
        added: datetime | None = None,
        premiere: date | None = None,
        minutes: int = 120,
        overview: str = "",
    ) -> str:
        """Add a movie file; returns its item id."""
        folder = self._library(library, "movies")
        item_id = self._new_id("movie")
        title = f"{name} ({year})" if year else name
        self._store(
            _Item(
                id=item_id,
                type="Movie",
                name=name,
                library=library,
                added=_utc(added or DEFAULT_ADDED),
                parent_id=folder.id,
                year=year,
                premiere=premiere or (date(year, 1, 1) if year else None),
                provider_ids=_provider_ids(tmdb=tmdb, imdb=imdb),
                path=f"{_location(library)}/{title}/{title}.mkv",
                overview=overview,
                minutes=minutes,
            )
        )
        return item_id

    def add_series(
        self,
        name: str,
        year: int | None,
        *,
        tmdb: int | str | None = None,
        tvdb: int | str | None = None,
        imdb: str | None = None,
        seasons: dict[int, int] | None = None,
        missing: dict[int, int] | None = None,
        library: str = "Shows",
        added: datetime | None = None,
        status: str = "Ended",
        overview: str = "",
    ) -> str:
        """Add a series with ``seasons`` {number: episodes on disk} and ``missing``
        {number: more episodes as Virtual placeholders}; returns the series id."""
        folder = self._library(library, "tvshows")
        series_id = self._new_id("series")
        when = _utc(added or DEFAULT_ADDED)
        title = f"{name} ({year})" if year else name
        self._store(
            _Item(
                id=series_id,
                type="Series",
                name=name,
                library=library,
                added=when,
                parent_id=folder.id,
                year=year,
                premiere=date(year, 1, 1) if year else None,
                provider_ids=_provider_ids(tmdb=tmdb, tvdb=tvdb, imdb=imdb),
                status=status,
                path=f"{_location(library)}/{title}",
                overview=overview,
                minutes=45,
            )
        )
        present, absent = seasons or {}, missing or {}
        for number in sorted(set(present) | set(absent)):
            season = self._season(series_id, number, when)
            on_disk = present.get(number, 0)
            for episode in range(1, on_disk + absent.get(number, 0) + 1):
                self._store(self._episode(season, episode, None, when, virtual=episode > on_disk))
        return series_id

    def add_episodes(
        self,
        series_id: str,
        season: int,
        count: int = 1,
        *,
        added: datetime | None = None,
        multi_episode: bool = False,
    ) -> list[str]:
        """Add ``count`` episode files after the last one on disk in ``season`` (created if
        needed), each covering two episodes if ``multi_episode``; placeholders with those
        numbers go away. ``added`` defaults to now. Returns the new items' ids."""
        series = self._items.get(_normal_id(series_id))
        if series is None or series.type != "Series":
            raise KeyError(f"no added series {series_id!r}")
        when = _utc(added or datetime.now(UTC))
        seasons = [self._items[c] for c in self._children.get(series.id, [])]
        season_item = next((s for s in seasons if s.index == season), None)
        if season_item is None:
            season_item = self._season(series.id, season, when)
        new_ids: list[str] = []
        for _ in range(count):
            episodes = [self._items[c] for c in self._children.get(season_item.id, [])]
            last = max(
                (e.index_end or e.index or 0 for e in episodes if not e.virtual),
                default=0,
            )
            first, end = last + 1, (last + 2 if multi_episode else None)
            for placeholder in episodes:
                if placeholder.virtual and first <= (placeholder.index or 0) <= (end or first):
                    self.remove(placeholder.id)
            episode = self._episode(season_item, first, end, when, virtual=False)
            self._store(episode)
            new_ids.append(episode.id)
        return new_ids

    def remove(self, item_id: str) -> None:
        """Remove an added item, and the seasons and episodes under it."""
        item = self._items.pop(_normal_id(item_id), None)
        if item is None:
            raise KeyError(f"no added item {item_id!r}")
        for child in list(self._children.pop(item.id, [])):
            if child in self._items:
                self.remove(child)
        siblings = self._children.get(item.parent_id)
        if siblings is not None and item.id in siblings:
            siblings.remove(item.id)

    def add_user(
        self,
        name: str,
        *,
        admin: bool = False,
        disabled: bool = False,
        hidden: bool = False,
        connect: str | None = None,
    ) -> str:
        """Add a user; returns its id. ``connect`` links it to an Emby Connect account of
        that name (an email address, often), as Emby's /Users then shows."""
        user_id = self._new_id("user")
        user = _user(name, user_id, self.server_id, admin, disabled, hidden)
        if connect is not None:
            user.update(ConnectUserName=connect, ConnectLinkType="LinkedUser")
        self._users[user_id] = user
        return user_id

    def generate(
        self,
        movies: int,
        series: int,
        *,
        seasons: int = 3,
        episodes: int = 8,
        library_movies: str = "Movies",
        library_shows: str = "Shows",
    ) -> None:
        """Add (or replace) a synthetic library computed on demand; see the module docstring."""
        if min(movies, series, seasons, episodes) < 0 or seasons > 255 or episodes > 4095:
            raise ValueError("counts must be >= 0, seasons <= 255 and episodes <= 4095")
        if movies:
            self._library(library_movies, "movies")
        if series:
            self._library(library_shows, "tvshows")
        self._generated = _Generated(
            movies, series, seasons, episodes, library_movies, library_shows
        )

    def library_id(self, name: str) -> str:
        """The ``ItemId`` of a library, as ``/Library/VirtualFolders`` gives it."""
        return self._libraries[name].id

    def item_id(self, name: str, kind: str = "Series") -> str:
        """The id of the added movie or series (``kind``) called ``name``."""
        return next(i.id for i in self._items.values() if i.type == kind and i.name == name)

    def user_id(self, name: str) -> str:
        """The id of the user called ``name``."""
        return str(next(u["Id"] for u in self._users.values() if u["Name"] == name))

    def generated_id(self, kind: str, index: int) -> str:
        """The id of generated ``"movie"``, ``"series"``, ``"season"`` or ``"episode"``
        number ``index`` (seasons and episodes counted across all series, from 0)."""
        code = {"movie": _MOVIE, "series": _SERIES, "season": _SEASON, "episode": _EPISODE}
        return _gen_id(code[kind], index)

    def _new_id(self, what: str) -> str:
        self._serial += 1
        return _uuid(f"{self.kind}/{what}/{self._serial}")

    def _store(self, item: _Item) -> None:
        self._items[item.id] = item
        self._children.setdefault(item.parent_id, []).append(item.id)

    def _library(self, name: str, collection_type: str) -> _Item:
        folder = self._libraries.get(name)
        if folder is None:
            folder = _Item(
                id=_library_id(name),
                type="CollectionFolder",
                name=name,
                library=name,
                added=DEFAULT_ADDED,
                parent_id="",
                path=_location(name),
                collection_type=collection_type,
            )
            self._libraries[name] = folder
        elif folder.collection_type != collection_type:
            folder.collection_type = None  # a mixed library has no CollectionType
        return folder

    def _season(self, series_id: str, number: int, added: datetime) -> _Item:
        series = self._items[series_id]
        season = _Item(
            id=self._new_id("season"),
            type="Season",
            name=_season_name(number),
            library=series.library,
            added=added,
            parent_id=series.id,
            year=series.year + max(number - 1, 0) if series.year else None,
            series_id=series.id,
            series_name=series.name,
            index=number,
            path=f"{series.path}/Season {number:02d}",
        )
        self._store(season)
        return season

    def _episode(
        self, season: _Item, number: int, end: int | None, added: datetime, *, virtual: bool
    ) -> _Item:
        assert season.series_id is not None
        series = self._items[season.series_id]
        return _episode_item(
            self._new_id("episode"), series, season, number, end, added, virtual=virtual
        )

    # ----- the server -----------------------------------------------------------------

    def _make_routes(self) -> list[tuple[re.Pattern[str], Handler, bool]]:
        table: list[tuple[str, Handler, bool]] = [
            (r"/system/info/public", self._system_info_public, False),
            (r"/system/info", self._system_info, True),
            (r"/users", self._list_users, True),
            (r"/users/(?P<user>[^/]+)/items", self._items_route, True),
            (r"/users/(?P<user>[^/]+)/items/(?P<item>[^/]+)", self._item_route, True),
            (r"/library/virtualfolders", self._virtual_folders, True),
            (r"/items", self._items_route, True),
            (r"/items/(?P<item>[^/]+)", self._item_route, True),
            (r"/shows/(?P<series>[^/]+)/episodes", self._episodes_route, True),
            (r"/shows/(?P<series>[^/]+)/seasons", self._seasons_route, True),
        ]
        return [(re.compile(p, re.IGNORECASE), h, auth) for p, h, auth in table]

    def _route(self, path: str) -> tuple[Handler, dict[str, str], bool] | None:
        path = path.rstrip("/") or "/"
        for pattern, handler, auth in self._routes:
            match = pattern.fullmatch(path)
            if match:
                return handler, match.groupdict(), auth
        return None

    def _strip_prefix(self, path: str) -> str:
        if self.kind == "emby" and path.lower()[: len(EMBY_PREFIX) + 1] in (
            EMBY_PREFIX,
            EMBY_PREFIX + "/",
        ):
            return path[len(EMBY_PREFIX) :] or "/"
        return path

    def _add_routes(self, router: web.UrlDispatcher) -> None:
        router.add_route("*", "/{tail:.*}", self._dispatch)

    def _seen_path(self, request: web.Request) -> str:
        return self._strip_prefix(request.path)

    def _refuse(self, request: web.Request) -> web.Response | None:
        route = self._route(self._strip_prefix(request.path))
        if route is None:
            return self._error(404)
        if route[2] and not self._authorised(request):
            return self._error(401)
        return None

    def _error(self, status: int) -> web.Response:
        return web.Response(
            status=status, text=_ERROR_TEXTS.get(status, "Error processing request.")
        )

    def _authorised(self, request: web.Request) -> bool:
        if self.api_key is None:
            return True
        if self.kind == "emby":
            query = {k.lower(): v for k, v in request.query.items()}
            token = request.headers.get("X-Emby-Token") or query.get("api_key")
            return token == self.api_key
        for header in ("Authorization", "X-Emby-Authorization"):
            if _media_browser_token(request.headers.get(header, "")) == self.api_key:
                return True
        return False

    async def _dispatch(self, request: web.Request) -> web.Response:
        if request.method not in ("GET", "HEAD"):
            return self._error(405)
        route = self._route(self._strip_prefix(request.path))
        assert route is not None
        query: dict[str, list[str]] = {}
        for name, value in request.query.items():
            query.setdefault(name.lower(), []).append(value)
        try:
            return await route[0](_Call(request, route[1], query))
        except _BadRequest as error:
            return web.Response(status=400, text=str(error))
        except _NotFound:
            return self._error(404)

    async def _system_info_public(self, call: _Call) -> web.Response:
        info = self._info()
        keys = ("LocalAddress", "ServerName", "Version", "ProductName", "OperatingSystem", "Id")
        public = {k: info[k] for k in keys}
        public["StartupWizardCompleted"] = True
        return web.json_response(public)

    async def _system_info(self, call: _Call) -> web.Response:
        return web.json_response(self._info())

    def _info(self) -> Json:
        emby = self.kind == "emby"
        return {
            "OperatingSystemDisplayName": "Linux",
            "HasPendingRestart": False,
            "IsShuttingDown": False,
            "SupportsLibraryMonitor": True,
            "WebSocketPortNumber": self._port,
            "CompletedInstallations": [],
            "CanSelfRestart": True,
            "CanLaunchWebBrowser": False,
            "ProgramDataPath": "/config",
            "ItemsByNamePath": "/config/metadata",
            "CachePath": "/cache",
            "LogPath": "/config/log",
            "InternalMetadataPath": "/config/metadata",
            "TranscodingTempPath": "/cache/transcodes",
            "HasUpdateAvailable": False,
            "EncoderLocation": "System",
            "SystemArchitecture": "X64",
            "LocalAddress": self.base_url,
            "ServerName": "Home",
            "Version": "4.8.10.0" if emby else "10.10.7",
            "OperatingSystem": "Linux",
            "Id": self.server_id,
            "StartupWizardCompleted": True,
            "ProductName": "Emby Server" if emby else "Jellyfin Server",
        }

    async def _list_users(self, call: _Call) -> web.Response:
        users = list(self._users.values())
        hidden, disabled = call.boolean("IsHidden"), call.boolean("IsDisabled")
        if hidden is not None:
            users = [u for u in users if u["Policy"]["IsHidden"] == hidden]
        if disabled is not None:
            users = [u for u in users if u["Policy"]["IsDisabled"] == disabled]
        return web.json_response(users)

    async def _virtual_folders(self, call: _Call) -> web.Response:
        folders = sorted(self._libraries.values(), key=lambda f: f.name.casefold())
        return web.json_response([self._virtual_folder(f) for f in folders])

    def _virtual_folder(self, folder: _Item) -> Json:
        body: Json = {
            "Name": folder.name,
            "Locations": [folder.path],
            "LibraryOptions": _library_options(folder),
            "ItemId": folder.id,
            "PrimaryImageItemId": folder.id,
            "RefreshStatus": "Idle",
        }
        if folder.collection_type is not None:
            body["CollectionType"] = folder.collection_type
        if self.kind == "emby":
            body["Id"] = folder.id
            body["Guid"] = str(uuid.UUID(folder.id))
        return body

    def _check_user(self, call: _Call) -> None:
        user = call.match.get("user")
        if user is not None and _normal_id(user) not in self._users:
            raise _NotFound

    async def _item_route(self, call: _Call) -> web.Response:
        self._check_user(call)
        item = self._find(call.match["item"])
        if item is None:
            raise _NotFound
        return web.json_response(self._render(item, _ALL_FIELDS))

    async def _items_route(self, call: _Call) -> web.Response:
        self._check_user(call)
        query = _parse_query(call)
        listed, segments = self._select(query)
        total = len(listed) + sum(len(s) for s in segments)
        page = _page(listed, segments, self._generated, query)
        return _items_response([self._render(i, query.fields) for i in page], total, query.start)

    async def _episodes_route(self, call: _Call) -> web.Response:
        series_id = _normal_id(call.match["series"])
        fields = {f.lower() for f in call.items("Fields")}
        start, limit = call.integer("StartIndex") or 0, call.integer("Limit")
        season_number, season_id = call.integer("Season"), call.get("SeasonId")
        is_missing = call.boolean("IsMissing")
        gen = self._generated
        decoded = _decode_gen_id(series_id, gen)
        if decoded is not None and decoded[0] == _SERIES and gen is not None:
            j = decoded[1]
            lo, hi = j * gen.seasons, (j + 1) * gen.seasons
            if season_id:
                found = _decode_gen_id(_normal_id(season_id), gen)
                if found is None or found[0] != _SEASON or not lo <= found[1] < hi:
                    raise _NotFound
                lo, hi = found[1], found[1] + 1
            elif season_number is not None:
                wanted = j * gen.seasons + season_number - 1
                lo, hi = (wanted, wanted + 1) if 1 <= season_number <= gen.seasons else (0, 0)
            segment = _Segment(_EPISODE, lo * gen.episodes, hi * gen.episodes)
            if is_missing:
                segment = _Segment(_EPISODE, 0, 0)
            stop = len(segment) if limit is None else min(len(segment), start + max(limit, 0))
            page = [_gen_item(gen, _EPISODE, segment.lo + k) for k in range(min(start, stop), stop)]
            return _items_response([self._render(i, fields) for i in page], len(segment), start)
        series = self._items.get(series_id)
        if series is None or series.type != "Series":
            raise _NotFound
        seasons = [self._items[c] for c in self._children.get(series.id, [])]
        if season_id:
            seasons = [s for s in seasons if s.id == _normal_id(season_id)]
            if not seasons:
                raise _NotFound
        elif season_number is not None:
            seasons = [s for s in seasons if s.index == season_number]
        episodes = [self._items[c] for s in seasons for c in self._children.get(s.id, [])]
        if is_missing is not None:
            episodes = [e for e in episodes if e.virtual == is_missing]
        episodes.sort(key=lambda e: (e.season_number or 0, e.index or 0, e.id))
        page = episodes[start:] if limit is None else episodes[start : start + max(limit, 0)]
        return _items_response([self._render(e, fields) for e in page], len(episodes), start)

    async def _seasons_route(self, call: _Call) -> web.Response:
        series_id = _normal_id(call.match["series"])
        fields = {f.lower() for f in call.items("Fields")}
        is_missing = call.boolean("IsMissing")
        gen = self._generated
        decoded = _decode_gen_id(series_id, gen)
        if decoded is not None and decoded[0] == _SERIES and gen is not None:
            j = decoded[1]
            seasons = [] if is_missing else range(j * gen.seasons, (j + 1) * gen.seasons)
            items = [self._render(_gen_item(gen, _SEASON, k), fields) for k in seasons]
            return _items_response(items, len(items), 0)
        series = self._items.get(series_id)
        if series is None or series.type != "Series":
            raise _NotFound
        found = [self._items[c] for c in self._children.get(series.id, [])]
        if is_missing is not None:
            found = [s for s in found if self._is_virtual(s) == is_missing]
        found.sort(key=lambda s: (s.index or 0, s.id))
        return _items_response([self._render(s, fields) for s in found], len(found), 0)

    # ----- queries --------------------------------------------------------------------

    def _find(self, item_id: str) -> _Item | None:
        item_id = _normal_id(item_id)
        item = self._items.get(item_id)
        if item is not None:
            return item
        folder = next((f for f in self._libraries.values() if f.id == item_id), None)
        if folder is not None:
            return folder
        decoded = _decode_gen_id(item_id, self._generated)
        if decoded is None or self._generated is None:
            return None
        return _gen_item(self._generated, *decoded)

    def _is_virtual(self, item: _Item) -> bool:
        if item.type == "Season" and item.id in self._items:
            children = self._children.get(item.id, [])
            return not any(not self._items[c].virtual for c in children)
        return item.virtual

    def _select(self, query: _Query) -> tuple[list[_Item], list[_Segment]]:
        """The stored items that match, sorted, and the generated ones, as index ranges."""
        gen = self._generated
        segments: list[_Segment] = []
        if query.ids is not None:
            found = (self._find(i) for i in query.ids)
            candidates = [i for i in found if i is not None]
            if query.parent_id is not None:
                candidates = [i for i in candidates if self._in_scope(i, query)]
        else:
            everything = [*self._items.values(), *self._libraries.values()]
            candidates = [i for i in everything if self._in_scope(i, query)]
            if gen is not None:
                segments = self._gen_scope(gen, query)
        matched = [i for i in candidates if self._matches(i, query)]
        segments = [s for s in (self._gen_filter(gen, s, query) for s in segments) if len(s)]
        return _sorted(matched, query), segments

    def _in_scope(self, item: _Item, query: _Query) -> bool:
        parent = query.parent_id
        if parent is None:
            if query.recursive:
                return item.type != "CollectionFolder"
            return item.type == "CollectionFolder"
        if not query.recursive:
            return item.parent_id == parent
        folder = next((f for f in self._libraries.values() if f.id == parent), None)
        if folder is not None:
            return item.library == folder.name and item.type != "CollectionFolder"
        return parent in (item.parent_id, item.series_id)

    def _matches(self, item: _Item, query: _Query) -> bool:
        if query.types is not None and item.type not in query.types:
            return False
        if item.type in query.exclude_types:
            return False
        virtual = self._is_virtual(item)
        if query.is_missing is not None and virtual != query.is_missing:
            return False
        location = "Virtual" if virtual else "FileSystem"
        if location.lower() in query.exclude_locations:
            return False
        return query.min_date is None or item.added >= query.min_date

    def _gen_scope(self, gen: _Generated, query: _Query) -> list[_Segment]:
        parent = query.parent_id
        kinds: list[int] = []
        if parent is None:
            kinds = [_MOVIE, _SERIES, _SEASON, _EPISODE] if query.recursive else []
        else:
            folder = next((f for f in self._libraries.values() if f.id == parent), None)
            if folder is not None:
                if folder.name == gen.library_movies:
                    kinds.append(_MOVIE)
                if folder.name == gen.library_shows:
                    kinds += [_SERIES, _SEASON, _EPISODE] if query.recursive else [_SERIES]
            else:
                decoded = _decode_gen_id(parent, gen)
                if decoded is None:
                    return []
                kind, index = decoded
                if kind == _SERIES:
                    first = index * gen.seasons
                    segments = [_Segment(_SEASON, first, first + gen.seasons)]
                    if query.recursive:
                        segments.append(
                            _Segment(
                                _EPISODE,
                                first * gen.episodes,
                                (first + gen.seasons) * gen.episodes,
                            )
                        )
                    return segments
                if kind == _SEASON:
                    return [_Segment(_EPISODE, index * gen.episodes, (index + 1) * gen.episodes)]
                return []
        return [_Segment(k, 0, gen.count(k)) for k in kinds]

    def _gen_filter(self, gen: _Generated | None, segment: _Segment, query: _Query) -> _Segment:
        empty = _Segment(segment.kind, 0, 0)
        if gen is None:
            return empty
        kind_type = _GEN_TYPE[segment.kind]
        if query.types is not None and kind_type not in query.types:
            return empty
        if kind_type in query.exclude_types or query.is_missing:
            return empty
        if "filesystem" in query.exclude_locations:
            return empty
        if query.min_date is not None:
            seconds = (query.min_date - GENERATED_BASE).total_seconds()
            lowest = math.ceil(seconds) - gen.ordinal_offset(segment.kind)
            return _Segment(segment.kind, max(segment.lo, lowest), segment.hi)
        return segment

    # ----- payloads -------------------------------------------------------------------

    def _render(self, item: _Item, fields: set[str]) -> Json:
        body: Json = {"Name": item.name, "ServerId": self.server_id, "Id": item.id}
        if item.premiere is not None:
            body["PremiereDate"] = _stamp(item.premiere)
        if item.type in ("Movie", "Episode") and not item.virtual:
            body["Container"] = "mkv"
        if item.type == "Movie" or item.type == "Episode":
            body["ChannelId"] = None
            body["RunTimeTicks"] = item.minutes * TICKS_PER_MINUTE
        if item.year is not None:
            body["ProductionYear"] = item.year
        if item.index is not None:
            body["IndexNumber"] = item.index
        if item.index_end is not None:
            body["IndexNumberEnd"] = item.index_end
        if item.season_number is not None:
            body["ParentIndexNumber"] = item.season_number
        body["IsFolder"] = item.type not in ("Movie", "Episode")
        body["Type"] = item.type
        if item.type in ("Season", "Episode") or "parentid" in fields:
            body["ParentId"] = item.parent_id
        if item.collection_type is not None:
            body["CollectionType"] = item.collection_type
        if item.series_id is not None:
            body["SeriesName"] = item.series_name
            body["SeriesId"] = item.series_id
        if item.season_id is not None:
            body["SeasonId"] = item.season_id
            body["SeasonName"] = item.season_name
        if item.status is not None:
            body["Status"] = item.status
            body["AirDays"] = []
        if item.type in ("Movie", "Episode") and not item.virtual:
            body["VideoType"] = "VideoFile"
        body["ImageTags"] = {} if item.type == "Season" else {"Primary": _image_tag(item.id)}
        body["BackdropImageTags"] = []
        body["LocationType"] = "Virtual" if self._is_virtual(item) else "FileSystem"
        body["MediaType"] = "Video" if item.type in ("Movie", "Episode") else "Unknown"
        if "providerids" in fields:
            body["ProviderIds"] = dict(item.provider_ids)
        if "datecreated" in fields:
            body["DateCreated"] = _stamp(item.added)
        if "path" in fields and item.path is not None and not item.virtual:
            body["Path"] = item.path
        if "overview" in fields and item.overview:
            body["Overview"] = item.overview
        if "sortname" in fields:
            body["SortName"] = _sort_name(item)
        if "genres" in fields:
            body["Genres"] = [] if item.type in ("Season", "Episode") else ["Drama"]
        if "childcount" in fields and item.type in ("Series", "Season", "CollectionFolder"):
            body["ChildCount"] = self._child_count(item)
        return body

    def _child_count(self, item: _Item) -> int:
        gen = self._generated
        decoded = _decode_gen_id(item.id, gen)
        if decoded is not None and gen is not None:
            return gen.seasons if decoded[0] == _SERIES else gen.episodes
        return len(self._children.get(item.id, []))


@pytest.fixture
async def fake_jellyfin() -> AsyncIterator[FakeJellyfin]:
    """A running FakeJellyfin (Jellyfin) with the built-in library, stopped after the test."""
    async with FakeJellyfin(builtin=True) as server:
        yield server


@pytest.fixture
async def fake_emby() -> AsyncIterator[FakeJellyfin]:
    """A running FakeJellyfin in Emby mode with the built-in library."""
    async with FakeJellyfin(kind="emby", builtin=True) as server:
        yield server


# ----- helpers ---------------------------------------------------------------------------

_ALL_FIELDS = {
    "providerids", "datecreated", "path", "overview", "sortname", "genres", "childcount",
    "parentid",
}  # fmt: skip


def _uuid(name: str) -> str:
    return uuid.uuid5(_NAMESPACE, name).hex


@functools.lru_cache(maxsize=256)
def _library_id(name: str) -> str:
    return _uuid(f"library/{name}")


def _normal_id(item_id: str) -> str:
    return item_id.replace("-", "").lower()


def _image_tag(item_id: str) -> str:
    return hashlib.blake2b(item_id.encode(), digest_size=16).hexdigest()


def _gen_id(kind: int, index: int) -> str:
    return f"{_GEN_TAG}{kind}{index:019x}"


def _decode_gen_id(item_id: str, gen: _Generated | None) -> tuple[int, int] | None:
    """(kind, index) of a generated item that exists, or None."""
    if gen is None or len(item_id) != 32 or not item_id.startswith(_GEN_TAG):
        return None
    kind_digit, rest = item_id[len(_GEN_TAG)], item_id[len(_GEN_TAG) + 1 :]
    if kind_digit not in "1234":
        return None
    try:
        index = int(rest, 16)
    except ValueError:
        return None
    kind = int(kind_digit)
    return (kind, index) if index < gen.count(kind) else None


def _gen_item(gen: _Generated, kind: int, index: int) -> _Item:
    """Generated item ``index`` of ``kind``, computed from the index alone."""
    added = GENERATED_BASE + timedelta(seconds=gen.ordinal_offset(kind) + index)
    if kind == _MOVIE:
        year = 1950 + index % 70
        ids = {"Imdb": f"tt{9_000_000 + index}"}
        if index % 10:
            ids = {"Tmdb": str(1_000_000 + index), **ids}
        name = f"Generated Movie {index}"
        return _Item(
            id=_gen_id(_MOVIE, index),
            type="Movie",
            name=name,
            library=gen.library_movies,
            added=added,
            parent_id=_library_id(gen.library_movies),
            year=year,
            premiere=date(year, 6, 1),
            provider_ids=ids,
            path=f"{_location(gen.library_movies)}/{name} ({year})/{name} ({year}).mkv",
            minutes=90 + index % 60,
        )
    if kind == _SERIES:
        return _gen_series(gen, index)
    season_index = index if kind == _SEASON else index // gen.episodes
    series = _gen_series(gen, season_index // gen.seasons)
    number = season_index % gen.seasons + 1
    assert series.year is not None
    season = _Item(
        id=_gen_id(_SEASON, season_index),
        type="Season",
        name=_season_name(number),
        library=gen.library_shows,
        added=added,
        parent_id=series.id,
        year=series.year + number - 1,
        series_id=series.id,
        series_name=series.name,
        index=number,
        path=f"{series.path}/Season {number:02d}",
    )
    if kind == _SEASON:
        return season
    return _episode_item(
        _gen_id(_EPISODE, index), series, season, index % gen.episodes + 1, None, added
    )


@functools.lru_cache(maxsize=1024)
def _gen_series(gen: _Generated, j: int) -> _Item:
    year = 1990 + j % 35
    name = f"Generated Series {j}"
    return _Item(
        id=_gen_id(_SERIES, j),
        type="Series",
        name=name,
        library=gen.library_shows,
        added=GENERATED_BASE + timedelta(seconds=gen.ordinal_offset(_SERIES) + j),
        parent_id=_library_id(gen.library_shows),
        year=year,
        premiere=date(year, 1, 1),
        provider_ids={"Tmdb": str(2_000_000 + j), "Tvdb": str(3_000_000 + j)},
        status="Continuing" if j % 3 == 0 else "Ended",
        path=f"{_location(gen.library_shows)}/{name} ({year})",
        minutes=45,
    )


def _episode_item(
    item_id: str,
    series: _Item,
    season: _Item,
    number: int,
    end: int | None,
    added: datetime,
    *,
    virtual: bool = False,
) -> _Item:
    assert season.index is not None
    aired = date((season.year or 2000), 1, 1) + timedelta(weeks=number - 1)
    code = f"S{season.index:02d}E{number:02d}" + (f"-E{end:02d}" if end else "")
    return _Item(
        id=item_id,
        type="Episode",
        name=f"Episode {number}" + (f"-{end}" if end else ""),
        library=series.library,
        added=added,
        parent_id=season.id,
        year=aired.year,
        premiere=aired,
        series_id=series.id,
        series_name=series.name,
        season_id=season.id,
        season_name=season.name,
        index=number,
        index_end=end,
        season_number=season.index,
        virtual=virtual,
        path=f"{season.path}/{series.name} {code}.mkv",
        minutes=45,
    )


def _season_name(number: int) -> str:
    return "Specials" if number == 0 else f"Season {number}"


@functools.lru_cache(maxsize=256)
def _location(library: str) -> str:
    return "/media/" + re.sub(r"[^a-z0-9]+", "-", library.lower()).strip("-")


def _provider_ids(
    *, tmdb: int | str | None = None, tvdb: int | str | None = None, imdb: str | None = None
) -> dict[str, str]:
    ids = {"Tmdb": tmdb, "Tvdb": tvdb, "Imdb": imdb}
    return {k: str(v) for k, v in ids.items() if v is not None and str(v) != ""}


def _utc(moment: datetime) -> datetime:
    if moment.tzinfo is UTC:
        return moment
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _stamp(moment: datetime | date) -> str:
    """Jellyfin's timestamps: seven fractional digits and a Z."""
    if not isinstance(moment, datetime):
        return f"{moment.year:04d}-{moment.month:02d}-{moment.day:02d}T00:00:00.0000000Z"
    m = _utc(moment)
    return (
        f"{m.year:04d}-{m.month:02d}-{m.day:02d}T{m.hour:02d}:{m.minute:02d}:{m.second:02d}"
        f".{m.microsecond:06d}0Z"
    )


def _parse_date(value: str) -> datetime:
    text = value.strip().replace(" ", "+")
    text = re.sub(r"(\.\d{6})\d+", r"\1", text)
    try:
        return _utc(datetime.fromisoformat(text))
    except ValueError:
        raise _BadRequest(f"The value '{value}' is not a valid date.") from None


def _media_browser_token(header: str) -> str | None:
    scheme, _, rest = header.strip().partition(" ")
    if scheme.lower() != "mediabrowser":
        return None
    pairs = dict(re.findall(r'(\w+)\s*=\s*"([^"]*)"', rest))
    token = next((v for k, v in pairs.items() if k.lower() == "token"), None)
    return None if token is None else str(unquote(token))


def _sort_name(item: _Item) -> str:
    """Jellyfin's SortName: episodes and seasons by number, titles without articles."""
    if item.type == "Episode":
        return f"{item.season_number or 0:03d} - {item.index or 0:04d} - {item.name}".lower()
    if item.type == "Season":
        return f"{item.index or 0:04d}"
    name = item.name.lower()
    for article in _ARTICLES:
        if name.startswith(article):
            name = name[len(article) :]
            break
    return re.sub(r"\d+", lambda m: m.group().zfill(10), name)


def _sort_key(name: str) -> Callable[[_Item], Any]:
    keys: dict[str, Callable[[_Item], Any]] = {
        "sortname": _sort_name,
        "name": lambda i: i.name.lower(),
        "datecreated": lambda i: i.added,
        "premieredate": lambda i: i.premiere or date.min,
        "productionyear": lambda i: i.year or 0,
        "indexnumber": lambda i: i.index if i.index is not None else -1,
        "parentindexnumber": lambda i: i.season_number if i.season_number is not None else -1,
    }
    return keys.get(name, lambda i: 0)


def _sorted(items: list[_Item], query: _Query) -> list[_Item]:
    ordered = sorted(items, key=lambda i: i.id)
    for name in reversed(query.sort_by):
        ordered.sort(key=_sort_key(name), reverse=query.descending)
    return ordered


def _parse_query(call: _Call) -> _Query:
    def types(name: str) -> set[str]:
        return {_TYPES.get(t.lower(), t) for t in call.items(name)}

    min_date = call.get("MinDateCreated")
    sort_orders = [o.lower() for o in call.items("SortOrder")]
    parent = call.get("ParentId")
    ids = call.items("Ids")
    return _Query(
        parent_id=_normal_id(parent) if parent else None,
        recursive=bool(call.boolean("Recursive")),
        types=types("IncludeItemTypes") or None,
        exclude_types=types("ExcludeItemTypes"),
        ids=[_normal_id(i) for i in ids] if ids else None,
        fields={f.lower() for f in call.items("Fields")},
        start=max(call.integer("StartIndex") or 0, 0),
        limit=call.integer("Limit"),
        sort_by=[s.lower() for s in call.items("SortBy")] or ["sortname"],
        descending=bool(sort_orders) and sort_orders[0] == "descending",
        min_date=_parse_date(min_date) if min_date else None,
        is_missing=call.boolean("IsMissing"),
        exclude_locations={loc.lower() for loc in call.items("ExcludeLocationTypes")},
    )


def _page(
    listed: list[_Item],
    segments: list[_Segment],
    gen: _Generated | None,
    query: _Query,
) -> list[_Item]:
    """Items ``start`` to ``start + limit`` of stored-then-generated, or generated-then-stored
    in ascending date order (generated items are older); newest first when descending."""
    by_date = query.sort_by[0] == "datecreated"
    gen_first, reverse = by_date and not query.descending, by_date and query.descending
    total = len(listed) + sum(len(s) for s in segments)
    stop = total if query.limit is None else min(total, query.start + max(query.limit, 0))
    generated_count = total - len(listed)
    first_gen = 0 if gen_first else len(listed)
    first_listed = generated_count if gen_first else 0
    page: list[_Item] = []
    position = query.start
    while position < stop:
        if first_listed <= position < first_listed + len(listed):
            take = min(stop, first_listed + len(listed)) - position
            begin = position - first_listed
            page.extend(listed[begin : begin + take])
        else:
            assert gen is not None
            take = min(stop, first_gen + generated_count) - position
            page.extend(_gen_slice(gen, segments, position - first_gen, take, reverse=reverse))
        position += take
    return page


def _gen_slice(
    gen: _Generated, segments: Sequence[_Segment], skip: int, take: int, *, reverse: bool
) -> Iterator[_Item]:
    """``take`` generated items after the first ``skip`` of ``segments``, made one by one."""
    ordered: Iterable[_Segment] = reversed(segments) if reverse else segments
    for segment in ordered:
        size = len(segment)
        if skip >= size:
            skip -= size
            continue
        count = min(take, size - skip)
        for k in range(skip, skip + count):
            index = segment.hi - 1 - k if reverse else segment.lo + k
            yield _gen_item(gen, segment.kind, index)
        take -= count
        skip = 0
        if take <= 0:
            return


def _items_response(items: list[Json], total: int, start: int) -> web.Response:
    return web.json_response({"Items": items, "TotalRecordCount": total, "StartIndex": start})


def _library_options(folder: _Item) -> Json:
    return {
        "Enabled": True,
        "EnablePhotos": True,
        "EnableRealtimeMonitor": True,
        "EnableLUFSScan": True,
        "EnableChapterImageExtraction": False,
        "ExtractChapterImagesDuringLibraryScan": False,
        "EnableTrickplayImageExtraction": False,
        "SaveLocalMetadata": False,
        "EnableAutomaticSeriesGrouping": False,
        "EnableEmbeddedTitles": False,
        "EnableEmbeddedExtrasTitles": False,
        "EnableEmbeddedEpisodeInfos": False,
        "AutomaticRefreshIntervalDays": 0,
        "PreferredMetadataLanguage": "en",
        "MetadataCountryCode": "US",
        "SeasonZeroDisplayName": "Specials",
        "PathInfos": [{"Path": folder.path}],
        "TypeOptions": [],
    }


def _user(
    name: str, user_id: str, server_id: str, admin: bool, disabled: bool, hidden: bool
) -> Json:
    return {
        "Name": name,
        "ServerId": server_id,
        "Id": user_id,
        "HasPassword": True,
        "HasConfiguredPassword": True,
        "HasConfiguredEasyPassword": False,
        "EnableAutoLogin": False,
        "LastLoginDate": "2025-01-10T18:30:00.0000000Z",
        "LastActivityDate": "2025-01-10T19:45:00.0000000Z",
        "Configuration": {
            "PlayDefaultAudioTrack": True,
            "SubtitleLanguagePreference": "",
            "DisplayMissingEpisodes": False,
            "GroupedFolders": [],
            "SubtitleMode": "Default",
            "DisplayCollectionsView": False,
            "EnableLocalPassword": False,
            "OrderedViews": [],
            "LatestItemsExcludes": [],
            "MyMediaExcludes": [],
            "HidePlayedInLatest": True,
            "RememberAudioSelections": True,
            "RememberSubtitleSelections": True,
            "EnableNextEpisodeAutoPlay": True,
        },
        "Policy": {
            "IsAdministrator": admin,
            "IsHidden": hidden,
            "IsDisabled": disabled,
            "EnableCollectionManagement": admin,
            "EnableSubtitleManagement": admin,
            "BlockedTags": [],
            "AllowedTags": [],
            "EnableUserPreferenceAccess": True,
            "AccessSchedules": [],
            "BlockUnratedItems": [],
            "EnableRemoteControlOfOtherUsers": admin,
            "EnableSharedDeviceControl": True,
            "EnableRemoteAccess": True,
            "EnableLiveTvManagement": admin,
            "EnableLiveTvAccess": True,
            "EnableMediaPlayback": True,
            "EnableContentDeletion": admin,
            "EnableContentDownloading": True,
            "EnableAllDevices": True,
            "EnableAllChannels": True,
            "EnableAllFolders": True,
            "EnabledFolders": [],
            "InvalidLoginAttemptCount": 0,
            "LoginAttemptsBeforeLockout": -1,
            "MaxActiveSessions": 0,
            "EnablePublicSharing": True,
            "RemoteClientBitrateLimit": 0,
            "AuthenticationProviderId": (
                "Jellyfin.Server.Implementations.Users.DefaultAuthenticationProvider"
            ),
            "PasswordResetProviderId": (
                "Jellyfin.Server.Implementations.Users.DefaultPasswordResetProvider"
            ),
            "SyncPlayAccess": "CreateAndJoinGroups",
        },
    }


# ----- the built-in library --------------------------------------------------------------


def _day(month: int, day: int) -> datetime:
    return datetime(2024, month, day, 12, 0, tzinfo=UTC)


def _add_builtin_library(fake: FakeJellyfin) -> None:
    """Real titles with their public TMDb, IMDb and TheTVDB ids (as in tests/fake_tmdb.py)."""
    movies = (
        ("The Matrix", 1999, 603, "tt0133093", date(1999, 3, 31), 136, _day(3, 1)),
        ("Fight Club", 1999, 550, "tt0137523", date(1999, 10, 15), 139, _day(3, 5)),
        ("Inception", 2010, 27205, "tt1375666", date(2010, 7, 15), 148, _day(4, 2)),
        ("Amélie", 2001, None, "tt0211915", date(2001, 4, 25), 122, _day(5, 20)),
        ("Home Movies 2015", 2015, None, None, None, 42, _day(6, 1)),
    )
    for name, year, tmdb, imdb, premiere, minutes, added in movies:
        fake.add_movie(
            name, year, tmdb=tmdb, imdb=imdb, premiere=premiere, minutes=minutes, added=added
        )
    fake.add_series(
        "Breaking Bad", 2008, tmdb=1396, tvdb=81189, imdb="tt0903747",
        seasons={0: 2, 1: 7, 2: 13, 3: 13, 4: 13, 5: 16}, missing={0: 7},
        added=_day(2, 10), status="Ended",
    )  # fmt: skip
    fake.add_series(
        "Game of Thrones", 2011, tmdb=1399, tvdb=121361, imdb="tt0944947",
        seasons={1: 10, 2: 10, 3: 5}, missing={3: 5}, added=_day(7, 4), status="Ended",
    )  # fmt: skip
    fake.add_series(
        "The Simpsons", 1989, tvdb=71663, seasons={1: 13, 2: 22}, added=_day(8, 15),
        status="Continuing",
    )  # fmt: skip
    fake.add_user("Alice", admin=True)
    fake.add_user("bob")
    fake.add_user("Carol", disabled=True)


# ----- running it on its own -------------------------------------------------------------


async def _serve(args: argparse.Namespace) -> None:
    fake = FakeJellyfin(kind=args.kind, api_key=args.api_key, builtin=args.builtin)
    if args.movies or args.series:
        fake.generate(args.movies, args.series, seasons=args.seasons, episodes=args.episodes)
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stopping.set)
    await fake.start(args.port)
    try:
        sys.stdout.write(json.dumps({"base_url": fake.base_url, "api_key": fake.api_key}) + "\n")
        sys.stdout.flush()
        await stopping.wait()
    finally:
        await fake.stop()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m tests.fake_jellyfin", description="Serve a fake Jellyfin or Emby."
    )
    parser.add_argument("--movies", type=int, default=0)
    parser.add_argument("--series", type=int, default=0)
    parser.add_argument("--seasons", type=int, default=3)
    parser.add_argument("--episodes", type=int, default=8)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--kind", choices=("jellyfin", "emby"), default="jellyfin")
    parser.add_argument("--api-key", default=DEFAULT_API_KEY)
    parser.add_argument("--builtin", action="store_true", help="add the built-in library too")
    asyncio.run(_serve(parser.parse_args(argv)))


if __name__ == "__main__":
    main()
