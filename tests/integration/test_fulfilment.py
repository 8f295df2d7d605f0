"""End to end: approval -> Radarr/Sonarr -> download -> available -> the requester is told,
and the media server's library scans, on fake servers over real HTTP and a SQLite file."""

from __future__ import annotations

import asyncio
import io

import pytest

from adapters.console.shell import ConsoleShell
from bot.app import FULL_SCAN, RECENT_SCAN, SEND, SYNC
from core import claims, queries, requests, search, user_admin, users
from core.claims import ClaimOutcome
from core.domain import RequestStatus
from core.errors import NotFound
from core.events import Audience, EventKind
from core.media import DisplayStatus, MediaStatus, MediaType
from tests.media_stack import Stack

MATRIX_RELOADED = 604  # in Radarr's catalogue, not in the fake Jellyfin's built-in library
BREAKING_BAD, BB_TVDB = 1396, 81189
GAME_OF_THRONES = 1399
POKEMON = 60572


async def test_an_approved_movie_goes_to_radarr_downloads_and_the_requester_hears_of_it(
    stack: Stack,
) -> None:
    created = await stack.request(stack.alice, MATRIX_RELOADED, MediaType.MOVIE)
    assert created.request is not None
    request_id = created.request.id
    await stack.approve(request_id)

    sent = await stack.run(SEND)

    assert sent.ok, sent.result
    assert "1 sent" in sent.result
    (posted,) = stack.radarr.added
    assert posted["tmdbId"] == MATRIX_RELOADED
    assert posted["title"] == "The Matrix Reloaded"
    assert posted["qualityProfileId"] == 4  # "HD-1080p", resolved by name
    assert posted["rootFolderPath"] == "/movies"
    assert posted["monitored"] is True
    assert posted["minimumAvailability"] == "released"
    assert posted["addOptions"] == {"searchForMovie": True}
    request = await stack.current(request_id)
    assert request.status is RequestStatus.APPROVED
    assert request.download_ref == f"radarr:{stack.radarr.movie(MATRIX_RELOADED)['id']}"  # type: ignore[index]

    synced = await stack.run(SYNC)  # in Radarr's queue: still downloading
    assert "1 downloading" in synced.result
    assert (await stack.current(request_id)).media.status is MediaStatus.PROCESSING
    assert stack.told(stack.alice, EventKind.AVAILABLE) == []

    stack.radarr.finish(MATRIX_RELOADED)
    synced = await stack.run(SYNC)

    assert "1 request completed" in synced.result
    done = await stack.current(request_id)
    assert done.status is RequestStatus.COMPLETED
    assert done.media.status is MediaStatus.AVAILABLE
    assert stack.told(stack.alice, EventKind.AVAILABLE) == [Audience.REQUESTER]
    # Nothing more to do: the next rounds change nothing and send nothing again.
    await stack.run(SEND)
    await stack.run(SYNC)
    assert len(stack.radarr.added) == 1
    assert stack.told(stack.alice, EventKind.AVAILABLE) == [Audience.REQUESTER]


async def test_a_series_request_for_two_of_five_seasons_monitors_only_those(stack: Stack) -> None:
    created = await stack.request(stack.alice, BREAKING_BAD, MediaType.TV, [2, 4])
    assert created.request is not None
    request_id = created.request.id
    await stack.approve(request_id)

    await stack.run(SEND)

    (posted,) = stack.sonarr.added
    assert posted["tvdbId"] == BB_TVDB
    monitored = {s["seasonNumber"]: s["monitored"] for s in posted["seasons"]}
    assert monitored == {0: False, 1: False, 2: True, 3: False, 4: True, 5: False}
    assert posted["seriesType"] == "standard"
    assert posted["qualityProfileId"] == 4
    assert posted["rootFolderPath"] == "/tv"
    assert posted["languageProfileId"] == 1  # Sonarr v3: the first language profile
    assert posted["addOptions"]["searchForMissingEpisodes"] is True

    stack.sonarr.finish(BB_TVDB, season=2)
    await stack.run(SYNC)

    half = await stack.current(request_id)
    assert half.status is RequestStatus.APPROVED  # season 4 is still missing
    assert half.media.season_statuses[2] is MediaStatus.AVAILABLE
    assert half.media.status is MediaStatus.PARTIALLY_AVAILABLE
    assert stack.told(stack.alice, EventKind.AVAILABLE) == []

    stack.sonarr.finish(BB_TVDB, season=4)
    await stack.run(SYNC)

    done = await stack.current(request_id)
    assert done.status is RequestStatus.COMPLETED
    assert done.media.season_statuses[4] is MediaStatus.AVAILABLE
    assert done.media.status is MediaStatus.PARTIALLY_AVAILABLE  # 1, 3 and 5 were not asked for
    assert stack.told(stack.alice, EventKind.AVAILABLE) == [Audience.REQUESTER]


