"""Fake Radarr and Sonarr ``/api/v3`` servers on 127.0.0.1, for tests that want real HTTP.

They answer what a request bot asks, with the field names (camelCase) and shapes of
Radarr 5 and Sonarr 4, validation errors included. ``base_url`` is
``http://127.0.0.1:PORT`` (no ``/api``), as a user would configure it.

Use them as async context managers, or through the ``fake_radarr`` and ``fake_sonarr``
fixtures (tests/conftest.py lists this module in ``pytest_plugins``)::

    from tests.fake_arr import FakeRadarr

    async def test_something(fake_radarr: FakeRadarr) -> None:
        ...  # a client with base_url=fake_radarr.base_url, api_key=fake_radarr.api_key
        assert fake_radarr.calls["POST /api/v3/movie"] == 1
        assert fake_radarr.movie(603) is not None  # now in the library

Both (under ``/api/v3``):

- ``GET system/status``; ``GET qualityprofile`` (1 Any, 2 SD, 3 HD-720p, 4 HD-1080p,
  5 Ultra-HD, 6 HD - 720p/1080p); ``GET rootfolder`` (Radarr ``/movies`` and
  ``/movies-4k``, Sonarr ``/tv`` and ``/anime``); ``GET tag`` (none until a test adds some
  to ``tags``).
- ``GET queue?page=&pageSize=`` (10 a page by default; ``includeMovie``,
  ``includeSeries`` and ``includeEpisode`` embed the resources).
- ``POST command`` (201, status "queued"; the command runs at once), ``GET command`` and
  ``GET command/{id}`` (then "completed"). Unknown command names get 400.

Radarr: ``GET movie`` (``?tmdbId=`` filters), ``GET movie/{id}``, ``GET movie/lookup?term=``
(``tmdb:603``, ``imdb:tt0133093`` or words of the title), ``GET movie/lookup/tmdb?tmdbId=``,
``POST movie``, ``PUT movie/{id}``; the command ``MoviesSearch`` {movieIds}.

Sonarr: ``GET series`` (``?tvdbId=`` filters), ``GET series/{id}``,
``GET series/lookup?term=`` (``tvdb:``, ``tmdb:``, ``imdb:`` or words), ``POST series``,
``PUT series/{id}``, ``GET episode?seriesId=[&seasonNumber=]`` or ``?episodeIds=``,
``GET episode/{id}``, ``GET languageprofile`` (404 unless ``language_profiles``); the
commands ``SeriesSearch`` {seriesId}, ``SeasonSearch`` {seriesId, seasonNumber} (only a
monitored season, as Sonarr does) and ``EpisodeSearch`` {episodeIds}.

Errors are the real ones: 401 with an empty body for a missing or wrong ``X-Api-Key``
header / ``apikey`` query parameter, 404 (empty) for an unknown path, 404
``{"message": "NotFound"}`` for an unknown id, and 400 with a list of validation failures
``[{"propertyName", "errorMessage", "attemptedValue", "severity", "errorCode"}]`` for a
bad POST or PUT (already added: ``MovieExistsValidator`` / ``SeriesExistsValidator``).
POST movie requires title, tmdbId, qualityProfileId (an existing profile),
rootFolderPath (a root folder or a folder under one; or ``path``) and minimumAvailability
("announced", "inCinemas" or "released"). POST series requires title, tvdbId,
qualityProfileId, rootFolderPath, languageProfileId (only with ``language_profiles``),
seriesType ("standard", "anime" or "daily") and a seasons list; ``addOptions.monitor``
("all", "none", "firstSeason", ...) overrides the seasons' monitored flags as Sonarr does.

Catalogues (real ids, as in tests/fake_tmdb.py): the twelve movies of FakeTmdb (603 The
Matrix, 604, 605, 624860, 550 Fight Club, 27205 Inception, 194, 129 Spirited Away, 10228,
447404, 342521, 35), and the shows 81189 Breaking Bad, 121361 Game of Thrones,
71663 The Simpsons, 76703 Pokémon, with FakeTmdb's seasons and episode counts.

Downloads: with ``grab`` True (the default) a search puts a queue record up: a movie
added monitored with ``addOptions.searchForMovie`` or named by ``MoviesSearch``; a show's
monitored seasons with missing episodes when added monitored with
``addOptions.searchForMissingEpisodes``, or searched (one record per season pack, with the
id of its first episode). ``finish(...)`` completes them, ``progress(...)`` moves them on.

Knobs (``reset()`` puts them back; it forgets what was seen, the library stays):

- ``api_key`` (None accepts every request), ``grab``, Sonarr's ``language_profiles`` and
  both ``version``.
- lifetime, outages (``down`` tells whether one is on), ``delay``, ``fail(times, status)``
  (with ``{"message": ...}``), ``send_garbage(times)``, ``rate_limit``, ``requests`` and
  ``wait_for`` are tests/fake_server.py's; forced failures come after the auth check.
- ``add_known(...)``: more titles to look up; ``add_existing(...)``: a title already in the
  library, as if added by hand; ``finish(...)``, ``progress(...)``.
- ``calls``: a Counter of ``"METHOD /path"`` (``"POST /api/v3/movie"``); ``requests``
  record the JSON body (or the raw text) too; ``added`` / ``updates`` / ``commands``: every
  JSON object POSTed to movie|series, PUT to movie|series/{id} and POSTed to command, kept
  before validation (failed ones too).
- ``library`` (id -> stored resource; Sonarr's without statistics), ``known`` (TMDb /
  TheTVDB id -> lookup resource), ``queue``, ``quality_profiles``, ``root_folders``,
  ``tags`` (``{"id", "label"}``), and
  Sonarr's ``language_profile_list``: plain attributes a test may edit. ``movie(tmdb_id)``
  / ``series(tvdb_id)`` give a title's library resource (as served) or None.
"""

from __future__ import annotations

import copy
import datetime as dtm
import hashlib
import itertools
import json
import re
import unicodedata
from collections import Counter
from collections.abc import AsyncIterator, Iterable, Mapping
from typing import Any, ClassVar

import pytest
from aiohttp import web

from tests.fake_server import FakeService, Handler, SeenRequest
from tests.fake_tmdb import BUILTIN_MOVIES, BUILTIN_SHOWS

Json = dict[str, Any]

RADARR_API_KEY = "4ad4a7700000000000000000000fa4e1"
SONARR_API_KEY = "50a4a7700000000000000000000fa4e2"
PREFIX = "/api/v3"
PAGE_SIZE = 10
MOVIE_SIZE = 8_589_934_592  # 8 GiB
EPISODE_SIZE = 1_610_612_736  # 1.5 GiB
DOWNLOAD_SECONDS = 600  # a whole release takes ten minutes
NEVER = "0001-01-01T00:00:00Z"
RELEASE_GROUP = "FAKE"

MINIMUM_AVAILABILITIES = ("announced", "inCinemas", "released")
SERIES_TYPES = ("standard", "anime", "daily")


class _BadBody(Exception):
    """The request body is not JSON."""


