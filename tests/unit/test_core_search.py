"""Search: one catalogue call per page, and each title's state on this server."""

from __future__ import annotations

import dataclasses

import pytest

from core.availability import mark_available
from core.domain import RequestStatus
from core.errors import InvalidInput, ServiceUnavailable
from core.media import DisplayStatus, MediaStatus, MediaType, SearchPage
from core.permissions import Permission
from core.request_repositories import MediaState
from core.requests import approve_request, create_request, decline_request, fail_request
from core.search import (
    Ask,
    TitleActions,
    display_status,
    offers_more_seasons,
    search,
    title_actions,
    titles_page,
)
from core.seasons import seasons_left
from tests.core_fixtures import MANAGER, MOVIE, TV, World

D = DisplayStatus


@pytest.fixture
def world() -> World:
    return World()


async def status_of(world: World, title: str) -> DisplayStatus:
    found = await search(world.services, title)
    [result] = [r for r in found.results if r.item.title == title]
    return result.status


async def test_a_search_makes_one_catalogue_call_per_page(world: World) -> None:
    for n in range(45):
        world.movie(f"Star Trek {n}")

    first = await search(world.services, "  star   trek ")
    third = await search(world.services, "star trek", page=3)

    assert world.catalogue.search_calls == [("star trek", 1, None), ("star trek", 3, None)]
    assert world.catalogue.details_calls == []
    assert (first.query, first.page, first.total_pages, first.total_results) == (
        "star trek",
        1,
        3,
        45,
    )
    assert len(first.results) == 20
    assert [r.item.title for r in third.results] == [f"Star Trek {n}" for n in range(40, 45)]


async def test_an_empty_query_makes_no_call(world: World) -> None:
    found = await search(world.services, "   ")

    assert found.results == ()
    assert found.total_results == 0
    assert world.catalogue.calls == 0


async def test_an_over_long_query_is_invalid(world: World) -> None:
    with pytest.raises(InvalidInput) as caught:
        await search(world.services, "x" * 201)

    assert caught.value.field == "query"
    assert world.catalogue.calls == 0


@pytest.mark.parametrize("page", [0, -1, 501])
async def test_a_page_out_of_range_is_invalid(world: World, page: int) -> None:
    with pytest.raises(InvalidInput) as caught:
        await search(world.services, "alien", page=page)

    assert caught.value.field == "page"
    assert world.catalogue.calls == 0


async def test_a_catalogue_outage_reaches_the_caller(world: World) -> None:
    world.catalogue.unavailable = True

    with pytest.raises(ServiceUnavailable):
        await search(world.services, "alien")


async def test_titles_nobody_requested_are_not_requested(world: World) -> None:
    world.movie("Alien")

    found = await search(world.services, "alien")

    assert [(r.status, r.media_id) for r in found.results] == [(D.NOT_REQUESTED, None)]


async def test_a_pending_request_shows_pending(world: World) -> None:
    alice = world.user("alice")
    alien = world.movie("Alien")
    await create_request(world.services, alice.id, alien, MOVIE)

    found = await search(world.services, "alien")

    assert found.results[0].status is D.PENDING
    assert found.results[0].media_id == world.media(alien).id


async def test_an_approved_request_shows_approved(world: World) -> None:
    alice, boss = world.user("alice"), world.user("boss", MANAGER)
    alien = world.movie("Alien")
    created = await create_request(world.services, alice.id, alien, MOVIE)
    assert created.request is not None
    await approve_request(world.services, boss.id, created.request.id)

    assert await status_of(world, "Alien") is D.APPROVED


async def test_media_in_the_downloader_without_open_requests_shows_processing(
    world: World,
) -> None:
    world.db.seed_media(world.catalogue.add_movie(7, "Heat", 1995), MediaStatus.PROCESSING)

    assert await status_of(world, "Heat") is D.PROCESSING


async def test_a_partly_available_show_shows_partially_available(world: World) -> None:
    alice, boss = world.user("alice"), world.user("boss", MANAGER)
    show = world.show("Severance", seasons=(1, 2))
    created = await create_request(world.services, alice.id, show, TV, "all")
    assert created.request is not None
    await approve_request(world.services, boss.id, created.request.id)
    await mark_available(world.services, show, TV, {1: MediaStatus.AVAILABLE})

    assert await status_of(world, "Severance") is D.PARTIALLY_AVAILABLE


async def test_an_available_title_shows_available(world: World) -> None:
    alice, boss = world.user("alice"), world.user("boss", MANAGER)
    alien = world.movie("Alien")
    created = await create_request(world.services, alice.id, alien, MOVIE)
    assert created.request is not None
    await approve_request(world.services, boss.id, created.request.id)
    await mark_available(world.services, alien, MOVIE)

    assert await status_of(world, "Alien") is D.AVAILABLE


async def test_a_declined_request_shows_declined(world: World) -> None:
    alice, boss = world.user("alice"), world.user("boss", MANAGER)
    alien = world.movie("Alien")
    created = await create_request(world.services, alice.id, alien, MOVIE)
    assert created.request is not None
    await decline_request(world.services, boss.id, created.request.id, "no")

    assert await status_of(world, "Alien") is D.DECLINED


async def test_a_blocklisted_title_shows_blocklisted(world: World) -> None:
    world.db.seed_media(world.catalogue.add_movie(8, "Cats", 2019), MediaStatus.BLOCKLISTED)

    assert await status_of(world, "Cats") is D.BLOCKLISTED