async def test_a_second_request_for_a_show_in_sonarr_monitors_its_seasons_too(
    stack: Stack,
) -> None:
    first = await stack.request(stack.alice, BREAKING_BAD, MediaType.TV, [1])
    assert first.request is not None
    await stack.approve(first.request.id)
    await stack.run(SEND)
    second = await stack.request(stack.bob, BREAKING_BAD, MediaType.TV, [3])
    assert second.request is not None
    await stack.approve(second.request.id)

    await stack.run(SEND)

    assert len(stack.sonarr.added) == 1  # added once, then updated
    (update,) = stack.sonarr.updates
    monitored = {s["seasonNumber"] for s in update["seasons"] if s["monitored"]}
    assert monitored == {1, 3}
    searches = [c for c in stack.sonarr.commands if c["name"] == "SeasonSearch"]
    assert [c["seasonNumber"] for c in searches] == [3]


async def test_anime_per_tmdb_keywords_is_added_as_an_anime_series(stack: Stack) -> None:
    created = await stack.request(stack.admin, POKEMON, MediaType.TV, [1])
    assert created.request is not None
    assert created.auto_approved

    await stack.run(SEND)

    (posted,) = stack.sonarr.added
    assert posted["seriesType"] == "anime"


async def test_radarr_down_at_approval_fails_the_request_and_a_retry_sends_it_once(
    stack: Stack,
) -> None:
    created = await stack.request(stack.alice, MATRIX_RELOADED, MediaType.MOVIE)
    assert created.request is not None
    request_id = created.request.id
    await stack.radarr.outage()
    await stack.approve(request_id)

    sent = await stack.run(SEND)

    assert "1 failed" in sent.result
    failed = await stack.current(request_id)
    assert failed.status is RequestStatus.FAILED
    assert failed.fail_reason is not None
    assert "Radarr" in failed.fail_reason
    assert "not reachable" in failed.fail_reason
    assert stack.told(stack.admin, EventKind.FAILED) == [Audience.MANAGER]
    assert stack.told(stack.alice, EventKind.FAILED) == [Audience.REQUESTER]

    await stack.radarr.restore()
    await requests.retry_request(stack.app.services, stack.admin.id, request_id)
    await stack.run(SEND)
    await stack.run(SEND)  # a second round finds nothing left to send

    assert (await stack.current(request_id)).status is RequestStatus.APPROVED
    assert len(stack.radarr.added) == 1
    assert stack.radarr.movie(MATRIX_RELOADED) is not None


async def test_a_movie_radarr_already_has_is_monitored_and_searched_not_added(
    stack: Stack,
) -> None:
    stack.radarr.add_existing(MATRIX_RELOADED, monitored=False)
    created = await stack.request(stack.admin, MATRIX_RELOADED, MediaType.MOVIE)
    assert created.request is not None
    assert created.auto_approved

    await stack.run(SEND)

    assert stack.radarr.added == []
    (update,) = stack.radarr.updates
    assert update["monitored"] is True
    assert stack.radarr.commands[-1]["name"] == "MoviesSearch"
    assert (await stack.current(created.request.id)).download_ref is not None


