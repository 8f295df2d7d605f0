"""/search, /movie, /tv and /tv/{id}/season/{n} of the whole API: the real TMDb client
against the fake TMDb, mediaInfo (with its requests) read from a real database."""

from __future__ import annotations

import pytest

from core import queries, requests
from core.media import MediaType
from tests.api_world import ApiWorld

# The keys python-overseerr 0.8.0's models need (no default), and Seerr's result keys.
SEARCH_COMMON = {
    "id", "mediaType", "popularity", "posterPath", "backdropPath", "voteCount", "voteAverage",
    "genreIds", "overview", "originalLanguage",
}  # fmt: skip
MOVIE_RESULT = SEARCH_COMMON | {"title", "originalTitle", "releaseDate", "adult", "video"}
TV_RESULT = SEARCH_COMMON | {"name", "originalName", "originCountry", "firstAirDate"}
PERSON_RESULT = {"id", "mediaType", "name", "popularity", "profilePath", "adult", "knownFor"}
MOVIE_DETAILS = {
    "id", "adult", "budget", "genres", "originalLanguage", "originalTitle", "popularity",
    "releaseDate", "revenue", "title", "voteAverage", "voteCount", "imdbId", "overview",
    "runtime", "tagline", "keywords", "posterPath", "backdropPath", "status", "externalIds",
    "productionCompanies", "spokenLanguages", "credits", "video",
}  # fmt: skip
TV_DETAILS = {
    "id", "firstAirDate", "genres", "languages", "lastAirDate", "name", "numberOfEpisodes",
    "numberOfSeasons", "originalLanguage", "originalName", "tagline", "overview", "popularity",
    "seasons", "lastEpisodeToAir", "nextEpisodeToAir", "keywords", "networks", "inProduction",
    "status", "posterPath", "externalIds", "episodeRunTime", "createdBy", "type",
}  # fmt: skip


async def test_search_answers_in_seerr_camel_case_with_tmdb_paging(api_world: ApiWorld) -> None:
    page = await api_world.json("/search", query="matrix")

    assert (page["page"], page["totalPages"], page["totalResults"]) == (1, 1, 4)
    matrix = page["results"][0]
    assert set(matrix) >= MOVIE_RESULT
    assert (matrix["id"], matrix["mediaType"], matrix["title"]) == (603, "movie", "The Matrix")
    assert (matrix["releaseDate"], matrix["genreIds"]) == ("1999-03-31", [18])
    assert "mediaInfo" not in matrix


async def test_search_with_a_trailing_slash_and_a_language_is_the_same_search(
    api_world: ApiWorld,
) -> None:
    plain = await api_world.json("/search", query="breaking bad")
    slashed = await api_world.json("/search/", query="breaking bad", language="en")

    assert slashed["results"] == plain["results"]
    show = slashed["results"][0]
    assert set(show) >= TV_RESULT
    assert (show["name"], show["firstAirDate"], show["originCountry"]) == (
        "Breaking Bad",
        "2008-01-20",
        ["US"],
    )
    assert api_world.tmdb.requests[-1].params["language"] == "en"


async def test_people_are_listed_with_the_movies_they_are_known_for(api_world: ApiWorld) -> None:
    api_world.tmdb.add_person(9001, "Bryan Cranston", known_for=(27205,), known_for_shows=(1396,))

    results = (await api_world.json("/search", query="bryan cranston"))["results"]

    assert [r["mediaType"] for r in results] == ["person"]
    assert set(results[0]) >= PERSON_RESULT
    # A show in knownFor breaks python-overseerr's whole search, so only movies are listed.
    assert [m["id"] for m in results[0]["knownFor"]] == [27205]


async def test_collections_and_shows_without_a_first_air_date_are_left_out(
    api_world: ApiWorld,
) -> None:
    api_world.tmdb.add_tv(777, "Matrix Unaired", "")
    api_world.tmdb.collections.append(
        {"id": 2344, "media_type": "collection", "title": "The Matrix Collection",
         "original_title": "The Matrix Collection", "popularity": 99.0, "adult": False,
         "overview": "", "original_language": "en", "poster_path": None, "backdrop_path": None}
    )  # fmt: skip

    page = await api_world.json("/search", query="matrix")

    assert {r["mediaType"] for r in page["results"]} == {"movie"}
    assert page["totalResults"] == 6  # TMDb's count, as Seerr passes it on


