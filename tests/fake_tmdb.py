"""A fake TMDb v3 server on 127.0.0.1, for tests that want real HTTP.

It answers the endpoints the bot uses with TMDb's field names and shapes:
``/search/multi``, ``/search/movie``, ``/search/tv`` (20 results a page, pages 1-500),
``primary_release_year`` / ``first_air_date_year`` honoured), ``/movie/{id}`` and ``/tv/{id}``
(``external_ids`` and ``keywords`` only when asked for with ``append_to_response``),
``/tv/{id}/season/{n}`` (episodes made up from the season's episode count),
``/person/{id}``, ``/find/{external_id}?external_source=imdb_id`` (or ``tvdb_id``),
``/configuration``, and TMDb's error bodies
``{"status_code": .., "status_message": .., "success": false}`` for 401, 404 and the rest.
Everything is served under ``/3``, so ``base_url`` looks like the real one.

Use it as an async context manager, or through the ``fake_tmdb`` fixture (tests/conftest.py
makes it available to every test module)::

    from tests.fake_tmdb import FakeTmdb

    async def test_something(fake_tmdb: FakeTmdb) -> None:
        async with TmdbClient(api_key=fake_tmdb.api_key, base_url=fake_tmdb.base_url) as tmdb:
            page = await tmdb.search("matrix")
        assert fake_tmdb.calls["/search/multi"] == 1

The built-in titles (real TMDb ids, dates, IMDb and TheTVDB ids; overviews are short
paraphrases, poster paths are placeholders, season lists are trimmed):

    movies  603 The Matrix, 604 The Matrix Reloaded, 605 The Matrix Revolutions,
            624860 The Matrix Resurrections, 550 Fight Club, 27205 Inception,
            194 Amélie, 129 Spirited Away (千と千尋の神隠し), 10228 Pokémon: The First Movie,
            447404 Pokémon Detective Pikachu, 342521 Keanu, 35 The Simpsons Movie
    tv      1396 Breaking Bad (season 0 + 5), 1399 Game of Thrones (season 0 + 8),
            456 The Simpsons (season 0 + 35), 60572 Pokémon (ポケットモンスター; keyword anime)
    people  6384 Keanu Reeves, 287 Brad Pitt (only in /search/multi)

Search matches when every word of the query appears in the title or original title,
ignoring case and accents ("amelie" finds Amélie, "千と千尋" finds Spirited Away), most
popular first, as TMDb roughly does.

Lifetime, outages, recorded requests, ``wait_for`` and the knobs every fake has (``delay``,
``fail(times, status)``, ``send_garbage(times)``, ``rate_limit(times, retry_after)``: 429
with ``Retry-After``) are tests/fake_server.py's; forced failures get TMDb's error body and
come after the auth check. Here (``reset()`` puts the knobs back; the titles added stay):

- ``api_key`` / ``read_token``: the v3 key (``api_key`` query parameter) and the v4 token
  (``Authorization: Bearer``) accepted; anything else gets TMDb's 401. Set both to None to
  accept every request.
- ``add_movie(...)``, ``add_tv(...)``, ``add_person(...)``: more titles; each returns the
  stored details payload, which a test may edit in place. ``collections`` holds search
  results of ``media_type`` "collection" that /search/multi also returns (none built in).
- ``base_url`` (``http://127.0.0.1:PORT/3``) and ``origin`` (without ``/3``, e.g. to act
  as an HTTP proxy: it answers absolute-form requests too).
- ``calls`` counts requests per path without ``/3`` (``"/search/multi"``, ``"/movie/603"``),
  and ``requests`` records them under that path too.
"""

from __future__ import annotations

import datetime
import json
import math
import unicodedata
from collections.abc import AsyncIterator, Iterable
from typing import Any

import pytest
from aiohttp import web

from tests.fake_server import FakeService

Json = dict[str, Any]

DEFAULT_API_KEY = "fa4e0000000000000000000000007e57"
# A JWT-shaped v4 token: {"alg":"HS256"} . {"aud":"fake"} . "signature", base64url.
DEFAULT_READ_TOKEN = "eyJhbGciOiJIUzI1NiJ9.eyJhdWQiOiJmYWtlIn0.c2lnbmF0dXJl"
PAGE_SIZE = 20
MAX_PAGE = 500
PREFIX = "/3"

