"""What chat adapters keep between messages, and the Broadcaster step of the dispatcher."""

from __future__ import annotations

from datetime import timedelta

import pytest

from core import chat
from core.delivery import CHANNELS
from core.domain import ChatPost
from core.errors import (
    DeliveryFailed,
    DuplicateRequest,
    InvalidInput,
    PermissionDenied,
    QuotaExceeded,
)
from core.events import DeliveryStatus, Event, EventKind
from core.identity import QuotaLimits
from core.media import MediaType
from core.notifications import Dispatcher
from core.ports import Broadcaster
from tests.core_fixtures import World, payload_for
from tests.fakes import RecordingNotifier


@pytest.fixture
def world() -> World:
    return World()


async def test_state_comes_back_under_its_key_until_it_expires(world: World) -> None:
    key = await chat.remember(world.services, "telegram", {"q": "matrix"}, timedelta(hours=1))

    assert len(key) == 8
    assert ":" not in key
    assert await chat.recall(world.services, "telegram", key) == {"q": "matrix"}
    assert await chat.recall(world.services, "discord", key) is None
    world.clock.advance(hours=1)
    assert await chat.recall(world.services, "telegram", key) is None


async def test_an_explicit_key_is_replaced_and_forgotten(world: World) -> None:
    ttl = timedelta(days=1)
    await chat.remember(world.services, "telegram", {"n": 1}, ttl, key="decline:-5:9")
    await chat.remember(world.services, "telegram", {"n": 2}, ttl, key="decline:-5:9")
    assert await chat.recall(world.services, "telegram", "decline:-5:9") == {"n": 2}

    await chat.forget(world.services, "telegram", "decline:-5:9")
    assert await chat.recall(world.services, "telegram", "decline:-5:9") is None


async def test_remembering_sweeps_what_expired(world: World) -> None:
    old = await chat.remember(world.services, "telegram", {}, timedelta(minutes=1))
    world.clock.advance(minutes=2)
    await chat.remember(world.services, "discord", {}, timedelta(minutes=1))
    async with world.uow() as uow:
        assert await uow.chat_states.purge(world.clock.now()) == 0  # already swept
    assert await chat.recall(world.services, "telegram", old) is None


async def test_keys_and_state_have_bounds(world: World) -> None:
    with pytest.raises(InvalidInput):
        await chat.remember(world.services, "telegram", {}, timedelta(1), key="k" * 41)
    with pytest.raises(InvalidInput):
        await chat.remember(world.services, "telegram", {"x": "y" * 20_000}, timedelta(1))
    assert await chat.recall(world.services, "telegram", "") is None
    assert await chat.recall(world.services, "telegram", "z" * 100) is None


async def test_a_flows_request_and_its_mark_commit_together_or_not_at_all(
    world: World,
) -> None:
    alice = world.user("alice", quota=QuotaLimits(tv_limit=2, tv_days=7))
    show = world.show(seasons=(1, 2, 3))
    ttl = timedelta(days=1)
    state = {"u": 5, "sel": [1, 2, 3]}
    key = await chat.remember(world.services, "telegram", state, ttl)

    with pytest.raises(QuotaExceeded):  # three seasons, two allowed: nothing is made
        await chat.request_from_flow(
            world.services, "telegram", key, state, ttl, alice.id, show, MediaType.TV, [1, 2, 3]
        )
    kept = await chat.recall(world.services, "telegram", key)
    assert kept == state
    assert chat.made_request(kept) is None

    asked = await chat.request_from_flow(
        world.services, "telegram", key, state, ttl, alice.id, show, MediaType.TV, [1, 2]
    )
    made = asked.result
    assert made.request is not None
    kept = await chat.recall(world.services, "telegram", key)
    assert kept is not None
    assert chat.made_request(kept) == made.request.id
    assert kept["sel"] == [1, 2, 3]


async def test_asking_again_for_one_s_own_movie_tells_where_the_first_request_stands(
    world: World,
) -> None:
    alice = world.user("alice")
    movie = world.movie()
    first = await chat.request_title(world.services, alice.id, movie, MediaType.MOVIE)
    assert first.result.request is not None
    assert first.again == ()

    again = await chat.request_title(world.services, alice.id, movie, MediaType.MOVIE)

    assert again.result.request is None
    assert [r.id for r in again.again] == [first.result.request.id]
    assert world.kinds() == [EventKind.PENDING]  # nothing new was asked for


async def test_asking_for_someone_else_s_pending_movie_is_still_a_duplicate(world: World) -> None:
    alice, bob = world.user("alice"), world.user("bob")
    movie = world.movie()
    await chat.request_title(world.services, alice.id, movie, MediaType.MOVIE)

    with pytest.raises(DuplicateRequest):
        await chat.request_title(world.services, bob.id, movie, MediaType.MOVIE)


