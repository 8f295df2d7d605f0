"""The fake Jellyfin / Emby server, over real sockets with httpx."""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.fake_jellyfin import DEFAULT_API_KEY, FakeJellyfin

Json = dict[str, Any]
ROOT = Path(__file__).resolve().parents[2]
TOKEN = f'MediaBrowser Client="requestbot", Device="tests", DeviceId="1", Token="{DEFAULT_API_KEY}"'


@pytest.fixture
async def jf() -> AsyncIterator[FakeJellyfin]:
    async with FakeJellyfin(builtin=True) as fake:
        yield fake


@pytest.fixture
async def http(jf: FakeJellyfin) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=jf.base_url, headers={"Authorization": TOKEN}) as c:
        yield c


async def get_json(http: httpx.AsyncClient, path: str, **params: Any) -> Any:
    response = await http.get(path, params=params)
    assert response.status_code == 200, response.text
    return response.json()


async def page_all(http: httpx.AsyncClient, limit: int, **params: Any) -> list[Json]:
    """Every item of an /Items query, ``limit`` at a time, checking TotalRecordCount."""
    items: list[Json] = []
    total = None
    while total is None or len(items) < total:
        body = await get_json(http, "/Items", StartIndex=len(items), Limit=limit, **params)
        assert body["StartIndex"] == len(items)
        assert total is None or body["TotalRecordCount"] == total
        total = body["TotalRecordCount"]
        assert body["Items"] or len(items) == total
        items += body["Items"]
    return items


def by_name(items: list[Json]) -> dict[str, Json]:
    return {i["Name"]: i for i in items}


# ----- identity and auth ----------------------------------------------------------------


async def test_system_info_needs_auth_but_the_public_one_does_not(jf: FakeJellyfin) -> None:
    async with httpx.AsyncClient(base_url=jf.base_url) as anonymous:
        public = (await anonymous.get("/System/Info/Public")).json()
        refused = await anonymous.get("/System/Info")
    assert public["ProductName"] == "Jellyfin Server"
    assert public["Version"] == "10.10.7"
    assert public["LocalAddress"] == jf.base_url
    assert refused.status_code == 401
    assert refused.headers["Content-Type"].startswith("text/plain")
    async with httpx.AsyncClient(base_url=jf.base_url, headers={"Authorization": TOKEN}) as c:
        info = (await c.get("/System/Info")).json()
    assert (info["ServerName"], info["OperatingSystem"], info["Id"]) == (
        "Home",
        "Linux",
        jf.server_id,
    )


async def test_jellyfin_accepts_only_its_media_browser_header(jf: FakeJellyfin) -> None:
    key = DEFAULT_API_KEY
    attempts: list[tuple[str, dict[str, str], dict[str, str], int]] = [
        ("/Items", {}, {}, 401),
        ("/Items", {"Authorization": 'MediaBrowser Token="wrong"'}, {}, 401),
        ("/Items", {"Authorization": f'MediaBrowser Token="{key}"'}, {}, 200),
        ("/Items", {"Authorization": TOKEN}, {}, 200),
        ("/Items", {"X-Emby-Authorization": TOKEN}, {}, 200),
        ("/Items", {"X-Emby-Token": key}, {}, 401),
        ("/Items", {"Authorization": f"Bearer {key}"}, {}, 401),
        ("/Items", {}, {"api_key": key}, 401),
        ("/emby/Items", {"Authorization": TOKEN}, {}, 404),
        ("/Nope", {"Authorization": TOKEN}, {}, 404),
    ]
    async with httpx.AsyncClient(base_url=jf.base_url) as client:
        for path, headers, params, status in attempts:
            response = await client.get(path, headers=headers, params=params)
            assert response.status_code == status, (path, headers, params)
    assert jf.calls["/Items"] == 8


