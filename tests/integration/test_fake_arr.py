"""The fake Radarr and Sonarr servers, over real sockets with httpx."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from tests.fake_arr import (
    NEVER,
    RADARR_API_KEY,
    SONARR_API_KEY,
    FakeRadarr,
    FakeSonarr,
)
from tests.fake_tmdb import FakeTmdb

Json = dict[str, Any]


def api(fake: FakeRadarr | FakeSonarr, **options: Any) -> httpx.AsyncClient:
    """A client of the fake's ``/api/v3``, sending its API key in ``X-Api-Key``."""
    options.setdefault("headers", {"X-Api-Key": fake.api_key or ""})
    return httpx.AsyncClient(base_url=fake.base_url + "/api/v3", **options)


@pytest.fixture
async def radarr(fake_radarr: FakeRadarr) -> AsyncIterator[httpx.AsyncClient]:
    async with api(fake_radarr) as client:
        yield client


@pytest.fixture
async def sonarr(fake_sonarr: FakeSonarr) -> AsyncIterator[httpx.AsyncClient]:
    async with api(fake_sonarr) as client:
        yield client


def new_movie(lookup: Json, **changes: Any) -> Json:
    """What a client POSTs to add a looked-up movie, as Overseerr does."""
    return {
        **lookup,
        "qualityProfileId": 4,
        "rootFolderPath": "/movies",
        "monitored": True,
        "minimumAvailability": "released",
        "addOptions": {"searchForMovie": True},
        **changes,
    }


def new_series(lookup: Json, monitored: tuple[int, ...], **changes: Any) -> Json:
    """What a client POSTs to add a looked-up show with only ``monitored`` seasons."""
    return {
        **lookup,
        "qualityProfileId": 4,
        "languageProfileId": 1,
        "rootFolderPath": "/tv",
        "seriesType": "standard",
        "seasonFolder": True,
        "monitored": True,
        "seasons": [
            {"seasonNumber": s["seasonNumber"], "monitored": s["seasonNumber"] in monitored}
            for s in lookup["seasons"]
        ],
        "addOptions": {"searchForMissingEpisodes": True},
        **changes,
    }


async def lookup(client: httpx.AsyncClient, kind: str, term: str) -> list[Json]:
    response = await client.get(f"/{kind}/lookup", params={"term": term})
    assert response.status_code == 200
    found: list[Json] = response.json()
    return found


def errors(response: httpx.Response) -> dict[str, str | None]:
    """A 400's validation failures: property name -> error code."""
    assert response.status_code == 400
    return {f["propertyName"]: f["errorCode"] for f in response.json()}


# ----- both -------------------------------------------------------------------------------


async def test_the_api_key_goes_in_a_header_or_the_query(fake_radarr: FakeRadarr) -> None:
    async with httpx.AsyncClient(base_url=fake_radarr.base_url) as client:
        missing = await client.get("/api/v3/system/status")
        wrong = await client.get("/api/v3/system/status", headers={"X-Api-Key": "nope"})
        header = await client.get("/api/v3/system/status", headers={"X-Api-Key": RADARR_API_KEY})
        query = await client.get("/api/v3/system/status", params={"apikey": RADARR_API_KEY})
        unknown = await client.get("/api/v3/nothing", params={"apikey": RADARR_API_KEY})
        fake_radarr.api_key = None
        open_door = await client.get("/api/v3/system/status")

    assert (missing.status_code, missing.content) == (401, b"")
    assert wrong.status_code == 401
    assert header.status_code == query.status_code == open_door.status_code == 200
    status = header.json()
    assert (status["appName"], status["version"], status["isDocker"]) == (
        "Radarr",
        "5.14.0.9383",
        True,
    )
    assert {"instanceName", "startTime"} <= status.keys()
    assert unknown.status_code == 404
    assert fake_radarr.calls["GET /api/v3/system/status"] == 5
    assert fake_radarr.requests[3].params == {"apikey": RADARR_API_KEY}


