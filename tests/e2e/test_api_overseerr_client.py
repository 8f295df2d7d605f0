"""The real python-overseerr client (Home Assistant's) against the whole API on uvicorn: its
mashumaro models refuse any missing key, so each call is a check of Seerr's shapes, here
on titles that have requests (pending, approved by a manager, auto-approved; by several
users) and problems reported on them, as a household's would."""

from __future__ import annotations

import datetime
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Literal

import pytest
from python_overseerr import OverseerrClient
from python_overseerr.exceptions import OverseerrAuthenticationError
from python_overseerr.models import (
    TV,
    IssueFilterStatus,
    IssueSortStatus,
    IssueStatus,
    IssueType,
    MediaStatus,
    MediaType,
    Movie,
    Person,
    RequestFilterStatus,
    RequestStatus,
)

from core import issues, requests
from core.issue_values import IssueStatus as Status
from core.media import MediaType as Kind
from core.permissions import DEFAULT_USER
from tests.api_world import KEY, ApiWorld, serve
from tests.fake_home_assistant import refresh


@dataclass
class Household:
    """The API served, the client on it, and the requests made beforehand (as in chat)."""

    world: ApiWorld
    client: OverseerrClient
    port: int
    matrix: int  # alice's, pending
    bad: int  # the admin's, every season, auto-approved
    thrones: int  # bob's seasons 1 and 2, approved by the admin


async def made(
    world: ApiWorld,
    actor: int,
    tmdb_id: int,
    kind: Kind,
    seasons: list[int] | Literal["all"] | None = None,
) -> int:
    """The id of a request made with the core's use case, as a chat makes one."""
    created = await requests.create_request(world.services, actor, tmdb_id, kind, seasons)
    assert created.request is not None
    return created.request.id


@pytest.fixture
async def household(api_world: ApiWorld) -> AsyncIterator[Household]:
    # python-overseerr needs every season's air date: a season TMDb has not dated (often the
    # specials, or one announced) fails its whole TVDetails, against Seerr as here. TMDb
    # dates Breaking Bad's specials; the fake leaves them undated.
    api_world.tmdb.shows[1396]["seasons"][0]["air_date"] = "2009-02-17"
    api_world.tmdb.shows[1399]["seasons"][0]["air_date"] = "2010-12-05"
    w = api_world
    matrix = await made(w, w.alice.id, 603, Kind.MOVIE)
    bad = await made(w, w.admin.id, 1396, Kind.TV, "all")
    thrones = await made(w, w.bob.id, 1399, Kind.TV, [1, 2])
    await requests.approve_request(w.services, w.admin.id, thrones)
    async with serve(w.app) as port, OverseerrClient("127.0.0.1", port, KEY, ssl=False) as client:
        yield Household(w, client, port, matrix, bad, thrones)


async def test_the_status_and_the_request_count(household: Household) -> None:
    status = await household.client.get_status()
    count = await household.client.get_request_count()

    assert (status.version, status.update_available) == ("1.2.3", False)
    assert (count.total, count.movie, count.tv) == (3, 1, 2)
    assert (count.pending, count.approved, count.processing, count.available) == (1, 2, 2, 0)


async def on_the_server(world: ApiWorld, tmdb_id: int, kind: Kind) -> int:
    """Make a requested title available (as a library scan would); its media id."""
    async with world.services.uow() as uow:
        media = await uow.media.get_by_tmdb(tmdb_id, kind)
        assert media is not None
        await uow.media.set_status(media.id, MediaStatus.AVAILABLE, world.clock.now())
        await uow.commit()
    return media.id