async def test_emby_serves_under_emby_and_at_the_root_with_its_token() -> None:
    async with (
        FakeJellyfin(kind="emby", builtin=True) as emby,
        httpx.AsyncClient(base_url=emby.base_url) as client,
    ):
        key = emby.api_key
        assert key is not None
        token = {"X-Emby-Token": key}
        assert (await client.get("/emby/Items", headers=token)).status_code == 200
        assert (await client.get("/Items", headers=token)).status_code == 200
        assert (await client.get("/emby/Items", params={"api_key": key})).status_code == 200
        assert (await client.get("/emby/items", params={"API_KEY": key})).status_code == 200
        assert (await client.get("/emby/Items")).status_code == 401
        assert (await client.get("/emby/Items", headers={"X-Emby-Token": "x"})).status_code == 401
        refused = await client.get("/emby/Items", headers={"Authorization": TOKEN})
        assert refused.status_code == 401
        info = (await client.get("/emby/System/Info", headers=token)).json()
        folders = (await client.get("/emby/Library/VirtualFolders", headers=token)).json()
    assert (info["ProductName"], info["Version"]) == ("Emby Server", "4.8.10.0")
    assert {f["Name"] for f in folders} == {"Movies", "Shows", "Music"}
    assert emby.calls["/Items"] == 6
    assert emby.calls["/items"] == 1
    assert emby.calls["/System/Info"] == 1


async def test_no_api_key_accepts_everyone() -> None:
    async with FakeJellyfin(api_key=None) as fake, httpx.AsyncClient() as client:
        response = await client.get(fake.base_url + "/Users")
    assert response.status_code == 200
    assert response.json() == []


# ----- libraries and users --------------------------------------------------------------


async def test_virtual_folders_and_users(jf: FakeJellyfin, http: httpx.AsyncClient) -> None:
    folders = by_name(await get_json(http, "/Library/VirtualFolders"))
    assert sorted(folders) == ["Movies", "Music", "Shows"]
    assert folders["Movies"]["CollectionType"] == "movies"
    assert folders["Shows"]["CollectionType"] == "tvshows"
    assert folders["Music"]["CollectionType"] == "music"
    assert folders["Movies"]["Locations"] == ["/media/movies"]
    assert folders["Shows"]["ItemId"] == jf.library_id("Shows")
    music = await get_json(http, "/Items", ParentId=folders["Music"]["ItemId"], Recursive="true")
    assert music == {"Items": [], "TotalRecordCount": 0, "StartIndex": 0}
    roots = await get_json(http, "/Items")
    assert {i["Type"] for i in roots["Items"]} == {"CollectionFolder"}

    users = by_name(await get_json(http, "/Users"))
    assert sorted(users) == ["Alice", "Carol", "bob"]
    assert users["Alice"]["Policy"]["IsAdministrator"] is True
    assert users["bob"]["Policy"]["IsAdministrator"] is False
    assert users["Carol"]["Policy"]["IsDisabled"] is True
    assert len(users["bob"]["Id"]) == 32
    assert users["bob"]["HasPassword"] is True
    assert users["bob"]["ServerId"] == jf.server_id
    enabled = await get_json(http, "/Users", isDisabled="false")
    assert {u["Name"] for u in enabled} == {"Alice", "bob"}


# ----- /Items ----------------------------------------------------------------------------


