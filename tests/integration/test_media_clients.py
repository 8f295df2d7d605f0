"""The Jellyfin/Emby, Radarr and Sonarr clients against their fakes on 127.0.0.1."""

from __future__ import annotations

import logging
import re
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from adapters.arr.client import ArrSettings, RadarrClient, SonarrClient
from adapters.jellyfin.client import JellyfinClient
from core.domain import DownloadOrder
from core.errors import ServiceRejected, ServiceUnavailable
from core.identity import ServerAccount
from core.media import DownloadProgress, LibraryItem, MediaStatus, MediaType
from tests.fake_arr import FakeRadarr, FakeSonarr
from tests.fake_jellyfin import FakeJellyfin

MATRIX, MATRIX_RELOADED, FIGHT_CLUB = 603, 604, 550
BREAKING_BAD, BB_TVDB = 1396, 81189
GAME_OF_THRONES, GOT_TVDB = 1399, 121361

# What the fake Jellyfin's built-in library holds: title -> type, year, ids, episodes.
BUILTIN: dict[str, tuple[MediaType, int, int | None, str | None, int | None, dict[int, int]]] = {
    "The Matrix": (MediaType.MOVIE, 1999, 603, "tt0133093", None, {}),
    "Fight Club": (MediaType.MOVIE, 1999, 550, "tt0137523", None, {}),
    "Inception": (MediaType.MOVIE, 2010, 27205, "tt1375666", None, {}),
    "Amélie": (MediaType.MOVIE, 2001, None, "tt0211915", None, {}),
    "Home Movies 2015": (MediaType.MOVIE, 2015, None, None, None, {}),
    "Breaking Bad": (
        MediaType.TV,
        2008,
        1396,
        "tt0903747",
        81189,
        {0: 2, 1: 7, 2: 13, 3: 13, 4: 13, 5: 16},
    ),
    "Game of Thrones": (MediaType.TV, 2011, 1399, "tt0944947", 121361, {1: 10, 2: 10, 3: 5}),
    "The Simpsons": (MediaType.TV, 1989, None, None, 71663, {1: 13, 2: 22}),
}


class Recorder(httpx.AsyncBaseTransport):
    """A real transport that remembers every request it sends and can run a hook just
    before sending one (method, path), to change a fake server's state at that moment, or
    replace its answer once it has been sent (``after``)."""

    def __init__(self) -> None:
        self._inner = httpx.AsyncHTTPTransport()
        self.seen: list[httpx.Request] = []
        self.before: dict[tuple[str, str], Callable[[], object]] = {}
        self.after: dict[tuple[str, str], Callable[[httpx.Response], httpx.Response]] = {}

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.seen.append(request)
        key = (request.method, request.url.path)
        hook = self.before.pop(key, None)
        if hook is not None:
            hook()
        response = await self._inner.handle_async_request(request)
        change = self.after.pop(key, None)
        if change is None:
            return response
        await response.aread()
        return change(response)

    async def aclose(self) -> None:
        await self._inner.aclose()


def lost_answer(response: httpx.Response) -> httpx.Response:
    """The server did the work, but its answer never arrived."""
    raise httpx.ReadTimeout("the answer was lost")


@pytest.fixture
def quick_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    """Retries after a few milliseconds instead of the real backoff."""
    monkeypatch.setattr("adapters.http.BACKOFF", (0.01, 0.01))


def jellyfin(fake: FakeJellyfin, **options: Any) -> JellyfinClient:
    options.setdefault("kind", fake.kind)
    return JellyfinClient(fake.base_url, options.pop("api_key", fake.api_key or ""), **options)


def arr_settings(fake: FakeRadarr | FakeSonarr, **options: Any) -> ArrSettings:
    options.setdefault("quality_profile", "HD-1080p")
    options.setdefault("root_folder", fake.root_folders[0]["path"])
    options.setdefault("api_key", fake.api_key or "")
    return ArrSettings(url=fake.base_url, **options)


def movie_order(tmdb_id: int, title: str = "A movie", request_id: int = 1) -> DownloadOrder:
    return DownloadOrder(request_id, MediaType.MOVIE, tmdb_id, title, 2000)


def show_order(
    tmdb_id: int, tvdb_id: int | None, seasons: tuple[int, ...], request_id: int = 1
) -> DownloadOrder:
    return DownloadOrder(
        request_id, MediaType.TV, tmdb_id, "A show", 2008, seasons=seasons, tvdb_id=tvdb_id
    )


async def everything(client: JellyfinClient, **options: Any) -> list[LibraryItem]:
    return [item async for item in client.library(**options)]


def in_library(fake: FakeRadarr, tmdb_id: int) -> dict[str, Any]:
    movie = fake.movie(tmdb_id)
    assert movie is not None, f"{tmdb_id} is not in Radarr's library"
    return movie


# ----- Jellyfin / Emby ------------------------------------------------------------------


async def test_check_names_the_server_its_version_and_only_the_video_libraries(
    fake_jellyfin: FakeJellyfin,
) -> None:
    async with jellyfin(fake_jellyfin) as client:
        text = await client.check()

    assert text == "Home (Jellyfin Server 10.10.7), Movies, Shows"
    assert "Music" not in text


