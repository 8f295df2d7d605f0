"""The real python-overseerr client (Home Assistant's) against the title routes under
uvicorn on 127.0.0.1: its mashumaro models refuse any missing key, so these pin the shapes."""

from __future__ import annotations

import datetime
from collections.abc import AsyncIterator

import pytest
from python_overseerr import OverseerrClient
from python_overseerr.models import TV, MediaStatus, Movie, Person

from adapters.api.titles import titles_router
from adapters.tmdb import TmdbClient
from core import requests, users
from core.identity import Identity
from core.media import MediaType
from core.services import CoreConfig, Services
from tests.api_titles_world import app_with, media_info_lookup, served
from tests.fake_tmdb import FakeTmdb
from tests.fakes import FakeClock
from tests.storage_fixtures import Storage

OWNER = Identity("discord", "1")


@pytest.fixture
async def overseerr(storage: Storage, fake_tmdb: FakeTmdb) -> AsyncIterator[OverseerrClient]:
    """python-overseerr on the routes, with The Matrix and Breaking Bad requested."""
    # python-overseerr needs every season's air date: a season TMDb has not dated (often the
    # specials, or one announced) fails its whole TVDetails, against Seerr as here. TMDb
    # dates Breaking Bad's specials; the fake leaves them undated.
    fake_tmdb.shows[1396]["seasons"][0]["air_date"] = "2009-02-17"
    async with TmdbClient(api_key=fake_tmdb.api_key, base_url=fake_tmdb.base_url) as tmdb:
        services = Services(storage.uow, tmdb, FakeClock(), CoreConfig(owners=frozenset({OWNER})))
        owner = await users.resolve_user(services, OWNER, "owner")
        await requests.create_request(services, owner.id, 603, MediaType.MOVIE)
        await requests.create_request(services, owner.id, 1396, MediaType.TV, "all")
        app = app_with(titles_router(tmdb, media_info_lookup(services)))
        async with served(app) as port, OverseerrClient("127.0.0.1", port, "key", ssl=False) as po:
            yield po


async def test_python_overseerr_reads_a_search_with_movies_shows_and_people(
    overseerr: OverseerrClient, fake_tmdb: FakeTmdb
) -> None:
    fake_tmdb.add_person(9001, "Matrix Fan", known_for=(603,), known_for_shows=(1396,))
    fake_tmdb.add_tv(777, "Matrix Unaired", "")

    results = await overseerr.search("matrix")

    kinds = [type(r) for r in results]
    assert kinds.count(Movie) == 4
    assert kinds.count(Person) == 1
    matrix = next(r for r in results if isinstance(r, Movie) and r.id == 603)
    assert matrix.media_info is not None
    assert matrix.media_info.status is MediaStatus.PROCESSING
    shows = await overseerr.search("breaking bad")
    assert isinstance(shows[0], TV)
    assert shows[0].first_air_date == datetime.date(2008, 1, 20)


async def test_python_overseerr_reads_movie_details(overseerr: OverseerrClient) -> None:
    movie = await overseerr.get_movie_details(603)

    assert (movie.title, movie.imdb_id, movie.release_date) == (
        "The Matrix",
        "tt0133093",
        datetime.date(1999, 3, 31),
    )
    assert [k.name for k in movie.keywords] == ["artificial intelligence"]
    assert movie.media_info.status is MediaStatus.PROCESSING


async def test_python_overseerr_reads_tv_details(overseerr: OverseerrClient) -> None:
    show = await overseerr.get_tv_details(1396)

    assert (show.name, show.number_of_seasons, show.number_of_episodes) == ("Breaking Bad", 5, 62)
    assert [s.season_number for s in show.seasons] == [0, 1, 2, 3, 4, 5]
    assert show.last_episode_to_air.episode_number == 16
    assert show.media_info.tmdb_id == 1396