async def test_fields_gate_provider_ids_and_dates(
    jf: FakeJellyfin, http: httpx.AsyncClient
) -> None:
    movies = jf.library_id("Movies")
    bare = by_name((await get_json(http, "/Items", ParentId=movies))["Items"])
    assert sorted(bare) == ["Amélie", "Fight Club", "Home Movies 2015", "Inception", "The Matrix"]
    matrix = bare["The Matrix"]
    assert "ProviderIds" not in matrix
    assert "DateCreated" not in matrix
    assert "Path" not in matrix
    assert (matrix["Type"], matrix["IsFolder"], matrix["MediaType"]) == ("Movie", False, "Video")
    assert (matrix["ProductionYear"], matrix["LocationType"]) == (1999, "FileSystem")
    assert matrix["PremiereDate"] == "1999-03-31T00:00:00.0000000Z"
    assert matrix["RunTimeTicks"] == 136 * 60 * 10_000_000

    full = by_name(
        (await get_json(http, "/Items", parentId=movies, fields="ProviderIds,DateCreated,Path"))[
            "Items"
        ]
    )
    assert full["The Matrix"]["ProviderIds"] == {"Tmdb": "603", "Imdb": "tt0133093"}
    assert full["The Matrix"]["DateCreated"] == "2024-03-01T12:00:00.0000000Z"
    assert full["The Matrix"]["Path"] == "/media/movies/The Matrix (1999)/The Matrix (1999).mkv"
    assert full["Amélie"]["ProviderIds"] == {"Imdb": "tt0211915"}
    assert full["Home Movies 2015"]["ProviderIds"] == {}

    shows = by_name(
        (
            await get_json(
                http, "/Items", Recursive="true", IncludeItemTypes="Series", Fields="ProviderIds"
            )
        )["Items"]
    )
    assert shows["Breaking Bad"]["ProviderIds"] == {
        "Tmdb": "1396",
        "Tvdb": "81189",
        "Imdb": "tt0903747",
    }
    assert shows["Game of Thrones"]["ProviderIds"]["Tvdb"] == "121361"
    assert shows["The Simpsons"]["ProviderIds"] == {"Tvdb": "71663"}
    assert shows["The Simpsons"]["Status"] == "Continuing"
    assert shows["Breaking Bad"]["IsFolder"] is True


async def test_paging_the_built_in_library_sees_every_item_once(
    jf: FakeJellyfin, http: httpx.AsyncClient
) -> None:
    everything = await get_json(http, "/Items", Recursive="true")
    assert len(everything["Items"]) == everything["TotalRecordCount"]
    for sort in ("SortName", "DateCreated", "DateCreated,SortName", "ProductionYear"):
        for order in ("Ascending", "Descending"):
            items = await page_all(http, 7, Recursive="true", SortBy=sort, SortOrder=order)
            assert len(items) == everything["TotalRecordCount"], (sort, order)
            assert len({i["Id"] for i in items}) == len(items), (sort, order)
    episodes = await page_all(
        http, 50, ParentId=jf.library_id("Shows"), Recursive="true", IncludeItemTypes="Episode"
    )
    # Breaking Bad 9 + 62, Game of Thrones 25 + 5, The Simpsons 35.
    assert len(episodes) == 136
    assert sum(e["LocationType"] == "Virtual" for e in episodes) == 12
    on_disk = await get_json(
        http, "/Items", Recursive="true", IncludeItemTypes="Episode", IsMissing="false", Limit=0
    )
    assert on_disk["TotalRecordCount"] == 124
    assert on_disk["Items"] == []