async def test_known_titles_carry_their_status_in_search_results(api_world: ApiWorld) -> None:
    await requests.create_request(api_world.services, api_world.admin.id, 604, MediaType.MOVIE)

    results = (await api_world.json("/search", query="matrix"))["results"]

    by_id = {r["id"]: r for r in results}
    info = by_id[604]["mediaInfo"]
    assert (info["tmdbId"], info["mediaType"], info["status"], info["status4k"]) == (
        604,
        "movie",
        3,
        1,
    )
    assert "seasons" not in info
    assert "requests" not in info
    assert "mediaInfo" not in by_id[603]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("tmdb:603", [("movie", 603)]),
        ("TMDB:1396", [("tv", 1396)]),
        ("tmdb:6384", [("person", 6384)]),
        ("tvdb:81189", [("tv", 1396)]),
        ("imdb:tt0133093", [("movie", 603)]),
        ("the tvdb:121361 show", [("tv", 1399)]),
        ("matrix year:2003", [("movie", 604), ("movie", 605)]),
        ("tmdb:99999999", []),
        ("imdb:tt0000001", []),
    ],
)
async def test_search_prefixes_are_read_as_seerr_reads_them(
    api_world: ApiWorld, query: str, expected: list[tuple[str, int]]
) -> None:
    page = await api_world.json("/search", query=query)

    assert [(r["mediaType"], r["id"]) for r in page["results"]] == expected
    assert (page["page"], page["totalPages"], page["totalResults"]) == (1, 1, len(expected))


async def test_the_year_prefix_searches_movies_and_shows_of_that_year(api_world: ApiWorld) -> None:
    await api_world.json("/search", query="year:2008 breaking")

    searched = {r.path: r.params for r in api_world.tmdb.requests}
    assert searched["/search/movie"]["primary_release_year"] == "2008"
    assert searched["/search/tv"]["first_air_date_year"] == "2008"
    assert searched["/search/tv"]["query"].strip() == "breaking"


async def test_a_movie_has_every_key_seerr_and_strict_clients_read(api_world: ApiWorld) -> None:
    movie = await api_world.json("/movie/603")

    assert set(movie) >= MOVIE_DETAILS
    assert (movie["title"], movie["imdbId"], movie["releaseDate"]) == (
        "The Matrix",
        "tt0133093",
        "1999-03-31",
    )
    assert movie["keywords"] == [{"id": 310, "name": "artificial intelligence"}]
    assert movie["externalIds"]["imdbId"] == "tt0133093"
    assert "mediaInfo" not in movie  # untracked, as in Seerr


async def test_a_requested_show_has_its_seasons_and_media_info(api_world: ApiWorld) -> None:
    await requests.create_request(
        api_world.services, api_world.admin.id, 1396, MediaType.TV, [1, 2]
    )

    show = await api_world.json("/tv/1396")

    assert set(show) >= TV_DETAILS
    assert [s["seasonNumber"] for s in show["seasons"]] == [0, 1, 2, 3, 4, 5]
    assert all(s["posterPath"] for s in show["seasons"])
    assert show["networks"][0]["name"] == "AMC"
    assert (show["lastEpisodeToAir"]["seasonNumber"], show["externalIds"]["tvdbId"]) == (5, 81189)
    info = show["mediaInfo"]
    assert (info["tmdbId"], info["tvdbId"], info["status"]) == (1396, 81189, 3)
    # Every season but the specials, in order (Doplarr reads them by position), each with
    # an id and both statuses as numbers (Requestrr's parser takes no null there).
    assert [(s["seasonNumber"], s["status"], s["status4k"]) for s in info["seasons"]] == [
        (1, 3, 1),
        (2, 3, 1),
        (3, 1, 1),
        (4, 1, 1),
        (5, 1, 1),
    ]
    assert all(isinstance(s["id"], int) for s in info["seasons"])
    assert len({s["id"] for s in info["seasons"]}) == 5
    assert (info["mediaUrl"], info["plexUrl"]) == (None, None)
    (request,) = info["requests"]
    assert all("status4k" not in s for s in request["seasons"])
    assert (request["status"], request["requestedBy"]["id"], request["modifiedBy"]["id"]) == (
        2,
        1,
        1,
    )
    assert [s["seasonNumber"] for s in request["seasons"]] == [1, 2]
    assert "requests" not in request["media"]


