"""The TMDb client against a fake TMDb on 127.0.0.1, over real sockets."""

from __future__ import annotations

import asyncio
import logging
import socket
import time
import traceback
from collections.abc import Iterator
from typing import Any

import pytest

from adapters.tmdb import mapping
from adapters.tmdb.client import TmdbClient, is_read_token
from adapters.tmdb.limiter import RateLimiter
from core.errors import InvalidInput, ServiceRejected, ServiceUnavailable, TitleNotFound
from core.media import MediaType
from tests.fake_tmdb import DEFAULT_API_KEY, DEFAULT_READ_TOKEN, FakeTmdb


def client_for(fake: FakeTmdb, **options: Any) -> TmdbClient:
    """A client with the fake's v3 key, unless ``options`` say otherwise."""
    options.setdefault("api_key", fake.api_key)
    options.setdefault("base_url", fake.base_url)
    return TmdbClient(**options)


@pytest.fixture
def refused_port() -> Iterator[int]:
    """A port of 127.0.0.1 that is bound but not listening: connections are refused."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        yield sock.getsockname()[1]


# ----- search -------------------------------------------------------------------------


async def test_a_multi_search_keeps_movies_and_shows_and_drops_people(
    fake_tmdb: FakeTmdb,
) -> None:
    async with client_for(fake_tmdb) as tmdb:
        keanu = await tmdb.search("keanu")
        pokemon = await tmdb.search("pokémon")

    assert [(i.tmdb_id, i.media_type, i.title, i.year) for i in keanu.items] == [
        (342521, MediaType.MOVIE, "Keanu", 2016)
    ]
    assert {(i.tmdb_id, i.media_type) for i in pokemon.items} == {
        (60572, MediaType.TV),
        (447404, MediaType.MOVIE),
        (10228, MediaType.MOVIE),
    }
    show = next(i for i in pokemon.items if i.media_type is MediaType.TV)
    assert (show.title, show.year, show.poster_path) == ("Pokémon", 1997, "/poster60572.jpg")
    assert fake_tmdb.calls["/search/multi"] == 2
    first = fake_tmdb.requests[0].params
    assert first["query"] == "keanu"
    assert (first["page"], first["language"], first["include_adult"]) == ("1", "en-US", "false")


async def test_a_search_page_carries_tmdbs_page_counts(fake_tmdb: FakeTmdb) -> None:
    for n in range(45):
        fake_tmdb.add_movie(900_000 + n, f"Filler {n}", "2020-01-01")

    async with client_for(fake_tmdb) as tmdb:
        third = await tmdb.search("filler", page=3)

    assert (third.page, third.total_pages, third.total_results) == (3, 3, 45)
    assert len(third.items) == 5


async def test_a_search_for_one_media_type_asks_only_that_endpoint(fake_tmdb: FakeTmdb) -> None:
    async with client_for(fake_tmdb) as tmdb:
        shows = await tmdb.search("pokemon", media_type=MediaType.TV)
        movies = await tmdb.search("pokemon", media_type=MediaType.MOVIE)

    assert [(i.tmdb_id, i.media_type) for i in shows.items] == [(60572, MediaType.TV)]
    assert {i.media_type for i in movies.items} == {MediaType.MOVIE}
    assert {i.tmdb_id for i in movies.items} == {447404, 10228}
    assert fake_tmdb.calls == {"/search/tv": 1, "/search/movie": 1}


async def test_unicode_titles_and_queries_survive_the_round_trip(fake_tmdb: FakeTmdb) -> None:
    async with client_for(fake_tmdb) as tmdb:
        amelie = await tmdb.search("Amélie")
        spirited = await tmdb.search("千と千尋の神隠し")

    assert [i.title for i in amelie.items] == ["Amélie"]
    assert [(i.tmdb_id, i.title, i.year) for i in spirited.items] == [(129, "Spirited Away", 2001)]
    assert [r.params["query"] for r in fake_tmdb.requests] == ["amélie", "千と千尋の神隠し"]


async def test_missing_dates_posters_and_overviews_become_none_or_empty(
    fake_tmdb: FakeTmdb,
) -> None:
    fake_tmdb.add_movie(1_000_001, "Untitled Zorblax Project", "", poster_path=None)
    fake_tmdb.add_tv(1_000_002, "Zorblax Tonight", first_air_date="")

    async with client_for(fake_tmdb) as tmdb:
        found = await tmdb.search("zorblax")

    assert {(i.title, i.year, i.overview, i.poster_path) for i in found.items} == {
        ("Untitled Zorblax Project", None, "", None),
        ("Zorblax Tonight", None, "", None),
    }


async def test_a_broken_result_is_skipped_and_the_rest_of_the_page_kept(
    fake_tmdb: FakeTmdb,
) -> None:
    broken = fake_tmdb.add_movie(1_000_003, "Zorblax Returns", "2024-05-01")
    broken["id"] = "not a number"
    fake_tmdb.add_movie(1_000_004, "Zorblax Forever", "2025-05-01")

    async with client_for(fake_tmdb) as tmdb:
        found = await tmdb.search("zorblax")

    assert [(i.tmdb_id, i.title) for i in found.items] == [(1_000_004, "Zorblax Forever")]


async def test_details_without_the_fields_tmdb_always_sends_are_service_unavailable(
    fake_tmdb: FakeTmdb,
) -> None:
    del fake_tmdb.shows[1399]["name"], fake_tmdb.shows[1399]["original_name"]

    async with client_for(fake_tmdb) as tmdb:
        with pytest.raises(ServiceUnavailable) as raised:
            await tmdb.details(1399, MediaType.TV)

    assert raised.value.detail == "malformed response"
    assert tmdb.cached_details(1399, MediaType.TV) is None


async def test_a_blank_query_returns_an_empty_page_without_calling_tmdb(
    fake_tmdb: FakeTmdb,
) -> None:
    async with client_for(fake_tmdb) as tmdb:
        found = await tmdb.search("   ")

    assert (found.total_results, found.items) == (0, ())
    assert fake_tmdb.requests == []


async def test_pages_past_500_are_refused_without_calling_tmdb(fake_tmdb: FakeTmdb) -> None:
    async with client_for(fake_tmdb) as tmdb:
        with pytest.raises(InvalidInput) as raised:
            await tmdb.search("the", page=501)

    assert raised.value.field == "page"
    assert fake_tmdb.requests == []


def test_total_pages_are_capped_at_the_500_tmdb_serves() -> None:
    body = {"page": 1, "results": [], "total_pages": 2817, "total_results": 56332}

    page = mapping.search_page(body, None)

    assert (page.total_pages, page.total_results) == (500, 56332)


# ----- details ------------------------------------------------------------------------


async def test_movie_details_carry_the_imdb_id_and_no_seasons(fake_tmdb: FakeTmdb) -> None:
    async with client_for(fake_tmdb) as tmdb:
        matrix = await tmdb.details(603, MediaType.MOVIE)

    assert (matrix.tmdb_id, matrix.media_type, matrix.title, matrix.year) == (
        603,
        MediaType.MOVIE,
        "The Matrix",
        1999,
    )
    assert (matrix.imdb_id, matrix.tvdb_id, matrix.seasons) == ("tt0133093", None, ())
    assert fake_tmdb.requests[0].path == "/movie/603"
    assert fake_tmdb.requests[0].params["append_to_response"] == "external_ids,keywords"


async def test_show_details_list_every_season_with_specials_first(fake_tmdb: FakeTmdb) -> None:
    async with client_for(fake_tmdb) as tmdb:
        breaking_bad = await tmdb.details(1396, MediaType.TV)

    specials, first = breaking_bad.seasons[:2]
    assert (specials.season_number, specials.name, specials.air_date) == (0, "Specials", None)
    assert (first.season_number, first.episode_count, first.air_date) == (1, 7, "2008-01-20")
    assert breaking_bad.requestable_seasons == (1, 2, 3, 4, 5)
    assert (breaking_bad.tvdb_id, breaking_bad.imdb_id) == (81189, "tt0903747")
    assert fake_tmdb.requests[0].params["append_to_response"] == "external_ids,keywords"
    assert not breaking_bad.is_anime


async def test_a_show_tagged_anime_by_tmdb_is_anime(fake_tmdb: FakeTmdb) -> None:
    async with client_for(fake_tmdb) as tmdb:
        pokemon = await tmdb.details(60572, MediaType.TV)

    assert "anime" in pokemon.keywords
    assert pokemon.is_anime


async def test_find_turns_imdb_and_tvdb_ids_into_tmdb_titles(fake_tmdb: FakeTmdb) -> None:
    async with client_for(fake_tmdb) as tmdb:
        by_imdb = await tmdb.find("imdb_id", "tt0133093")
        by_tvdb = await tmdb.find("tvdb_id", "81189")
        nothing = await tmdb.find("imdb_id", "tt0000001")
        again = await tmdb.find("imdb_id", "tt0133093")

    assert by_imdb == [(603, MediaType.MOVIE)]
    assert by_tvdb == [(1396, MediaType.TV)]
    assert nothing == []
    assert again == by_imdb
    assert fake_tmdb.calls["/find/tt0133093"] == 1  # cached
    assert fake_tmdb.requests[0].params["external_source"] == "imdb_id"


async def test_find_refuses_an_unknown_source_without_calling_tmdb(fake_tmdb: FakeTmdb) -> None:
    async with client_for(fake_tmdb) as tmdb:
        with pytest.raises(InvalidInput):
            await tmdb.find("facebook_id", "x")
        with pytest.raises(InvalidInput):
            await tmdb.find("imdb_id", "../movie/603")

    assert not fake_tmdb.requests


async def test_a_show_with_more_than_25_seasons_keeps_them_all(fake_tmdb: FakeTmdb) -> None:
    async with client_for(fake_tmdb) as tmdb:
        simpsons = await tmdb.details(456, MediaType.TV)

    assert simpsons.title == "The Simpsons"
    assert [s.season_number for s in simpsons.seasons] == list(range(36))
    assert simpsons.requestable_seasons == tuple(range(1, 36))


async def test_an_unknown_title_raises_title_not_found_and_is_not_cached(
    fake_tmdb: FakeTmdb,
) -> None:
    async with client_for(fake_tmdb) as tmdb:
        for _ in range(2):
            with pytest.raises(TitleNotFound) as raised:
                await tmdb.details(99_999_999, MediaType.TV)

    assert (raised.value.tmdb_id, raised.value.media_type) == (99_999_999, MediaType.TV)
    assert fake_tmdb.calls["/tv/99999999"] == 2


# ----- health and credentials -----------------------------------------------------------


async def test_check_says_where_tmdb_answered_and_how_we_log_in(fake_tmdb: FakeTmdb) -> None:
    async with client_for(fake_tmdb) as tmdb:
        line = await tmdb.check()

    assert tmdb.name == "TMDb"
    assert line == "127.0.0.1, v3 API key, language en-US"
    assert fake_tmdb.calls["/configuration"] == 1


async def test_a_rejected_api_key_raises_service_rejected(fake_tmdb: FakeTmdb) -> None:
    async with client_for(fake_tmdb, api_key="0000wrong0000") as tmdb:
        with pytest.raises(ServiceRejected) as on_check:
            await tmdb.check()
        with pytest.raises(ServiceRejected) as on_search:
            await tmdb.search("matrix")

    for raised in (on_check, on_search):
        assert (raised.value.service, raised.value.status) == ("TMDb", 401)
        assert raised.value.detail == "API key rejected"
    assert len(fake_tmdb.requests) == 2


async def test_the_api_key_is_sent_as_a_query_parameter(fake_tmdb: FakeTmdb) -> None:
    async with client_for(fake_tmdb) as tmdb:
        await tmdb.search("matrix")

    seen = fake_tmdb.requests[0]
    assert seen.params["api_key"] == DEFAULT_API_KEY
    assert "Authorization" not in seen.headers


async def test_a_read_token_is_sent_as_a_bearer_header(fake_tmdb: FakeTmdb) -> None:
    fake_tmdb.api_key = None

    async with client_for(fake_tmdb, api_key=None, read_token=DEFAULT_READ_TOKEN) as tmdb:
        found = await tmdb.search("fight club")
        line = await tmdb.check()

    assert [i.tmdb_id for i in found.items] == [550]
    assert "v4 read token" in line
    seen = fake_tmdb.requests[0]
    assert seen.headers["Authorization"] == f"Bearer {DEFAULT_READ_TOKEN}"
    assert "api_key" not in seen.params


def test_v4_read_tokens_are_told_from_v3_api_keys() -> None:
    assert is_read_token(DEFAULT_READ_TOKEN)
    assert is_read_token(f"  {DEFAULT_READ_TOKEN}\n")
    assert not is_read_token(DEFAULT_API_KEY)
    assert not is_read_token("abc.def.ghi")
    assert not is_read_token("eyJhbGciOiJIUzI1NiJ9.only-two-parts")
    assert not is_read_token("")


def test_a_client_needs_exactly_one_credential() -> None:
    with pytest.raises(ValueError, match="exactly one"):
        TmdbClient()
    with pytest.raises(ValueError, match="exactly one"):
        TmdbClient(api_key=DEFAULT_API_KEY, read_token=DEFAULT_READ_TOKEN)


# ----- rate limits, failures, timeouts ----------------------------------------------------


async def test_a_429_is_waited_out_for_retry_after_and_retried(fake_tmdb: FakeTmdb) -> None:
    fake_tmdb.rate_limit(times=1, retry_after=1)

    async with client_for(fake_tmdb) as tmdb:
        found = await tmdb.search("inception")

    assert [i.tmdb_id for i in found.items] == [27205]
    first, second = fake_tmdb.arrivals()
    assert second - first >= 0.9


async def test_a_persistent_429_gives_up_with_retry_after(fake_tmdb: FakeTmdb) -> None:
    fake_tmdb.rate_limit(times=10, retry_after=1)

    async with client_for(fake_tmdb) as tmdb:
        with pytest.raises(ServiceUnavailable) as raised:
            await tmdb.search("inception")

    assert (raised.value.service, raised.value.detail) == ("TMDb", "rate limited")
    assert raised.value.retry_after == 1
    assert len(fake_tmdb.requests) == 3


async def test_a_retry_after_longer_than_the_wait_budget_fails_at_once(
    fake_tmdb: FakeTmdb,
) -> None:
    fake_tmdb.rate_limit(times=1, retry_after=60)

    async with client_for(fake_tmdb) as tmdb:
        with pytest.raises(ServiceUnavailable) as raised:
            await tmdb.search("inception")

    assert raised.value.retry_after == 60
    assert len(fake_tmdb.requests) == 1


async def test_one_server_error_is_retried_away(fake_tmdb: FakeTmdb) -> None:
    fake_tmdb.fail(times=1, status=500)

    async with client_for(fake_tmdb) as tmdb:
        found = await tmdb.details(550, MediaType.MOVIE)

    assert found.title == "Fight Club"
    assert fake_tmdb.calls["/movie/550"] == 2


async def test_persistent_server_errors_give_up_and_are_not_cached(fake_tmdb: FakeTmdb) -> None:
    fake_tmdb.fail(times=3, status=503)

    async with client_for(fake_tmdb) as tmdb:
        with pytest.raises(ServiceUnavailable) as raised:
            await tmdb.search("inception")
        found = await tmdb.search("inception")

    assert raised.value.detail == "HTTP 503"
    assert [i.tmdb_id for i in found.items] == [27205]
    assert fake_tmdb.calls["/search/multi"] == 4


async def test_a_body_that_is_not_json_is_service_unavailable(fake_tmdb: FakeTmdb) -> None:
    fake_tmdb.send_garbage(times=1)

    async with client_for(fake_tmdb) as tmdb:
        with pytest.raises(ServiceUnavailable) as raised:
            await tmdb.details(603, MediaType.MOVIE)

    assert raised.value.detail == "malformed response"
    assert len(fake_tmdb.requests) == 1


async def test_a_slow_tmdb_times_out_instead_of_hanging(fake_tmdb: FakeTmdb) -> None:
    fake_tmdb.delay = 3.0
    started = time.monotonic()

    async with client_for(fake_tmdb, timeout=0.2) as tmdb:
        with pytest.raises(ServiceUnavailable) as raised:
            await tmdb.search("matrix")

    assert raised.value.detail == "timed out"
    # It gave up long before TMDb answered (a wide margin, for a busy machine).
    assert time.monotonic() - started < 2.5
    assert len(fake_tmdb.requests) == 1


async def test_a_closed_port_is_service_unavailable(refused_port: int) -> None:
    async with TmdbClient(api_key="k", base_url=f"http://127.0.0.1:{refused_port}/3") as tmdb:
        with pytest.raises(ServiceUnavailable) as raised:
            await tmdb.search("matrix")

    assert (raised.value.service, raised.value.detail) == ("TMDb", "cannot connect")


async def test_a_closed_client_answers_service_unavailable(fake_tmdb: FakeTmdb) -> None:
    tmdb = client_for(fake_tmdb)
    await tmdb.aclose()

    with pytest.raises(ServiceUnavailable) as raised:
        await tmdb.search("matrix")

    assert raised.value.detail == "client closed"
    assert fake_tmdb.requests == []


async def test_a_proxy_named_in_the_environment_is_used(
    fake_tmdb: FakeTmdb, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HTTP_PROXY", fake_tmdb.origin)
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)

    async with client_for(fake_tmdb, base_url="http://api.tmdb.invalid/3") as tmdb:
        found = await tmdb.search("fight club")

    assert [i.tmdb_id for i in found.items] == [550]
    assert fake_tmdb.requests[0].headers["Host"] == "api.tmdb.invalid"


# ----- cache, single flight, rate limiter -------------------------------------------------


async def test_a_repeated_search_is_answered_from_the_cache(fake_tmdb: FakeTmdb) -> None:
    async with client_for(fake_tmdb) as tmdb:
        first = await tmdb.search("The Matrix")
        again = await tmdb.search("  the   matrix ")

    assert again == first
    assert len(fake_tmdb.requests) == 1


async def test_cached_search_reads_the_cache_without_calling_tmdb(fake_tmdb: FakeTmdb) -> None:
    async with client_for(fake_tmdb) as tmdb:
        before = tmdb.cached_search("matrix")
        found = await tmdb.search("matrix")
        after = tmdb.cached_search("Matrix")
        other_page = tmdb.cached_search("matrix", page=2)
        other_type = tmdb.cached_search("matrix", media_type=MediaType.MOVIE)

    assert before is None
    assert after == found
    assert (other_page, other_type) == (None, None)
    assert len(fake_tmdb.requests) == 1


async def test_details_are_cached_too(fake_tmdb: FakeTmdb) -> None:
    async with client_for(fake_tmdb) as tmdb:
        first = await tmdb.details(1399, MediaType.TV)
        again = await tmdb.details(1399, MediaType.TV)
        cached = tmdb.cached_details(1399, MediaType.TV)

    assert again == first == cached
    assert first.requestable_seasons == tuple(range(1, 9))
    assert len(fake_tmdb.requests) == 1


async def test_cache_entries_expire_after_their_ttl(fake_tmdb: FakeTmdb) -> None:
    async with client_for(fake_tmdb, search_ttl=0.05) as tmdb:
        await tmdb.search("matrix")
        await asyncio.sleep(0.1)
        await tmdb.search("matrix")

    assert len(fake_tmdb.requests) == 2


async def test_the_cache_holds_at_most_cache_size_entries(fake_tmdb: FakeTmdb) -> None:
    async with client_for(fake_tmdb, cache_size=2) as tmdb:
        for query in ("matrix", "inception", "fight club"):
            await tmdb.search(query)
        oldest = tmdb.cached_search("matrix")
        newest = tmdb.cached_search("fight club")

    assert oldest is None
    assert newest is not None


async def test_twenty_concurrent_identical_searches_make_one_call(fake_tmdb: FakeTmdb) -> None:
    fake_tmdb.delay = 0.2

    async with client_for(fake_tmdb) as tmdb:
        pages = await asyncio.gather(*(tmdb.search("Spirited Away") for _ in range(20)))

    assert all(page == pages[0] for page in pages)
    assert [i.tmdb_id for i in pages[0].items] == [129]
    assert len(fake_tmdb.requests) == 1


async def test_a_caller_that_gives_up_leaves_the_answer_in_the_cache(fake_tmdb: FakeTmdb) -> None:
    fake_tmdb.delay = 0.3

    async with client_for(fake_tmdb) as tmdb:
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(tmdb.search("inception"), 0.05)
        late = await tmdb.search("inception")
        cached = tmdb.cached_search("inception")

    assert [i.tmdb_id for i in late.items] == [27205]
    assert cached == late
    assert len(fake_tmdb.requests) == 1


async def test_the_limiter_never_starts_more_than_max_rate_calls_in_any_second() -> None:
    now = 0.0
    starts: list[float] = []

    async def fake_sleep(seconds: float) -> None:
        nonlocal now
        now += seconds

    limiter = RateLimiter(20, clock=lambda: now, sleep=fake_sleep)

    async def call() -> None:
        await limiter.acquire()
        starts.append(now)

    await asyncio.gather(*(call() for _ in range(70)))

    assert len(starts) == 70
    assert starts[:20] == [0.0] * 20  # a first burst goes straight through
    # Any 21 consecutive starts span at least one second: never 21 in a window.
    assert min(starts[i + 20] - starts[i] for i in range(50)) >= 1.0
    assert starts[-1] == pytest.approx(3.0)  # and no slower than needed


# ----- secrets ----------------------------------------------------------------------------


async def test_the_api_key_never_reaches_logs_or_errors(
    fake_tmdb: FakeTmdb, refused_port: int, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    errors: list[BaseException] = []

    async def attempt(tmdb: TmdbClient) -> None:
        try:
            await tmdb.search(f"query {len(errors)}")
        except ServiceUnavailable as exc:
            errors.append(exc)

    async with client_for(fake_tmdb, timeout=0.2) as tmdb:
        await tmdb.search("matrix")
        await tmdb.details(1396, MediaType.TV)
        fake_tmdb.fail(times=3)
        await attempt(tmdb)
        fake_tmdb.rate_limit(times=1, retry_after=60)
        await attempt(tmdb)
        fake_tmdb.send_garbage()
        await attempt(tmdb)
        fake_tmdb.delay = 1.0
        await attempt(tmdb)
    async with TmdbClient(api_key=DEFAULT_API_KEY, base_url=fake_tmdb.base_url) as tmdb:
        fake_tmdb.delay = 0
        fake_tmdb.api_key = "another key"
        with pytest.raises(ServiceRejected) as rejected:
            await tmdb.search("matrix")
        errors.append(rejected.value)
    async with TmdbClient(
        api_key=DEFAULT_API_KEY, base_url=f"http://127.0.0.1:{refused_port}/3"
    ) as tmdb:
        await attempt(tmdb)

    assert len(errors) == 6
    assert "HTTP Request: GET" in caplog.text  # httpx's own request log was captured
    assert DEFAULT_API_KEY not in caplog.text
    for error in errors:
        assert DEFAULT_API_KEY not in str(error)
        assert DEFAULT_API_KEY not in "".join(traceback.format_exception(error))