async def test_home_assistants_refresh_counts_the_issues_reported(household: Household) -> None:
    # Home Assistant's coordinator reads both counts on every refresh, and sets up only
    # when both answer.
    w = household.world
    before = await refresh(household.client)
    assert (before.issues.total, before.issues.open) == (0, 0)
    bad = await on_the_server(w, 1396, Kind.TV)
    async with w.services.uow() as uow:
        await uow.users.set_permissions(w.bob.id, DEFAULT_USER, w.clock.now())
        await uow.commit()
    # Reported in a chat: bob on an episode, then on the sound; the second one is resolved.
    await issues.report_issue(w.services, w.bob.id, bad, 1, "Frozen picture", 2, 4)
    sound = await issues.report_issue(w.services, w.bob.id, bad, 2, "No sound")
    await issues.set_issue_status(w.services, w.admin.id, sound.id, Status.RESOLVED)

    after = await refresh(household.client)

    assert (after.requests.total, after.requests.pending) == (3, 1)
    assert after.issues.to_dict() == {
        "total": 2, "video": 1, "audio": 1, "subtitles": 0, "others": 0, "open": 1, "closed": 1,
    }  # fmt: skip
    # Without a status, Seerr lists the open ones.
    (still_open,) = await household.client.get_issues()
    assert (still_open.issue_type, still_open.status) == (IssueType.VIDEO, IssueStatus.OPEN)
    listed = await household.client.get_issues(status=IssueFilterStatus.ALL)
    assert [(i.issue_type, i.status) for i in listed] == [
        (IssueType.AUDIO, IssueStatus.RESOLVED),
        (IssueType.VIDEO, IssueStatus.OPEN),
    ]
    assert listed[1].created_by.display_name == "bob"
    assert listed[0].modified_by is not None
    assert listed[0].modified_by.id == w.admin.id
    assert (listed[1].problem_season, listed[1].problem_episode) == (2, 4)


async def test_the_clients_issue_calls_report_read_resolve_and_delete(
    household: Household,
) -> None:
    client = household.client
    await on_the_server(household.world, 1396, Kind.TV)
    # The media id is the title's id here, from its mediaInfo (as Requestrr reads it).
    show = await client.get_tv_details(1396)

    created = await client.create_issue(
        IssueType.SUBTITLE, "Subtitles run late", show.media_info.id, 1, 3
    )

    assert (created.issue_type, created.status) == (IssueType.SUBTITLE, IssueStatus.OPEN)
    assert (created.problem_season, created.problem_episode) == (1, 3)
    assert (created.media.tmdb_id, created.media.media_type) == (1396, MediaType.TV)
    assert (created.created_by.id, created.modified_by) == (1, None)
    (report,) = created.comments
    assert (report.message, report.user.display_name) == ("Subtitles run late", "admin")
    assert await client.get_issue(created.id) == created
    assert await client.get_issues() == [created]
    mine = await client.get_issues(
        status=IssueFilterStatus.OPEN, sort=IssueSortStatus.MODIFIED, requested_by=1
    )
    assert [i.id for i in mine] == [created.id]
    # update_issue's PUT, which Seerr lacks: a comment, then the status.
    updated = await client.update_issue(
        created.id, status=IssueStatus.RESOLVED, message="Replaced the subtitle file"
    )
    assert updated.status is IssueStatus.RESOLVED
    assert updated.modified_by is not None
    assert updated.modified_by.id == 1
    assert [c.message for c in updated.comments] == [
        "Subtitles run late",
        "Replaced the subtitle file",
    ]
    assert await client.get_issues(status=IssueFilterStatus.OPEN) == []
    assert [i.id for i in await client.get_issues(status=IssueFilterStatus.RESOLVED)] == [
        created.id
    ]
    count = await client.get_issue_count()
    assert (count.total, count.subtitles, count.open, count.closed) == (1, 1, 0, 1)
    # The title's details carry its issues (python-overseerr reads past them).
    assert (await client.get_tv_details(1396)).media_info.id == show.media_info.id

    await client.delete_issue(created.id)

    assert await client.get_issues() == []
    assert (await client.get_issue_count()).total == 0