async def test_a_season_lists_its_episodes_with_air_dates(api_world: ApiWorld) -> None:
    season = await api_world.json("/tv/1396/season/2")

    assert (season["seasonNumber"], season["name"], season["airDate"]) == (
        2,
        "Season 2",
        "2008-01-20",
    )
    assert len(season["episodes"]) == 13
    first = season["episodes"][0]
    assert (first["episodeNumber"], first["airDate"]) == (1, "2008-01-20")
    assert first["stillPath"].startswith("https://image.tmdb.org/t/p/original/")
    assert season["externalIds"]["tvdbId"] is not None


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("/movie/99999999", "Unable to retrieve movie."),
        ("/tv/603", "Unable to retrieve series."),
        ("/tv/1396/season/9", "Unable to retrieve season."),
        ("/tv/99999999/season/1", "Unable to retrieve season."),
    ],
)
async def test_unknown_titles_and_seasons_are_404_with_a_message(
    api_world: ApiWorld, path: str, message: str
) -> None:
    response = await api_world.get(path)

    assert response.status_code == 404
    assert response.json() == {"message": message}


async def test_tmdb_down_is_503_with_a_plain_message(api_world: ApiWorld) -> None:
    # TMDb answering 503 to every try. (Not an outage of the fake: the port it lets go may be
    # taken meanwhile by another test's fake TMDb, which would answer.)
    api_world.tmdb.fail(times=100, status=503)

    for path in ("/movie/603", "/tv/1396/season/1"):
        response = await api_world.get(path)
        assert response.status_code == 503
        assert response.json() == {"message": "TMDb is not reachable right now; try again later."}
    response = await api_world.get("/search", query="tmdb:603")
    assert response.status_code == 503


async def test_tmdb_rate_limiting_us_is_503_with_retry_after(api_world: ApiWorld) -> None:
    api_world.tmdb.rate_limit(1, retry_after=60)

    response = await api_world.get("/search", query="inception")

    assert response.status_code == 503
    assert response.headers["Retry-After"] == "60"
    assert "Traceback" not in response.text


async def test_a_bad_tmdb_key_is_502_and_says_so(api_world: ApiWorld) -> None:
    api_world.tmdb.api_key = api_world.tmdb.read_token = "something else"

    response = await api_world.get("/movie/550")

    assert response.status_code == 502
    assert "TMDb key" in response.json()["message"]


async def test_a_title_seen_in_a_chat_costs_no_second_tmdb_call(api_world: ApiWorld) -> None:
    await queries.title_state(api_world.services, 1399, MediaType.TV)  # a chat's result card
    await api_world.catalogue.search("game of thrones")  # a chat's search

    await api_world.json("/tv/1399")
    await api_world.json("/search", query="Game of Thrones")
    await api_world.json("/search", query="tmdb:1399")

    assert api_world.tmdb.calls["/tv/1399"] == 1
    assert api_world.tmdb.calls["/search/multi"] == 1


async def test_bad_parameters_are_refused_before_tmdb_is_asked(api_world: ApiWorld) -> None:
    for path, params in (
        ("/search", {}),
        ("/search", {"query": "x", "page": "0"}),
        ("/search", {"query": "x", "language": "en;drop"}),
        ("/movie/abc", {}),
        ("/movie/0", {}),
        ("/tv/1396/season/-1", {}),
    ):
        response = await api_world.get(path, **params)
        assert 400 <= response.status_code < 500, (path, params)
    assert not api_world.tmdb.requests