async def test_paging_a_generated_library_with_added_items(
    jf: FakeJellyfin, http: httpx.AsyncClient
) -> None:
    jf.generate(movies=250, series=20)
    movies = jf.library_id("Movies")
    for sort, order in [
        ("SortName", "Ascending"),
        ("DateCreated", "Descending"),
        ("DateCreated,SortName", "Ascending"),
    ]:
        items = await page_all(
            http,
            37,
            ParentId=movies,
            Recursive="true",
            IncludeItemTypes="Movie",
            Fields="ProviderIds,DateCreated",
            SortBy=sort,
            SortOrder=order,
        )
        assert len(items) == 255
        assert len({i["Id"] for i in items}) == 255
        dates = [i["DateCreated"] for i in items]
        if sort.startswith("DateCreated"):
            assert dates == sorted(dates, reverse=order == "Descending")
    generated = by_name(items)
    assert generated["Generated Movie 7"]["ProviderIds"] == {"Tmdb": "1000007", "Imdb": "tt9000007"}
    assert generated["Generated Movie 30"]["ProviderIds"] == {"Imdb": "tt9000030"}
    assert generated["Generated Movie 0"]["ProviderIds"] == {"Imdb": "tt9000000"}

    shows = jf.library_id("Shows")
    series = await page_all(
        http, 6, ParentId=shows, IncludeItemTypes="Series", Fields="ProviderIds"
    )
    assert len(series) == 23
    assert len({s["Id"] for s in series}) == 23
    g5 = by_name(series)["Generated Series 5"]
    assert g5["ProviderIds"] == {"Tmdb": "2000005", "Tvdb": "3000005"}
    episodes = await page_all(
        http, 101, ParentId=shows, Recursive="true", IncludeItemTypes="Episode"
    )
    assert len(episodes) == 136 + 20 * 3 * 8
    assert len({e["Id"] for e in episodes}) == len(episodes)
    seasons = await get_json(http, "/Items", ParentId=g5["Id"])
    assert [(s["Type"], s["IndexNumber"]) for s in seasons["Items"]] == [
        ("Season", 1),
        ("Season", 2),
        ("Season", 3),
    ]
    below = await get_json(http, "/Items", ParentId=g5["Id"], Recursive="true")
    assert below["TotalRecordCount"] == 3 + 24
    assert {i["SeriesId"] for i in below["Items"]} == {g5["Id"]}
    picked = await get_json(http, "/Items", Ids=f"{g5['Id']},{seasons['Items'][1]['Id']}")
    assert [i["Name"] for i in picked["Items"]] == ["Season 2", "Generated Series 5"]
    one = await get_json(http, f"/Items/{g5['Id']}")
    assert one["ProviderIds"]["Tvdb"] == "3000005"


async def test_newest_first_and_min_date(jf: FakeJellyfin, http: httpx.AsyncClient) -> None:
    jf.generate(movies=30, series=0)
    movies = jf.library_id("Movies")
    newest = await get_json(
        http,
        "/Items",
        ParentId=movies,
        SortBy="DateCreated,SortName",
        SortOrder="Descending",
        Fields="DateCreated",
        Limit=3,
    )
    assert [i["Name"] for i in newest["Items"]] == ["Home Movies 2015", "Amélie", "Inception"]
    assert newest["TotalRecordCount"] == 35
    recent = await get_json(
        http, "/Items", ParentId=movies, MinDateCreated="2024-04-01T00:00:00.0000000Z"
    )
    assert sorted(i["Name"] for i in recent["Items"]) == ["Amélie", "Home Movies 2015", "Inception"]
    late_generated = await get_json(
        http, "/Items", ParentId=movies, MinDateCreated="2023-01-01T00:00:25Z"
    )
    assert late_generated["TotalRecordCount"] == 5 + 5


async def test_query_names_and_paths_ignore_case(jf: FakeJellyfin, http: httpx.AsyncClient) -> None:
    movies = jf.library_id("Movies")
    shouting = await get_json(http, "/ITEMS", PARENTID=movies, includeitemtypes="movie")
    quiet = await get_json(http, "/items", parentId=movies, IncludeItemTypes="Movie")
    assert shouting["TotalRecordCount"] == quiet["TotalRecordCount"] == 5
    dashed = movies[:8] + "-" + movies[8:12] + "-" + movies[12:16] + "-" + movies[16:20]
    dashed += "-" + movies[20:]
    assert (await get_json(http, "/Items", ParentId=dashed.upper()))["TotalRecordCount"] == 5
    bad = await http.get("/Items", params={"Limit": "ten"})
    assert bad.status_code == 400


# ----- shows -----------------------------------------------------------------------------


async def series_id(http: httpx.AsyncClient, name: str) -> str:
    shows = await get_json(http, "/Items", Recursive="true", IncludeItemTypes="Series")
    return str(by_name(shows["Items"])[name]["Id"])