async def test_a_flow_asking_again_for_one_s_own_seasons_is_told_of_them(world: World) -> None:
    alice, bob = world.user("alice"), world.user("bob")
    show = world.show(seasons=(1, 2, 3))
    ttl = timedelta(days=1)
    key = await chat.remember(world.services, "telegram", {"u": 5}, ttl)
    mine = await chat.request_title(world.services, alice.id, show, MediaType.TV, [1, 2])
    await chat.request_title(world.services, bob.id, show, MediaType.TV, [3])

    again = await chat.request_from_flow(
        world.services, "telegram", key, {}, ttl, alice.id, show, MediaType.TV, [2]
    )
    assert again.result.request is None
    assert mine.result.request is not None
    assert [r.id for r in again.again] == [mine.result.request.id]

    # Seasons someone else asked for are not the asker's own: the result says who did.
    others = await chat.request_from_flow(
        world.services, "telegram", key, {}, ttl, alice.id, show, MediaType.TV, [3]
    )
    assert others.again == ()
    assert bob.id in {r.requested_by.id for r in others.result.existing}


async def test_withdrawing_twice_is_told_it_is_done_already(world: World) -> None:
    alice, bob = world.user("alice"), world.user("bob")
    asked = await chat.request_title(world.services, alice.id, world.movie(), MediaType.MOVIE)
    assert asked.result.request is not None
    request_id = asked.result.request.id

    with pytest.raises(PermissionDenied):  # only the requester (or a manager) withdraws
        await chat.withdraw(world.services, bob.id, request_id)
    first = await chat.withdraw(world.services, alice.id, request_id)
    again = await chat.withdraw(world.services, alice.id, request_id)

    assert first is not None
    assert first.id == request_id
    assert again is None
    assert world.kinds() == [EventKind.PENDING, EventKind.CANCELLED]


async def test_posts_are_listed_per_request_and_platform(world: World) -> None:
    await chat.record_post(world.services, ChatPost("telegram", "-100", "7", 1))
    await chat.record_post(world.services, ChatPost("discord", "55", "8", 1))
    await chat.record_post(world.services, ChatPost("telegram", "42", "9", 1, "private"))
    await chat.record_post(world.services, ChatPost("telegram", "-100", "10", 2))

    posts = await chat.posts_for(world.services, 1, "telegram")

    assert [(p.chat_id, p.message_id, p.kind) for p in posts] == [
        ("-100", "7", "approval"),
        ("42", "9", "private"),
    ]


class Board(RecordingNotifier):
    """A notifier with shared chats: it records each event it was asked to publish."""

    def __init__(self) -> None:
        super().__init__("telegram")
        self.published: list[Event] = []
        self.failures = 0

    async def publish(self, event: Event) -> bool:
        if self.failures:
            self.failures -= 1
            raise DeliveryFailed("admin chat unavailable", retry_after=30)
        self.published.append(event)
        return event.kind is not EventKind.CANCELLED


def test_a_notifier_with_publish_is_a_broadcaster() -> None:
    assert isinstance(Board(), Broadcaster)
    assert not isinstance(RecordingNotifier(), Broadcaster)


async def test_each_event_is_published_once_and_logged_for_the_shared_chats(
    world: World,
) -> None:
    alice = world.user("alice", platforms=("telegram",))
    board = Board()
    async with world.uow() as uow:
        for kind in (EventKind.PENDING, EventKind.CANCELLED):
            await uow.events.add(kind, payload_for(alice), world.clock.now())
        await uow.commit()

    await Dispatcher(world.uow, world.clock, [board]).deliver_due()

    assert [e.kind for e in board.published] == [EventKind.PENDING, EventKind.CANCELLED]
    channel_log = [
        a.status for a in world.db.attempts() if (a.notifier, a.recipient_id) == ("telegram", 0)
    ]
    assert channel_log == [DeliveryStatus.SENT, DeliveryStatus.SKIPPED]
    assert CHANNELS == 0


async def test_a_failed_publish_is_retried_after_retry_after_without_resending_to_users(
    world: World,
) -> None:
    alice = world.user("alice", platforms=("telegram",))
    board = Board()
    board.failures = 1
    async with world.uow() as uow:
        await uow.events.add(EventKind.APPROVED, payload_for(alice), world.clock.now())
        await uow.commit()
    dispatcher = Dispatcher(world.uow, world.clock, [board])

    await dispatcher.deliver_due()
    [event] = world.events()
    assert event.delivered_at is None
    assert event.next_attempt_at == world.clock.now() + timedelta(seconds=30)

    world.clock.advance(seconds=30)
    await dispatcher.deliver_due()

    assert len(board.published) == 1
    assert board.sent_to(alice.id) == [EventKind.APPROVED]  # the user was told once
    assert world.events()[0].delivered_at is not None