async def test_jellyfin_gets_the_key_in_a_mediabrowser_header_and_never_in_a_url(
    fake_jellyfin: FakeJellyfin, caplog: pytest.LogCaptureFixture
) -> None:
    key = fake_jellyfin.api_key
    assert key
    recorder = Recorder()
    caplog.set_level(logging.DEBUG)
    async with jellyfin(fake_jellyfin, transport=recorder) as client:
        await client.check()
        await client.accounts()
        await everything(client)

    assert len(fake_jellyfin.requests) > 5
    for seen in fake_jellyfin.requests:
        assert re.fullmatch(r'MediaBrowser .*Token="([^"]+)"', seen.headers["Authorization"])
        assert f'Token="{key}"' in seen.headers["Authorization"]
        assert "X-Emby-Token" not in seen.headers
        assert key not in seen.path
        assert all(key not in f"{name}={value}" for name, value in seen.params.items())
    assert recorder.seen
    assert all(key not in str(request.url) for request in recorder.seen)
    assert key not in caplog.text


async def test_a_wrong_jellyfin_key_is_rejected_once_without_the_key_in_the_error(
    fake_jellyfin: FakeJellyfin, caplog: pytest.LogCaptureFixture
) -> None:
    wrong = "0badc0de0badc0de0badc0de0badc0de"
    caplog.set_level(logging.DEBUG)
    async with jellyfin(fake_jellyfin, api_key=wrong) as client:
        with pytest.raises(ServiceRejected) as caught:
            await client.check()

    assert caught.value.status == 401
    assert "API key rejected" in str(caught.value)
    assert wrong not in str(caught.value)
    assert wrong not in repr(caught.value)
    assert wrong not in caplog.text
    assert fake_jellyfin.calls["/System/Info"] == 1  # a rejection is not retried


async def test_emby_mode_sends_x_emby_token_to_emby_paths(fake_emby: FakeJellyfin) -> None:
    recorder = Recorder()
    async with jellyfin(fake_emby, transport=recorder) as client:
        text = await client.check()
        items = await everything(client)

    assert text == "Home (Emby Server 4.8.10.0), Movies, Shows"
    assert sorted(i.title for i in items) == sorted(BUILTIN)
    assert recorder.seen
    for request in recorder.seen:
        assert request.url.path.startswith("/emby/"), request.url
        assert request.headers["X-Emby-Token"] == fake_emby.api_key
        assert "Authorization" not in request.headers
        assert "api_key" not in request.url.params


async def test_an_emby_client_on_a_jellyfin_url_says_it_found_no_emby_there(
    fake_jellyfin: FakeJellyfin,
) -> None:
    async with jellyfin(fake_jellyfin, kind="emby") as client:
        with pytest.raises(ServiceRejected) as caught:
            await client.check()

    assert caught.value.status == 404
    assert "/System/Info" in str(caught.value)
    assert "Emby URL" in str(caught.value)


async def test_the_library_yields_every_title_once_with_its_ids_and_episodes_on_disk(
    fake_jellyfin: FakeJellyfin,
) -> None:
    async with jellyfin(fake_jellyfin) as client:
        items = await everything(client)

    assert Counter(i.title for i in items) == Counter(list(BUILTIN))
    assert len({i.server_id for i in items}) == len(items)
    for item in items:
        media_type, year, tmdb, imdb, tvdb, episodes = BUILTIN[item.title]
        assert (item.media_type, item.year) == (media_type, year), item.title
        assert (item.tmdb_id, item.imdb_id, item.tvdb_id) == (tmdb, imdb, tvdb), item.title
        assert item.episodes == episodes, item.title
    bad = next(i for i in items if i.title == "Breaking Bad")
    assert bad.server_id == fake_jellyfin.item_id("Breaking Bad")
    # Specials: 2 on disk, the 7 Virtual placeholders do not count.
    assert bad.episodes[0] == 2


async def test_a_file_with_two_episodes_counts_as_two(fake_jellyfin: FakeJellyfin) -> None:
    thrones = fake_jellyfin.item_id("Game of Thrones")
    fake_jellyfin.add_episodes(thrones, 3, 2, multi_episode=True)  # 6-7 and 8-9
    fake_jellyfin.add_episodes(thrones, 4, 1, multi_episode=True)  # a new season: 1-2

    async with jellyfin(fake_jellyfin) as client:
        items = await everything(client)

    (got,) = [i for i in items if i.title == "Game of Thrones"]
    assert got.episodes == {1: 10, 2: 10, 3: 9, 4: 2}


