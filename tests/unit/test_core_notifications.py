"""The outbox Dispatcher: who hears of what, retries with backoff, restarts and leases."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import pytest

from adapters.clock import SystemClock
from core.events import Audience, DeliveryStatus, Event, EventKind, Notification
from core.identity import User
from core.notifications import Dispatcher, DispatchPolicy
from core.permissions import Permission
from core.requests import create_request
from tests.core_fixtures import MANAGER, MOVIE, World, payload_for
from tests.fakes import RecordingNotifier

K = EventKind
S = DeliveryStatus
P = Permission


@pytest.fixture
def world() -> World:
    return World()


@pytest.fixture
def discord() -> RecordingNotifier:
    return RecordingNotifier("discord")


@pytest.fixture
def telegram() -> RecordingNotifier:
    return RecordingNotifier("telegram")


def dispatcher(world: World, *notifiers: RecordingNotifier, **policy: Any) -> Dispatcher:
    return Dispatcher(world.uow, world.clock, notifiers, DispatchPolicy(**policy))


async def add_event(world: World, kind: EventKind, requester: User) -> Event:
    async with world.uow() as uow:
        event = await uow.events.add(kind, payload_for(requester), world.clock.now())
        await uow.commit()
    return event


def event_now(world: World, event_id: int) -> Event:
    [event] = [e for e in world.events() if e.id == event_id]
    return event


def log(world: World) -> list[tuple[str, int, DeliveryStatus]]:
    return [(a.notifier, a.recipient_id, a.status) for a in world.db.attempts()]


# ----- who hears of what ------------------------------------------------------------------


@pytest.mark.parametrize("kind", list(EventKind))
async def test_the_requester_hears_of_every_kind_of_event(
    world: World, discord: RecordingNotifier, kind: EventKind
) -> None:
    alice = world.user("alice")
    event = await add_event(world, kind, alice)

    handled = await dispatcher(world, discord).deliver_due()

    assert handled == 1
    assert discord.sent_to(alice.id) == [kind]
    assert discord.sent[0].audience is Audience.REQUESTER
    assert discord.sent[0].event == event
    assert event_now(world, event.id).delivered_at == world.clock.now()


@pytest.mark.parametrize("kind", [k for k in EventKind if not k.is_issue])
async def test_managers_hear_only_of_new_and_failed_requests(
    world: World, discord: RecordingNotifier, kind: EventKind
) -> None:
    alice = world.user("alice")
    boss, admin = world.user("boss", MANAGER), world.user("admin", P.ADMIN)
    bystander = world.user("bystander", P.REQUEST | P.MANAGE_USERS)
    await add_event(world, kind, alice)

    await dispatcher(world, discord).deliver_due()

    told = kind in (K.PENDING, K.AUTO_APPROVED, K.FAILED)
    assert discord.sent_to(boss.id) == ([kind] if told else [])
    assert discord.sent_to(admin.id) == ([kind] if told else [])
    assert discord.sent_to(bystander.id) == []
    managers = {n.recipient.id for n in discord.sent if n.audience is Audience.MANAGER}
    assert managers == ({boss.id, admin.id} if told else set())


async def test_a_manager_who_is_the_requester_hears_once(
    world: World, discord: RecordingNotifier
) -> None:
    boss = world.user("boss", MANAGER)
    await add_event(world, K.PENDING, boss)

    await dispatcher(world, discord).deliver_due()

    assert [(n.recipient.id, n.audience) for n in discord.sent] == [(boss.id, Audience.REQUESTER)]


async def test_a_notifier_that_cannot_reach_a_user_is_not_called_for_them(
    world: World, discord: RecordingNotifier, telegram: RecordingNotifier
) -> None:
    alice = world.user("alice", platforms=["telegram"])
    both = world.user("both", MANAGER, platforms=["discord", "telegram"])
    await add_event(world, K.PENDING, alice)

    await dispatcher(world, discord, telegram).deliver_due()

    assert [n.recipient.id for n in discord.calls] == [both.id]
    assert [n.recipient.id for n in telegram.calls] == [alice.id, both.id]
    assert sorted(log(world)) == [
        ("discord", both.id, S.SENT),
        ("telegram", alice.id, S.SENT),
        ("telegram", both.id, S.SENT),
    ]


async def test_a_request_made_in_the_core_reaches_its_requester_and_the_managers(
    world: World, discord: RecordingNotifier
) -> None:
    alice, boss = world.user("alice"), world.user("boss", MANAGER)
    await create_request(world.services, alice.id, world.movie("Alien"), MOVIE)

    await dispatcher(world, discord).deliver_due()

    assert [(n.recipient.id, n.event.kind) for n in discord.sent] == [
        (alice.id, K.PENDING),
        (boss.id, K.PENDING),
    ]
    assert discord.sent[0].event.payload.label == "Alien (1979)"


async def test_a_notifier_may_deliberately_show_nothing(
    world: World, discord: RecordingNotifier
) -> None:
    alice = world.user("alice")
    discord.skip_kinds = {K.APPROVED}
    event = await add_event(world, K.APPROVED, alice)
    d = dispatcher(world, discord)

    await d.deliver_due()
    world.clock.advance(hours=1)
    await d.deliver_due()

    assert discord.sent == []
    assert log(world) == [("discord", alice.id, S.SKIPPED)]
    assert event_now(world, event.id).delivered_at is not None


# ----- failures and retries ---------------------------------------------------------------


async def test_a_transient_failure_is_retried_after_backoff_for_that_pair_only(
    world: World, discord: RecordingNotifier, telegram: RecordingNotifier
) -> None:
    alice = world.user("alice", platforms=["discord", "telegram"])
    discord.fail(times=1)
    event = await add_event(world, K.APPROVED, alice)
    d = dispatcher(world, discord, telegram, base_delay=5)
    failed_at = world.clock.now()

    await d.deliver_due()
    waiting = event_now(world, event.id)
    world.clock.advance(seconds=4)
    too_early = await d.deliver_due()
    world.clock.advance(seconds=1)
    await d.deliver_due()

    assert (waiting.attempts, waiting.next_attempt_at) == (1, failed_at + timedelta(seconds=5))
    assert waiting.delivered_at is None
    assert too_early == 0
    assert (len(discord.calls), len(telegram.calls)) == (2, 1)
    assert (discord.sent_to(alice.id), telegram.sent_to(alice.id)) == ([K.APPROVED], [K.APPROVED])
    assert event_now(world, event.id).delivered_at == world.clock.now()


async def test_every_attempt_is_in_the_log(
    world: World, discord: RecordingNotifier, telegram: RecordingNotifier
) -> None:
    alice = world.user("alice", platforms=["discord", "telegram"])
    discord.fail(times=1, reason="discord is down")
    event = await add_event(world, K.APPROVED, alice)
    d = dispatcher(world, discord, telegram, base_delay=5)
    first_at = world.clock.now()
    await d.deliver_due()
    second_at = world.clock.advance(seconds=5)
    await d.deliver_due()

    attempts = world.db.attempts(event.id)

    assert [(a.notifier, a.status, a.error, a.attempted_at) for a in attempts] == [
        ("discord", S.FAILED, "discord is down", first_at),
        ("telegram", S.SENT, None, first_at),
        ("discord", S.SENT, None, second_at),
    ]
    assert {a.recipient_id for a in attempts} == {alice.id}


async def test_the_backoff_doubles_up_to_its_limit(
    world: World, discord: RecordingNotifier
) -> None:
    alice = world.user("alice")
    discord.fail(times=None)
    event = await add_event(world, K.APPROVED, alice)
    d = dispatcher(world, discord, base_delay=5, max_delay=30, max_attempts=10)
    delays = []

    for _ in range(5):
        before = world.clock.now()
        await d.deliver_due()
        due = event_now(world, event.id).next_attempt_at
        assert due is not None
        delays.append((due - before).total_seconds())
        world.clock.set(due)

    assert delays == [5, 10, 20, 30, 30]


async def test_a_notifiers_retry_after_is_honoured(
    world: World, discord: RecordingNotifier
) -> None:
    alice = world.user("alice")
    discord.fail(times=1, retry_after=60)
    event = await add_event(world, K.APPROVED, alice)

    await dispatcher(world, discord, base_delay=5).deliver_due()

    assert event_now(world, event.id).next_attempt_at == world.clock.now() + timedelta(seconds=60)


async def test_a_permanent_failure_is_logged_once_and_not_retried(
    world: World, discord: RecordingNotifier, telegram: RecordingNotifier
) -> None:
    alice = world.user("alice", platforms=["discord", "telegram"])
    discord.fail(times=None, permanent=True)
    event = await add_event(world, K.DECLINED, alice)
    d = dispatcher(world, discord, telegram)

    await d.deliver_due()
    world.clock.advance(days=1)
    again = await d.deliver_due()

    assert again == 0
    assert len(discord.calls) == 1
    assert log(world) == [("discord", alice.id, S.GAVE_UP), ("telegram", alice.id, S.SENT)]
    assert event_now(world, event.id).delivered_at is not None
    assert world.db.given_up() == set()


async def test_after_max_attempts_the_event_is_given_up(
    world: World, discord: RecordingNotifier
) -> None:
    alice = world.user("alice")
    discord.fail(times=None)
    event = await add_event(world, K.APPROVED, alice)
    d = dispatcher(world, discord, max_attempts=3, base_delay=5)

    for _ in range(6):
        await d.deliver_due()
        world.clock.advance(hours=1)

    assert len(discord.calls) == 3
    assert [a.status for a in world.db.attempts(event.id)] == [S.FAILED] * 3
    assert world.db.given_up() == {event.id}
    assert event_now(world, event.id).delivered_at is not None
    async with world.uow(write=False) as uow:
        assert await uow.events.pending_count() == 0


async def test_a_notifier_raising_an_unexpected_error_stops_nothing_else(
    world: World, telegram: RecordingNotifier
) -> None:
    broken = RecordingNotifier("broken", platform="telegram")
    broken.crash(lambda: RuntimeError("bug in the adapter"), times=None)
    alice, bob = (
        world.user("alice", platforms=["telegram"]),
        world.user("bob", platforms=["telegram"]),
    )
    first = await add_event(world, K.APPROVED, alice)
    second = await add_event(world, K.DECLINED, bob)

    handled = await dispatcher(world, broken, telegram).deliver_due()

    assert handled == 2
    assert telegram.sent_to(alice.id) == [K.APPROVED]
    assert telegram.sent_to(bob.id) == [K.DECLINED]
    [crash] = [a for a in world.db.attempts(first.id) if a.notifier == "broken"]
    assert (crash.status, crash.error) == (S.FAILED, "RuntimeError: bug in the adapter")
    assert event_now(world, second.id).attempts == 1


# ----- restarts and several dispatchers ---------------------------------------------------


async def test_a_new_dispatcher_delivers_what_the_last_one_left_undelivered(
    world: World, discord: RecordingNotifier, telegram: RecordingNotifier
) -> None:
    alice = world.user("alice", platforms=["discord", "telegram"])
    await add_event(world, K.APPROVED, alice)
    discord.fail(times=None)
    await dispatcher(world, discord, telegram).deliver_due()
    world.clock.advance(minutes=1)

    restarted_discord = RecordingNotifier("discord")
    restarted_telegram = RecordingNotifier("telegram")
    handled = await dispatcher(world, restarted_discord, restarted_telegram).deliver_due()

    assert handled == 1
    assert restarted_discord.sent_to(alice.id) == [K.APPROVED]
    assert restarted_telegram.calls == []  # the first dispatcher had sent that one
    async with world.uow(write=False) as uow:
        assert await uow.events.pending_count() == 0


async def test_events_written_while_no_dispatcher_ran_are_delivered_on_start(
    world: World, discord: RecordingNotifier
) -> None:
    alice = world.user("alice")
    for kind in (K.PENDING, K.APPROVED, K.AVAILABLE):
        await add_event(world, kind, alice)

    handled = await dispatcher(world, discord, batch=2).deliver_due()

    assert handled == 3
    assert discord.sent_to(alice.id) == [K.PENDING, K.APPROVED, K.AVAILABLE]


async def test_an_event_leased_by_a_dispatcher_that_died_waits_for_the_lease(
    world: World, discord: RecordingNotifier
) -> None:
    alice = world.user("alice")
    event = await add_event(world, K.APPROVED, alice)
    now = world.clock.now()
    async with world.uow() as uow:  # as a dispatcher killed in the middle of it left it
        assert await uow.events.claim(event.id, now, now + timedelta(seconds=120))
        await uow.commit()

    successor = dispatcher(world, discord, lease=120)
    during_lease = await successor.deliver_due()
    world.clock.advance(seconds=120)
    after_lease = await successor.deliver_due()

    assert (during_lease, after_lease) == (0, 1)
    assert discord.sent_to(alice.id) == [K.APPROVED]
    assert event_now(world, event.id).delivered_at is not None


async def test_two_dispatchers_at_once_deliver_each_event_once(
    world: World, discord: RecordingNotifier
) -> None:
    alice = world.user("alice")
    events = [await add_event(world, K.APPROVED, alice) for _ in range(10)]
    first, second = dispatcher(world, discord), dispatcher(world, discord)

    handled = await asyncio.gather(first.deliver_due(), second.deliver_due())

    assert sum(handled) == 10
    assert sorted(n.event.id for n in discord.calls) == [e.id for e in events]


async def test_a_running_dispatcher_delivers_as_soon_as_it_is_woken(
    world: World, discord: RecordingNotifier
) -> None:
    alice = world.user("alice")
    d = dispatcher(world, discord, poll_interval=3600)
    world.services.events_written = d.wake
    running = asyncio.create_task(d.run())
    try:
        await asyncio.sleep(0)
        await create_request(world.services, alice.id, world.movie(), MOVIE)
        for _ in range(100):
            if discord.sent:
                break
            await asyncio.sleep(0)
    finally:
        running.cancel()
        with pytest.raises(asyncio.CancelledError):
            await running

    assert discord.sent_to(alice.id) == [K.PENDING]


async def test_a_running_dispatcher_retries_when_the_retry_is_due_not_at_the_next_poll(
    discord: RecordingNotifier,
) -> None:
    world = World(clock=SystemClock())  # real time: the dispatcher sleeps until a retry
    alice = world.user("alice")
    await add_event(world, K.APPROVED, alice)
    discord.fail(1, retry_after=0.2)
    d = dispatcher(world, discord, poll_interval=3600, base_delay=0.05)
    running = asyncio.create_task(d.run())
    try:
        async with asyncio.timeout(5):
            while not discord.sent:  # noqa: ASYNC110 - the fake notifier has no event
                await asyncio.sleep(0.01)
    finally:
        running.cancel()
        with pytest.raises(asyncio.CancelledError):
            await running

    assert discord.sent_to(alice.id) == [K.APPROVED]
    assert len(discord.calls) == 2


class SlowNotifier(RecordingNotifier):
    """A platform that takes a moment to answer."""

    def __init__(self) -> None:
        super().__init__("discord")
        self.sending = asyncio.Event()

    async def send(self, notification: Notification) -> bool:
        self.sending.set()
        await asyncio.sleep(0.1)
        return await super().send(notification)


async def test_a_stopping_dispatcher_finishes_the_event_in_hand_and_starts_no_other(
    world: World,
) -> None:
    alice = world.user("alice")
    first = await add_event(world, K.APPROVED, alice)
    second = await add_event(world, K.DECLINED, alice)
    slow = SlowNotifier()
    running = asyncio.create_task(dispatcher(world, slow).run())
    await slow.sending.wait()

    running.cancel()
    with pytest.raises(asyncio.CancelledError):
        await running

    assert [n.event.id for n in slow.sent] == [first.id]
    assert event_now(world, first.id).delivered_at is not None
    assert [a.status for a in world.db.attempts(first.id)] == [DeliveryStatus.SENT]
    assert event_now(world, second.id).delivered_at is None
    assert world.db.attempts(second.id) == []


async def test_waiting_for_the_next_finish_needs_no_polling(world: World) -> None:
    alice = world.user("alice")
    event = await add_event(world, K.APPROVED, alice)
    running = dispatcher(world, RecordingNotifier("discord"))
    finished = running.next_finish()
    assert not finished.is_set()

    task = asyncio.create_task(running.run())
    try:
        await asyncio.wait_for(finished.wait(), 5)
        assert event_now(world, event.id).delivered_at is not None  # stored by then
        assert not running.next_finish().is_set()  # a fresh one, for the next
    finally:
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task


class HangingNotifier(RecordingNotifier):
    """A platform that never answers."""

    async def send(self, notification: Notification) -> bool:
        await asyncio.Event().wait()
        return True


async def test_a_send_that_hangs_is_cut_off_and_retried_later(
    world: World, discord: RecordingNotifier
) -> None:
    alice = world.user("alice")
    event = await add_event(world, K.APPROVED, alice)
    hanging = HangingNotifier("discord")

    handled = await dispatcher(world, hanging, lease=0.2).deliver_due()

    assert handled == 1
    [attempt] = world.db.attempts(event.id)
    assert attempt.status is DeliveryStatus.FAILED
    assert attempt.error == "timed out"
    assert event_now(world, event.id).delivered_at is None


async def test_a_recipient_no_notifier_reaches_is_logged_as_skipped(
    world: World, discord: RecordingNotifier
) -> None:
    on_telegram_only = world.user("tg", platforms=("telegram",))
    event = await add_event(world, K.DECLINED, on_telegram_only)

    assert await dispatcher(world, discord).deliver_due() == 1

    [attempt] = world.db.attempts(event.id)
    assert (attempt.notifier, attempt.status) == ("none", DeliveryStatus.SKIPPED)
    assert attempt.error == "no notifier reaches this user"
    assert event_now(world, event.id).delivered_at is not None
    assert discord.calls == []


# ----- per-destination lanes, and stopping with a backlog -----------------------------------


class GroupBound(RecordingNotifier):
    """A platform whose shared chats (the admin group) are held up, as by a flood limit,
    until ``gate`` opens; it says when a given number of private messages went out."""

    def __init__(self) -> None:
        super().__init__("telegram")
        self.gate = asyncio.Event()
        self.publishing = asyncio.Event()
        self.published: list[int] = []
        self.drained = False
        self._counted: dict[int, asyncio.Event] = {}

    async def publish(self, event: Event) -> bool:
        self.publishing.set()
        await self.gate.wait()
        self.published.append(event.id)
        return True

    async def send(self, notification: Notification) -> bool:
        sent = await super().send(notification)
        for count, reached in self._counted.items():
            if len(self.sent) >= count:
                reached.set()
        return sent

    async def sent_at_least(self, count: int) -> None:
        if len(self.sent) < count:
            await self._counted.setdefault(count, asyncio.Event()).wait()

    def drain(self) -> None:
        self.drained = True


async def test_a_private_message_goes_while_the_admin_group_is_held_up_each_chat_in_order(
    world: World,
) -> None:
    alice, bob = (
        world.user("alice", platforms=["telegram"]),
        world.user("bob", platforms=["telegram"]),
    )
    held = await add_event(world, K.PENDING, alice)  # its card waits on the group's limit
    approved = await add_event(world, K.APPROVED, bob)
    available = await add_event(world, K.AVAILABLE, bob)
    telegram = GroupBound()
    d = dispatcher(world, telegram, poll_interval=3600)
    running = asyncio.create_task(d.run())
    try:
        async with asyncio.timeout(5):
            await telegram.sent_at_least(3)
        assert telegram.published == []  # the group is still held up...
        assert telegram.sent_to(bob.id) == [K.APPROVED, K.AVAILABLE]  # ...bob heard, in order
        assert event_now(world, approved.id).delivered_at is None  # its card is not updated yet

        telegram.gate.set()
        async with asyncio.timeout(5):
            await d.idle()
    finally:
        running.cancel()
        with pytest.raises(asyncio.CancelledError):
            await running

    assert telegram.published == [held.id, approved.id, available.id]
    assert all(event_now(world, e.id).delivered_at is not None for e in (held, approved, available))
    assert sorted(log(world)) == sorted(
        [("telegram", 0, S.SENT)] * 3
        + [
            ("telegram", alice.id, S.SENT),
            ("telegram", bob.id, S.SENT),
            ("telegram", bob.id, S.SENT),
        ]
    )


async def test_a_managers_card_is_never_edited_before_it_is_posted(world: World) -> None:
    alice, boss = world.user("alice"), world.user("boss", MANAGER)
    await add_event(world, K.PENDING, alice)  # without an admin chat: boss's card, privately
    await add_event(world, K.APPROVED, alice)  # ...which this event's publish edits
    order: list[tuple[str, EventKind]] = []

    class Cards(RecordingNotifier):
        async def send(self, notification: Notification) -> bool:
            if notification.audience is Audience.MANAGER:
                await asyncio.sleep(0.01)  # the post takes a while
                order.append(("post", notification.event.kind))
            return await super().send(notification)

        async def publish(self, event: Event) -> bool:
            order.append(("edit", event.kind))
            return True

    cards = Cards("discord")
    await dispatcher(world, cards).deliver_due()

    assert order.index(("post", K.PENDING)) < order.index(("edit", K.APPROVED))
    assert cards.sent_to(boss.id) == [K.PENDING]


async def test_a_stop_with_a_backlog_keeps_its_budget_and_loses_or_repeats_nothing(
    world: World,
) -> None:
    alice, bob = (
        world.user("alice", platforms=["telegram"]),
        world.user("bob", platforms=["telegram"]),
    )
    backlog = [await add_event(world, K.APPROVED, alice) for _ in range(5)]
    told = await add_event(world, K.DECLINED, bob)
    telegram = GroupBound()  # every publish hangs, as in a limiter or a 429 wait
    d = dispatcher(world, telegram, poll_interval=3600, drain=0.5, grace=0.2)
    running = asyncio.create_task(d.run())
    async with asyncio.timeout(5):
        await telegram.publishing.wait()
        await telegram.sent_at_least(6)  # the private messages went; the cards hang

    running.cancel()
    async with asyncio.timeout(d.policy.drain + 0.5):  # the budget, with room for a slow machine
        with pytest.raises(asyncio.CancelledError):
            await running

    assert telegram.drained
    assert all(event_now(world, e.id).delivered_at is None for e in (*backlog, told))
    assert sorted(log(world)) == sorted(
        [("telegram", alice.id, S.SENT)] * 5 + [("telegram", bob.id, S.SENT)]
    )

    after_restart = GroupBound()
    after_restart.gate.set()
    handled = await dispatcher(world, after_restart).deliver_due()  # the clock has not moved

    assert handled == 6
    assert after_restart.published == [e.id for e in (*backlog, told)]
    assert after_restart.sent == []  # each private message went once, before the stop
    assert all(event_now(world, e.id).delivered_at is not None for e in (*backlog, told))
    assert [a.status for e in backlog for a in world.db.attempts(e.id)] == [S.SENT, S.SENT] * 5


async def test_an_event_waiting_its_turn_longer_than_its_lease_keeps_its_lease(
    world: World,
) -> None:
    alice = world.user("alice", platforms=["telegram"])
    first = await add_event(world, K.PENDING, alice)
    second = await add_event(world, K.APPROVED, alice)  # its card's edit waits for the post
    telegram = GroupBound()
    d = dispatcher(world, telegram, poll_interval=3600, lease=1.5)

    def renewed() -> bool:
        lease = event_now(world, second.id).next_attempt_at
        return lease is not None and lease > world.clock.now()

    running = asyncio.create_task(d.run())
    try:
        async with asyncio.timeout(5):
            await telegram.publishing.wait()
            world.clock.advance(seconds=10)  # far past the leases it took
            while not renewed():  # noqa: ASYNC110 - the in-memory database has no event
                await asyncio.sleep(0.01)
        other = GroupBound()
        other.gate.set()
        assert await dispatcher(world, other).deliver_due() == 0  # another process keeps off

        telegram.gate.set()
        async with asyncio.timeout(5):
            await d.idle()
    finally:
        running.cancel()
        with pytest.raises(asyncio.CancelledError):
            await running

    assert telegram.published == [first.id, second.id]
    assert other.published == []
    assert other.calls == []