async def test_episodes_per_season_with_missing_ones(http: httpx.AsyncClient) -> None:
    bb = await series_id(http, "Breaking Bad")
    everything = await get_json(http, f"/Shows/{bb}/Episodes", Fields="ProviderIds,DateCreated")
    counts: dict[int, int] = {}
    for episode in everything["Items"]:
        counts[episode["ParentIndexNumber"]] = counts.get(episode["ParentIndexNumber"], 0) + 1
        assert episode["SeriesId"] == bb
        assert episode["SeriesName"] == "Breaking Bad"
    assert counts == {0: 9, 1: 7, 2: 13, 3: 13, 4: 13, 5: 16}
    assert everything["TotalRecordCount"] == 71
    first = everything["Items"][0]
    assert (first["SeasonName"], first["IndexNumber"], first["Type"]) == ("Specials", 1, "Episode")
    assert first["ParentId"] == first["SeasonId"]
    specials = await get_json(http, f"/Shows/{bb}/Episodes", Season=0, IsMissing="false")
    assert [e["IndexNumber"] for e in specials["Items"]] == [1, 2]

    got = await series_id(http, "Game of Thrones")
    third = await get_json(http, f"/Shows/{got}/Episodes", season=3)
    assert [e["LocationType"] for e in third["Items"]] == ["FileSystem"] * 5 + ["Virtual"] * 5
    assert "Path" not in third["Items"][0]
    present = await get_json(http, f"/Shows/{got}/Episodes", Season=3, IsMissing="false")
    assert present["TotalRecordCount"] == 5
    paged = await get_json(http, f"/Shows/{got}/Episodes", StartIndex=18, Limit=4)
    assert [(e["ParentIndexNumber"], e["IndexNumber"]) for e in paged["Items"]] == [
        (2, 9),
        (2, 10),
        (3, 1),
        (3, 2),
    ]
    seasons = await get_json(http, f"/Shows/{got}/Seasons")
    assert [(s["IndexNumber"], s["SeriesId"], s["ParentId"]) for s in seasons["Items"]] == [
        (n, got, got) for n in (1, 2, 3)
    ]
    assert (await http.get("/Shows/0123456789abcdef0123456789abcdef/Episodes")).status_code == 404


async def test_generated_series_episodes(jf: FakeJellyfin, http: httpx.AsyncClient) -> None:
    jf.generate(movies=0, series=4, seasons=2, episodes=5)
    g3 = jf.generated_id("series", 3)
    episodes = await get_json(http, f"/Shows/{g3}/Episodes", Fields="ProviderIds")
    assert episodes["TotalRecordCount"] == 10
    assert [(e["ParentIndexNumber"], e["IndexNumber"]) for e in episodes["Items"][4:6]] == [
        (1, 5),
        (2, 1),
    ]
    assert {e["SeriesName"] for e in episodes["Items"]} == {"Generated Series 3"}
    second = await get_json(http, f"/Shows/{g3}/Episodes", Season=2, StartIndex=3, Limit=10)
    assert [e["IndexNumber"] for e in second["Items"]] == [4, 5]
    assert second["TotalRecordCount"] == 5
    seasons = await get_json(http, f"/Shows/{g3}/Seasons")
    assert [s["Name"] for s in seasons["Items"]] == ["Season 1", "Season 2"]
    by_season = await get_json(http, f"/Shows/{g3}/Episodes", SeasonId=seasons["Items"][0]["Id"])
    assert by_season["TotalRecordCount"] == 5