@pytest.mark.parametrize(("movies", "movie_pages"), [(50, 8), (49, 7)])
async def test_the_library_is_read_a_page_at_a_time_each_item_once(
    movies: int, movie_pages: int
) -> None:
    async with FakeJellyfin() as fake:
        fake.generate(movies=movies, series=5)
        async with jellyfin(fake, page_size=7) as client:
            items = await everything(client)
        pages = [r.params for r in fake.requests if r.path == "/Items"]

    films = [i for i in items if i.media_type is MediaType.MOVIE]
    shows = [i for i in items if i.media_type is MediaType.TV]
    assert sorted(i.title for i in films) == sorted(f"Generated Movie {n}" for n in range(movies))
    assert sorted(i.title for i in shows) == sorted(f"Generated Series {n}" for n in range(5))
    assert len({i.server_id for i in items}) == movies + 5
    by_title = {i.title: i for i in items}
    assert by_title["Generated Movie 3"].tmdb_id == 1_000_003
    assert by_title["Generated Movie 3"].imdb_id == "tt9000003"
    assert by_title["Generated Movie 10"].tmdb_id is None  # only an Imdb id
    assert by_title["Generated Movie 10"].imdb_id == "tt9000010"
    assert by_title["Generated Series 2"].tvdb_id == 3_000_002
    assert all(s.episodes == {1: 8, 2: 8, 3: 8} for s in shows)
    # One request per page of 7 (no empty page after a full last one), and one for the shows.
    assert fake.calls["/Items"] == movie_pages + 1
    assert all(p["Limit"] == "7" for p in pages)
    movie_starts = [int(p["StartIndex"]) for p in pages[:movie_pages]]
    assert movie_starts == list(range(0, 7 * movie_pages, 7))


async def test_a_recent_scan_yields_new_movies_and_shows_with_new_episodes_and_stops_early(
    fake_jellyfin: FakeJellyfin,
) -> None:
    since = datetime(2024, 9, 1, tzinfo=UTC)
    bad = fake_jellyfin.item_id("Breaking Bad")
    fake_jellyfin.add_movie(
        "Dune: Part Two", 2024, tmdb=693134, imdb="tt15239678", added=datetime(2024, 9, 5, 8, 0)
    )
    fake_jellyfin.add_episodes(bad, 5, 3, added=datetime(2024, 9, 3, tzinfo=UTC))
    thrones = fake_jellyfin.item_id("Game of Thrones")
    fake_jellyfin.add_episodes(thrones, 3, 1, added=datetime(2024, 8, 20, tzinfo=UTC))
    fake_jellyfin.calls.clear()

    async with jellyfin(fake_jellyfin, page_size=2) as client:
        items = await everything(client, added_since=since)

    assert [(i.title, i.media_type) for i in items] == [
        ("Dune: Part Two", MediaType.MOVIE),
        ("Breaking Bad", MediaType.TV),
    ]
    dune, show = items
    assert (dune.tmdb_id, dune.imdb_id) == (693134, "tt15239678")
    assert (show.tmdb_id, show.tvdb_id) == (BREAKING_BAD, BB_TVDB)
    assert show.episodes == {0: 2, 1: 7, 2: 13, 3: 13, 4: 13, 5: 19}
    # Movies: one page (its second item is older). Shows: two pages of episodes (the second
    # ends with an older one), then one look-up of the series by id. Nothing older is read.
    assert fake_jellyfin.calls["/Items"] == 4
    assert fake_jellyfin.calls[f"/Shows/{thrones}/Episodes"] == 0


async def test_a_recent_scan_with_nothing_new_reads_one_page_per_library(
    fake_jellyfin: FakeJellyfin,
) -> None:
    fake_jellyfin.calls.clear()
    async with jellyfin(fake_jellyfin, page_size=2) as client:
        items = await everything(client, added_since=datetime(2025, 1, 1, tzinfo=UTC))

    assert items == []
    assert fake_jellyfin.calls["/Items"] == 2


async def test_a_recent_scan_looks_new_shows_up_fifty_ids_at_a_time(
    fake_jellyfin: FakeJellyfin,
) -> None:
    recent = datetime(2024, 10, 1, tzinfo=UTC)
    for n in range(51):
        fake_jellyfin.add_series(f"New Show {n}", 2024, tvdb=5_000_000 + n, added=recent)
        fake_jellyfin.add_episodes(fake_jellyfin.item_id(f"New Show {n}"), 1, 2, added=recent)
    fake_jellyfin.requests.clear()

    async with jellyfin(fake_jellyfin) as client:
        items = await everything(client, added_since=datetime(2024, 9, 1, tzinfo=UTC))

    assert sorted(i.tvdb_id or 0 for i in items) == list(range(5_000_000, 5_000_051))
    assert all(i.episodes == {1: 2} for i in items)
    lookups = [r.params["Ids"].split(",") for r in fake_jellyfin.requests if "Ids" in r.params]
    assert sorted(len(ids) for ids in lookups) == [1, 50]


async def test_accounts_carry_the_admin_and_disabled_flags(fake_jellyfin: FakeJellyfin) -> None:
    async with jellyfin(fake_jellyfin) as client:
        accounts = await client.accounts()

    assert sorted(accounts, key=lambda a: a.name.lower()) == [
        ServerAccount(fake_jellyfin.user_id("Alice"), "Alice", is_admin=True),
        ServerAccount(fake_jellyfin.user_id("bob"), "bob"),
        ServerAccount(fake_jellyfin.user_id("Carol"), "Carol", disabled=True),
    ]
    assert all(account.email is None for account in accounts)  # Jellyfin keeps no email


