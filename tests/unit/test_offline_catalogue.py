"""The offline catalogue behind ``requestbot demo``: its bundled data and how it searches."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from typing import Any

import pytest

from adapters.console.offline_catalogue import PAGE_SIZE, OfflineCatalogue
from core.errors import TitleNotFound
from core.media import MediaType, SearchPage
from core.ports import Catalogue, HealthCheck


def bundled_data() -> dict[str, Any]:
    text = resources.files("adapters.console").joinpath("catalogue.json").read_text("utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


def titles_of(page: SearchPage) -> list[str]:
    return [item.title for item in page.items]


def write_catalogue(folder: Path, movies: list[dict[str, Any]]) -> Path:
    path = folder / "catalogue.json"
    path.write_text(json.dumps({"movies": movies, "tv": []}), encoding="utf-8")
    return path


def movie(tmdb_id: int, title: str, year: int = 2000) -> dict[str, Any]:
    return {"tmdb_id": tmdb_id, "title": title, "year": year, "overview": "", "poster_path": None}


@pytest.fixture(scope="module")
def catalogue() -> OfflineCatalogue:
    return OfflineCatalogue()


# The bundled data


def test_the_bundled_catalogue_holds_about_thirty_titles_of_both_kinds(
    catalogue: OfflineCatalogue,
) -> None:
    kinds = [item.media_type for item in catalogue.titles()]
    assert 25 <= len(kinds) <= 40
    assert 10 <= kinds.count(MediaType.MOVIE) <= 20
    assert 10 <= kinds.count(MediaType.TV) <= 20


def test_every_tmdb_id_is_unique_within_its_type() -> None:
    data = bundled_data()
    for section in ("movies", "tv"):
        ids = [entry["tmdb_id"] for entry in data[section]]
        assert len(ids) == len(set(ids)), section


def test_the_well_known_ids_are_tmdbs_own(catalogue: OfflineCatalogue) -> None:
    known = {
        (603, MediaType.MOVIE): "The Matrix",
        (550, MediaType.MOVIE): "Fight Club",
        (27205, MediaType.MOVIE): "Inception",
        (1396, MediaType.TV): "Breaking Bad",
        (1399, MediaType.TV): "Game of Thrones",
        (2316, MediaType.TV): "The Office",
    }
    found = {(item.tmdb_id, item.media_type): item.title for item in catalogue.titles()}
    for key, title in known.items():
        assert found[key] == title


def test_every_title_has_a_year_an_overview_an_imdb_id_and_no_invented_poster() -> None:
    data = bundled_data()
    for entry in data["movies"] + data["tv"]:
        assert 1900 < entry["year"] < 2030, entry["title"]
        assert entry["overview"].strip(), entry["title"]
        assert entry["imdb_id"].startswith("tt"), entry["title"]
        assert entry["poster_path"] is None, entry["title"]


async def test_every_show_has_numbered_seasons_with_episodes(catalogue: OfflineCatalogue) -> None:
    shows = [item for item in catalogue.titles() if item.media_type is MediaType.TV]
    for show in shows:
        details = await catalogue.details(show.tmdb_id, MediaType.TV)
        numbers = [season.season_number for season in details.seasons]
        regular = list(details.requestable_seasons)
        assert regular == list(range(1, len(regular) + 1)), show.title
        assert numbers == [0, *regular] or numbers == regular, show.title
        assert all(season.episode_count > 0 for season in details.seasons), show.title


async def test_one_show_runs_for_many_seasons_and_some_for_only_a_few(
    catalogue: OfflineCatalogue,
) -> None:
    shows = [item for item in catalogue.titles() if item.media_type is MediaType.TV]
    counts = [
        len((await catalogue.details(show.tmdb_id, MediaType.TV)).requestable_seasons)
        for show in shows
    ]
    assert max(counts) >= 10
    assert sum(1 for count in counts if count <= 3) >= 3


def test_titles_lists_movies_first_and_everything_once(catalogue: OfflineCatalogue) -> None:
    items = catalogue.titles()
    data = bundled_data()
    assert len(items) == len(data["movies"]) + len(data["tv"])
    kinds = [item.media_type for item in items]
    assert kinds == sorted(kinds)


# Search


async def test_search_ignores_case_and_accents(catalogue: OfflineCatalogue) -> None:
    assert titles_of(await catalogue.search("amelie")) == ["Amélie"]
    assert titles_of(await catalogue.search("AMÉLIE")) == ["Amélie"]


async def test_search_also_matches_the_original_title(catalogue: OfflineCatalogue) -> None:
    assert titles_of(await catalogue.search("fabuleux destin")) == ["Amélie"]
    assert titles_of(await catalogue.search("千と千尋の神隠し")) == ["Spirited Away"]
    assert titles_of(await catalogue.search("千尋")) == ["Spirited Away"]


async def test_a_shared_word_finds_several_titles_exact_match_first(
    catalogue: OfflineCatalogue,
) -> None:
    found = await catalogue.search("star wars")
    assert found.total_results >= 3
    assert found.items[0].title == "Star Wars"
    assert {item.media_type for item in found.items} == {MediaType.MOVIE, MediaType.TV}


async def test_titles_that_match_equally_well_come_newest_first(
    catalogue: OfflineCatalogue,
) -> None:
    found = await catalogue.search("the office")
    assert [(item.tmdb_id, item.year) for item in found.items] == [(2316, 2005), (2996, 2001)]


async def test_a_leading_article_does_not_hide_an_exact_match(
    catalogue: OfflineCatalogue,
) -> None:
    found = await catalogue.search("matrix")
    assert found.items[0].tmdb_id == 603


async def test_every_word_of_the_query_must_appear(catalogue: OfflineCatalogue) -> None:
    assert (await catalogue.search("star trek")).total_results == 0
    assert titles_of(await catalogue.search("wars clone")) == ["Star Wars: The Clone Wars"]


async def test_a_word_may_be_the_start_of_a_title_word(catalogue: OfflineCatalogue) -> None:
    assert "Interstellar" in titles_of(await catalogue.search("inters"))


async def test_the_media_type_filter_keeps_only_that_kind(catalogue: OfflineCatalogue) -> None:
    shows = await catalogue.search("star wars", media_type=MediaType.TV)
    movies = await catalogue.search("star wars", media_type=MediaType.MOVIE)
    assert titles_of(shows) == ["Star Wars: The Clone Wars"]
    assert movies.total_results >= 2
    assert all(item.media_type is MediaType.MOVIE for item in movies.items)


@pytest.mark.parametrize("query", ["", "   ", "?!"])
async def test_an_empty_query_gives_an_empty_first_page(
    catalogue: OfflineCatalogue, query: str
) -> None:
    assert await catalogue.search(query) == SearchPage(
        page=1, total_pages=0, total_results=0, items=()
    )


async def test_results_come_twenty_to_a_page_like_tmdb(tmp_path: Path) -> None:
    path = write_catalogue(tmp_path, [movie(n, f"Film {n}", 1950 + n) for n in range(1, 46)])
    catalogue = OfflineCatalogue(path)
    pages = [await catalogue.search("film", page) for page in (1, 2, 3, 4)]
    assert [len(page.items) for page in pages] == [PAGE_SIZE, PAGE_SIZE, 5, 0]
    assert {(page.total_pages, page.total_results) for page in pages} == {(3, 45)}
    assert pages[0].items[0].title == "Film 45"
    assert pages[2].items[-1].title == "Film 1"


# Details, health and errors


async def test_a_shows_details_carry_its_seasons_and_external_ids(
    catalogue: OfflineCatalogue,
) -> None:
    details = await catalogue.details(1396, MediaType.TV)
    assert (details.title, details.year) == ("Breaking Bad", 2008)
    assert (details.tvdb_id, details.imdb_id) == (81189, "tt0903747")
    assert details.requestable_seasons == (1, 2, 3, 4, 5)
    assert [s.episode_count for s in details.seasons if s.season_number] == [7, 13, 13, 13, 16]


async def test_a_movies_details_have_an_imdb_id_and_no_seasons(
    catalogue: OfflineCatalogue,
) -> None:
    details = await catalogue.details(603, MediaType.MOVIE)
    assert (details.title, details.year, details.imdb_id) == ("The Matrix", 1999, "tt0133093")
    assert details.seasons == ()


@pytest.mark.parametrize(
    ("tmdb_id", "media_type"), [(999_999_999, MediaType.MOVIE), (603, MediaType.TV)]
)
async def test_an_unknown_id_is_title_not_found(
    catalogue: OfflineCatalogue, tmdb_id: int, media_type: MediaType
) -> None:
    with pytest.raises(TitleNotFound) as raised:
        await catalogue.details(tmdb_id, media_type)
    assert (raised.value.tmdb_id, raised.value.media_type) == (tmdb_id, media_type)


async def test_the_health_check_counts_the_titles(catalogue: OfflineCatalogue) -> None:
    health: HealthCheck = catalogue  # mypy checks that it fits the port
    assert health.name == "offline catalogue"
    assert await health.check() == f"offline catalogue: {len(catalogue.titles())} titles"


async def test_it_answers_through_the_catalogue_port(catalogue: OfflineCatalogue) -> None:
    port: Catalogue = catalogue  # mypy checks that it fits the port
    assert (await port.details(27205, MediaType.MOVIE)).title == "Inception"


def test_a_file_with_the_same_id_twice_is_refused(tmp_path: Path) -> None:
    path = write_catalogue(tmp_path, [movie(1, "One"), movie(1, "Also one")])
    with pytest.raises(ValueError, match="twice"):
        OfflineCatalogue(path)