async def test_both_list_quality_profiles_and_root_folders(
    radarr: httpx.AsyncClient, sonarr: httpx.AsyncClient
) -> None:
    for client, roots, app in ((radarr, ["/movies", "/movies-4k"], "Radarr"),
                               (sonarr, ["/tv", "/anime"], "Sonarr")):  # fmt: skip
        profiles = (await client.get("/qualityprofile")).json()
        folders = (await client.get("/rootfolder")).json()
        status = (await client.get("/system/status")).json()
        assert {(p["id"], p["name"]) for p in profiles} >= {
            (1, "Any"),
            (4, "HD-1080p"),
            (5, "Ultra-HD"),
        }
        assert all({"upgradeAllowed", "cutoff", "items"} <= p.keys() for p in profiles)
        assert [f["path"] for f in folders] == roots
        assert all(f["accessible"] and f["freeSpace"] > 0 for f in folders)
        assert folders[0]["unmappedFolders"] == []
        assert status["appName"] == app


# ----- Radarr -----------------------------------------------------------------------------


async def test_a_movie_goes_from_lookup_to_the_queue_to_disk(
    fake_radarr: FakeRadarr, radarr: httpx.AsyncClient
) -> None:
    [matrix] = await lookup(radarr, "movie", "tmdb:603")
    assert (matrix["title"], matrix["year"], matrix["imdbId"]) == ("The Matrix", 1999, "tt0133093")
    assert (matrix["titleSlug"], matrix["added"], matrix["status"]) == (
        "the-matrix-603",
        NEVER,
        "released",
    )
    assert "id" not in matrix
    assert not matrix["monitored"]
    assert not matrix["hasFile"]
    assert matrix["images"][0]["remoteUrl"].endswith("/poster603.jpg")
    by_title = await lookup(radarr, "movie", "MATRIX reloaded")
    assert [m["tmdbId"] for m in by_title] == [604]
    assert len(await lookup(radarr, "movie", "matrix")) == 4
    assert await lookup(radarr, "movie", "tmdb:999999") == []

    sent = new_movie(matrix)
    created = await radarr.post("/movie", json=sent)

    assert created.status_code == 201
    movie = created.json()
    assert movie["id"] > 0
    assert (movie["path"], movie["qualityProfileId"], movie["minimumAvailability"]) == (
        "/movies/The Matrix (1999)",
        4,
        "released",
    )
    assert movie["monitored"]
    assert not movie["hasFile"]
    assert movie["sizeOnDisk"] == 0
    assert movie["statistics"]["movieFileCount"] == 0
    assert movie["added"] != NEVER
    assert fake_radarr.added == [sent]
    assert (await radarr.get("/movie", params={"tmdbId": 603})).json() == [movie]
    assert (await radarr.get("/movie", params={"tmdbId": 550})).json() == []
    assert (await radarr.get(f"/movie/{movie['id']}")).json() == movie
    missing = await radarr.get("/movie/999")
    assert (missing.status_code, missing.json()) == (404, {"message": "NotFound"})
    assert (await lookup(radarr, "movie", "tmdb:603"))[0]["id"] == movie["id"]

    queue = (await radarr.get("/queue", params={"includeMovie": "true"})).json()
    assert (queue["totalRecords"], queue["sortKey"]) == (1, "timeleft")
    [record] = queue["records"]
    assert (record["movieId"], record["status"], record["trackedDownloadState"]) == (
        movie["id"],
        "downloading",
        "downloading",
    )
    assert record["title"] == "The.Matrix.1999.1080p.BluRay.x264-FAKE"
    assert (record["size"], record["timeleft"]) == (record["sizeleft"], "00:10:00")
    assert (record["protocol"], record["downloadClient"]) == ("torrent", "qBittorrent")
    assert record["movie"]["tmdbId"] == 603

    fake_radarr.progress(603, 0.5)
    [half] = (await radarr.get("/queue")).json()["records"]
    assert (half["sizeleft"], half["timeleft"]) == (record["size"] // 2, "00:05:00")
    assert "movie" not in half

    fake_radarr.finish(603)
    done = (await radarr.get(f"/movie/{movie['id']}")).json()
    assert (await radarr.get("/queue")).json()["records"] == []
    assert done["hasFile"]
    assert done["movieFile"]["relativePath"] == "The Matrix (1999) Bluray-1080p.mkv"
    assert done["sizeOnDisk"] == done["movieFile"]["size"] == record["size"]
    assert done["statistics"]["movieFileCount"] == 1


async def test_adding_a_movie_twice_is_refused(
    fake_radarr: FakeRadarr, radarr: httpx.AsyncClient
) -> None:
    [fight_club] = await lookup(radarr, "movie", "imdb:tt0137523")
    first = await radarr.post("/movie", json=new_movie(fight_club))
    second = await radarr.post("/movie", json=new_movie(fight_club))

    assert first.status_code == 201
    assert errors(second) == {"TmdbId": "MovieExistsValidator"}
    assert second.json()[0]["errorMessage"] == "This movie has already been added"
    assert len(fake_radarr.added) == 2
    assert len(fake_radarr.library) == 1


async def test_a_bad_movie_gets_radarrs_validation_list(
    fake_radarr: FakeRadarr, radarr: httpx.AsyncClient
) -> None:
    [inception] = await lookup(radarr, "movie", "tmdb:27205")
    bad = new_movie(
        inception,
        title="",
        qualityProfileId=9,
        rootFolderPath="/nowhere",
        minimumAvailability="soon",
    )
    refused = await radarr.post("/movie", json=bad)
    unknown = await radarr.post("/movie", json=new_movie(inception, tmdbId=999_999))
    in_a_subfolder = await radarr.post(
        "/movie", json=new_movie(inception, rootFolderPath="/movies/classics/")
    )

    assert errors(refused) == {
        "Title": "NotEmpty",
        "QualityProfileId": "QualityProfileExistsValidator",
        "RootFolderPath": "RootFolderExistsValidator",
        "MinimumAvailability": "EnumValidator",
    }
    failure = next(f for f in refused.json() if f["propertyName"] == "QualityProfileId")
    assert (failure["attemptedValue"], failure["severity"]) == (9, "error")
    assert errors(unknown) == {"TmdbId": None}
    assert in_a_subfolder.status_code == 201
    assert in_a_subfolder.json()["path"] == "/movies/classics/Inception (2010)"
    assert len(fake_radarr.added) == 3


async def test_an_existing_movie_is_monitored_then_searched(
    fake_radarr: FakeRadarr, radarr: httpx.AsyncClient
) -> None:
    existing = fake_radarr.add_existing(550)
    movie = (await radarr.get("/movie", params={"tmdbId": 550})).json()[0]
    assert not movie["monitored"]

    updated = await radarr.put(f"/movie/{existing['id']}", json={**movie, "monitored": True})
    assert updated.status_code == 202
    assert updated.json()["monitored"]
    assert fake_radarr.updates == [{**movie, "monitored": True}]
    assert (await radarr.get("/queue")).json()["totalRecords"] == 0

    command = await radarr.post(
        "/command", json={"name": "MoviesSearch", "movieIds": [movie["id"]]}
    )
    assert command.status_code == 201
    body = command.json()
    assert (body["name"], body["commandName"], body["status"]) == (
        "MoviesSearch",
        "Movies Search",
        "queued",
    )
    assert body["body"]["movieIds"] == [movie["id"]]
    assert fake_radarr.commands == [{"name": "MoviesSearch", "movieIds": [movie["id"]]}]
    assert (await radarr.get(f"/command/{body['id']}")).json()["status"] == "completed"
    [record] = (await radarr.get("/queue")).json()["records"]
    assert record["movieId"] == movie["id"]

    fake_radarr.grab = False
    spirited = fake_radarr.add_existing(129, monitored=True)
    await radarr.post("/command", json={"name": "MoviesSearch", "movieIds": [spirited["id"]]})
    owned = fake_radarr.add_existing(27205, has_file=True)
    unknown = await radarr.post("/command", json={"name": "FindEverything"})
    assert (await radarr.get("/queue")).json()["totalRecords"] == 1
    assert owned["hasFile"]
    assert owned["statistics"]["movieFileCount"] == 1
    assert unknown.status_code == 400
    assert (await radarr.put("/movie/999", json=movie)).status_code == 404


# ----- Sonarr -----------------------------------------------------------------------------


async def test_a_show_goes_from_lookup_to_the_queue_to_disk(
    fake_sonarr: FakeSonarr, sonarr: httpx.AsyncClient
) -> None:
    [show] = await lookup(sonarr, "series", "tvdb:81189")
    assert (show["title"], show["year"], show["tmdbId"], show["imdbId"]) == (
        "Breaking Bad",
        2008,
        1396,
        "tt0903747",
    )
    assert (show["status"], show["seriesType"], show["added"]) == ("ended", "standard", NEVER)
    assert show["seasons"] == [{"seasonNumber": n, "monitored": False} for n in range(6)]
    assert "id" not in show
    assert "statistics" not in show
    assert [s["tvdbId"] for s in await lookup(sonarr, "series", "breaking")] == [81189]

    created = await sonarr.post("/series", json=new_series(show, monitored=(1, 2)))

    assert created.status_code == 201
    series = created.json()
    assert (series["path"], series["seriesType"], series["languageProfileId"]) == (
        "/tv/Breaking Bad",
        "standard",
        1,
    )
    assert "addOptions" not in series
    seasons = {s["seasonNumber"]: s for s in series["seasons"]}
    assert [n for n, s in seasons.items() if s["monitored"]] == [1, 2]
    assert seasons[1]["statistics"] == {
        "episodeFileCount": 0,
        "episodeCount": 7,
        "totalEpisodeCount": 7,
        "sizeOnDisk": 0,
        "releaseGroups": [],
        "percentOfEpisodes": 0.0,
    }
    assert (seasons[3]["statistics"]["episodeCount"], seasons[3]["statistics"]) == (
        0,
        {**seasons[3]["statistics"], "totalEpisodeCount": 13},
    )
    totals = series["statistics"]
    assert (totals["seasonCount"], totals["episodeCount"], totals["totalEpisodeCount"]) == (
        5,
        20,
        9 + 7 + 13 + 13 + 13 + 16,
    )
    assert (await sonarr.get("/series", params={"tvdbId": 81189})).json() == [series]
    assert (await sonarr.get(f"/series/{series['id']}")).json() == series

    queue = (
        await sonarr.get("/queue", params={"includeSeries": "true", "includeEpisode": "true"})
    ).json()
    assert [(r["seriesId"], r["seasonNumber"]) for r in queue["records"]] == [
        (series["id"], 1),
        (series["id"], 2),
    ]
    first = queue["records"][0]
    assert first["title"] == "Breaking.Bad.S01.1080p.BluRay.x264-FAKE"
    assert (first["series"]["tvdbId"], first["episode"]["seasonNumber"]) == (81189, 1)
    assert first["episode"]["episodeNumber"] == 1
    assert first["episodeId"] == first["episode"]["id"]

    fake_sonarr.finish(81189, 1)
    after = (await sonarr.get(f"/series/{series['id']}")).json()
    one = after["seasons"][1]["statistics"]
    assert (one["episodeFileCount"], one["percentOfEpisodes"]) == (7, 100.0)
    assert (after["statistics"]["episodeFileCount"], after["statistics"]["percentOfEpisodes"]) == (
        7,
        35.0,
    )
    assert [r["seasonNumber"] for r in (await sonarr.get("/queue")).json()["records"]] == [2]
    episodes = (await sonarr.get("/episode", params={"seriesId": series["id"]})).json()
    assert len(episodes) == 71
    assert sum(e["hasFile"] for e in episodes) == 7

    fake_sonarr.finish(81189)
    assert (await sonarr.get("/queue")).json()["totalRecords"] == 0
    assert fake_sonarr.series(81189)["statistics"]["percentOfEpisodes"] == 100.0  # type: ignore[index]


async def test_a_bad_show_gets_sonarrs_validation_list(
    fake_sonarr: FakeSonarr, sonarr: httpx.AsyncClient
) -> None:
    [got] = await lookup(sonarr, "series", "tmdb:1399")
    bad = new_series(
        got, (1,), qualityProfileId=99, rootFolderPath="/nowhere", seriesType="cartoon"
    )
    del bad["languageProfileId"], bad["seasons"]
    refused = await sonarr.post("/series", json=bad)
    first = await sonarr.post("/series", json=new_series(got, (1,)))
    again = await sonarr.post("/series", json=new_series(got, (1,)))

    assert errors(refused) == {
        "QualityProfileId": "QualityProfileExistsValidator",
        "LanguageProfileId": "LanguageProfileExistsValidator",
        "RootFolderPath": "RootFolderExistsValidator",
        "SeriesType": "EnumValidator",
        "Seasons": "NotNullValidator",
    }
    assert first.status_code == 201
    assert errors(again) == {"TvdbId": "SeriesExistsValidator"}
    assert again.json()[0]["errorMessage"] == "This series has already been added"
    assert len(fake_sonarr.added) == 3
    assert len(fake_sonarr.library) == 1


async def test_language_profiles_exist_only_in_sonarr_v3(fake_sonarr: FakeSonarr) -> None:
    async with api(fake_sonarr) as v3:
        profiles = (await v3.get("/languageprofile")).json()
    async with FakeSonarr(language_profiles=False) as v4_fake, api(v4_fake) as v4:
        absent = await v4.get("/languageprofile")
        [show] = await lookup(v4, "series", "tvdb:81189")
        sent = new_series(show, (1,))
        del sent["languageProfileId"]
        created = await v4.post("/series", json=sent)

    assert [(p["id"], p["name"]) for p in profiles] == [(1, "English"), (2, "Original")]
    assert absent.status_code == 404
    assert created.status_code == 201
    assert "languageProfileId" not in created.json()


async def test_season_and_episode_searches(
    fake_sonarr: FakeSonarr, sonarr: httpx.AsyncClient
) -> None:
    existing = fake_sonarr.add_existing(121361, monitored_seasons=(1,), files={1: 10})
    series_id = existing["id"]
    assert existing["seasons"][1]["statistics"]["percentOfEpisodes"] == 100.0

    async def command(**body: Any) -> None:
        response = await sonarr.post("/command", json=body)
        assert response.status_code == 201

    async def queued() -> list[int]:
        records = (await sonarr.get("/queue")).json()["records"]
        return [r["seasonNumber"] for r in records]

    await command(name="SeasonSearch", seriesId=series_id, seasonNumber=3)
    assert await queued() == []  # season 3 is not monitored: Sonarr searches nothing

    series = (await sonarr.get(f"/series/{series_id}")).json()
    for season in series["seasons"]:
        season["monitored"] = season["seasonNumber"] in (1, 3)
    updated = await sonarr.put(f"/series/{series_id}", json=series)
    assert updated.status_code == 202
    assert updated.json()["statistics"]["episodeCount"] == 20
    assert fake_sonarr.updates == [series]

    await command(name="SeasonSearch", seriesId=series_id, seasonNumber=3)
    await command(name="SeriesSearch", seriesId=series_id)  # season 1 has every file
    assert await queued() == [3]

    season5 = (
        await sonarr.get("/episode", params={"seriesId": series_id, "seasonNumber": 5})
    ).json()
    assert [e["episodeNumber"] for e in season5] == list(range(1, 11))
    assert not any(e["monitored"] for e in season5)
    await command(name="episodesearch", episodeIds=[season5[4]["id"], season5[6]["id"]])
    records = (await sonarr.get("/queue")).json()["records"]
    assert [(r["seasonNumber"], r["episodeId"]) for r in records] == [
        (3, records[0]["episodeId"]),
        (5, season5[4]["id"]),
    ]
    fake_sonarr.progress(121361, 0.25, season=5)
    assert (await sonarr.get("/queue")).json()["records"][1]["timeleft"] == "00:07:30"
    episode = (await sonarr.get(f"/episode/{season5[4]['id']}")).json()
    assert (episode["seriesId"], episode["seasonNumber"]) == (series_id, 5)


async def test_an_anime_is_added_as_the_client_says(sonarr: httpx.AsyncClient) -> None:
    [pokemon] = await lookup(sonarr, "series", "pokemon")
    assert (pokemon["tvdbId"], pokemon["seriesType"]) == (76703, "standard")
    sent = new_series(
        pokemon,
        (),
        rootFolderPath="/anime",
        seriesType="anime",
        addOptions={"monitor": "firstSeason", "searchForMissingEpisodes": False},
    )

    series = (await sonarr.post("/series", json=sent)).json()

    assert (series["path"], series["seriesType"]) == ("/anime/Pokémon", "anime")
    assert [s["monitored"] for s in series["seasons"]] == [True, False, False]
    assert series["statistics"]["episodeCount"] == 83
    assert (await sonarr.get("/queue")).json()["records"] == []


async def test_the_queue_comes_in_pages(sonarr: httpx.AsyncClient) -> None:
    [got] = await lookup(sonarr, "series", "Game of Thrones")
    await sonarr.post("/series", json=new_series(got, tuple(range(1, 9))))

    async def page(number: int, size: int) -> Json:
        response = await sonarr.get("/queue", params={"page": number, "pageSize": size})
        body: Json = response.json()
        return body

    first, third, beyond = await page(1, 3), await page(3, 3), await page(4, 3)
    default = (await sonarr.get("/queue")).json()

    assert (first["page"], first["pageSize"], first["totalRecords"]) == (1, 3, 8)
    assert [r["seasonNumber"] for r in first["records"]] == [1, 2, 3]
    assert [r["seasonNumber"] for r in third["records"]] == [7, 8]
    assert (beyond["records"], beyond["totalRecords"]) == ([], 8)
    assert (default["pageSize"], len(default["records"]), default["sortDirection"]) == (
        10,
        8,
        "ascending",
    )


# ----- knobs ------------------------------------------------------------------------------


async def test_failures_garbage_and_an_outage(
    fake_radarr: FakeRadarr, radarr: httpx.AsyncClient
) -> None:
    fake_radarr.fail(2, status=503)
    fake_radarr.send_garbage()
    first = await radarr.get("/system/status")
    second = await radarr.get("/movie")
    garbage = await radarr.get("/movie")
    fine = await radarr.get("/movie")
    base_url = fake_radarr.base_url

    await fake_radarr.outage()
    assert fake_radarr.down
    with pytest.raises(httpx.ConnectError):
        await radarr.get("/movie")
    await fake_radarr.restore()
    back = await radarr.get("/movie")

    assert first.status_code == second.status_code == 503
    assert "message" in first.json()
    assert garbage.status_code == 200
    with pytest.raises(ValueError, match="Expecting value"):
        garbage.json()
    assert (fine.status_code, back.status_code) == (200, 200)
    assert fake_radarr.base_url == base_url
    assert not fake_radarr.down
    assert fake_radarr.calls["GET /api/v3/movie"] == 4


async def test_an_outage_drops_a_request_in_flight_and_restore_twice_is_fine(
    fake_sonarr: FakeSonarr, sonarr: httpx.AsyncClient
) -> None:
    fake_sonarr.delay = 5.0
    started = time.monotonic()
    slow = asyncio.create_task(sonarr.get("/series"))
    await fake_sonarr.wait_for(lambda: fake_sonarr.requests)

    await fake_sonarr.outage()
    with pytest.raises(httpx.TransportError):
        await slow
    await fake_sonarr.outage()
    await fake_sonarr.restore()
    await fake_sonarr.restore()
    fake_sonarr.delay = 0.0
    again = await sonarr.get("/series")

    assert time.monotonic() - started < 2.0
    assert again.status_code == 200


async def test_reset_forgets_knobs_and_calls_but_keeps_the_library(
    fake_sonarr: FakeSonarr, sonarr: httpx.AsyncClient
) -> None:
    fake_sonarr.add_existing(71663, monitored_seasons=(35,))
    await sonarr.post("/command", json={"name": "RssSync"})
    fake_sonarr.api_key = "other"
    fake_sonarr.delay = 1.0
    fake_sonarr.grab = False
    fake_sonarr.language_profiles = False
    fake_sonarr.fail(3)

    fake_sonarr.reset()

    assert (fake_sonarr.api_key, fake_sonarr.delay, fake_sonarr.grab) == (
        SONARR_API_KEY,
        0.0,
        True,
    )
    assert fake_sonarr.language_profiles
    assert not fake_sonarr.calls
    assert not fake_sonarr.requests
    assert not fake_sonarr.commands
    assert (await sonarr.get("/series")).json()[0]["tvdbId"] == 71663


def test_the_catalogues_match_fake_tmdb() -> None:
    tmdb, radarr, sonarr = FakeTmdb(), FakeRadarr(), FakeSonarr()

    assert set(radarr.known) == set(tmdb.movies)
    for tmdb_id, movie in radarr.known.items():
        details = tmdb.movies[tmdb_id]
        assert (movie["title"], movie["imdbId"]) == (details["title"], details["imdb_id"])
        assert movie["year"] == int(details["release_date"][:4])
    by_tmdb = {show["tmdbId"]: show for show in sonarr.known.values()}
    assert set(by_tmdb) == set(tmdb.shows)
    for tmdb_id, details in tmdb.shows.items():
        show = by_tmdb[tmdb_id]
        ids = details["external_ids"]
        assert (show["title"], show["tvdbId"], show["imdbId"]) == (
            details["name"],
            ids["tvdb_id"],
            ids["imdb_id"],
        )
        assert show["year"] == int(details["first_air_date"][:4])
        fresh = sonarr.add_existing(show["tvdbId"], monitored_seasons=())
        totals = {s["seasonNumber"]: s["statistics"]["totalEpisodeCount"] for s in fresh["seasons"]}
        assert totals == {s["season_number"]: s["episode_count"] for s in details["seasons"]}