async def test_an_emby_connect_address_is_the_accounts_email(fake_jellyfin: FakeJellyfin) -> None:
    dora = fake_jellyfin.add_user("Dora", connect="dora@example.org")
    fake_jellyfin.add_user("Ed", connect="ed-connect")  # a Connect name, not an address
    async with jellyfin(fake_jellyfin) as client:
        accounts = {a.name: a for a in await client.accounts()}

    assert accounts["Dora"] == ServerAccount(dora, "Dora", email="dora@example.org")
    assert accounts["Ed"].email is None


@pytest.mark.usefixtures("quick_retries")
@pytest.mark.parametrize("status", [500, 502, 503])
async def test_a_jellyfin_5xx_is_retried(fake_jellyfin: FakeJellyfin, status: int) -> None:
    fake_jellyfin.fail(1, status)
    async with jellyfin(fake_jellyfin) as client:
        text = await client.check()

    assert text.startswith("Home (Jellyfin Server")
    assert fake_jellyfin.calls["/System/Info"] == 2


@pytest.mark.usefixtures("quick_retries")
async def test_three_jellyfin_5xx_in_a_row_make_it_unavailable(
    fake_jellyfin: FakeJellyfin,
) -> None:
    fake_jellyfin.fail(3)
    async with jellyfin(fake_jellyfin) as client:
        with pytest.raises(ServiceUnavailable) as caught:
            await client.check()

    assert caught.value.service == "Jellyfin"
    assert "HTTP 500" in str(caught.value)
    assert fake_jellyfin.calls["/System/Info"] == 3


@pytest.mark.usefixtures("quick_retries")
async def test_a_jellyfin_outage_makes_it_unavailable_until_it_is_back(
    fake_jellyfin: FakeJellyfin,
) -> None:
    recorder = Recorder()
    async with jellyfin(fake_jellyfin, transport=recorder) as client:
        await fake_jellyfin.outage()
        with pytest.raises(ServiceUnavailable) as caught:
            await client.accounts()
        tries = len(recorder.seen)
        await fake_jellyfin.restore()
        accounts = await client.accounts()

    assert "cannot connect" in str(caught.value)
    assert tries == 3
    assert len(accounts) == 3


@pytest.mark.usefixtures("quick_retries")
async def test_a_jellyfin_that_does_not_answer_in_time_is_unavailable(
    fake_jellyfin: FakeJellyfin,
) -> None:
    fake_jellyfin.delay = 2.0
    async with jellyfin(fake_jellyfin, timeout=0.1) as client:
        with pytest.raises(ServiceUnavailable) as caught:
            await client.check()

    assert "no answer within 0.1 s" in str(caught.value)
    assert fake_jellyfin.calls["/System/Info"] == 3


async def test_a_jellyfin_body_that_is_not_json_is_malformed(fake_jellyfin: FakeJellyfin) -> None:
    fake_jellyfin.send_garbage(1)
    async with jellyfin(fake_jellyfin) as client:
        with pytest.raises(ServiceUnavailable) as caught:
            await client.accounts()

    assert "malformed" in str(caught.value)
    assert fake_jellyfin.calls["/Users"] == 1


async def test_a_url_answering_json_that_is_not_jellyfins_is_malformed_not_a_crash() -> None:
    transport = httpx.MockTransport(lambda request: httpx.Response(200, json=[]))
    async with JellyfinClient("http://127.0.0.1:9", "key", transport=transport) as client:
        with pytest.raises(ServiceUnavailable, match="malformed"):
            await client.check()


# ----- Radarr ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("profile", "folder", "path"),
    [
        ("HD-1080p", "/movies", "/movies"),
        ("hd-1080P", "/movies/", "/movies"),
        ("4", "1", "/movies"),
        (" hd-1080p ", "2", "/movies-4k"),
    ],
)
async def test_radarr_check_resolves_the_profile_and_folder_by_name_or_id(
    fake_radarr: FakeRadarr, profile: str, folder: str, path: str
) -> None:
    settings = arr_settings(fake_radarr, quality_profile=profile, root_folder=folder)
    async with RadarrClient(settings) as radarr:
        text = await radarr.check()

    assert text == (
        f"Radarr 5.14.0.9383, quality profile HD-1080p (4), root folder {path}, "
        "minimum availability released"
    )


async def test_radarr_check_lists_the_profiles_when_the_one_asked_for_is_missing(
    fake_radarr: FakeRadarr,
) -> None:
    async with RadarrClient(arr_settings(fake_radarr, quality_profile="Best")) as radarr:
        with pytest.raises(ServiceRejected) as caught:
            await radarr.check()

    text = str(caught.value)
    assert "no quality profile 'Best'" in text
    for listed in ("Any (1)", "SD (2)", "HD-1080p (4)", "HD - 720p/1080p (6)"):
        assert listed in text


async def test_radarr_check_lists_the_root_folders_when_the_one_asked_for_is_missing(
    fake_radarr: FakeRadarr,
) -> None:
    async with RadarrClient(arr_settings(fake_radarr, root_folder="/films")) as radarr:
        with pytest.raises(ServiceRejected) as caught:
            await radarr.check()

    text = str(caught.value)
    assert "no root folder '/films'" in text
    assert "/movies (1)" in text
    assert "/movies-4k (2)" in text