class _FakeArr(FakeService):
    """What Radarr and Sonarr share: the routes, auth, knobs, profiles, queue, commands."""

    app_name: ClassVar[str]
    default_version: ClassVar[str]
    root_paths: ClassVar[tuple[str, ...]]
    command_names: ClassVar[tuple[str, ...]]

    def __init__(self, *, api_key: str | None) -> None:
        super().__init__(api_key)
        self.grab = True
        self.version = self.default_version
        self.added: list[Json] = []
        self.updates: list[Json] = []
        self.commands: list[Json] = []
        self.library: dict[int, Json] = {}
        self.queue: list[Json] = []
        self.quality_profiles: list[Json] = [self._quality_profile(*p) for p in _PROFILES]
        self.root_folders: list[Json] = [
            {
                "id": n,
                "path": path,
                "accessible": True,
                "freeSpace": 1_500_000_000_000 - n * 250_000_000_000,
                "totalSpace": 4_000_000_000_000,
                "unmappedFolders": [],
            }
            for n, path in enumerate(self.root_paths, start=1)
        ]
        self.tags: list[Json] = []
        self._commands_run: dict[int, Json] = {}
        self._ids = itertools.count(1)
        self._queue_ids = itertools.count(1)
        self._command_ids = itertools.count(1)
        self._started_at = _now()

    @property
    def base_url(self) -> str:
        """What a user configures, like ``http://radarr:7878``: no ``/api``, no slash."""
        return self.origin

    def _add_routes(self, router: web.UrlDispatcher) -> None:
        router.add_get(PREFIX + "/system/status", self._status)
        router.add_get(PREFIX + "/qualityprofile", self._profiles)
        router.add_get(PREFIX + "/rootfolder", self._root_folders)
        router.add_get(PREFIX + "/tag", self._tags)
        router.add_get(PREFIX + "/queue", self._queue)
        router.add_get(PREFIX + "/command", self._command_list)
        router.add_get(PREFIX + "/command/{id:\\d+}", self._command_get)
        router.add_post(PREFIX + "/command", self._command_post)

    # ----- knobs ----------------------------------------------------------------------

    def reset(self) -> None:
        """Forget what was seen and every knob set; the library, queue and titles stay."""
        super().reset()
        self.grab = True
        self.version = self.default_version
        self.added.clear()
        self.updates.clear()
        self.commands.clear()

    # ----- the server -----------------------------------------------------------------

    def _call_key(self, seen: SeenRequest) -> str:
        return f"{seen.method} {seen.path}"

    async def _seen_body(self, request: web.Request) -> Any:
        raw = await request.text()
        try:
            return json.loads(raw) if raw else None
        except ValueError:
            return raw

    def _refuse(self, request: web.Request) -> web.Response | None:
        return None if self._authorised(request) else web.Response(status=401)

    def _error(self, status: int) -> web.Response:
        return _message(status, _REASONS.get(status, "Internal Server Error"))

    def _not_found(self) -> web.Response:
        return web.Response(status=404)

    async def _respond(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        try:
            return await super()._respond(request, handler)
        except _BadBody:
            return _message(400, "Invalid JSON in the request body")

    def _authorised(self, request: web.Request) -> bool:
        if self.api_key is None:
            return True
        key = request.headers.get("X-Api-Key") or request.query.get("apikey")
        return key == self.api_key

    async def _status(self, request: web.Request) -> web.Response:
        return web.json_response(
            {
                "appName": self.app_name,
                "instanceName": self.app_name,
                "version": self.version,
                "buildTime": "2024-10-20T12:00:00Z",
                "isDebug": False,
                "isProduction": True,
                "isAdmin": False,
                "isUserInteractive": False,
                "startupPath": f"/app/{self.app_name.lower()}/bin",
                "appData": "/config",
                "osName": "alpine",
                "osVersion": "3.20.3",
                "isNetCore": True,
                "isLinux": True,
                "isOsx": False,
                "isWindows": False,
                "isDocker": True,
                "mode": "console",
                "branch": "main" if self.app_name == "Sonarr" else "master",
                "authentication": "forms",
                "databaseType": "sqLite",
                "databaseVersion": "3.45.3",
                "migrationVersion": 240,
                "urlBase": "",
                "runtimeVersion": "6.0.35",
                "runtimeName": ".NET",
                "startTime": self._started_at,
                "packageVersion": self.version,
                "packageAuthor": "[linuxserver.io](https://linuxserver.io)",
                "packageUpdateMechanism": "docker",
            }
        )

    async def _profiles(self, request: web.Request) -> web.Response:
        return web.json_response(self.quality_profiles)

    async def _root_folders(self, request: web.Request) -> web.Response:
        return web.json_response(self.root_folders)

    async def _tags(self, request: web.Request) -> web.Response:
        return web.json_response(self.tags)

    async def _queue(self, request: web.Request) -> web.Response:
        try:
            page = int(request.query.get("page", "1"))
            size = int(request.query.get("pageSize", str(PAGE_SIZE)))
        except ValueError:
            return _message(400, "page and pageSize must be integers")
        page, size = max(page, 1), max(size, 1)
        start = (page - 1) * size
        records = [self._queue_view(r, request.query) for r in self.queue[start : start + size]]
        return web.json_response(
            {
                "page": page,
                "pageSize": size,
                "sortKey": "timeleft",
                "sortDirection": "ascending",
                "totalRecords": len(self.queue),
                "records": records,
            }
        )

    def _queue_view(self, record: Json, query: Mapping[str, str]) -> Json:
        return dict(record)

    async def _command_post(self, request: web.Request) -> web.Response:
        body = await _read_json(request)
        if not isinstance(body, dict):
            return _message(400, "The command must be a JSON object")
        self.commands.append(body)
        name = body.get("name")
        if not isinstance(name, str) or not name:
            return _invalid([_failure("Name", "'Name' must not be empty.", name, "NotEmpty")])
        canonical = next((n for n in self.command_names if n.lower() == name.lower()), None)
        if canonical is None:
            return _message(400, f"Unknown command: {name}")
        self._run_command(canonical, body)
        queued = _now()
        command_id = next(self._command_ids)
        resource: Json = {
            "name": canonical,
            "commandName": _words(canonical),
            "body": {
                **body,
                "name": canonical,
                "sendUpdatesToClient": True,
                "updateScheduledTask": True,
                "completionMessage": "Completed",
                "requiresDiskAccess": False,
                "isExclusive": False,
                "isLongRunning": False,
                "trigger": "manual",
                "suppressMessages": False,
            },
            "priority": "normal",
            "status": "queued",
            "result": "unknown",
            "queued": queued,
            "trigger": "manual",
            "sendUpdatesToClient": True,
            "updateScheduledTask": True,
            "id": command_id,
        }
        self._commands_run[command_id] = {
            **resource,
            "status": "completed",
            "result": "successful",
            "message": "Completed",
            "started": queued,
            "ended": queued,
            "duration": "00:00:00.0100000",
            "stateChangeTime": queued,
        }
        return web.json_response(resource, status=201)

    async def _command_list(self, request: web.Request) -> web.Response:
        return web.json_response(list(self._commands_run.values()))

    async def _command_get(self, request: web.Request) -> web.Response:
        command = self._commands_run.get(int(request.match_info["id"]))
        return _not_found() if command is None else web.json_response(command)

    def _run_command(self, name: str, body: Json) -> None:
        raise NotImplementedError

    # ----- shared pieces --------------------------------------------------------------

    def _quality_profile(self, profile_id: int, name: str, cutoff: int) -> Json:
        return {
            "id": profile_id,
            "name": name,
            "upgradeAllowed": profile_id != 1,
            "cutoff": cutoff,
            "items": [],
            "minFormatScore": 0,
            "cutoffFormatScore": 0,
            "minUpgradeFormatScore": 1,
            "formatItems": [],
        }

    def _profile_failures(self, body: Json) -> list[Json]:
        profile = body.get("qualityProfileId")
        known = {p["id"] for p in self.quality_profiles}
        if type(profile) is int and profile in known:
            return []
        return [
            _failure(
                "QualityProfileId",
                "Quality Profile does not exist",
                profile,
                "QualityProfileExistsValidator",
            )
        ]

    def _root_of(self, path: str) -> str | None:
        """The root folder ``path`` is (or is under), or None."""
        path = path.rstrip("/")
        for folder in self.root_folders:
            root = str(folder["path"]).rstrip("/")
            if path == root or path.startswith(root + "/"):
                return root
        return None

    def _place(self, body: Json, folder: str) -> tuple[list[Json], str, str]:
        """Failures, and the path and root folder of a POSTed title."""
        root_path, path = body.get("rootFolderPath"), body.get("path")
        if isinstance(root_path, str) and root_path.strip():
            root = self._root_of(root_path)
            if root is None:
                return [_root_failure("RootFolderPath", root_path)], "", ""
            return [], f"{root_path.rstrip('/')}/{folder}", root
        if isinstance(path, str) and path.strip():
            root = self._root_of(path)
            if root is None or path.rstrip("/") == root:
                return [_root_failure("Path", path)], "", ""
            return [], path.rstrip("/"), root
        failure = _failure(
            "RootFolderPath",
            "'Root Folder Path' must not be empty.",
            root_path,
            "NotEmptyValidator",
        )
        return [failure], "", ""

    def _new_record(self, title: str, size: int) -> Json:
        digest = hashlib.sha1(title.encode(), usedforsecurity=False).hexdigest().upper()
        record: Json = {
            "id": next(self._queue_ids),
            "languages": [_LANGUAGES["en"]],
            "quality": _QUALITY,
            "customFormats": [],
            "customFormatScore": 0,
            "size": size,
            "title": title,
            "sizeleft": size,
            "timeleft": "",
            "estimatedCompletionTime": "",
            "added": _now(),
            "status": "downloading",
            "trackedDownloadStatus": "ok",
            "trackedDownloadState": "downloading",
            "statusMessages": [],
            "downloadId": digest,
            "protocol": "torrent",
            "downloadClient": "qBittorrent",
            "downloadClientHasPostImportCategory": False,
            "indexer": "Torznab (Prowlarr)",
            "outputPath": f"/downloads/{title}",
        }
        _set_left(record, size)
        return record


# ----- Radarr ---------------------------------------------------------------------------


class FakeRadarr(_FakeArr):
    """A Radarr 5 look-alike on a random free port of 127.0.0.1; see the module docstring."""

    app_name = "Radarr"
    default_version = "5.14.0.9383"
    root_paths = ("/movies", "/movies-4k")
    command_names = (
        "MoviesSearch", "MissingMoviesSearch", "CutoffUnmetMoviesSearch", "RefreshMovie",
        "RescanMovie", "RenameMovie", "RssSync", "DownloadedMoviesScan", "Backup",
        "CheckHealth", "ApplicationUpdateCheck",
    )  # fmt: skip

    def __init__(self, *, api_key: str | None = RADARR_API_KEY) -> None:
        super().__init__(api_key=api_key)
        self.known: dict[int, Json] = {}
        for row in BUILTIN_MOVIES:
            tmdb_id, title, date, imdb, _, overview, original, language = row
            self.add_known(
                tmdb_id, title, int(date[:4]), imdb, release_date=date,
                runtime=_RUNTIMES.get(tmdb_id, 0), overview=overview, original_title=original,
                original_language=language,
            )  # fmt: skip

    def _quality_profile(self, profile_id: int, name: str, cutoff: int) -> Json:
        return {**super()._quality_profile(profile_id, name, cutoff), "language": _LANGUAGES["en"]}

    # ----- knobs ----------------------------------------------------------------------

    def add_known(
        self,
        tmdb_id: int,
        title: str,
        year: int,
        imdb_id: str | None = None,
        *,
        release_date: str | None = None,
        runtime: int = 0,
        overview: str = "",
        original_title: str | None = None,
        original_language: str = "en",
    ) -> Json:
        """Add (or replace) a title to look up and add; returns its lookup resource."""
        date = release_date or f"{year}-01-01"
        poster = f"https://image.tmdb.org/t/p/original/poster{tmdb_id}.jpg"
        movie: Json = {
            "title": title,
            "originalTitle": original_title or title,
            "originalLanguage": _LANGUAGES.get(original_language, _LANGUAGES["en"]),
            "alternateTitles": [],
            "secondaryYearSourceId": 0,
            "sortTitle": _sort_title(title),
            "sizeOnDisk": 0,
            "status": "released",
            "overview": overview,
            "inCinemas": f"{date}T00:00:00Z",
            "physicalRelease": f"{date}T00:00:00Z",
            "digitalRelease": f"{date}T00:00:00Z",
            "releaseDate": f"{date}T00:00:00Z",
            "images": [{"coverType": "poster", "url": poster, "remoteUrl": poster}],
            "website": "",
            "remotePoster": poster,
            "year": year,
            "youTubeTrailerId": "",
            "studio": "",
            "qualityProfileId": 0,
            "hasFile": False,
            "movieFileId": 0,
            "monitored": False,
            "minimumAvailability": "tba",
            "isAvailable": True,
            "folderName": _folder(f"{title} ({year})"),
            "folder": _folder(f"{title} ({year})"),
            "runtime": runtime,
            "cleanTitle": _clean_title(title),
            "imdbId": imdb_id,
            "tmdbId": tmdb_id,
            "titleSlug": f"{_slug(title)}-{tmdb_id}",
            "certification": "R",
            "genres": ["Drama"],
            "tags": [],
            "added": NEVER,
            "ratings": {
                "imdb": {"votes": 1000, "value": 7.5, "type": "user"},
                "tmdb": {"votes": 1000, "value": 7.5, "type": "user"},
            },
            "popularity": 10.0,
        }
        self.known[tmdb_id] = movie
        return movie

    def add_existing(
        self, tmdb_id: int, *, monitored: bool = False, has_file: bool = False
    ) -> Json:
        """Put a known title in the library as if added by hand earlier; returns it."""
        if self.movie(tmdb_id) is not None:
            raise ValueError(f"{tmdb_id} is already in the library")
        root = self.root_paths[0]
        known = self.known[tmdb_id]
        movie = self._create(known, 1, f"{root}/{known['folder']}", root, monitored, "released")
        if has_file:
            self.finish(tmdb_id)
        return movie

    def movie(self, tmdb_id: int) -> Json | None:
        """The library resource of a movie, or None."""
        return next((m for m in self.library.values() if m["tmdbId"] == tmdb_id), None)

    def finish(self, tmdb_id: int) -> Json:
        """Complete a movie's download (queued or not): its file is on disk. Returns it."""
        movie = self._library_movie(tmdb_id)
        records = [r for r in self.queue if r["movieId"] == movie["id"]]
        size = records[0]["size"] if records else MOVIE_SIZE
        self.queue = [r for r in self.queue if r["movieId"] != movie["id"]]
        file_id = movie["id"] + 1000
        name = f"{movie['path'].rsplit('/', 1)[-1]} Bluray-1080p.mkv"
        movie.update(
            hasFile=True,
            movieFileId=file_id,
            sizeOnDisk=size,
            movieFile={
                "id": file_id,
                "movieId": movie["id"],
                "relativePath": name,
                "path": f"{movie['path']}/{name}",
                "size": size,
                "dateAdded": _now(),
                "releaseGroup": RELEASE_GROUP,
                "edition": "",
                "languages": [movie["originalLanguage"]],
                "quality": _QUALITY,
                "customFormats": [],
                "customFormatScore": 0,
                "qualityCutoffNotMet": False,
            },
            statistics={
                "movieFileCount": 1,
                "sizeOnDisk": size,
                "releaseGroups": [RELEASE_GROUP],
            },
        )
        return movie

    def progress(self, tmdb_id: int, fraction: float) -> None:
        """Move a queued movie's download to ``fraction`` (0 to 1) done."""
        movie = self._library_movie(tmdb_id)
        records = [r for r in self.queue if r["movieId"] == movie["id"]]
        if not records:
            raise KeyError(f"{tmdb_id} is not in the queue")
        for record in records:
            _set_left(record, round(record["size"] * (1 - fraction)))

    # ----- the server -----------------------------------------------------------------

    def _add_routes(self, router: web.UrlDispatcher) -> None:
        super()._add_routes(router)
        router.add_get(PREFIX + "/movie", self._movies)
        router.add_get(PREFIX + "/movie/lookup", self._lookup)
        router.add_get(PREFIX + "/movie/lookup/tmdb", self._lookup_tmdb)
        router.add_get(PREFIX + "/movie/{id:\\d+}", self._movie_get)
        router.add_post(PREFIX + "/movie", self._movie_post)
        router.add_put(PREFIX + "/movie/{id:\\d+}", self._movie_put)

    async def _movies(self, request: web.Request) -> web.Response:
        movies = list(self.library.values())
        wanted = request.query.get("tmdbId")
        if wanted is not None:
            if not wanted.isdigit():
                return _message(400, "tmdbId must be an integer")
            movies = [m for m in movies if m["tmdbId"] == int(wanted)]
        return web.json_response(movies)

    async def _movie_get(self, request: web.Request) -> web.Response:
        movie = self.library.get(int(request.match_info["id"]))
        return _not_found() if movie is None else web.json_response(movie)

    async def _lookup(self, request: web.Request) -> web.Response:
        term = request.query.get("term", "").strip()
        kind, _, value = term.partition(":")
        kind = kind.strip().lower()
        if kind == "tmdb":
            found = [m for m in self.known.values() if str(m["tmdbId"]) == value.strip()]
        elif kind == "imdb":
            imdb = value.strip().lower()
            found = [m for m in self.known.values() if str(m["imdbId"]).lower() == imdb]
        else:
            words = _fold(term).split()
            found = [
                m
                for m in self.known.values()
                if words and _hit(words, m["title"], m["originalTitle"])
            ]
        return web.json_response([self.movie(m["tmdbId"]) or m for m in found])

    async def _lookup_tmdb(self, request: web.Request) -> web.Response:
        wanted = request.query.get("tmdbId", "")
        known = self.known.get(int(wanted)) if wanted.isdigit() else None
        if known is None:
            return _not_found()
        return web.json_response(self.movie(known["tmdbId"]) or known)

    async def _movie_post(self, request: web.Request) -> web.Response:
        body = await _read_json(request)
        if not isinstance(body, dict):
            return _message(400, "The movie must be a JSON object")
        self.added.append(body)
        failures: list[Json] = []
        title = body.get("title")
        if not isinstance(title, str) or not title.strip():
            failures.append(_failure("Title", "'Title' must not be empty.", title, "NotEmpty"))
        tmdb_id = body.get("tmdbId")
        if type(tmdb_id) is not int or tmdb_id <= 0:
            failures.append(_failure("TmdbId", "'Tmdb Id' must not be empty.", tmdb_id, "NotEmpty"))
        elif self.movie(tmdb_id) is not None:
            failures.append(
                _failure(
                    "TmdbId",
                    "This movie has already been added",
                    tmdb_id,
                    "MovieExistsValidator",
                )
            )
        failures += self._profile_failures(body)
        known = self.known.get(tmdb_id) if type(tmdb_id) is int else None
        folder = known["folder"] if known else _folder(f"{title} ({body.get('year')})")
        placed, path, root = self._place(body, folder)
        failures += placed
        failures += _availability_failures(body, required=True)
        if failures:
            return _invalid(failures)
        if known is None:
            missing = _failure("TmdbId", "A movie with this ID was not found", tmdb_id, None)
            return _invalid([missing])
        options = body.get("addOptions") or {}
        monitored = bool(body.get("monitored", True)) and options.get("monitor") != "none"
        movie = self._create(
            known, body["qualityProfileId"], path, root, monitored, body["minimumAvailability"]
        )
        if isinstance(body.get("tags"), list):
            movie["tags"] = list(body["tags"])
        if options.get("searchForMovie") and monitored:
            self._search(movie)
        return web.json_response(movie, status=201)

    async def _movie_put(self, request: web.Request) -> web.Response:
        movie = self.library.get(int(request.match_info["id"]))
        body = await _read_json(request)
        if isinstance(body, dict):
            self.updates.append(body)
        if movie is None:
            return _not_found()
        if not isinstance(body, dict):
            return _message(400, "The movie must be a JSON object")
        failures = self._profile_failures(body) if "qualityProfileId" in body else []
        failures += _availability_failures(body, required=False)
        if "path" in body and (
            not isinstance(body["path"], str) or self._root_of(body["path"]) is None
        ):
            failures.append(_root_failure("Path", body["path"]))
        if failures:
            return _invalid(failures)
        for key in ("monitored", "qualityProfileId", "minimumAvailability", "path", "tags"):
            if key in body:
                movie[key] = body[key]
        movie["rootFolderPath"] = self._root_of(movie["path"])
        movie["folderName"] = movie["path"]
        return web.json_response(movie, status=202)

    def _queue_view(self, record: Json, query: Mapping[str, str]) -> Json:
        view = dict(record)
        if _flag(query, "includeMovie"):
            view["movie"] = self.library.get(record["movieId"])
        return view

    def _run_command(self, name: str, body: Json) -> None:
        if name == "MoviesSearch":
            for movie_id in _ints(body.get("movieIds")):
                if movie_id in self.library:
                    self._search(self.library[movie_id])

    # ----- the library ----------------------------------------------------------------

    def _create(
        self, known: Json, profile: int, path: str, root: str, monitored: bool, availability: str
    ) -> Json:
        movie_id = next(self._ids)
        movie = copy.deepcopy(known)
        del movie["folder"]
        movie.update(
            id=movie_id,
            path=path,
            rootFolderPath=root,
            folderName=path,
            qualityProfileId=profile,
            monitored=monitored,
            minimumAvailability=availability,
            added=_now(),
            images=[
                {
                    "coverType": "poster",
                    "url": f"/MediaCover/{movie_id}/poster.jpg",
                    "remoteUrl": known["remotePoster"],
                }
            ],
            statistics={"movieFileCount": 0, "sizeOnDisk": 0, "releaseGroups": []},
        )
        self.library[movie_id] = movie
        return movie

    def _library_movie(self, tmdb_id: int) -> Json:
        movie = self.movie(tmdb_id)
        if movie is None:
            raise KeyError(f"{tmdb_id} is not in the library")
        return movie

    def _search(self, movie: Json) -> None:
        """A search that finds a release: grabbed into the queue (when ``grab``)."""
        if not self.grab or movie["hasFile"]:
            return
        if any(r["movieId"] == movie["id"] for r in self.queue):
            return
        name = f"{_dotted(movie['title'])}.{movie['year']}.1080p.BluRay.x264-{RELEASE_GROUP}"
        self.queue.append({"movieId": movie["id"], **self._new_record(name, MOVIE_SIZE)})


# ----- Sonarr ---------------------------------------------------------------------------


class FakeSonarr(_FakeArr):
    """A Sonarr 4 look-alike (or Sonarr 3, with language profiles) on 127.0.0.1."""

    app_name = "Sonarr"
    default_version = "4.0.10.2544"
    root_paths = ("/tv", "/anime")
    command_names = (
        "SeriesSearch", "SeasonSearch", "EpisodeSearch", "MissingEpisodeSearch",
        "CutoffUnmetEpisodeSearch", "RefreshSeries", "RescanSeries", "RenameSeries", "RssSync",
        "DownloadedEpisodesScan", "Backup", "CheckHealth", "ApplicationUpdateCheck",
    )  # fmt: skip

    def __init__(
        self, *, api_key: str | None = SONARR_API_KEY, language_profiles: bool = True
    ) -> None:
        super().__init__(api_key=api_key)
        self.language_profiles = language_profiles
        self.language_profile_list: list[Json] = [
            {"id": 1, "name": "English", "upgradeAllowed": False, "cutoff": _LANGUAGES["en"],
             "languages": [{"language": _LANGUAGES["en"], "allowed": True}]},
            {"id": 2, "name": "Original", "upgradeAllowed": False, "cutoff": _LANGUAGES["en"],
             "languages": [{"language": _LANGUAGES["en"], "allowed": True}]},
        ]  # fmt: skip
        self.known: dict[int, Json] = {}
        self._default_profiles = language_profiles
        self._episode_counts: dict[int, dict[int, int]] = {}
        self._files: dict[int, dict[int, int]] = {}
        self._episodes: dict[int, list[tuple[int, int, int]]] = {}
        self._episode_ids = itertools.count(1)
        for row in BUILTIN_SHOWS:
            tmdb_id, title, date, seasons, tvdb_id, imdb_id, _, overview, _, language = row
            network, status, runtime = _SHOW_EXTRAS[tmdb_id]
            self.add_known(
                tvdb_id, title, int(date[:4]), dict(seasons), tmdb_id, imdb_id,
                first_aired=date, network=network, status=status, runtime=runtime,
                overview=overview, original_language=language,
            )  # fmt: skip

    # ----- knobs ----------------------------------------------------------------------

    def reset(self) -> None:
        super().reset()
        self.language_profiles = self._default_profiles

    def add_known(
        self,
        tvdb_id: int,
        title: str,
        year: int,
        seasons: Mapping[int, int],
        tmdb_id: int | None = None,
        imdb_id: str | None = None,
        *,
        first_aired: str | None = None,
        network: str = "",
        status: str = "continuing",
        runtime: int = 0,
        overview: str = "",
        original_language: str = "en",
    ) -> Json:
        """Add (or replace) a show; ``seasons`` maps season numbers (0 = specials) to
        episode counts. Returns its lookup resource."""
        date = first_aired or f"{year}-01-01"
        poster = f"https://artworks.thetvdb.com/banners/posters/{tvdb_id}-1.jpg"
        show: Json = {
            "title": title,
            "sortTitle": _sort_title(title),
            "status": status,
            "ended": status == "ended",
            "overview": overview,
            "network": network,
            "airTime": "21:00",
            "images": [{"coverType": "poster", "url": poster, "remoteUrl": poster}],
            "originalLanguage": _LANGUAGES.get(original_language, _LANGUAGES["en"]),
            "remotePoster": poster,
            "seasons": [{"seasonNumber": n, "monitored": False} for n in sorted(seasons)],
            "year": year,
            "qualityProfileId": 0,
            "seasonFolder": False,
            "monitored": False,
            "monitorNewItems": "all",
            "useSceneNumbering": False,
            "runtime": runtime,
            "tvdbId": tvdb_id,
            "tvRageId": 0,
            "tvMazeId": 0,
            "tmdbId": tmdb_id or 0,
            "firstAired": f"{date}T00:00:00Z",
            "seriesType": "standard",
            "cleanTitle": _clean_title(title),
            "imdbId": imdb_id or "",
            "titleSlug": _slug(title),
            "folder": _folder(title),
            "certification": "TV-14",
            "genres": ["Drama"],
            "tags": [],
            "added": NEVER,
            "ratings": {"votes": 1000, "value": 8.5},
        }
        self.known[tvdb_id] = show
        self._episode_counts[tvdb_id] = dict(seasons)
        return show

    def add_existing(
        self,
        tvdb_id: int,
        *,
        monitored_seasons: Iterable[int] = (),
        files: Mapping[int, int] | None = None,
    ) -> Json:
        """Put a known show in the library as if added by hand earlier: the seasons in
        ``monitored_seasons`` monitored (and the show, if any is), ``files`` maps season
        numbers to how many of their episodes have a file. Returns it."""
        if self.series(tvdb_id) is not None:
            raise ValueError(f"{tvdb_id} is already in the library")
        root = self.root_paths[0]
        known = self.known[tvdb_id]
        watched = set(monitored_seasons)
        show = self._create(
            known,
            profile=1,
            language=1 if self.language_profiles else None,
            path=f"{root}/{known['folder']}",
            root=root,
            monitored=bool(watched),
            series_type="standard",
            season_folder=True,
            watched=watched,
        )
        counts = self._episode_counts[tvdb_id]
        for season, count in (files or {}).items():
            self._files[show["id"]][season] = min(count, counts.get(season, 0))
        return self._render(show)

    def series(self, tvdb_id: int) -> Json | None:
        """The library resource of a show (with its statistics), or None."""
        show = self._stored(tvdb_id)
        return None if show is None else self._render(show)

    def finish(self, tvdb_id: int, season: int | None = None) -> Json:
        """Complete a season's download (or every monitored season's in the queue): each
        of its episodes gets a file. Returns the show."""
        show = self._stored(tvdb_id)
        if show is None:
            raise KeyError(f"{tvdb_id} is not in the library")
        if season is None:
            queued = {r["seasonNumber"] for r in self.queue if r["seriesId"] == show["id"]}
            seasons = [n for n in queued if self._monitored(show, n)]
        else:
            seasons = [season]
        counts = self._episode_counts[tvdb_id]
        for number in seasons:
            if number not in counts:
                raise KeyError(f"{tvdb_id} has no season {number}")
            self._files[show["id"]][number] = counts[number]
            self.queue = [
                r
                for r in self.queue
                if not (r["seriesId"] == show["id"] and r["seasonNumber"] == number)
            ]
        return self._render(show)

    def progress(self, tvdb_id: int, fraction: float, season: int | None = None) -> None:
        """Move a show's queued season packs (or one season's) to ``fraction`` done."""
        show = self._stored(tvdb_id)
        records = [
            r
            for r in self.queue
            if show is not None
            and r["seriesId"] == show["id"]
            and (season is None or r["seasonNumber"] == season)
        ]
        if not records:
            raise KeyError(f"{tvdb_id} is not in the queue")
        for record in records:
            _set_left(record, round(record["size"] * (1 - fraction)))

    # ----- the server -----------------------------------------------------------------

    def _add_routes(self, router: web.UrlDispatcher) -> None:
        super()._add_routes(router)
        router.add_get(PREFIX + "/series", self._all_series)
        router.add_get(PREFIX + "/series/lookup", self._lookup)
        router.add_get(PREFIX + "/series/{id:\\d+}", self._series_get)
        router.add_post(PREFIX + "/series", self._series_post)
        router.add_put(PREFIX + "/series/{id:\\d+}", self._series_put)
        router.add_get(PREFIX + "/episode", self._episode_list)
        router.add_get(PREFIX + "/episode/{id:\\d+}", self._episode_get)
        router.add_get(PREFIX + "/languageprofile", self._language_profiles)

    async def _language_profiles(self, request: web.Request) -> web.Response:
        if not self.language_profiles:
            return web.Response(status=404)
        return web.json_response(self.language_profile_list)

    async def _all_series(self, request: web.Request) -> web.Response:
        shows = list(self.library.values())
        wanted = request.query.get("tvdbId")
        if wanted is not None:
            if not wanted.isdigit():
                return _message(400, "tvdbId must be an integer")
            shows = [s for s in shows if s["tvdbId"] == int(wanted)]
        return web.json_response([self._render(s) for s in shows])

    async def _series_get(self, request: web.Request) -> web.Response:
        show = self.library.get(int(request.match_info["id"]))
        return _not_found() if show is None else web.json_response(self._render(show))

    async def _lookup(self, request: web.Request) -> web.Response:
        term = request.query.get("term", "").strip()
        kind, _, value = term.partition(":")
        kind, value = kind.strip().lower(), value.strip().lower()
        if kind in ("tvdb", "tmdb", "imdb"):
            key = {"tvdb": "tvdbId", "tmdb": "tmdbId", "imdb": "imdbId"}[kind]
            found = [s for s in self.known.values() if str(s[key]).lower() == value]
        else:
            words = _fold(term).split()
            found = [s for s in self.known.values() if words and _hit(words, s["title"])]
        results = []
        for known in found:
            stored = self._stored(known["tvdbId"])
            results.append(known if stored is None else self._render(stored))
        return web.json_response(results)

    async def _series_post(self, request: web.Request) -> web.Response:
        body = await _read_json(request)
        if not isinstance(body, dict):
            return _message(400, "The series must be a JSON object")
        self.added.append(body)
        failures: list[Json] = []
        title = body.get("title")
        if not isinstance(title, str) or not title.strip():
            failures.append(_failure("Title", "'Title' must not be empty.", title, "NotEmpty"))
        tvdb_id = body.get("tvdbId")
        if type(tvdb_id) is not int or tvdb_id <= 0:
            message = "'Tvdb Id' must be greater than '0'."
            failures.append(_failure("TvdbId", message, tvdb_id, "GreaterThanValidator"))
        elif self._stored(tvdb_id) is not None:
            failures.append(
                _failure(
                    "TvdbId",
                    "This series has already been added",
                    tvdb_id,
                    "SeriesExistsValidator",
                )
            )
        failures += self._profile_failures(body)
        failures += self._language_failures(body)
        known = self.known.get(tvdb_id) if type(tvdb_id) is int else None
        placed, path, root = self._place(body, known["folder"] if known else _folder(str(title)))
        failures += placed
        series_type = body.get("seriesType")
        if series_type not in SERIES_TYPES:
            failures.append(_enum_failure("SeriesType", series_type))
        seasons = body.get("seasons")
        if not isinstance(seasons, list) or not all(
            isinstance(s, dict) and type(s.get("seasonNumber")) is int for s in seasons
        ):
            message = "'Seasons' must be a list of {seasonNumber, monitored}."
            failures.append(_failure("Seasons", message, seasons, "NotNullValidator"))
        if failures:
            return _invalid(failures)
        if known is None:
            missing = _failure("TvdbId", "A series with this ID was not found", tvdb_id, None)
            return _invalid([missing])
        assert isinstance(seasons, list)
        options = body.get("addOptions") or {}
        counts = self._episode_counts[known["tvdbId"]]
        watched = _monitor(
            options.get("monitor"),
            {s["seasonNumber"] for s in seasons if s.get("monitored")},
            counts,
        )
        show = self._create(
            known,
            profile=body["qualityProfileId"],
            language=body["languageProfileId"] if self.language_profiles else None,
            path=path,
            root=root,
            monitored=bool(body.get("monitored", True)),
            series_type=str(series_type),
            season_folder=bool(body.get("seasonFolder", True)),
            watched=watched,
        )
        if isinstance(body.get("tags"), list):
            show["tags"] = list(body["tags"])
        if options.get("searchForMissingEpisodes") and show["monitored"]:
            for season in sorted(watched):
                self._search(show, season)
        return web.json_response(self._render(show), status=201)

    async def _series_put(self, request: web.Request) -> web.Response:
        show = self.library.get(int(request.match_info["id"]))
        body = await _read_json(request)
        if isinstance(body, dict):
            self.updates.append(body)
        if show is None:
            return _not_found()
        if not isinstance(body, dict):
            return _message(400, "The series must be a JSON object")
        failures = self._profile_failures(body) if "qualityProfileId" in body else []
        if "languageProfileId" in body:
            failures += self._language_failures(body)
        if "seriesType" in body and body["seriesType"] not in SERIES_TYPES:
            failures.append(_enum_failure("SeriesType", body["seriesType"]))
        if "path" in body and (
            not isinstance(body["path"], str) or self._root_of(body["path"]) is None
        ):
            failures.append(_root_failure("Path", body["path"]))
        if failures:
            return _invalid(failures)
        for key in ("monitored", "qualityProfileId", "seriesType", "seasonFolder", "path", "tags"):
            if key in body:
                show[key] = body[key]
        if self.language_profiles and "languageProfileId" in body:
            show["languageProfileId"] = body["languageProfileId"]
        sent = {
            s["seasonNumber"]: bool(s.get("monitored"))
            for s in body.get("seasons") or []
            if isinstance(s, dict) and "seasonNumber" in s
        }
        for season in show["seasons"]:
            season["monitored"] = sent.get(season["seasonNumber"], season["monitored"])
        show["rootFolderPath"] = self._root_of(show["path"])
        return web.json_response(self._render(show), status=202)

    async def _episode_list(self, request: web.Request) -> web.Response:
        query = request.query
        if "episodeIds" in query:
            wanted = {int(i) for i in re.split(r"[,\s]+", query["episodeIds"]) if i.isdigit()}
            found = [
                (series_id, e)
                for series_id, episodes in self._episodes.items()
                for e in episodes
                if e[0] in wanted
            ]
        elif query.get("seriesId", "").isdigit():
            series_id = int(query["seriesId"])
            season = query.get("seasonNumber")
            found = [
                (series_id, e)
                for e in self._episodes.get(series_id, [])
                if season is None or str(e[1]) == season
            ]
        else:
            return _message(400, "seriesId or episodeIds must be provided")
        return web.json_response([self._episode(series_id, e) for series_id, e in found])

    async def _episode_get(self, request: web.Request) -> web.Response:
        found = self._find_episode(int(request.match_info["id"]))
        return _not_found() if found is None else web.json_response(self._episode(*found))

    def _queue_view(self, record: Json, query: Mapping[str, str]) -> Json:
        view = dict(record)
        show = self.library.get(record["seriesId"])
        if _flag(query, "includeSeries") and show is not None:
            view["series"] = self._render(show)
        found = self._find_episode(record["episodeId"])
        if _flag(query, "includeEpisode") and found is not None:
            view["episode"] = self._episode(*found)
        return view

    def _run_command(self, name: str, body: Json) -> None:
        if name == "SeriesSearch":
            show = self.library.get(_int(body.get("seriesId")))
            if show is not None:
                for season in show["seasons"]:
                    if season["monitored"]:
                        self._search(show, season["seasonNumber"])
        elif name == "SeasonSearch":
            show = self.library.get(_int(body.get("seriesId")))
            season_number = body.get("seasonNumber")
            if (
                show is not None
                and type(season_number) is int
                and self._monitored(show, season_number)
            ):
                self._search(show, season_number)
        elif name == "EpisodeSearch":
            picked: dict[tuple[int, int], int] = {}
            for episode_id in _ints(body.get("episodeIds")):
                found = self._find_episode(episode_id)
                if found is not None:
                    series_id, (_, season_number, _) = found
                    picked.setdefault((series_id, season_number), episode_id)
            for (series_id, season_number), episode_id in sorted(picked.items()):
                self._search(self.library[series_id], season_number, episode_id)

    def _language_failures(self, body: Json) -> list[Json]:
        if not self.language_profiles:
            return []
        profile = body.get("languageProfileId")
        if type(profile) is int and profile in {p["id"] for p in self.language_profile_list}:
            return []
        message = "Language profile does not exist"
        return [_failure("LanguageProfileId", message, profile, "LanguageProfileExistsValidator")]

    # ----- the library ----------------------------------------------------------------

    def _create(
        self,
        known: Json,
        *,
        profile: int,
        language: int | None,
        path: str,
        root: str,
        monitored: bool,
        series_type: str,
        season_folder: bool,
        watched: set[int],
    ) -> Json:
        series_id = next(self._ids)
        show = copy.deepcopy(known)
        del show["folder"], show["remotePoster"]
        show.update(
            id=series_id,
            path=path,
            rootFolderPath=root,
            qualityProfileId=profile,
            monitored=monitored,
            seriesType=series_type,
            seasonFolder=season_folder,
            added=_now(),
            images=[
                {
                    "coverType": "poster",
                    "url": f"/MediaCover/{series_id}/poster.jpg",
                    "remoteUrl": known["remotePoster"],
                }
            ],
            seasons=[
                {"seasonNumber": s["seasonNumber"], "monitored": s["seasonNumber"] in watched}
                for s in known["seasons"]
            ],
        )
        if language is not None:
            show["languageProfileId"] = language
        self.library[series_id] = show
        counts = self._episode_counts[known["tvdbId"]]
        self._files[series_id] = dict.fromkeys(counts, 0)
        self._episodes[series_id] = [
            (next(self._episode_ids), season, number)
            for season in sorted(counts)
            for number in range(1, counts[season] + 1)
        ]
        return show

    def _stored(self, tvdb_id: int) -> Json | None:
        return next((s for s in self.library.values() if s["tvdbId"] == tvdb_id), None)

    def _monitored(self, show: Json, season_number: Any) -> bool:
        return any(s["seasonNumber"] == season_number and s["monitored"] for s in show["seasons"])

    def _render(self, show: Json) -> Json:
        """The stored show with Sonarr's statistics, per season and in all."""
        counts = self._episode_counts[show["tvdbId"]]
        files = self._files[show["id"]]
        seasons = []
        totals = Counter[str]()
        for season in show["seasons"]:
            number = season["seasonNumber"]
            total, have = counts.get(number, 0), files.get(number, 0)
            wanted = total if season["monitored"] else have
            statistics = {
                "episodeFileCount": have,
                "episodeCount": wanted,
                "totalEpisodeCount": total,
                "sizeOnDisk": have * EPISODE_SIZE,
                "releaseGroups": [RELEASE_GROUP] if have else [],
                "percentOfEpisodes": _percent(have, wanted),
            }
            seasons.append({**season, "statistics": statistics})
            totals.update(episodeFileCount=have, episodeCount=wanted, totalEpisodeCount=total)
        have, wanted = totals["episodeFileCount"], totals["episodeCount"]
        return {
            **show,
            "seasons": seasons,
            "statistics": {
                "seasonCount": sum(1 for s in show["seasons"] if s["seasonNumber"] > 0),
                "episodeFileCount": have,
                "episodeCount": wanted,
                "totalEpisodeCount": totals["totalEpisodeCount"],
                "sizeOnDisk": have * EPISODE_SIZE,
                "releaseGroups": [RELEASE_GROUP] if have else [],
                "percentOfEpisodes": _percent(have, wanted),
            },
        }

    def _find_episode(self, episode_id: int) -> tuple[int, tuple[int, int, int]] | None:
        for series_id, episodes in self._episodes.items():
            for episode in episodes:
                if episode[0] == episode_id:
                    return series_id, episode
        return None

    def _episode(self, series_id: int, episode: tuple[int, int, int]) -> Json:
        episode_id, season, number = episode
        show = self.library[series_id]
        has_file = number <= self._files[series_id].get(season, 0)
        aired = show["firstAired"]
        return {
            "id": episode_id,
            "seriesId": series_id,
            "tvdbId": 0,
            "episodeFileId": episode_id + 100_000 if has_file else 0,
            "seasonNumber": season,
            "episodeNumber": number,
            "title": f"Episode {number}",
            "airDate": aired[:10],
            "airDateUtc": aired,
            "runtime": show["runtime"],
            "overview": "",
            "hasFile": has_file,
            "monitored": self._monitored(show, season),
            "unverifiedSceneNumbering": False,
        }

    def _search(self, show: Json, season: int, episode_id: int | None = None) -> None:
        """A search that finds a season pack: grabbed into the queue (when ``grab``)."""
        total = self._episode_counts[show["tvdbId"]].get(season, 0)
        if not self.grab or self._files[show["id"]].get(season, 0) >= total:
            return
        if any(r["seriesId"] == show["id"] and r["seasonNumber"] == season for r in self.queue):
            return
        if episode_id is None:
            episode_id = next(e[0] for e in self._episodes[show["id"]] if e[1] == season)
        name = f"{_dotted(show['title'])}.S{season:02d}.1080p.BluRay.x264-{RELEASE_GROUP}"
        record = {
            "seriesId": show["id"],
            "episodeId": episode_id,
            "seasonNumber": season,
            "episodeHasFile": False,
            **self._new_record(name, EPISODE_SIZE * total),
        }
        self.queue.append(record)


@pytest.fixture
async def fake_radarr() -> AsyncIterator[FakeRadarr]:
    """A running FakeRadarr with the built-in titles and an empty library."""
    async with FakeRadarr() as server:
        yield server


@pytest.fixture
async def fake_sonarr() -> AsyncIterator[FakeSonarr]:
    """A running FakeSonarr (with language profiles) and an empty library."""
    async with FakeSonarr() as server:
        yield server


# ----- payloads -------------------------------------------------------------------------

_REASONS = {
    400: "Bad Request",
    404: "NotFound",
    409: "Conflict",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}
_LANGUAGES: dict[str, Json] = {
    "en": {"id": 1, "name": "English"},
    "fr": {"id": 2, "name": "French"},
    "ja": {"id": 8, "name": "Japanese"},
}
_QUALITY: Json = {
    "quality": {
        "id": 7,
        "name": "Bluray-1080p",
        "source": "bluray",
        "resolution": 1080,
        "modifier": "none",
    },
    "revision": {"version": 1, "real": 0, "isRepack": False},
}
# id, name, cutoff quality id: the profiles a fresh Radarr 5 / Sonarr 4 comes with.
_PROFILES = (
    (1, "Any", 1),
    (2, "SD", 2),
    (3, "HD-720p", 4),
    (4, "HD-1080p", 7),
    (5, "Ultra-HD", 19),
    (6, "HD - 720p/1080p", 4),
)


def _now() -> str:
    return dtm.datetime.now(dtm.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _message(status: int, message: str) -> web.Response:
    return web.json_response({"message": message, "description": message}, status=status)


def _not_found() -> web.Response:
    return web.json_response({"message": "NotFound"}, status=404)


def _invalid(failures: list[Json]) -> web.Response:
    return web.json_response(failures, status=400)


def _failure(prop: str, message: str, attempted: Any, code: str | None) -> Json:
    """One of the validation failures Radarr and Sonarr answer a bad POST or PUT with."""
    return {
        "propertyName": prop,
        "errorMessage": message,
        "attemptedValue": attempted,
        "severity": "error",
        "errorCode": code,
        "formattedMessagePlaceholderValues": {
            "PropertyName": _words(prop),
            "PropertyValue": attempted,
        },
    }


def _root_failure(prop: str, path: Any) -> Json:
    message = f"Root folder '{path}' does not exist"
    return _failure(prop, message, path, "RootFolderExistsValidator")


def _enum_failure(prop: str, value: Any) -> Json:
    message = f"'{_words(prop)}' has a range of values which does not include '{value}'."
    return _failure(prop, message, value, "EnumValidator")


def _availability_failures(body: Json, *, required: bool) -> list[Json]:
    if not required and "minimumAvailability" not in body:
        return []
    value = body.get("minimumAvailability")
    return [] if value in MINIMUM_AVAILABILITIES else [_enum_failure("MinimumAvailability", value)]


def _monitor(option: Any, sent: set[int], counts: Mapping[int, int]) -> set[int]:
    """The seasons monitored after ``addOptions.monitor``, as Sonarr applies it."""
    regular = sorted(n for n in counts if n > 0)
    if option in ("all", "missing"):
        return set(regular)
    if option in ("none", "existing", "future"):
        return set()
    if option in ("firstSeason", "pilot"):
        return set(regular[:1])
    if option == "lastSeason":
        return set(regular[-1:])
    return {n for n in sent if n in counts}


async def _read_json(request: web.Request) -> Any:
    raw = await request.text()
    if not raw:
        return None
    try:
        return json.loads(raw)
    except ValueError:
        raise _BadBody from None


def _flag(query: Mapping[str, str], name: str) -> bool:
    return query.get(name, "").lower() == "true"


def _int(value: Any) -> int:
    """An integer field of a body, or 0."""
    return value if type(value) is int else 0


def _ints(value: Any) -> list[int]:
    return [v for v in value if type(v) is int] if isinstance(value, list) else []


def _set_left(record: Json, left: int) -> None:
    """Set a queue record's bytes left, and the time left at a steady speed."""
    left = max(0, min(left, record["size"]))
    seconds = round(DOWNLOAD_SECONDS * left / record["size"]) if record["size"] else 0
    done_at = dtm.datetime.now(dtm.UTC) + dtm.timedelta(seconds=seconds)
    record["sizeleft"] = left
    record["timeleft"] = f"{seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"
    record["estimatedCompletionTime"] = done_at.strftime("%Y-%m-%dT%H:%M:%SZ")


def _percent(have: int, wanted: int) -> float:
    return have * 100.0 / wanted if wanted else 0.0


def _words(name: str) -> str:
    """``"MoviesSearch"`` -> ``"Movies Search"``."""
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", name)


def _fold(text: str) -> str:
    """Lower case without accents."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def _hit(words: list[str], *names: str) -> bool:
    folded = " ".join(_fold(n) for n in names)
    return all(w in folded for w in words)


def _sort_title(title: str) -> str:
    folded = _fold(title)
    for article in ("the ", "a ", "an "):
        if folded.startswith(article):
            return folded[len(article) :]
    return folded


def _clean_title(title: str) -> str:
    return re.sub(r"[^a-z0-9]", "", _fold(title))


def _slug(title: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", _fold(title)).strip("-")


def _dotted(title: str) -> str:
    """``"Pokémon: The First Movie"`` -> ``"Pokemon.The.First.Movie"``, as releases are named."""
    plain = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    return ".".join(re.findall(r"[A-Za-z0-9]+", plain))


def _folder(name: str) -> str:
    """A folder name as Radarr and Sonarr make one: colons become dashes."""
    return re.sub(r'[<>:"/\\|?*]', "", name.replace(": ", " - "))


# What Radarr and Sonarr add to the built-in titles of tests/fake_tmdb.py (the same titles,
# ids and seasons, so that a flow through both fakes agrees).
_RUNTIMES = {
    603: 136, 604: 138, 605: 129, 624860: 148, 550: 139, 27205: 148, 194: 122, 129: 125,
    10228: 75, 447404: 104, 342521: 100, 35: 87,
}  # fmt: skip
_SHOW_EXTRAS = {  # TMDb id: network, status, runtime
    1396: ("AMC", "ended", 47),
    1399: ("HBO", "ended", 60),
    456: ("FOX", "continuing", 22),
    60572: ("TV Tokyo", "continuing", 22),
}