async def test_a_bad_quality_profile_fails_the_request_with_radarrs_reason(
    stack: Stack,
) -> None:
    stack.radarr.quality_profiles = [p for p in stack.radarr.quality_profiles if p["id"] != 4]
    created = await stack.request(stack.admin, MATRIX_RELOADED, MediaType.MOVIE)
    assert created.request is not None

    await stack.run(SEND)

    failed = await stack.current(created.request.id)
    assert failed.status is RequestStatus.FAILED
    assert "no quality profile 'HD-1080p'" in (failed.fail_reason or "")
    assert stack.radarr.added == []


async def test_the_full_scan_marks_the_library_available_and_links_accounts(
    stack: Stack,
) -> None:
    state = await stack.run(FULL_SCAN)

    assert state.ok, state.result
    services = stack.app.services
    found = await search.search(services, "matrix")
    by_id = {r.item.tmdb_id: r.status for r in found.results}
    assert by_id[603] is DisplayStatus.AVAILABLE  # on the server by its TMDb id
    assert by_id[604] is DisplayStatus.NOT_REQUESTED
    amelie = await search.search(services, "amelie")
    assert amelie.results[0].status is DisplayStatus.AVAILABLE  # matched through its IMDb id
    thrones = await queries.title_state(services, GAME_OF_THRONES, MediaType.TV)
    assert thrones.status is DisplayStatus.PARTIALLY_AVAILABLE
    assert thrones.seasons[1] is DisplayStatus.AVAILABLE
    assert thrones.seasons[3] is DisplayStatus.PARTIALLY_AVAILABLE  # 5 of TMDb's 10
    assert thrones.seasons[4] is DisplayStatus.NOT_REQUESTED
    breaking_bad = await queries.title_state(services, BREAKING_BAD, MediaType.TV)
    assert breaking_bad.status is DisplayStatus.AVAILABLE

    # Requests now say so.
    matrix = await stack.request(stack.bob, 603, MediaType.MOVIE)
    assert matrix.request is None
    assert matrix.already_available
    rest = await stack.request(stack.bob, GAME_OF_THRONES, MediaType.TV, "all")
    assert rest.request is not None
    assert rest.request.season_numbers == (4, 5, 6, 7, 8)
    assert set(rest.skipped_seasons) == {1, 2, 3}

    # Accounts: every account on the server is a user; a name alone links nobody.
    assert "3 media-server accounts (3 new, 0 changed)" in state.result
    alice = await user_admin.get_user(services, stack.alice.id, stack.alice.id)
    assert alice.media_server_username is None
    accounts = await users.identity_in_any_case(services, stack.alice.identities[0])
    assert accounts == stack.alice.identities[0]


async def test_a_new_episode_completes_a_request_through_the_recently_added_scan(
    stack: Stack,
) -> None:
    await stack.run(FULL_SCAN)
    created = await stack.request(stack.alice, GAME_OF_THRONES, MediaType.TV, [3])
    # Season 3 is partly there, so it cannot be requested again; ask for season 4 instead.
    assert created.request is None
    created = await stack.request(stack.alice, GAME_OF_THRONES, MediaType.TV, [4])
    assert created.request is not None
    await stack.approve(created.request.id)
    stack.jellyfin.add_episodes(stack.jellyfin.item_id("Game of Thrones"), 4, 10)

    state = await stack.run(RECENT_SCAN)

    assert state.ok, state.result
    done = await stack.current(created.request.id)
    assert done.status is RequestStatus.COMPLETED
    assert done.media.season_statuses[4] is MediaStatus.AVAILABLE
    assert stack.told(stack.alice, EventKind.AVAILABLE) == [Audience.REQUESTER]
    # Only what is new was read (the show with the new episodes), not the whole library.
    assert state.result.startswith("1 item, 1 matched to TMDb"), state.result