async def test_radarr_refuses_an_unknown_minimum_availability(fake_radarr: FakeRadarr) -> None:
    settings = arr_settings(fake_radarr, minimum_availability="soon")
    async with RadarrClient(settings) as radarr:
        with pytest.raises(ServiceRejected) as checked:
            await radarr.check()
        with pytest.raises(ServiceRejected) as sent:
            await radarr.send(movie_order(MATRIX))

    for caught in (checked, sent):
        assert "'soon'" in str(caught.value)
        assert "announced, inCinemas, released" in str(caught.value)
    assert fake_radarr.added == []


async def test_radarr_check_on_a_sonarr_url_says_so(fake_sonarr: FakeSonarr) -> None:
    async with RadarrClient(arr_settings(fake_sonarr)) as radarr:
        with pytest.raises(ServiceRejected) as caught:
            await radarr.check()

    assert "this URL is a Sonarr, not a Radarr" in str(caught.value)


async def test_sonarr_check_on_a_radarr_url_says_so(fake_radarr: FakeRadarr) -> None:
    async with SonarrClient(arr_settings(fake_radarr)) as sonarr:
        with pytest.raises(ServiceRejected) as caught:
            await sonarr.check()

    assert "this URL is a Radarr, not a Sonarr" in str(caught.value)


async def test_a_wrong_radarr_key_is_rejected_without_the_key_in_the_error(
    fake_radarr: FakeRadarr,
) -> None:
    wrong = "0000aaaa0000aaaa0000aaaa0000aaaa"
    async with RadarrClient(arr_settings(fake_radarr, api_key=wrong)) as radarr:
        with pytest.raises(ServiceRejected) as caught:
            await radarr.send(movie_order(MATRIX))

    assert caught.value.status == 401
    assert wrong not in str(caught.value)
    assert fake_radarr.calls["GET /api/v3/movie"] == 1


async def test_radarr_is_sent_a_movie_once_and_searched_the_second_time(
    fake_radarr: FakeRadarr,
) -> None:
    settings = arr_settings(
        fake_radarr, quality_profile="3", root_folder="/movies-4k", minimum_availability="announced"
    )
    async with RadarrClient(settings) as radarr:
        first = await radarr.send(movie_order(MATRIX))
        second = await radarr.send(movie_order(MATRIX, request_id=2))

    movie = in_library(fake_radarr, MATRIX)
    assert first == second == f"radarr:{movie['id']}"
    (posted,) = fake_radarr.added
    assert posted["tmdbId"] == MATRIX
    assert (posted["qualityProfileId"], posted["rootFolderPath"]) == (3, "/movies-4k")
    assert posted["minimumAvailability"] == "announced"
    assert fake_radarr.updates == []  # already monitored
    assert fake_radarr.commands == [{"name": "MoviesSearch", "movieIds": [movie["id"]]}]
    assert fake_radarr.calls["POST /api/v3/movie"] == 1


async def test_radarr_monitors_an_unmonitored_movie_with_its_file_but_does_not_search_it(
    fake_radarr: FakeRadarr,
) -> None:
    existing = fake_radarr.add_existing(FIGHT_CLUB, monitored=False, has_file=True)
    async with RadarrClient(arr_settings(fake_radarr)) as radarr:
        ref = await radarr.send(movie_order(FIGHT_CLUB))

    assert ref == f"radarr:{existing['id']}"
    assert fake_radarr.added == []
    (update,) = fake_radarr.updates
    assert update["monitored"] is True
    assert in_library(fake_radarr, FIGHT_CLUB)["monitored"] is True
    assert fake_radarr.commands == []


async def test_radarr_takes_already_added_from_a_racing_add_as_success(
    fake_radarr: FakeRadarr,
) -> None:
    recorder = Recorder()
    # Someone adds the movie by hand between the client's look in the library and its POST.
    recorder.before["POST", "/api/v3/movie"] = lambda: fake_radarr.add_existing(MATRIX)
    async with RadarrClient(arr_settings(fake_radarr), transport=recorder) as radarr:
        ref = await radarr.send(movie_order(MATRIX))

    movie = in_library(fake_radarr, MATRIX)
    assert ref == f"radarr:{movie['id']}"
    assert len(fake_radarr.library) == 1
    assert fake_radarr.calls["POST /api/v3/movie"] == 1
    assert fake_radarr.calls["GET /api/v3/movie"] == 2  # before the POST, and after it
    (update,) = fake_radarr.updates
    assert update["monitored"] is True
    assert [c["name"] for c in fake_radarr.commands] == ["MoviesSearch"]


async def test_radarr_passes_on_its_own_reason_for_refusing_an_add(
    fake_radarr: FakeRadarr,
) -> None:
    async with RadarrClient(arr_settings(fake_radarr)) as radarr:
        await radarr.check()  # resolves the root folder /movies, which then goes away
        fake_radarr.root_folders = [f for f in fake_radarr.root_folders if f["path"] != "/movies"]
        with pytest.raises(ServiceRejected) as caught:
            await radarr.send(movie_order(MATRIX))

    assert caught.value.status == 400
    assert "Root folder '/movies' does not exist" in str(caught.value)
    assert fake_radarr.movie(MATRIX) is None