async def test_new_downloads_replace_placeholders(
    jf: FakeJellyfin, http: httpx.AsyncClient
) -> None:
    got = await series_id(http, "Game of Thrones")
    later = datetime(2025, 6, 1, tzinfo=UTC)
    [sixth] = jf.add_episodes(got, 3, added=later)
    [double] = jf.add_episodes(got, 3, multi_episode=True, added=later)
    fourth = jf.add_episodes(got, 4, 2, added=later)
    third = await get_json(http, f"/Shows/{got}/Episodes", Season=3)
    assert [
        (e["IndexNumber"], e.get("IndexNumberEnd"), e["LocationType"]) for e in third["Items"]
    ] == [
        *((n, None, "FileSystem") for n in range(1, 7)),
        (7, 8, "FileSystem"),
        (9, None, "Virtual"),
        (10, None, "Virtual"),
    ]
    assert third["Items"][6]["Id"] == double
    newest = await get_json(
        http,
        "/Items",
        Recursive="true",
        IncludeItemTypes="Episode",
        SortBy="DateCreated",
        SortOrder="Descending",
        Fields="DateCreated,Path",
        Limit=4,
    )
    assert {i["Id"] for i in newest["Items"]} == {sixth, double, *fourth}
    assert {i["DateCreated"] for i in newest["Items"]} == {"2025-06-01T00:00:00.0000000Z"}
    paths = {i["Path"] for i in newest["Items"]}
    assert "/media/shows/Game of Thrones (2011)/Season 03/Game of Thrones S03E07-E08.mkv" in paths
    seasons = await get_json(http, f"/Shows/{got}/Seasons")
    assert [s["IndexNumber"] for s in seasons["Items"]] == [1, 2, 3, 4]

    jf.remove(got)
    assert (await http.get(f"/Shows/{got}/Episodes")).status_code == 404
    assert (await http.get(f"/Items/{double}")).status_code == 404
    with pytest.raises(KeyError):
        jf.remove(got)


# ----- knobs -----------------------------------------------------------------------------


async def test_failures_garbage_and_bookkeeping(jf: FakeJellyfin, http: httpx.AsyncClient) -> None:
    jf.fail(2, 503)
    jf.send_garbage()
    unauthorised = await http.get("/Items", headers={"Authorization": ""})
    assert unauthorised.status_code == 401
    assert (await http.get("/Items")).status_code == 503
    assert (await http.get("/Users")).status_code == 503
    garbage = await http.get("/Items")
    assert garbage.status_code == 200
    with pytest.raises(json.JSONDecodeError):
        garbage.json()
    assert (await http.get("/Items")).status_code == 200
    assert jf.calls == {"/Items": 4, "/Users": 1}
    last = jf.requests[-1]
    assert (last.method, last.path, last.headers["Authorization"]) == ("GET", "/Items", TOKEN)
    jf.fail()
    jf.delay = 3.0
    jf.reset()
    assert (jf.calls, jf.requests, jf.delay) == ({}, [], 0.0)
    assert (await http.get("/Items")).status_code == 200


async def test_outage_drops_and_restore_listens_on_the_same_port(
    jf: FakeJellyfin, http: httpx.AsyncClient
) -> None:
    port = jf.port
    assert (await http.get("/System/Info")).status_code == 200  # a kept-alive connection
    jf.delay = 10.0
    pending = asyncio.create_task(http.get("/Items"))
    await jf.wait_for(lambda: jf.calls["/Items"])
    await jf.outage()
    with pytest.raises(httpx.TransportError):
        await asyncio.wait_for(pending, 2)
    with pytest.raises(httpx.TransportError):
        await http.get("/System/Info")
    async with httpx.AsyncClient() as fresh:
        with pytest.raises(httpx.ConnectError):
            await fresh.get(jf.base_url + "/System/Info/Public")
    jf.delay = 0.0
    await jf.restore()
    assert jf.port == port
    assert (await http.get("/System/Info")).status_code == 200
    await jf.outage()
    await jf.restore()
    await jf.restore()
    assert (await http.get("/Items")).status_code == 200


async def test_running_it_in_its_own_process() -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.fake_jellyfin",
        "--movies",
        "100",
        "--series",
        "5",
        cwd=ROOT,
        stdout=asyncio.subprocess.PIPE,
    )
    try:
        assert process.stdout is not None
        line = await asyncio.wait_for(process.stdout.readline(), 10)
        announced = json.loads(line)
        assert announced["api_key"] == DEFAULT_API_KEY
        headers = {"Authorization": f'MediaBrowser Token="{announced["api_key"]}"'}
        async with httpx.AsyncClient(base_url=announced["base_url"], headers=headers) as client:
            body = (await client.get("/Items", params={"Recursive": "true", "Limit": 1})).json()
        assert body["TotalRecordCount"] == 100 + 5 + 5 * 3 + 5 * 3 * 8
    finally:
        process.terminate()
        assert await asyncio.wait_for(process.wait(), 10) == 0