_ERRORS = {
    400: (22, "Invalid page: Pages start at 1 and max at 500. They are expected to be an integer."),
    401: (7, "Invalid API key: You must be granted a valid key."),
    404: (34, "The resource you requested could not be found."),
    429: (25, "Your request count (41) is over the allowed limit of (40)."),
    500: (11, "Internal error: Something went wrong, contact TMDb."),
    503: (9, "Service offline: This service is temporarily offline, try again later."),
}


class FakeTmdb(FakeService):
    """A TMDb v3 look-alike on a random free port of 127.0.0.1; see the module docstring."""

    def __init__(
        self,
        *,
        api_key: str | None = DEFAULT_API_KEY,
        read_token: str | None = DEFAULT_READ_TOKEN,
    ) -> None:
        super().__init__(api_key)
        self.read_token = read_token
        self.movies: dict[int, Json] = {}
        self.shows: dict[int, Json] = {}
        self.people: dict[int, Json] = {}
        self.collections: list[Json] = []
        self._default_token = read_token
        _add_builtin_titles(self)

    @property
    def base_url(self) -> str:
        """The API root to give a client, like ``https://api.themoviedb.org/3``."""
        return self.origin + PREFIX

    def reset(self) -> None:
        """Forget the calls seen and every knob set; the titles added stay."""
        super().reset()
        self.read_token = self._default_token

    def add_movie(
        self,
        tmdb_id: int,
        title: str,
        release_date: str = "",
        *,
        original_title: str | None = None,
        original_language: str = "en",
        overview: str = "",
        poster_path: str | None = None,
        imdb_id: str | None = None,
        popularity: float = 10.0,
        keywords: Iterable[tuple[int, str]] = (),
    ) -> Json:
        """Add (or replace) a movie; returns its details payload."""
        movie: Json = {
            **_MOVIE_FILLER,
            "backdrop_path": f"/backdrop{tmdb_id}.jpg",
            "id": tmdb_id,
            "imdb_id": imdb_id,
            "original_language": original_language,
            "original_title": original_title or title,
            "overview": overview,
            "popularity": popularity,
            "poster_path": poster_path,
            "release_date": release_date,
            "status": "Released" if release_date else "In Production",
            "title": title,
            "external_ids": {**_MOVIE_IDS, "imdb_id": imdb_id},
            "keywords": {"keywords": [{"id": k, "name": n} for k, n in keywords]},
        }
        self.movies[tmdb_id] = movie
        return movie

    def add_tv(
        self,
        tmdb_id: int,
        name: str,
        first_air_date: str = "",
        seasons: Iterable[tuple[int, int]] = ((1, 10),),
        *,
        original_name: str | None = None,
        original_language: str = "en",
        overview: str = "",
        poster_path: str | None = None,
        tvdb_id: int | None = None,
        imdb_id: str | None = None,
        popularity: float = 10.0,
        keywords: Iterable[tuple[int, str]] = (),
        network: tuple[int, str] = (49, "HBO"),
    ) -> Json:
        """Add (or replace) a show; ``seasons`` are (season_number, episode_count) pairs,
        ``keywords`` (id, name) pairs such as TMDb's (210024, "anime"), ``network`` an
        (id, name) pair."""
        season_list = [_season(tmdb_id, n, count, first_air_date) for n, count in sorted(seasons)]
        regular = [s for s in season_list if s["season_number"] > 0]
        last = regular[-1] if regular else None
        show: Json = {
            **_TV_FILLER,
            "backdrop_path": f"/backdrop{tmdb_id}.jpg",
            "first_air_date": first_air_date,
            "id": tmdb_id,
            "languages": [original_language],
            "last_air_date": first_air_date,
            "last_episode_to_air": _episode(tmdb_id, last, last["episode_count"]) if last else None,
            "networks": [_network(*network)],
            "name": name,
            "number_of_episodes": sum(s["episode_count"] for s in regular),
            "number_of_seasons": len(regular),
            "original_language": original_language,
            "original_name": original_name or name,
            "overview": overview,
            "popularity": popularity,
            "poster_path": poster_path,
            "seasons": season_list,
            "external_ids": {**_TV_IDS, "imdb_id": imdb_id, "tvdb_id": tvdb_id},
            "keywords": {"results": [{"id": k, "name": n} for k, n in keywords]},
        }
        self.shows[tmdb_id] = show
        return show

    def add_person(
        self,
        person_id: int,
        name: str,
        known_for: Iterable[int] = (),
        popularity: float = 20.0,
        *,
        known_for_shows: Iterable[int] = (),
    ) -> Json:
        """Add a person (found by /search/multi and /person/{id}), known for the given movie
        and show ids."""
        person = {
            "adult": False,
            "gender": 2,
            "id": person_id,
            "known_for_department": "Acting",
            "media_type": "person",
            "name": name,
            "original_name": name,
            "popularity": popularity,
            "profile_path": f"/profile{person_id}.jpg",
            "known_for": [
                _movie_result(self.movies[m], with_type=True) for m in known_for if m in self.movies
            ]
            + [
                _tv_result(self.shows[t], with_type=True)
                for t in known_for_shows
                if t in self.shows
            ],
        }
        self.people[person_id] = person
        return person

    # ----- the server -----------------------------------------------------------------

    def _add_routes(self, router: web.UrlDispatcher) -> None:
        router.add_get(PREFIX + "/search/{kind}", self._search)
        router.add_get(PREFIX + "/movie/{id:\\d+}", self._movie)
        router.add_get(PREFIX + "/tv/{id:\\d+}", self._tv)
        router.add_get(PREFIX + "/tv/{id:\\d+}/season/{number:\\d+}", self._season_details)
        router.add_get(PREFIX + "/person/{id:\\d+}", self._person)
        router.add_get(PREFIX + "/configuration", self._configuration)
        router.add_get(PREFIX + "/find/{id}", self._find)

    def _seen_path(self, request: web.Request) -> str:
        return request.path.removeprefix(PREFIX)

    def _refuse(self, request: web.Request) -> web.Response | None:
        return None if self._authorised(request) else _error(401)

    def _error(self, status: int) -> web.Response:
        return _error(status)

    def _authorised(self, request: web.Request) -> bool:
        if self.api_key is None and self.read_token is None:
            return True
        key = request.query.get("api_key")
        if self.api_key is not None and key == self.api_key:
            return True
        bearer = request.headers.get("Authorization", "")
        return self.read_token is not None and bearer == f"Bearer {self.read_token}"

    async def _search(self, request: web.Request) -> web.Response:
        kind = request.match_info["kind"]
        if kind not in ("multi", "movie", "tv"):
            return _error(404)
        try:
            page = int(request.query.get("page", "1"))
        except ValueError:
            return _error(400)
        if not 1 <= page <= MAX_PAGE:
            return _error(400)
        words = _fold(request.query.get("query", "")).split()
        found = self._matches(kind, words) if words else []
        year = request.query.get("primary_release_year") or request.query.get("first_air_date_year")
        if year:
            dated = ("release_date", "first_air_date")
            found = [r for r in found if any(str(r.get(d, ""))[:4] == year for d in dated)]
        start = (page - 1) * PAGE_SIZE
        return web.json_response(
            {
                "page": page,
                "results": found[start : start + PAGE_SIZE],
                "total_pages": max(1, math.ceil(len(found) / PAGE_SIZE)),
                "total_results": len(found),
            }
        )

    def _matches(self, kind: str, words: list[str]) -> list[Json]:
        multi = kind == "multi"
        scored: list[tuple[float, Json]] = []
        if kind in ("multi", "movie"):
            for m in self.movies.values():
                if _hit(words, m["title"], m["original_title"]):
                    scored.append((m["popularity"], _movie_result(m, with_type=multi)))
        if kind in ("multi", "tv"):
            for s in self.shows.values():
                if _hit(words, s["name"], s["original_name"]):
                    scored.append((s["popularity"], _tv_result(s, with_type=multi)))
        if multi:
            scored += [(p["popularity"], p) for p in self.people.values() if _hit(words, p["name"])]
            scored += [(c["popularity"], c) for c in self.collections if _hit(words, c["title"])]
        scored.sort(key=lambda pair: -pair[0])
        return [result for _, result in scored]

    async def _movie(self, request: web.Request) -> web.Response:
        movie = self.movies.get(int(request.match_info["id"]))
        if movie is None:
            return _error(404)
        return web.json_response(_with_appended(movie, request))

    async def _tv(self, request: web.Request) -> web.Response:
        show = self.shows.get(int(request.match_info["id"]))
        if show is None:
            return _error(404)
        return web.json_response(_with_appended(show, request))

    async def _season_details(self, request: web.Request) -> web.Response:
        """A season with its episodes, made up from what the show lists."""
        show = self.shows.get(int(request.match_info["id"]))
        number = int(request.match_info["number"])
        season = next(
            (s for s in (show or {}).get("seasons", []) if s["season_number"] == number), None
        )
        if show is None or season is None:
            return _error(404)
        body: Json = {
            "_id": f"5256c8{show['id']:06d}{number:04d}",
            **{k: season[k] for k in ("air_date", "id", "name", "overview", "poster_path")},
            "season_number": number,
            "vote_average": season["vote_average"],
            "episodes": [
                _episode(show["id"], season, n) for n in range(1, season["episode_count"] + 1)
            ],
        }
        if "external_ids" in _appended(request):
            body["external_ids"] = {
                "freebase_mid": None, "freebase_id": None, "tvdb_id": show["id"] * 10 + number,
                "tvrage_id": None, "wikidata_id": None,
            }  # fmt: skip
        return web.json_response(body)

    async def _person(self, request: web.Request) -> web.Response:
        person = self.people.get(int(request.match_info["id"]))
        if person is None:
            return _error(404)
        keep = (
            "adult",
            "gender",
            "id",
            "known_for_department",
            "name",
            "popularity",
            "profile_path",
        )
        body = {k: person[k] for k in keep}
        body.update(also_known_as=[], biography="", birthday=None, deathday=None, homepage=None)
        body.update(imdb_id=None, place_of_birth=None)
        return web.json_response(body)

    async def _find(self, request: web.Request) -> web.Response:
        """TMDb's /find/{external_id}?external_source=imdb_id|tvdb_id."""
        external = request.match_info["id"]
        source = request.query.get("external_source")
        if source not in ("imdb_id", "tvdb_id"):
            return _error(400)
        body: Json = {key: [] for key in _FIND_KEYS}

        def matches(ids: Json) -> bool:
            return ids.get(source) is not None and str(ids.get(source)) == external

        for movie in self.movies.values():
            if matches(movie["external_ids"]):
                body["movie_results"].append(_movie_result(movie, with_type=True))
        for show in self.shows.values():
            if matches(show["external_ids"]):
                body["tv_results"].append(_tv_result(show, with_type=True))
        return web.json_response(body)

    async def _configuration(self, request: web.Request) -> web.Response:
        return web.json_response(_CONFIGURATION)