async def test_a_users_claim_of_an_account_is_confirmed_by_an_admin(stack: Stack) -> None:
    await stack.run(FULL_SCAN)
    services = stack.app.services
    made = await stack.request(stack.bob, GAME_OF_THRONES, MediaType.TV, [5])
    bob = stack.bob.identities[0]

    claim = await claims.claim_account(services, bob, "BOB")
    assert claim.outcome is ClaimOutcome.PENDING
    assert claim.key is not None
    decided = await claims.decide_claim(
        services, stack.admin.id, "console", claim.key, confirm=True
    )

    assert decided.linked is not None
    assert decided.linked.media_server_username == "bob"
    assert decided.linked.identities == (bob,)
    assert made.request is not None
    moved = await stack.current(made.request.id)
    assert moved.requested_by.id == decided.linked.id
    with pytest.raises(NotFound):
        await claims.claim_account(services, bob, "nobody")


async def test_a_jellyfin_outage_fails_the_scan_job_and_the_next_round_recovers(
    stack: Stack,
) -> None:
    await stack.jellyfin.outage()
    state = await stack.run(FULL_SCAN)
    assert state.ok is False
    assert "Jellyfin is not reachable" in state.result
    assert state.failures == 1

    await stack.jellyfin.restore()
    state = await stack.run(FULL_SCAN)
    assert state.ok is True
    assert state.failures == 0
    assert state.runs == 2


async def test_the_console_shows_the_jobs_and_links_accounts(stack: Stack) -> None:
    await stack.run(FULL_SCAN)
    await stack.radarr.outage()
    await stack.run(SYNC)  # nothing to sync: still asks nobody, so it works
    out = io.StringIO()
    shell = ConsoleShell(stack.app.services, None, out, "bob")

    for line in ("status", "link", "link bob", "link BOB"):
        await shell.handle(line)
    lines = out.getvalue().splitlines()
    key = lines[-1].rsplit(" ", 1)[-1]
    shell.user_name = "admin"
    for line in (f"confirm {key}", f"refuse {key}", "confirm nonsense"):
        await shell.handle(line)
    shell.user_name = "bob"
    await shell.handle("link")

    lines = out.getvalue().splitlines()
    assert lines[0] == "Jobs:"
    assert lines[1] == "  recently added scan: not run yet"
    assert lines[2].startswith("  full library scan: ok just now: 8 items, 7 matched to TMDb")
    assert lines[3] == "  send approved: not run yet"
    assert lines[4].startswith("  download sync: ok just now: 0 titles checked")
    assert lines[5] == "You are not linked to a media-server account. Say: link YOUR-ACCOUNT-NAME"
    assert lines[6] == (
        "I asked the managers to confirm that you are the media-server account bob; "
        "I will tell you when one has."
    )
    assert lines[7] == f"A manager confirms it here with: confirm {key}"
    assert lines[8] == "You asked already: a manager has yet to confirm that you are bob."
    assert lines[9] == lines[7]
    assert lines[10] == "Linked bob to bob."
    assert lines[11] == "This claim was confirmed already, by admin."
    assert lines[12] == "This claim has expired or is not one I know; nothing was changed."
    assert lines[13] == "You are linked to the media-server account bob."


async def test_with_the_scheduler_running_an_approval_reaches_radarr_at_once(
    stack: Stack,
) -> None:
    scheduler = stack.app.scheduler
    assert scheduler is not None
    created = await stack.request(stack.alice, MATRIX_RELOADED, MediaType.MOVIE)
    assert created.request is not None
    running = asyncio.create_task(scheduler.run())
    try:
        # The jobs' first runs are an hour away and their timers minutes long (the stack):
        # only the approval's wake-up can send it now.
        await stack.approve(created.request.id)
        added = await stack.radarr.wait_for(lambda: stack.radarr.added, timeout=5)
    finally:
        running.cancel()
        with pytest.raises(asyncio.CancelledError):
            await running
    assert [movie["tmdbId"] for movie in added] == [MATRIX_RELOADED]
