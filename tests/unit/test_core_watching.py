"""'Notify me' subscriptions and who hears of what because of them."""

from __future__ import annotations

import pytest

from core.availability import mark_available
from core.domain import MediaRequest
from core.errors import NotFound
from core.events import Audience, EventKind
from core.identity import User
from core.media import MediaStatus
from core.notifications import Dispatcher
from core.permissions import Permission
from core.requests import (
    approve_request,
    create_request,
    decline_request,
    fail_request,
    retry_request,
)
from core.watching import watch_title
from tests.core_fixtures import MANAGER, MOVIE, TV, World
from tests.fakes import RecordingNotifier


@pytest.fixture
def world() -> World:
    return World()


async def test_watching_a_requested_title_adds_the_user_once(world: World) -> None:
    alice, bob = world.user("alice"), world.user("bob")
    movie = world.movie()
    await create_request(world.services, alice.id, movie, MOVIE)

    first = await watch_title(world.services, bob.id, movie, MOVIE)
    again = await watch_title(world.services, bob.id, movie, MOVIE)

    assert (first.added, again.added) == (True, False)
    assert world.db.watchers(first.media.id) == (bob.id,)


async def test_watching_an_unknown_title_creates_its_media_row_from_the_catalogue(
    world: World,
) -> None:
    bob = world.user("bob")
    movie = world.movie("Heat", 1995)

    result = await watch_title(world.services, bob.id, movie, MOVIE)

    assert result.added
    assert result.media.title == "Heat"
    assert world.media(movie).status is MediaStatus.UNKNOWN


async def test_a_known_title_is_watched_without_asking_the_catalogue(world: World) -> None:
    alice, bob = world.user("alice"), world.user("bob")
    movie = world.movie()
    await create_request(world.services, alice.id, movie, MOVIE)
    calls = world.catalogue.calls

    await watch_title(world.services, bob.id, movie, MOVIE)

    assert world.catalogue.calls == calls


async def test_an_available_title_has_nothing_to_wait_for(world: World) -> None:
    bob = world.user("bob")
    movie = world.movie()
    await create_request(world.services, world.user("boss", MANAGER).id, movie, MOVIE)
    await mark_available(world.services, movie, MOVIE)

    result = await watch_title(world.services, bob.id, movie, MOVIE)

    assert result.already_available
    assert not result.added
    assert world.db.watchers(result.media.id) == ()


async def test_an_unknown_user_cannot_watch(world: World) -> None:
    with pytest.raises(NotFound):
        await watch_title(world.services, 99, world.movie(), MOVIE)


async def requested_and_watched(world: World) -> tuple[User, User, User, MediaRequest]:
    """Alice requests a movie that Bob watches; the boss (not on Discord) approves it."""
    alice, bob = world.user("alice"), world.user("bob")
    boss = world.user("boss", MANAGER, platforms=("console",))
    movie = world.movie()
    created = await create_request(world.services, alice.id, movie, MOVIE)
    await watch_title(world.services, bob.id, movie, MOVIE)
    assert created.request is not None
    approved = await approve_request(world.services, boss.id, created.request.id)
    return alice, bob, boss, approved


async def test_watchers_hear_of_approval_and_availability_but_not_of_the_new_request(
    world: World,
) -> None:
    alice, bob, _, request = await requested_and_watched(world)
    await mark_available(world.services, request.media.tmdb_id, MOVIE)
    discord = RecordingNotifier("discord")

    await Dispatcher(world.uow, world.clock, [discord]).deliver_due()

    assert discord.sent_to(bob.id) == [EventKind.APPROVED, EventKind.AVAILABLE]
    assert discord.sent_to(alice.id) == [
        EventKind.PENDING,
        EventKind.APPROVED,
        EventKind.AVAILABLE,
    ]
    watcher_audiences = {n.audience for n in discord.sent if n.recipient.id == bob.id}
    assert watcher_audiences == {Audience.WATCHER}


async def test_watchers_hear_of_a_failure_and_of_the_retry_as_the_requester_does(
    world: World,
) -> None:
    alice, bob, boss, request = await requested_and_watched(world)
    await fail_request(world.services, request.id, "Radarr answered 503")
    await retry_request(world.services, boss.id, request.id)
    discord = RecordingNotifier("discord")

    await Dispatcher(world.uow, world.clock, [discord]).deliver_due()

    heard = [EventKind.APPROVED, EventKind.FAILED, EventKind.RETRIED]
    assert discord.sent_to(bob.id) == heard
    assert discord.sent_to(alice.id) == [EventKind.PENDING, *heard]


async def test_watchers_are_forgotten_once_the_whole_title_is_available(world: World) -> None:
    alice, bob = world.user("alice", MANAGER), world.user("bob")
    show = world.show(seasons=(1, 2))
    await create_request(world.services, alice.id, show, TV, [1])
    watched = await watch_title(world.services, bob.id, show, TV)

    await mark_available(world.services, show, TV, {1: MediaStatus.AVAILABLE})
    assert world.db.watchers(watched.media.id) == (bob.id,)  # season 2 is still to come

    await create_request(world.services, alice.id, show, TV, [2])
    await mark_available(world.services, show, TV, {2: MediaStatus.AVAILABLE})
    assert world.db.watchers(watched.media.id) == ()


async def test_a_watcher_who_is_the_requester_or_a_manager_hears_each_event_once(
    world: World,
) -> None:
    alice = world.user("alice")
    boss = world.user("boss", MANAGER)
    movie = world.movie()
    created = await create_request(world.services, alice.id, movie, MOVIE)
    await watch_title(world.services, alice.id, movie, MOVIE)
    await watch_title(world.services, boss.id, movie, MOVIE)
    assert created.request is not None
    await decline_request(world.services, boss.id, created.request.id, "not now")
    discord = RecordingNotifier("discord")

    await Dispatcher(world.uow, world.clock, [discord]).deliver_due()

    declined = [n for n in discord.sent if n.event.kind is EventKind.DECLINED]
    assert [(n.recipient.id, n.audience) for n in declined] == [
        (alice.id, Audience.REQUESTER),
        (boss.id, Audience.WATCHER),
    ]
    assert declined[0].event.payload.reason == "not now"


async def test_guests_may_ask_to_be_notified(world: World) -> None:
    guest = world.user("guest", Permission.NONE)
    result = await watch_title(world.services, guest.id, world.movie(), MOVIE)
    assert result.added