@pytest.fixture
async def fake_tmdb() -> AsyncIterator[FakeTmdb]:
    """A running FakeTmdb with the built-in titles, stopped after the test."""
    async with FakeTmdb() as server:
        yield server


# ----- payloads -------------------------------------------------------------------------


def _error(status: int) -> web.Response:
    code, message = _ERRORS.get(status, (11, "Internal error: Something went wrong."))
    body = {"status_code": code, "status_message": message, "success": False}
    return web.Response(status=status, text=json.dumps(body), content_type="application/json")


_FIND_KEYS = (
    "movie_results",
    "person_results",
    "tv_results",
    "tv_episode_results",
    "tv_season_results",
)


def _appended(request: web.Request) -> set[str]:
    return {part.strip() for part in request.query.get("append_to_response", "").split(",")}


_APPENDABLE = ("external_ids", "keywords")


def _with_appended(details: Json, request: web.Request) -> Json:
    """A details payload with only the appended parts the request asked for."""
    appended = _appended(request)
    body = {k: v for k, v in details.items() if k not in _APPENDABLE}
    body.update({k: details[k] for k in _APPENDABLE if k in appended and k in details})
    return body


def _network(network_id: int, name: str) -> Json:
    return {"id": network_id, "logo_path": f"/network{network_id}.png", "name": name,
            "origin_country": "US"}  # fmt: skip