async def test_radarr_rejects_a_tmdb_id_it_cannot_find(fake_radarr: FakeRadarr) -> None:
    async with RadarrClient(arr_settings(fake_radarr)) as radarr:
        with pytest.raises(ServiceRejected) as caught:
            await radarr.send(movie_order(999_999_999))

    assert caught.value.status == 404
    assert "cannot find TMDb movie 999999999" in str(caught.value)
    assert fake_radarr.added == []


async def test_radarr_takes_only_movies_and_sonarr_only_shows(
    fake_radarr: FakeRadarr, fake_sonarr: FakeSonarr
) -> None:
    async with RadarrClient(arr_settings(fake_radarr)) as radarr:
        with pytest.raises(ValueError, match="takes movies"):
            await radarr.send(show_order(BREAKING_BAD, BB_TVDB, (1,)))
    async with SonarrClient(arr_settings(fake_sonarr)) as sonarr:
        with pytest.raises(ValueError, match="takes shows"):
            await sonarr.send(movie_order(MATRIX))

    assert sum(fake_radarr.calls.values()) == sum(fake_sonarr.calls.values()) == 0


async def test_radarr_progress_goes_from_queued_to_available(fake_radarr: FakeRadarr) -> None:
    wanted, unknown = movie_order(MATRIX_RELOADED), movie_order(FIGHT_CLUB, request_id=2)
    async with RadarrClient(arr_settings(fake_radarr)) as radarr:
        await radarr.send(wanted)
        downloading = await radarr.progress([wanted, unknown])
        fake_radarr.finish(MATRIX_RELOADED)
        done = await radarr.progress([wanted, unknown])
        nothing = await radarr.progress([])

    assert downloading == [
        DownloadProgress(MediaType.MOVIE, MATRIX_RELOADED, queued=True, available=False),
        DownloadProgress(MediaType.MOVIE, FIGHT_CLUB, queued=False, available=False),
    ]
    assert done == [
        DownloadProgress(MediaType.MOVIE, MATRIX_RELOADED, queued=False, available=True),
        DownloadProgress(MediaType.MOVIE, FIGHT_CLUB, queued=False, available=False),
    ]
    assert nothing == []
    assert fake_radarr.calls["GET /api/v3/queue"] == 2  # once a round, not once a movie


@pytest.mark.usefixtures("quick_retries")
async def test_radarr_retries_a_read_after_a_5xx_but_never_a_post(
    fake_radarr: FakeRadarr,
) -> None:
    recorder = Recorder()
    async with RadarrClient(arr_settings(fake_radarr), transport=recorder) as radarr:
        fake_radarr.fail(1)  # the look in the library: retried
        recorder.before["POST", "/api/v3/movie"] = lambda: fake_radarr.fail(1, 503)
        with pytest.raises(ServiceUnavailable) as caught:
            await radarr.send(movie_order(MATRIX))
        reads = fake_radarr.calls["GET /api/v3/movie"]
        posts = fake_radarr.calls["POST /api/v3/movie"]
        ref = await radarr.send(movie_order(MATRIX))  # the next round adds it

    assert "HTTP 503" in str(caught.value)
    # Read twice (a retry), posted once, then read once more: had the add landed with its
    # answer lost, the movie would be there now.
    assert (reads, posts) == (3, 1)
    assert ref == f"radarr:{in_library(fake_radarr, MATRIX)['id']}"


@pytest.mark.usefixtures("quick_retries")
async def test_a_radarr_outage_makes_it_unavailable(fake_radarr: FakeRadarr) -> None:
    await fake_radarr.outage()
    async with RadarrClient(arr_settings(fake_radarr)) as radarr:
        with pytest.raises(ServiceUnavailable) as caught:
            await radarr.progress([movie_order(MATRIX)])

    assert caught.value.service == "Radarr"
    assert "cannot connect" in str(caught.value)


# ----- Sonarr ---------------------------------------------------------------------------


async def test_sonarr_v3_adds_with_the_named_language_profile(fake_sonarr: FakeSonarr) -> None:
    settings = arr_settings(fake_sonarr, language_profile="original")
    async with SonarrClient(settings) as sonarr:
        text = await sonarr.check()
        ref = await sonarr.send(show_order(BREAKING_BAD, BB_TVDB, (1,)))

    assert text == (
        "Sonarr 4.0.10.2544, quality profile HD-1080p (4), root folder /tv, language profile 2"
    )
    (posted,) = fake_sonarr.added
    assert posted["languageProfileId"] == 2
    show = fake_sonarr.series(BB_TVDB)
    assert show is not None
    assert ref == f"sonarr:{show['id']}"
    assert show["languageProfileId"] == 2


async def test_sonarr_v3_lists_the_language_profiles_when_the_one_asked_for_is_missing(
    fake_sonarr: FakeSonarr,
) -> None:
    async with SonarrClient(arr_settings(fake_sonarr, language_profile="Klingon")) as sonarr:
        with pytest.raises(ServiceRejected) as caught:
            await sonarr.check()

    assert "no language profile 'Klingon'" in str(caught.value)
    assert "English (1), Original (2)" in str(caught.value)