async def test_a_failed_request_shows_failed(world: World) -> None:
    alice, boss = world.user("alice"), world.user("boss", MANAGER)
    alien = world.movie("Alien")
    created = await create_request(world.services, alice.id, alien, MOVIE)
    assert created.request is not None
    await approve_request(world.services, boss.id, created.request.id)
    await fail_request(world.services, created.request.id, "Radarr said 400")

    assert await status_of(world, "Alien") is D.FAILED


def test_a_failed_request_awaiting_retry_outranks_a_declined_one(world: World) -> None:
    media = world.db.seed_media(world.catalogue.add_movie(9, "Up"))
    newest_failed = MediaState(media, (RequestStatus.FAILED, RequestStatus.DECLINED))
    newest_declined = MediaState(media, (RequestStatus.DECLINED, RequestStatus.FAILED))
    only_declined = MediaState(media, (RequestStatus.DECLINED,))

    assert display_status(newest_failed) is D.FAILED
    assert display_status(newest_declined) is D.FAILED
    assert display_status(only_declined) is D.DECLINED


async def test_every_result_gets_its_own_status_and_search_writes_nothing(world: World) -> None:
    alice = world.user("alice")
    trusted = world.user("trusted", Permission.REQUEST | Permission.AUTO_APPROVE)
    pending, approved = world.movie("Blade Runner"), world.movie("Blade Runner 2049")
    world.movie("Blade")
    await create_request(world.services, alice.id, pending, MOVIE)
    await create_request(world.services, trusted.id, approved, MOVIE)
    commits = world.db.commits

    found = await search(world.services, "blade")

    assert {r.item.title: r.status for r in found.results} == {
        "Blade Runner": D.PENDING,
        "Blade Runner 2049": D.APPROVED,
        "Blade": D.NOT_REQUESTED,
    }
    assert world.db.commits == commits


@pytest.mark.parametrize(
    ("status", "offered"),
    [
        (D.NOT_REQUESTED, False),  # the card's own Request opens the picker
        (D.DECLINED, False),
        (D.PENDING, True),
        (D.APPROVED, True),
        (D.PROCESSING, True),
        (D.FAILED, True),
        (D.PARTIALLY_AVAILABLE, True),
        (D.AVAILABLE, False),
        (D.BLOCKLISTED, False),
    ],
)
def test_a_show_under_way_offers_more_seasons(status: DisplayStatus, offered: bool) -> None:
    assert offers_more_seasons(TV, status) is offered
    assert offers_more_seasons(MOVIE, status) is False


def test_more_seasons_are_offered_only_while_some_are_left() -> None:
    some = {1: D.PENDING, 2: D.AVAILABLE, 3: D.NOT_REQUESTED, 4: D.NOT_REQUESTED}
    assert seasons_left(some) == (3, 4)
    assert offers_more_seasons(TV, D.PENDING, some)
    taken = {1: D.PENDING, 2: D.AVAILABLE}
    assert seasons_left(taken) == ()
    assert not offers_more_seasons(TV, D.PARTIALLY_AVAILABLE, taken)


@pytest.mark.parametrize(
    ("media_type", "status", "ask", "notify"),
    [
        (MOVIE, D.NOT_REQUESTED, Ask.REQUEST, False),
        (MOVIE, D.DECLINED, Ask.REQUEST, False),  # a declined title may be asked for again
        (MOVIE, D.PENDING, None, True),
        (MOVIE, D.AVAILABLE, None, False),
        (MOVIE, D.BLOCKLISTED, None, False),
        (TV, D.NOT_REQUESTED, Ask.CHOOSE_SEASONS, False),
        (TV, D.APPROVED, Ask.MORE_SEASONS, True),
        (TV, D.PARTIALLY_AVAILABLE, Ask.MORE_SEASONS, True),
        (TV, D.AVAILABLE, None, False),
    ],
)
def test_every_card_offers_what_the_title_s_status_allows(
    media_type: MediaType, status: DisplayStatus, ask: Ask | None, notify: bool
) -> None:
    assert title_actions(media_type, status) == TitleActions(ask, notify)


def test_a_show_whose_seasons_are_all_taken_offers_no_more_seasons() -> None:
    taken = {1: D.PENDING, 2: D.AVAILABLE}
    assert title_actions(TV, D.PARTIALLY_AVAILABLE, taken) == TitleActions(None, True)
    left = {**taken, 3: D.NOT_REQUESTED}
    assert title_actions(TV, D.PARTIALLY_AVAILABLE, left).ask is Ask.MORE_SEASONS


async def test_paging_skips_pages_of_people_only_in_the_direction_of_travel(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    for n in range(100):  # five pages of 20
        world.movie(f"Star {n}", 2000)
    people_only = {2, 3}  # a multi search's pages that hold only people
    real = world.catalogue.search

    async def search_with_people(
        query: str, page: int = 1, media_type: MediaType | None = None
    ) -> SearchPage:
        found = await real(query, page, media_type)
        return dataclasses.replace(found, items=()) if page in people_only else found

    monkeypatch.setattr(world.catalogue, "search", search_with_people)

    onwards = await titles_page(world.services, "star", 2)
    back = await titles_page(world.services, "star", 3, step=-1)
    people_only.update({4, 5})
    beyond = await titles_page(world.services, "star", 2)

    assert (onwards.page, len(onwards.results)) == (4, 20)
    assert (back.page, len(back.results)) == (1, 20)
    assert (beyond.page, beyond.results) == (5, ())  # no title is left onwards: none is shown