def _episode(show_id: int, season: Json, number: int) -> Json:
    """Episode ``number`` of a season, one week after the one before."""
    aired = season.get("air_date")
    air_date = None
    if aired:
        air_date = (
            datetime.date.fromisoformat(aired) + datetime.timedelta(weeks=number - 1)
        ).isoformat()
    season_number = season["season_number"]
    return {
        "air_date": air_date, "episode_number": number, "episode_type": "standard",
        "id": season["id"] * 1000 + number, "name": f"Episode {number}",
        "overview": "", "production_code": "", "runtime": 45, "season_number": season_number,
        "show_id": show_id, "still_path": f"/still{show_id}-{season_number}-{number}.jpg",
        "vote_average": 7.0, "vote_count": 10,
    }  # fmt: skip


def _fold(text: str) -> str:
    """Lower case without accents, as TMDb's search compares."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def _hit(words: list[str], *names: str) -> bool:
    folded = " ".join(_fold(n) for n in names)
    return all(w in folded for w in words)


def _season(tmdb_id: int, number: int, episodes: int, first_air_date: str) -> Json:
    return {
        "air_date": None if number == 0 else first_air_date or None,
        "episode_count": episodes,
        "id": tmdb_id * 1000 + number,
        "name": "Specials" if number == 0 else f"Season {number}",
        "overview": "",
        "poster_path": f"/season{tmdb_id}-{number}.jpg",
        "season_number": number,
        "vote_average": 0.0,
    }


# Fields every payload has that no test looks at, with plausible values.
_MOVIE_FILLER: Json = {
    "adult": False, "belongs_to_collection": None, "budget": 0,
    "genres": [{"id": 18, "name": "Drama"}], "homepage": "", "origin_country": ["US"],
    "production_companies": [], "production_countries": [], "revenue": 0, "runtime": 120,
    "spoken_languages": [], "tagline": "", "video": False, "vote_average": 7.5,
    "vote_count": 1000,
}  # fmt: skip
_TV_FILLER: Json = {
    "adult": False, "created_by": [], "episode_run_time": [],
    "genres": [{"id": 18, "name": "Drama"}], "homepage": "", "in_production": False,
    "next_episode_to_air": None, "origin_country": ["US"], "production_companies": [],
    "production_countries": [], "status": "Ended", "tagline": "",
    "spoken_languages": [{"english_name": "English", "iso_639_1": "en", "name": "English"}],
    "type": "Scripted", "vote_average": 8.0, "vote_count": 1000,
}  # fmt: skip
_MOVIE_IDS: Json = {
    "imdb_id": None, "wikidata_id": None, "facebook_id": None, "instagram_id": None,
    "twitter_id": None,
}  # fmt: skip
_TV_IDS: Json = {
    "imdb_id": None, "freebase_mid": None, "freebase_id": None, "tvdb_id": None,
    "tvrage_id": None, "wikidata_id": None, "facebook_id": None, "instagram_id": None,
    "twitter_id": None,
}  # fmt: skip
_MOVIE_RESULT_FIELDS = (
    "adult", "backdrop_path", "id", "original_language", "original_title", "overview",
    "popularity", "poster_path", "release_date", "title", "video", "vote_average", "vote_count",
)  # fmt: skip
_TV_RESULT_FIELDS = (
    "adult", "backdrop_path", "id", "origin_country", "original_language", "original_name",
    "overview", "popularity", "poster_path", "first_air_date", "name", "vote_average",
    "vote_count",
)  # fmt: skip


def _movie_result(movie: Json, *, with_type: bool) -> Json:
    result = {k: movie[k] for k in _MOVIE_RESULT_FIELDS}
    result["genre_ids"] = [g["id"] for g in movie["genres"]]
    if with_type:
        result["media_type"] = "movie"
    return result


def _tv_result(show: Json, *, with_type: bool) -> Json:
    result = {k: show[k] for k in _TV_RESULT_FIELDS}
    result["genre_ids"] = [g["id"] for g in show["genres"]]
    if with_type:
        result["media_type"] = "tv"
    return result


_CONFIGURATION: Json = {
    "images": {
        "base_url": "http://image.tmdb.org/t/p/",
        "secure_base_url": "https://image.tmdb.org/t/p/",
        "backdrop_sizes": ["w300", "w780", "w1280", "original"],
        "logo_sizes": ["w45", "w92", "w154", "w185", "w300", "w500", "original"],
        "poster_sizes": ["w92", "w154", "w185", "w342", "w500", "w780", "original"],
        "profile_sizes": ["w45", "w185", "h632", "original"],
        "still_sizes": ["w92", "w185", "w300", "original"],
    },
    "change_keys": ["adult", "air_date", "also_known_as", "biography", "birthday", "title"],
}


# fmt: off
BUILTIN_MOVIES = (
    # id, title, release date, IMDb id, popularity, overview, original title, language
    (603, "The Matrix", "1999-03-31", "tt0133093", 80.0,
     "A hacker learns that his world is a simulation run by machines.", None, "en"),
    (604, "The Matrix Reloaded", "2003-05-15", "tt0234215", 40.0,
     "Neo and the rebels race to defend Zion.", None, "en"),
    (605, "The Matrix Revolutions", "2003-11-05", "tt0242653", 35.0,
     "The war between humans and machines ends.", None, "en"),
    (624860, "The Matrix Resurrections", "2021-12-16", "tt10838180", 30.0,
     "Neo returns to the Matrix.", None, "en"),
    (550, "Fight Club", "1999-10-15", "tt0137523", 70.0,
     "An insomniac and a soap maker start an underground club.", None, "en"),
    (27205, "Inception", "2010-07-15", "tt1375666", 90.0,
     "A thief who steals secrets through dreams is asked to plant one.", None, "en"),
    (194, "Amélie", "2001-04-25", "tt0211915", 25.0,
     "A shy waitress in Montmartre quietly changes the lives around her.",
     "Le Fabuleux Destin d'Amélie Poulain", "fr"),
    (129, "Spirited Away", "2001-07-20", "tt0245429", 60.0,
     "A girl must work in a bathhouse for spirits to free her parents.", "千と千尋の神隠し", "ja"),
    (10228, "Pokémon: The First Movie", "1998-07-18", "tt0190641", 15.0,
     "Mewtwo strikes back.", "劇場版ポケットモンスター ミュウツーの逆襲", "ja"),
    (447404, "Pokémon Detective Pikachu", "2019-05-03", "tt5884052", 28.0,
     "A young man and a talking Pikachu look for his father.", None, "en"),
    (342521, "Keanu", "2016-04-22", "tt4139124", 12.0,
     "Two cousins try to get back a stolen kitten.", None, "en"),
    (35, "The Simpsons Movie", "2007-07-25", "tt0462538", 33.0,
     "Homer pollutes a lake and Springfield is put under a dome.", None, "en"),
)
# The Simpsons, seasons 1-35: episode counts as TMDb lists them.
_SIMPSONS = (
    13, 22, 24, 22, 22, 25, 25, 25, 25, 23, 22, 21, 22, 22, 22, 21, 22, 22, 20, 21,
    23, 22, 22, 22, 22, 22, 22, 22, 21, 23, 22, 22, 22, 22, 18,
)
BUILTIN_SHOWS = (
    # id, name, first air date, (season, episodes)..., TheTVDB id, IMDb id, popularity,
    # overview, original name, language
    (1396, "Breaking Bad", "2008-01-20",
     ((0, 9), (1, 7), (2, 13), (3, 13), (4, 13), (5, 16)), 81189, "tt0903747", 75.0,
     "A chemistry teacher with cancer turns to making methamphetamine.", None, "en"),
    (1399, "Game of Thrones", "2011-04-17",
     ((0, 14), (1, 10), (2, 10), (3, 10), (4, 10), (5, 10), (6, 10), (7, 7), (8, 6)),
     121361, "tt0944947", 85.0,
     "Noble families fight for the Iron Throne of the Seven Kingdoms.", None, "en"),
    (456, "The Simpsons", "1989-12-17",
     ((0, 60), *enumerate(_SIMPSONS, start=1)), 71663, "tt0096697", 65.0,
     "The satirical adventures of a working-class family in Springfield.", None, "en"),
    (60572, "Pokémon", "1997-04-01", ((1, 83), (2, 36), (3, 41)), 76703, "tt0168366", 45.0,
     "", "ポケットモンスター", "ja"),
)
_NETWORKS = {1396: (174, "AMC"), 1399: (49, "HBO"), 456: (19, "FOX"), 60572: (98, "TV Tokyo")}
# fmt: on


def _add_builtin_titles(fake: FakeTmdb) -> None:
    """Real titles with their public ids; overviews paraphrased, posters placeholders."""
    for tmdb_id, title, date, imdb, popularity, overview, original, language in BUILTIN_MOVIES:
        fake.add_movie(
            tmdb_id, title, date, original_title=original, original_language=language,
            overview=overview, poster_path=f"/poster{tmdb_id}.jpg", imdb_id=imdb,
            popularity=popularity,
        )  # fmt: skip
    for (
        tmdb_id,
        name,
        date,
        seasons,
        tvdb,
        imdb,
        popularity,
        overview,
        original,
        language,
    ) in BUILTIN_SHOWS:
        fake.add_tv(
            tmdb_id, name, date, seasons, original_name=original, original_language=language,
            overview=overview, poster_path=f"/poster{tmdb_id}.jpg", tvdb_id=tvdb, imdb_id=imdb,
            popularity=popularity,
        )  # fmt: skip
    fake.shows[60572]["keywords"] = {"results": [{"id": 210024, "name": "anime"}]}
    for tmdb_id, network in _NETWORKS.items():
        fake.shows[tmdb_id]["networks"] = [_network(*network)]
    fake.movies[603]["keywords"] = {"keywords": [{"id": 310, "name": "artificial intelligence"}]}
    fake.add_person(6384, "Keanu Reeves", known_for=(603, 604), popularity=50.0)
    fake.add_person(287, "Brad Pitt", known_for=(550,), popularity=55.0)