async def test_requests_made_beforehand_are_listed_with_their_users(household: Household) -> None:
    listed = await household.client.get_requests()

    by_id = {r.id: r for r in listed}
    assert list(by_id) == [household.thrones, household.bad, household.matrix]  # newest first
    thrones = by_id[household.thrones]
    assert (thrones.status, thrones.season_count, thrones.media.tmdb_id) == (
        RequestStatus.APPROVED,
        2,
        1399,
    )
    assert (thrones.requested_by.display_name, thrones.modified_by.id) == ("bob", 1)
    assert by_id[household.matrix].modified_by is None
    pending = await household.client.get_requests(status=RequestFilterStatus.PENDING)
    assert [r.requested_by.display_name for r in pending] == ["alice"]
    mine = await household.client.get_requests(requested_by=household.world.alice.id)
    assert [r.id for r in mine] == [household.matrix]


async def test_a_request_made_with_the_client_is_the_admins_and_approved(
    household: Household,
) -> None:
    created = await household.client.create_request(MediaType.MOVIE, 604)

    assert (created.requested_by.id, created.modified_by.id) == (1, 1)
    assert (created.status, created.media.tmdb_id) == (RequestStatus.APPROVED, 604)
    assert (await household.client.get_request_count()).total == 4


async def test_a_requested_movie_has_its_requests_with_their_users(household: Household) -> None:
    movie = await household.client.get_movie_details(603)

    assert (movie.title, movie.imdb_id, movie.release_date) == (
        "The Matrix",
        "tt0133093",
        datetime.date(1999, 3, 31),
    )
    assert [k.name for k in movie.keywords] == ["artificial intelligence"]
    info = movie.media_info
    assert (info.status, info.tmdb_id) == (MediaStatus.PENDING, 603)
    (request,) = info.requests
    assert (request.id, request.status, request.modified_by) == (
        household.matrix,
        RequestStatus.PENDING_APPROVAL,
        None,
    )
    assert (request.requested_by.id, request.requested_by.email) == (
        household.world.alice.id,
        "",
    )


async def test_requested_shows_have_their_requests_seasons_and_approvers(
    household: Household,
) -> None:
    bad = await household.client.get_tv_details(1396)
    thrones = await household.client.get_tv_details(1399)

    assert (bad.name, bad.number_of_seasons, bad.number_of_episodes) == ("Breaking Bad", 5, 62)
    assert [s.season_number for s in bad.seasons] == [0, 1, 2, 3, 4, 5]
    assert bad.last_episode_to_air.episode_number == 16
    assert (bad.media_info.tmdb_id, bad.media_info.tvdb_id) == (1396, 81189)
    (auto,) = bad.media_info.requests
    assert (auto.season_count, auto.requested_by.id, auto.modified_by.id) == (5, 1, 1)
    (approved,) = thrones.media_info.requests
    assert (approved.id, approved.status, approved.season_count) == (
        household.thrones,
        RequestStatus.APPROVED,
        2,
    )
    assert (approved.requested_by.display_name, approved.modified_by.display_name) == (
        "bob",
        "admin",
    )


async def test_a_search_carries_the_status_of_known_titles(household: Household) -> None:
    fake = household.world.tmdb
    fake.add_person(9001, "Matrix Fan", known_for=(603,), known_for_shows=(1396,))
    fake.add_tv(777, "Matrix Unaired", "")

    results = await household.client.search("matrix")
    shows = await household.client.search("breaking bad")

    kinds = [type(r) for r in results]
    assert (kinds.count(Movie), kinds.count(Person)) == (4, 1)
    movies = {r.id: r for r in results if isinstance(r, Movie)}
    assert movies[603].media_info is not None
    assert movies[603].media_info.status is MediaStatus.PENDING
    assert movies[604].media_info is None
    assert isinstance(shows[0], TV)
    assert shows[0].first_air_date == datetime.date(2008, 1, 20)
    assert shows[0].media_info is not None
    assert shows[0].media_info.status is MediaStatus.PROCESSING


async def test_a_wrong_key_is_the_clients_authentication_error(household: Household) -> None:
    async with OverseerrClient("127.0.0.1", household.port, "wrong", ssl=False) as wrong:
        with pytest.raises(OverseerrAuthenticationError):
            await wrong.get_request_count()
