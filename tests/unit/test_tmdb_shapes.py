"""TMDb's JSON to Seerr's: what strict clients walk is always there, whatever TMDb omits."""

from __future__ import annotations

from adapters.api import tmdb_shapes

PO_MOVIE = {
    "adult", "budget", "genres", "originalLanguage", "originalTitle", "popularity",
    "releaseDate", "revenue", "title", "voteAverage", "voteCount", "imdbId", "overview",
    "runtime", "tagline", "keywords",
}  # fmt: skip
PO_TV = {
    "firstAirDate", "genres", "languages", "lastAirDate", "name", "numberOfEpisodes",
    "numberOfSeasons", "originalLanguage", "originalName", "tagline", "overview", "popularity",
    "seasons", "lastEpisodeToAir", "keywords",
}  # fmt: skip


def test_a_show_with_nulls_where_lists_belong_still_has_lists() -> None:
    show = tmdb_shapes.tv_details(
        {"id": 1, "name": "Bare", "seasons": None, "networks": None, "genres": None}
    )

    assert set(show) >= PO_TV
    assert (show["seasons"], show["networks"], show["genres"], show["keywords"]) == ([], [], [], [])
    assert show["lastEpisodeToAir"] is None


def test_a_bare_movie_has_every_key_python_overseerr_needs() -> None:
    movie = tmdb_shapes.movie_details({"id": 2, "title": "Bare"})

    assert set(movie) >= PO_MOVIE
    assert (movie["originalTitle"], movie["overview"], movie["tagline"]) == ("Bare", "", "")
    assert movie["externalIds"]["imdbId"] is None


def test_search_keeps_movies_shows_and_people_and_drops_what_breaks_strict_clients() -> None:
    raw = [
        {"id": 1, "media_type": "movie", "title": "A", "release_date": ""},
        {"id": 2, "media_type": "tv", "name": "B", "first_air_date": "2001-02-03"},
        {"id": 3, "media_type": "tv", "name": "Undated", "first_air_date": ""},
        {"id": 4, "media_type": "collection", "title": "C"},
        {"id": 5, "media_type": "person", "name": "D", "known_for": [
            {"id": 1, "media_type": "movie", "title": "A"},
            {"id": 2, "media_type": "tv", "name": "B"},
        ]},
        {"id": 6, "media_type": "episode"},
        "not a result",
    ]  # fmt: skip

    results = tmdb_shapes.search_results(raw)

    assert [(r["id"], r["mediaType"]) for r in results] == [(1, "movie"), (2, "tv"), (5, "person")]
    assert [k["id"] for k in results[2]["knownFor"]] == [1]


def test_episode_stills_become_full_urls_and_missing_ones_stay_null() -> None:
    season = tmdb_shapes.season_details(
        {"id": 9, "season_number": 1, "episodes": [
            {"id": 1, "episode_number": 1, "still_path": "/a.jpg"},
            {"id": 2, "episode_number": 2, "still_path": None},
        ]}
    )  # fmt: skip

    stills = [e["stillPath"] for e in season["episodes"]]
    assert stills == ["https://image.tmdb.org/t/p/original/a.jpg", None]
    assert season["externalIds"]["tvdbId"] is None
