"""The core's library scan, hand-over to downloaders, jobs and account links, on fakes."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from core import fulfilment, jobs, library, requests
from core.domain import RequestStatus
from core.errors import InvalidInput, ServiceUnavailable
from core.events import EventKind
from core.fulfilment import Downloaders
from core.jobs import Job, Scheduler
from core.media import DownloadProgress, LibraryItem, MediaStatus
from tests.core_fixtures import MANAGER, MOVIE, TV, World
from tests.fakes import FakeDownloader, FakeMediaServer


@pytest.fixture
def world() -> World:
    return World()


def movie_item(tmdb_id: int | None, title: str = "Alien", **ids: str | int) -> LibraryItem:
    return LibraryItem(f"srv{tmdb_id}", MOVIE, title, 1979, tmdb_id=tmdb_id, **ids)  # type: ignore[arg-type]


# ----- library scan ------------------------------------------------------------------------


async def test_a_scan_marks_movies_available_and_completes_approved_requests(world: World) -> None:
    alien = world.movie("Alien")
    alice, boss = world.user("alice"), world.user("boss", MANAGER)
    created = await requests.create_request(world.services, alice.id, alien, MOVIE)
    assert created.request is not None
    await requests.approve_request(world.services, boss.id, created.request.id)
    server = FakeMediaServer([movie_item(alien)])

    report = await library.scan_library(world.services, server)

    assert (report.seen, report.matched, report.updated, report.completed) == (1, 1, 1, 1)
    assert world.media(alien).status is MediaStatus.AVAILABLE
    assert world.request(created.request.id).status is RequestStatus.COMPLETED
    assert world.kinds()[-1] is EventKind.AVAILABLE
    again = await library.scan_library(world.services, server)
    assert (again.updated, again.completed) == (0, 0)  # nothing new the second time


async def test_a_scan_creates_rows_for_titles_nobody_asked_for(world: World) -> None:
    server = FakeMediaServer([movie_item(4242, "Brazil")])

    await library.scan_library(world.services, server)

    brazil = world.media(4242)
    assert brazil.status is MediaStatus.AVAILABLE
    assert brazil.title == "Brazil"
    assert world.catalogue.details_calls == []  # no TMDb call per movie


async def test_items_without_a_tmdb_id_are_matched_through_imdb_or_tvdb(world: World) -> None:
    world.catalogue.add_movie(77, "Amélie", 2001, imdb_id="tt0211915")
    world.catalogue.add_show(88, "Dark", 2017, seasons={1: 10}, tvdb_id=334824)
    items = [
        LibraryItem("a", MOVIE, "Amelie", 2001, imdb_id="tt0211915"),
        LibraryItem("d", TV, "Dark", 2017, tvdb_id=334824, episodes={1: 10}),
        LibraryItem("x", MOVIE, "Home video", 2015),
    ]

    report = await library.scan_library(world.services, FakeMediaServer(items))

    assert (report.matched, report.unmatched) == (2, 1)
    assert world.media(77).status is MediaStatus.AVAILABLE
    assert world.media(88, TV).status is MediaStatus.AVAILABLE
    assert ("imdb_id", "tt0211915") in world.catalogue.find_calls


async def test_seasons_are_compared_with_tmdbs_episode_counts(world: World) -> None:
    show = world.show("Severance", seasons=(0, 1, 2, 3))  # 10 episodes each
    item = LibraryItem("s", TV, "Severance", 2022, tmdb_id=show, episodes={0: 1, 1: 10, 2: 4})

    await library.scan_library(world.services, FakeMediaServer([item]))

    media = world.media(show, TV)
    assert media.season_statuses == {
        0: MediaStatus.PARTIALLY_AVAILABLE,  # 1 of 10 specials
        1: MediaStatus.AVAILABLE,
        2: MediaStatus.PARTIALLY_AVAILABLE,
    }
    assert media.status is MediaStatus.PARTIALLY_AVAILABLE
    full = LibraryItem("s", TV, "Severance", 2022, tmdb_id=show, episodes={1: 10, 2: 10, 3: 10})
    await library.scan_library(world.services, FakeMediaServer([full]))
    assert world.media(show, TV).status is MediaStatus.AVAILABLE


async def test_a_scan_never_moves_a_season_back(world: World) -> None:
    show = world.show("Severance", seasons=(1, 2))
    complete = LibraryItem("s", TV, "Severance", 2022, tmdb_id=show, episodes={1: 10})
    await library.scan_library(world.services, FakeMediaServer([complete]))
    # Season 2 arrives while season 1 briefly shows fewer files (a re-encode, say).
    later = LibraryItem("s", TV, "Severance", 2022, tmdb_id=show, episodes={1: 3, 2: 10})

    await library.scan_library(world.services, FakeMediaServer([later]))

    media = world.media(show, TV)
    assert media.season_statuses == {1: MediaStatus.AVAILABLE, 2: MediaStatus.AVAILABLE}
    assert media.status is MediaStatus.AVAILABLE


async def test_a_show_already_fully_known_needs_no_tmdb_call(world: World) -> None:
    show = world.show("Severance", seasons=(1,))
    item = LibraryItem("s", TV, "Severance", 2022, tmdb_id=show, episodes={1: 10})
    await library.scan_library(world.services, FakeMediaServer([item]))
    calls = len(world.catalogue.details_calls)

    await library.scan_library(world.services, FakeMediaServer([item]))

    assert len(world.catalogue.details_calls) == calls


async def test_tmdb_down_during_a_scan_still_records_what_it_can(world: World) -> None:
    show = world.show("Severance", seasons=(1,))
    items = [
        movie_item(4242, "Brazil"),
        LibraryItem("s", TV, "Severance", 2022, tmdb_id=show, episodes={1: 10}),
        LibraryItem("a", MOVIE, "Amelie", 2001, imdb_id="tt0211915"),
    ]
    world.catalogue.unavailable = True

    report = await library.scan_library(world.services, FakeMediaServer(items))

    assert world.media(4242).status is MediaStatus.AVAILABLE
    assert report.lookup_errors == 2  # the show's seasons and the IMDb lookup
    assert "2 TMDb lookups failed" in report.summary()


async def test_a_large_library_is_scanned_in_batches(world: World) -> None:
    items = [movie_item(10_000 + n, f"Movie {n}") for n in range(1_050)]
    server = FakeMediaServer(items, page=200)
    commits = world.db.commits

    report = await library.scan_library(world.services, server)

    assert report.seen == report.updated == 1_050
    assert server.pages_read == 6
    # One write transaction per batch of library.BATCH items, never one for the lot.
    assert world.db.commits - commits == -(-1_050 // library.BATCH)


# ----- hand-over to the downloaders ----------------------------------------------------------


async def approved(world: World, tmdb_id: int, kind: str = "movie", **kw: object) -> int:
    alice = world.user(f"user{tmdb_id}")
    boss = world.user(f"boss{tmdb_id}", MANAGER)
    media_type = MOVIE if kind == "movie" else TV
    created = await requests.create_request(world.services, alice.id, tmdb_id, media_type, **kw)  # type: ignore[arg-type]
    assert created.request is not None
    await requests.approve_request(world.services, boss.id, created.request.id)
    return created.request.id


async def test_approved_requests_are_sent_once_and_recorded(world: World) -> None:
    alien = world.movie("Alien")
    request_id = await approved(world, alien)
    radarr = FakeDownloader("Radarr")
    routes = Downloaders({(MOVIE, False): radarr})

    report = await fulfilment.send_approved(world.services, routes)
    again = await fulfilment.send_approved(world.services, routes)

    assert (report.sent, again.sent) == (1, 0)
    (order,) = radarr.sent
    assert (order.tmdb_id, order.title, order.request_id) == (alien, "Alien", request_id)
    request = world.request(request_id)
    assert request.download_ref == f"radarr:{alien}"
    assert request.sent_at is not None


async def test_a_refusal_fails_the_request_and_a_retry_sends_it_again(world: World) -> None:
    alien = world.movie("Alien")
    request_id = await approved(world, alien)
    radarr = FakeDownloader("Radarr")
    radarr.error = ServiceUnavailable("Radarr", "cannot connect")
    routes = Downloaders({(MOVIE, False): radarr})

    report = await fulfilment.send_approved(world.services, routes)

    assert report.failed == 1
    failed = world.request(request_id)
    assert failed.status is RequestStatus.FAILED
    assert failed.fail_reason == "Radarr: Radarr is not reachable (cannot connect)"
    assert world.kinds()[-1] is EventKind.FAILED

    radarr.error = None
    boss = world.user("boss", MANAGER)
    await requests.retry_request(world.services, boss.id, request_id)
    await fulfilment.send_approved(world.services, routes)

    assert world.request(request_id).status is RequestStatus.APPROVED
    assert world.request(request_id).sent_at is not None
    assert radarr.added == 1


async def test_a_request_without_a_downloader_waits(world: World) -> None:
    show = world.show("Severance")
    await approved(world, show, "tv", seasons=[1])

    report = await fulfilment.send_approved(world.services, Downloaders({}))

    assert report.unrouted == 1
    assert "waiting for a downloader" in report.summary()


async def test_a_show_order_carries_its_tvdb_id_and_anime_flag(world: World) -> None:
    world.catalogue.add_show(
        60572, "Pokémon", 1997, seasons={1: 83}, tvdb_id=76703, keywords=("anime",)
    )
    await approved(world, 60572, "tv", seasons=[1])
    sonarr = FakeDownloader("Sonarr")

    await fulfilment.send_approved(world.services, Downloaders({(TV, False): sonarr}))

    (order,) = sonarr.sent
    assert (order.tvdb_id, order.is_anime, order.seasons) == (76703, True, (1,))


async def test_a_show_without_a_tvdb_id_fails_with_a_reason(world: World) -> None:
    show = world.show("Severance")  # the fake catalogue gives it no TheTVDB id
    request_id = await approved(world, show, "tv", seasons=[1])
    sonarr = FakeDownloader("Sonarr")

    await fulfilment.send_approved(world.services, Downloaders({(TV, False): sonarr}))

    failed = world.request(request_id)
    assert failed.status is RequestStatus.FAILED
    assert "TheTVDB" in (failed.fail_reason or "")
    assert sonarr.sent == []


async def test_tmdb_down_postpones_a_show_instead_of_failing_it(world: World) -> None:
    show = world.show("Severance")
    request_id = await approved(world, show, "tv", seasons=[1])
    world.catalogue.unavailable = True

    report = await fulfilment.send_approved(
        world.services, Downloaders({(TV, False): FakeDownloader("Sonarr")})
    )

    assert report.postponed == 1
    assert world.request(request_id).status is RequestStatus.APPROVED


async def test_sync_moves_downloads_to_processing_then_available(world: World) -> None:
    show = world.show("Severance", seasons=(1, 2))
    request_id = await approved(world, show, "tv", seasons=[1, 2])
    world.catalogue.add_show(show, "Severance", 2022, seasons=(1, 2), tvdb_id=371980)
    sonarr = FakeDownloader("Sonarr")
    routes = Downloaders({(TV, False): sonarr})
    await fulfilment.send_approved(world.services, routes)

    sonarr.states[show] = DownloadProgress(TV, show, queued=True)
    report = await fulfilment.sync_downloads(world.services, routes)
    assert report.downloading == 1
    assert world.media(show, TV).status is MediaStatus.PROCESSING

    sonarr.states[show] = DownloadProgress(TV, show, seasons={1: MediaStatus.AVAILABLE})
    await fulfilment.sync_downloads(world.services, routes)
    assert world.request(request_id).status is RequestStatus.APPROVED
    events = len(world.events())
    await fulfilment.sync_downloads(world.services, routes)  # unchanged: nothing written
    assert len(world.events()) == events

    sonarr.states[show] = DownloadProgress(
        TV, show, seasons={1: MediaStatus.AVAILABLE, 2: MediaStatus.AVAILABLE}
    )
    report = await fulfilment.sync_downloads(world.services, routes)
    assert report.completed == 1
    assert world.request(request_id).status is RequestStatus.COMPLETED
    assert world.media(show, TV).status is MediaStatus.AVAILABLE


async def test_a_downloader_that_does_not_answer_is_reported_not_raised(world: World) -> None:
    alien = world.movie("Alien")
    await approved(world, alien)
    radarr = FakeDownloader("Radarr")
    routes = Downloaders({(MOVIE, False): radarr})
    await fulfilment.send_approved(world.services, routes)
    radarr.error = ServiceUnavailable("Radarr", "cannot connect")

    report = await fulfilment.sync_downloads(world.services, routes)

    assert report.errors == ["Radarr: Radarr is not reachable (cannot connect)"]


# ----- jobs ----------------------------------------------------------------------------------


async def test_a_job_run_is_stored_with_its_result(world: World) -> None:
    async def work() -> str:
        return "did 3 things"

    scheduler = Scheduler(world.services, [Job("tidy", 60, work)])
    state = await scheduler.run_now("tidy")

    assert (state.ok, state.result, state.runs, state.failures) == (True, "did 3 things", 1, 0)
    (stored,) = await jobs.job_states(world.services, ["tidy"])
    assert stored == state
    assert stored.finished_at is not None
    assert stored.next_run_at == stored.finished_at + timedelta(seconds=60)


async def test_a_failing_job_is_recorded_and_runs_again_next_round(world: World) -> None:
    calls = 0
    fourth = asyncio.Event()  # once the 4th run starts, the 3rd one's outcome is stored

    async def work() -> str:
        nonlocal calls
        calls += 1
        if calls == 4:
            fourth.set()
        if calls < 3:
            raise ServiceUnavailable("Jellyfin", "cannot connect")
        return "fine"

    scheduler = Scheduler(world.services, [Job("scan", 0.01, work)], start_delay=0)
    task = asyncio.create_task(scheduler.run())
    try:
        async with asyncio.timeout(5):
            await fourth.wait()
    finally:
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    (state,) = await jobs.job_states(world.services, ["scan"])
    assert state.runs >= 3
    assert state.failures == 0
    assert state.result == "fine"


async def test_runs_of_one_job_never_overlap(world: World) -> None:
    running = overlaps = runs = 0

    async def work() -> str:
        nonlocal running, overlaps, runs
        running += 1
        overlaps = max(overlaps, running)
        await asyncio.sleep(0.02)
        running -= 1
        runs += 1
        return "ok"

    scheduler = Scheduler(world.services, [Job("sync", 0.001, work)], start_delay=0)
    task = asyncio.create_task(scheduler.run())
    try:
        for _ in range(5):
            scheduler.trigger("sync")
        await asyncio.gather(*(scheduler.run_now("sync") for _ in range(3)))
    finally:
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    assert overlaps == 1
    assert runs >= 3


async def test_a_daily_job_that_ran_recently_waits_for_its_turn_after_a_restart(
    world: World,
) -> None:
    async def work() -> str:
        return "scanned"

    daily = Job("full scan", 86_400, work, catch_up=True)
    await Scheduler(world.services, [daily]).run_now("full scan")
    world.clock.advance(hours=2)

    restarted = Scheduler(world.services, [daily], start_delay=0)

    assert await restarted.first_delay("full scan") == 22 * 3600
    world.clock.advance(hours=22)
    assert await restarted.first_delay("full scan") == 0  # its turn: at once


async def test_an_unexpected_error_is_recorded_with_its_type(world: World) -> None:
    async def work() -> str:
        raise KeyError("Items")

    state = await Scheduler(world.services, [Job("scan", 60, work)]).run_now("scan")

    assert state.ok is False
    assert state.result == "KeyError: 'Items'"


async def test_a_failed_run_keeps_when_the_last_good_one_began(world: World) -> None:
    fail = False

    async def work() -> str:
        if fail:
            raise ServiceUnavailable("Jellyfin", "cannot connect")
        return "ok"

    scheduler = Scheduler(world.services, [Job("recent", 300, work)])
    good = await scheduler.run_now("recent")
    world.clock.advance(minutes=5)
    fail = True
    bad = await scheduler.run_now("recent")

    assert good.last_ok_started_at == good.started_at
    assert bad.started_at != good.started_at
    assert bad.last_ok_started_at == good.started_at


async def test_fewer_files_than_before_is_not_reported_as_a_change(world: World) -> None:
    show = world.show("Severance", seasons=(1, 2))
    first = LibraryItem("s", TV, "Severance", 2022, tmdb_id=show, episodes={1: 10, 2: 4})
    await library.scan_library(world.services, FakeMediaServer([first]))
    fewer = LibraryItem("s", TV, "Severance", 2022, tmdb_id=show, episodes={1: 3, 2: 4})

    report = await library.scan_library(world.services, FakeMediaServer([fewer]))

    assert report.updated == 0
    assert world.media(show, TV).season_statuses[1] is MediaStatus.AVAILABLE


async def test_specials_alone_do_not_make_a_show_partly_available(world: World) -> None:
    show = world.show("Severance", seasons=(0, 1))
    item = LibraryItem("s", TV, "Severance", 2022, tmdb_id=show, episodes={0: 10})

    await library.scan_library(world.services, FakeMediaServer([item]))

    media = world.media(show, TV)
    assert media.season_statuses == {0: MediaStatus.AVAILABLE}
    assert media.status is MediaStatus.UNKNOWN


async def test_a_request_for_the_specials_completes_when_they_are_there(world: World) -> None:
    show = world.show("Severance", seasons=(0, 1))
    request_id = await approved(world, show, "tv", seasons=[0])
    item = LibraryItem("s", TV, "Severance", 2022, tmdb_id=show, episodes={0: 10})

    await library.scan_library(world.services, FakeMediaServer([item]))

    assert world.request(request_id).status is RequestStatus.COMPLETED


async def test_a_request_approved_after_the_title_arrived_is_completed_not_sent(
    world: World,
) -> None:
    alien = world.movie("Alien")
    alice, boss = world.user("alice"), world.user("boss", MANAGER)
    created = await requests.create_request(world.services, alice.id, alien, MOVIE)
    assert created.request is not None
    await library.scan_library(world.services, FakeMediaServer([movie_item(alien)]))
    await requests.approve_request(world.services, boss.id, created.request.id)
    radarr = FakeDownloader("Radarr")

    report = await fulfilment.send_approved(world.services, Downloaders({(MOVIE, False): radarr}))

    assert radarr.sent == []
    assert report.completed == 1
    assert world.request(created.request.id).status is RequestStatus.COMPLETED
    assert world.kinds()[-1] is EventKind.AVAILABLE


async def test_requests_no_downloader_takes_do_not_hold_up_the_others(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(fulfilment, "SEND_BATCH", 2)
    for title in ("Severance", "Dark"):
        await approved(world, world.show(title), "tv", seasons=[1])
    alien = world.movie("Alien")
    movie_request = await approved(world, alien)
    radarr = FakeDownloader("Radarr")  # and no Sonarr

    report = await fulfilment.send_approved(world.services, Downloaders({(MOVIE, False): radarr}))

    assert [o.tmdb_id for o in radarr.sent] == [alien]
    assert world.request(movie_request).sent_at is not None
    assert report.unrouted == 2


async def test_a_job_runs_even_when_its_state_cannot_be_read(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def unreadable(*args: object) -> list[jobs.JobState]:
        raise ConnectionResetError("database restarting")

    async def work() -> str:
        return "done"

    monkeypatch.setattr(jobs, "job_states", unreadable)
    scheduler = Scheduler(world.services, [Job("scan", 60, work, catch_up=True)])

    state = await scheduler.run_now("scan")
    delay = await scheduler.first_delay("scan")

    assert (state.ok, state.result) == (True, "done")
    assert delay == 1.0  # soon, as if it had never run


async def test_an_id_tmdb_refuses_leaves_one_item_unmatched_not_the_scan(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def refuse(source: str, external_id: str) -> list[tuple[int, object]]:
        raise InvalidInput(source, external_id, "is not an id")

    monkeypatch.setattr(world.catalogue, "find", refuse)
    items = [
        LibraryItem("bad", MOVIE, "Shawshank", 1994, imdb_id="tt0111161/"),
        movie_item(4242, "Brazil"),
    ]

    report = await library.scan_library(world.services, FakeMediaServer(items))

    assert (report.matched, report.unmatched, report.lookup_errors) == (1, 1, 1)
    assert world.media(4242).status is MediaStatus.AVAILABLE