async def test_sonarr_v4_has_no_language_profile_and_gets_none() -> None:
    async with FakeSonarr(language_profiles=False) as fake:
        async with SonarrClient(arr_settings(fake, root_folder="/anime")) as sonarr:
            text = await sonarr.check()
            ref = await sonarr.send(show_order(BREAKING_BAD, BB_TVDB, (2,)))
        show = fake.series(BB_TVDB)

    assert text == "Sonarr 4.0.10.2544, quality profile HD-1080p (4), root folder /anime"
    (posted,) = fake.added
    assert "languageProfileId" not in posted
    assert posted["rootFolderPath"] == "/anime"
    assert show is not None
    assert ref == f"sonarr:{show['id']}"
    assert {s["seasonNumber"] for s in show["seasons"] if s["monitored"]} == {2}


async def test_sonarr_refuses_a_show_without_a_tvdb_id(fake_sonarr: FakeSonarr) -> None:
    async with SonarrClient(arr_settings(fake_sonarr)) as sonarr:
        with pytest.raises(ServiceRejected) as caught:
            await sonarr.send(show_order(BREAKING_BAD, None, (1,)))

    assert caught.value.status == 400
    assert "has no TheTVDB id" in str(caught.value)
    assert sum(fake_sonarr.calls.values()) == 0


async def test_sonarr_rejects_a_tvdb_id_it_cannot_find(fake_sonarr: FakeSonarr) -> None:
    async with SonarrClient(arr_settings(fake_sonarr)) as sonarr:
        with pytest.raises(ServiceRejected) as caught:
            await sonarr.send(show_order(1, 999_999, (1,)))

    assert caught.value.status == 404
    assert "cannot find TheTVDB show 999999" in str(caught.value)
    assert fake_sonarr.added == []


async def test_sonarr_monitors_the_new_seasons_of_a_show_it_has_and_searches_the_incomplete(
    fake_sonarr: FakeSonarr,
) -> None:
    existing = fake_sonarr.add_existing(BB_TVDB, monitored_seasons=[1], files={2: 13})
    async with SonarrClient(arr_settings(fake_sonarr)) as sonarr:
        ref = await sonarr.send(show_order(BREAKING_BAD, BB_TVDB, (1, 2, 3)))

    assert ref == f"sonarr:{existing['id']}"
    assert fake_sonarr.added == []
    (update,) = fake_sonarr.updates
    assert update["monitored"] is True
    monitored = {s["seasonNumber"]: s["monitored"] for s in update["seasons"]}
    assert monitored == {0: False, 1: True, 2: True, 3: True, 4: False, 5: False}
    searches = [(c["name"], c["seriesId"], c["seasonNumber"]) for c in fake_sonarr.commands]
    # Season 2 has every episode already: no search for it.
    assert searches == [("SeasonSearch", existing["id"], 1), ("SeasonSearch", existing["id"], 3)]


async def test_sonarr_does_not_update_a_show_whose_seasons_are_monitored_already(
    fake_sonarr: FakeSonarr,
) -> None:
    existing = fake_sonarr.add_existing(BB_TVDB, monitored_seasons=[1, 2], files={1: 7})
    async with SonarrClient(arr_settings(fake_sonarr)) as sonarr:
        await sonarr.send(show_order(BREAKING_BAD, BB_TVDB, (1, 2)))

    assert fake_sonarr.updates == []
    assert fake_sonarr.commands == [
        {"name": "SeasonSearch", "seriesId": existing["id"], "seasonNumber": 2}
    ]


async def test_sonarr_takes_already_added_from_a_racing_add_as_success(
    fake_sonarr: FakeSonarr,
) -> None:
    recorder = Recorder()
    recorder.before["POST", "/api/v3/series"] = lambda: fake_sonarr.add_existing(
        GOT_TVDB, monitored_seasons=[1]
    )
    async with SonarrClient(arr_settings(fake_sonarr), transport=recorder) as sonarr:
        ref = await sonarr.send(show_order(GAME_OF_THRONES, GOT_TVDB, (2,)))

    show = fake_sonarr.series(GOT_TVDB)
    assert show is not None
    assert ref == f"sonarr:{show['id']}"
    assert len(fake_sonarr.library) == 1
    assert fake_sonarr.calls["POST /api/v3/series"] == 1
    assert {s["seasonNumber"] for s in show["seasons"] if s["monitored"]} == {1, 2}
    assert [(c["name"], c["seasonNumber"]) for c in fake_sonarr.commands] == [("SeasonSearch", 2)]


async def test_sonarr_progress_maps_episode_files_to_season_statuses(
    fake_sonarr: FakeSonarr,
) -> None:
    fake_sonarr.add_existing(BB_TVDB, monitored_seasons=[1, 2, 3], files={0: 9, 1: 7, 2: 5, 3: 0})
    bad = show_order(BREAKING_BAD, BB_TVDB, (1, 2, 3))
    thrones = show_order(GAME_OF_THRONES, GOT_TVDB, (1,), request_id=2)
    no_tvdb = show_order(42, None, (1,), request_id=3)
    async with SonarrClient(arr_settings(fake_sonarr)) as sonarr:
        before = await sonarr.progress([bad, thrones, no_tvdb])
        await sonarr.send(thrones)
        queued = await sonarr.progress([thrones])
        fake_sonarr.finish(GOT_TVDB, season=1)
        finished = await sonarr.progress([thrones])

    assert before == [
        DownloadProgress(
            MediaType.TV,
            BREAKING_BAD,
            queued=False,
            seasons={
                0: MediaStatus.AVAILABLE,  # specials are reported (they can be requested)
                1: MediaStatus.AVAILABLE,
                2: MediaStatus.PARTIALLY_AVAILABLE,
            },
        ),
        DownloadProgress(MediaType.TV, GAME_OF_THRONES),
        DownloadProgress(MediaType.TV, 42),
    ]
    assert queued == [DownloadProgress(MediaType.TV, GAME_OF_THRONES, queued=True, seasons={})]
    assert finished == [
        DownloadProgress(
            MediaType.TV, GAME_OF_THRONES, queued=False, seasons={1: MediaStatus.AVAILABLE}
        )
    ]
    assert fake_sonarr.calls["GET /api/v3/queue"] == 3


async def test_sonarr_progress_reports_queued_while_any_season_is_downloading(
    fake_sonarr: FakeSonarr,
) -> None:
    order = show_order(BREAKING_BAD, BB_TVDB, (1, 2))
    async with SonarrClient(arr_settings(fake_sonarr)) as sonarr:
        await sonarr.send(order)
        fake_sonarr.progress(BB_TVDB, 0.5)
        fake_sonarr.finish(BB_TVDB, season=1)
        half = await sonarr.progress([order])
        fake_sonarr.finish(BB_TVDB, season=2)
        done = await sonarr.progress([order])

    assert half == [
        DownloadProgress(
            MediaType.TV, BREAKING_BAD, queued=True, seasons={1: MediaStatus.AVAILABLE}
        )
    ]
    assert done == [
        DownloadProgress(
            MediaType.TV,
            BREAKING_BAD,
            queued=False,
            seasons={1: MediaStatus.AVAILABLE, 2: MediaStatus.AVAILABLE},
        )
    ]


async def test_a_server_that_caps_the_page_size_is_still_read_to_the_end() -> None:
    """Some servers answer fewer items than the Limit asked for: the total decides."""
    movies = [
        {"Id": f"m{n}", "Type": "Movie", "Name": f"Movie {n}", "ProviderIds": {"Tmdb": str(n)}}
        for n in range(1, 8)
    ]

    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/Library/VirtualFolders":
            return httpx.Response(
                200, json=[{"Name": "Movies", "ItemId": "lib", "CollectionType": "movies"}]
            )
        start = int(request.url.params["StartIndex"])
        page = movies[start : start + 3]  # never more than 3, whatever the Limit
        return httpx.Response(200, json={"Items": page, "TotalRecordCount": len(movies)})

    transport = httpx.MockTransport(answer)
    async with JellyfinClient("http://127.0.0.1:9", "key", transport=transport) as client:
        found = [item.tmdb_id async for item in client.library()]

    assert found == list(range(1, 8))


async def test_an_add_whose_answer_is_lost_counts_as_done(fake_radarr: FakeRadarr) -> None:
    """Radarr adds the movie but the answer never arrives: the request is not failed."""
    recorder = Recorder()
    async with RadarrClient(arr_settings(fake_radarr), transport=recorder) as radarr:
        recorder.after["POST", "/api/v3/movie"] = lost_answer
        ref = await radarr.send(movie_order(MATRIX))

    assert len(fake_radarr.added) == 1
    assert ref == f"radarr:{in_library(fake_radarr, MATRIX)['id']}"


async def test_two_copies_of_an_episode_count_once() -> None:
    episodes = [
        {"Id": "e1", "ParentIndexNumber": 1, "IndexNumber": 1, "LocationType": "FileSystem"},
        {"Id": "e1b", "ParentIndexNumber": 1, "IndexNumber": 1, "LocationType": "FileSystem"},
        {"Id": "e2", "ParentIndexNumber": 1, "IndexNumber": 2, "IndexNumberEnd": 3},
        {"Id": "e3", "ParentIndexNumber": 1, "IndexNumber": 3, "LocationType": "FileSystem"},
    ]
    show = {"Id": "s", "Type": "Series", "Name": "Dark", "ProviderIds": {"Tmdb": "70523"}}

    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/Library/VirtualFolders":
            library = {"Name": "Shows", "ItemId": "lib", "CollectionType": "tvshows"}
            return httpx.Response(200, json=[library])
        if request.url.path == "/Shows/s/Episodes":
            return httpx.Response(200, json={"Items": episodes, "TotalRecordCount": 4})
        return httpx.Response(200, json={"Items": [show], "TotalRecordCount": 1})

    transport = httpx.MockTransport(answer)
    async with JellyfinClient("http://127.0.0.1:9", "key", transport=transport) as client:
        (found,) = [item async for item in client.library()]

    assert found.episodes == {1: 3}  # episodes 1, 2 and 3; episode 1 twice
