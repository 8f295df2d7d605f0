"""The outbox dispatcher: delivers every event to its recipients through every notifier.

Events are written in the same transaction as the change they report, so nothing is lost
when the process dies: on start the dispatcher delivers whatever is still undelivered.
Each (event, notifier, recipient) delivery is recorded in the notification log; a retry only
repeats the ones that have not succeeded. A delivery is at least once: a message can be sent
twice when the platform received it but we did not learn so (a crash between sending and
logging, a send cut off by its timeout, an answer lost on the network).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import heapq
import logging
from collections.abc import Awaitable, Callable, Collection, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from core.errors import DeliveryFailed
from core.events import Audience, DeliveryAttempt, DeliveryStatus, Event, EventKind, Notification
from core.identity import User
from core.lanes import Lanes, Ticket
from core.permissions import Permission
from core.ports import (
    SHARED,
    Broadcaster,
    Clock,
    Drainable,
    Notifier,
    Routed,
    UnitOfWork,
    UnitOfWorkFactory,
)

log = logging.getLogger(__name__)

# Managers hear of new requests (pending, or approved automatically, as Seerr's
# MEDIA_AUTO_APPROVED) and of failures they may need to retry.
MANAGER_EVENTS = frozenset({EventKind.PENDING, EventKind.AUTO_APPROVED, EventKind.FAILED})
# Users who pressed "Notify me" on a title hear what its requester hears of its fate.
WATCHER_EVENTS = frozenset(
    {EventKind.APPROVED, EventKind.DECLINED, EventKind.FAILED, EventKind.AVAILABLE}
)
_FINAL = frozenset({DeliveryStatus.SENT, DeliveryStatus.SKIPPED, DeliveryStatus.GAVE_UP})
MAX_ERROR = 500
NOBODY = "none"  # the notifier named in the log when no notifier reaches a recipient
CHANNELS = 0  # the recipient id logged for a Broadcaster's shared chats (no user has id 0)


@dataclass(frozen=True, slots=True)
class DispatchPolicy:
    """How hard to try: exponential backoff from ``base_delay`` up to ``max_delay`` seconds,
    ``max_attempts`` rounds in all; an event being delivered is leased for ``lease`` seconds
    (renewed while it waits its turn) and each send is cut off after ``send_timeout``; at
    most ``in_flight`` events are delivered at once; a stopping dispatcher takes at most
    ``drain`` seconds, of which a send already on its way may take ``grace``."""

    max_attempts: int = 100  # with the backoff below: about a day of a platform being down
    base_delay: float = 5.0
    max_delay: float = 900.0
    lease: float = 120.0
    # A send (waits in a platform's rate limiter included: a group's minute) is cut off
    # after this, and well inside the lease.
    send_timeout: float = 90.0
    poll_interval: float = 10.0
    batch: int = 50
    in_flight: int = 1000
    drain: float = 3.0  # docker stop waits 10 s, and the adapters need some after this
    grace: float = 1.5


def told_in_place(notification: Notification) -> bool:
    """Whether the recipient already saw this where they acted: the requester is answered in
    the chat when they make a request, and nobody needs telling what they did themselves."""
    if notification.audience is not Audience.REQUESTER:
        return False
    payload = notification.event.payload
    own_request = notification.event.kind is EventKind.PENDING and payload.actor_id is None
    return own_request or payload.actor_id == notification.recipient.id


async def recipients(uow: UnitOfWork, event: Event) -> list[tuple[User, Audience]]:
    """Who hears of ``event``, each once: the requester always; managers of new pending and
    failed ones; the title's watchers of its approval, decline, failure and availability."""
    found: list[tuple[User, Audience]] = []
    seen: set[int] = set()

    def add(user: User | None, audience: Audience) -> None:
        if user is not None and user.id not in seen:
            seen.add(user.id)
            found.append((user, audience))

    add(await uow.users.get(event.payload.requested_by_id), Audience.REQUESTER)
    if event.kind in MANAGER_EVENTS:
        for manager in await uow.users.with_any_permission(Permission.MANAGE_REQUESTS):
            add(manager, Audience.MANAGER)
    if event.kind in WATCHER_EVENTS:
        for user_id in event.payload.watcher_ids:
            if user_id not in seen:
                add(await uow.users.get(user_id), Audience.WATCHER)
    return found


def destinations(notifier: Notifier, notification: Notification) -> Collection[str]:
    """The chats a send writes to: as the notifier says, else the recipient's own chat (and,
    for a manager's card, the shared chats, so that no edit overtakes the card's post)."""
    if isinstance(notifier, Routed):
        return notifier.destinations(notification)
    own = f"user:{notification.recipient.id}"
    return (own, SHARED) if notification.audience is Audience.MANAGER else (own,)


_Outcome = tuple[bool, float]  # (failed, retry_after) of one send


@dataclass(slots=True)
class _Send:
    """One (notifier, recipient) delivery of an event, queued in the lanes of its chats."""

    notifier: str
    recipient_id: int
    whom: str
    start: Callable[[], Awaitable[bool]]
    keys: Collection[str]
    ticket: Ticket | None = None
    task: asyncio.Task[_Outcome | None] | None = None


@dataclass(slots=True)
class _Flight:
    """An event being delivered: leased, its sends queued or under way."""

    event: Event
    sends: list[_Send] = field(default_factory=list)
    task: asyncio.Task[None] | None = None


class Dispatcher:
    """Delivers outbox events to the registered notifiers, with retries and backoff.

    Events are delivered side by side, each send in the lane of the chats it writes to: a
    private message never waits for a group's flood limit, while every chat gets its
    messages in the order of the events (a card's edits after its post).
    """

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        clock: Clock,
        notifiers: Iterable[Notifier] = (),
        policy: DispatchPolicy | None = None,
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._notifiers: list[Notifier] = list(notifiers)
        self.policy = policy or DispatchPolicy()
        self._wake = asyncio.Event()
        self._pass_lock = asyncio.Lock()
        self._lanes = Lanes()
        self._flights: dict[int, _Flight] = {}  # by event id
        self._leases = asyncio.Lock()  # a lease renewal never undoes a settlement
        self._room = asyncio.Event()  # an event was settled (or the dispatcher stops)
        self._retries: list[datetime] = []  # a heap of the retries scheduled
        self._renewer: asyncio.Task[None] | None = None
        self._stopping = False  # run() was cancelled: start no send, admit no event

    def add_notifier(self, notifier: Notifier) -> None:
        """Register another notifier (an adapter that started late)."""
        self._notifiers.append(notifier)

    def wake(self) -> None:
        """Ask for a delivery pass now (called after a commit that wrote events)."""
        self._wake.set()

    async def run(self) -> None:
        """Deliver due events until cancelled, waking on ``wake()``, when a retry is due, or
        every poll interval.

        When cancelled (the process is stopping) it is done within ``policy.drain`` seconds:
        sends still waiting for their turn (or, with a Drainable notifier, in its rate
        limiter) are dropped without a log row, sends on the wire get ``policy.grace``
        seconds to finish and be logged, and the events not fully delivered are given back
        (their leases end), so a restart sends the rest at once and nothing twice.
        """
        log.info("notification dispatcher started with %d notifier(s)", len(self._notifiers))
        self._stopping = False
        passing: asyncio.Task[None] | None = None
        try:
            while True:
                self._wake.clear()
                passing = asyncio.create_task(self._pass())
                await asyncio.shield(passing)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), self._idle_time())
        except asyncio.CancelledError:
            await self._stop(passing)
            raise

    async def _pass(self) -> None:
        try:
            await self._admit_due()
        except Exception:
            log.exception("delivery pass failed; trying again in %ss", self.policy.poll_interval)

    def _idle_time(self) -> float:
        """Seconds until the next pass: the poll interval, or sooner when a retry is due."""
        now = self._clock.now()
        if self._retries and self._retries[0] <= now:
            while self._retries and self._retries[0] <= now:
                heapq.heappop(self._retries)
            return 0.0
        wait = self.policy.poll_interval
        if self._retries:
            wait = min(wait, (self._retries[0] - now).total_seconds())
        return wait

    async def deliver_due(self) -> int:
        """Deliver every event that is due now and wait until each is delivered or
        rescheduled; returns how many were handled."""
        handled = await self._admit_due()
        await self.idle()
        return handled

    async def idle(self) -> None:
        """Wait until no event is being delivered."""
        while tasks := [f.task for f in self._flights.values() if f.task and not f.task.done()]:
            await asyncio.gather(*tasks, return_exceptions=True)

    async def _admit_due(self) -> int:
        """Lease the due events and queue their sends, in the order of the events."""
        handled = 0
        async with self._pass_lock:
            while not self._stopping:
                async with self._uow(write=False) as uow:
                    events = await uow.events.due(self._clock.now(), self.policy.batch)
                claimed = 0
                for event in events:
                    if event.id in self._flights:
                        continue  # its lease ran out while it waited (a clock jump)
                    if not await self._room_for_one():
                        return handled + claimed
                    # Lease each event just before queueing it; the lease is renewed while
                    # its sends wait their turn.
                    if await self._claim(event):
                        await self._start(event)
                        claimed += 1
                handled += claimed
                if len(events) < self.policy.batch or not claimed:
                    break
        return handled

    async def _room_for_one(self) -> bool:
        while len(self._flights) >= self.policy.in_flight and not self._stopping:
            self._room.clear()
            await self._room.wait()
        return not self._stopping

    async def _claim(self, event: Event) -> bool:
        """Lease the event so that another dispatcher (another process) leaves it alone."""
        now = self._clock.now()
        async with self._uow() as uow:
            claimed = await uow.events.claim(
                event.id, now, now + timedelta(seconds=self.policy.lease)
            )
            await uow.commit()
        if claimed:
            self._flights[event.id] = _Flight(event)
        return claimed

    async def _start(self, event: Event) -> None:
        flight = self._flights[event.id]
        try:
            sends = await self._plan(event)
        except BaseException:
            del self._flights[event.id]  # its lease runs out, and it is tried again
            raise
        # Every send of the event joins its lanes at once, with no await in between, so
        # that each lane holds the sends in the order of the events.
        for send in sends:
            send.ticket = self._lanes.join(send.keys)
            send.task = asyncio.create_task(self._send(event, send))
        flight.sends = sends
        flight.task = asyncio.create_task(self._finish(flight))
        if self._renewer is None or self._renewer.done():
            self._renewer = asyncio.create_task(self._keep_leases())

    async def _plan(self, event: Event) -> list[_Send]:
        """The sends the event still needs: one publish per Broadcaster, one send per
        (notifier, recipient), less those already sent or given up on."""
        async with self._uow(write=False) as uow:
            targets = await recipients(uow, event)
            done = {
                (a.notifier, a.recipient_id)
                for a in await uow.events.attempts(event.id)
                if a.status in _FINAL
            }
        sends: list[_Send] = []
        for notifier in self._notifiers:
            if isinstance(notifier, Broadcaster) and (notifier.name, CHANNELS) not in done:
                publish = functools.partial(notifier.publish, event)
                shared = [f"{notifier.name}:{SHARED}"]
                sends.append(_Send(notifier.name, CHANNELS, "its shared chats", publish, shared))
        for user, audience in targets:
            reaching = [n for n in self._notifiers if n.reaches(user)]
            if not reaching and (NOBODY, user.id) not in done:
                # Not an error (the user is only on a platform this deployment does not
                # run), but the log should say why nothing was sent.
                await self._log(
                    event, NOBODY, user.id, DeliveryStatus.SKIPPED, "no notifier reaches this user"
                )
            for notifier in reaching:
                if (notifier.name, user.id) in done:
                    continue
                notification = Notification(event, user, audience)
                keys = [f"{notifier.name}:{k}" for k in destinations(notifier, notification)]
                sending = functools.partial(notifier.send, notification)
                sends.append(_Send(notifier.name, user.id, f"user {user.id}", sending, keys))
        return sends

    async def _send(self, event: Event, send: _Send) -> _Outcome | None:
        """Wait for the send's turn in its lanes, send, log; None if it never started."""
        assert send.ticket is not None
        try:
            await send.ticket.turn.wait()
            if self._stopping:
                return None
            send.ticket.started = True
            status, error, wait = await self._attempt(
                send.notifier, event.id, send.whom, send.start()
            )
            await self._log(event, send.notifier, send.recipient_id, status, error)
            return status is DeliveryStatus.FAILED, wait
        finally:
            self._lanes.leave(send.ticket)

    async def _finish(self, flight: _Flight) -> None:
        """Settle the event once all its sends are done (unless the dispatcher stopped)."""
        event = flight.event
        try:
            outcomes = await asyncio.gather(
                *(s.task for s in flight.sends if s.task), return_exceptions=True
            )
            results: list[_Outcome] = []
            for outcome in outcomes:
                if outcome is None or isinstance(outcome, BaseException):
                    if not self._stopping:  # stopping: its lease is given back instead
                        log.error(
                            "delivering event %d failed: %r; trying again later", event.id, outcome
                        )
                        self._flights.pop(event.id, None)  # its lease runs out
                    return
                results.append(outcome)
            failed = any(f for f, _ in results)
            await self._settle(event, failed, max((w for _, w in results), default=0.0))
        finally:
            self._room.set()
            if not self._flights and self._renewer is not None:
                self._renewer.cancel()

    async def _keep_leases(self) -> None:
        """Renew the leases of the events in flight, well before they run out."""
        while self._flights and not self._stopping:
            await asyncio.sleep(self.policy.lease / 3)
            try:
                await self._renew_leases()
            except Exception:
                log.exception("could not renew the leases of the events being delivered")

    async def _renew_leases(self) -> None:
        async with self._leases:
            if self._stopping:
                return
            await self._lease_flights(self._clock.now() + timedelta(seconds=self.policy.lease))

    async def _lease_flights(self, until: datetime) -> int:
        """Lease every event in flight until ``until`` (the lease lock held); how many."""
        flights = list(self._flights.values())
        if flights:
            async with self._uow() as uow:
                for flight in flights:
                    await uow.events.reschedule(flight.event.id, flight.event.attempts, until)
                await uow.commit()
        return len(flights)

    async def _stop(self, passing: asyncio.Task[None] | None) -> None:
        """Stop within ``policy.drain`` seconds, leaving nothing half-said (see run)."""
        self._stopping = True
        self._room.set()
        for notifier in self._notifiers:
            if isinstance(notifier, Drainable):
                notifier.drain()
        if self._renewer is not None:
            self._renewer.cancel()
        try:
            async with asyncio.timeout(self.policy.drain):
                if passing is not None:
                    await asyncio.gather(passing, return_exceptions=True)
                sends = [s for f in self._flights.values() for s in f.sends if s.task]
                for send in sends:
                    if send.ticket is None or not send.ticket.started:
                        _cancel(send.task)
                started = {s.task for s in sends if s.task and not s.task.done()}
                if started:
                    await asyncio.wait(started, timeout=self.policy.grace)
                for send in sends:
                    _cancel(send.task)
                tasks = [f.task for f in self._flights.values() if f.task]
                await asyncio.gather(*tasks, return_exceptions=True)
                await self._give_back()
        except TimeoutError:
            log.warning(
                "stopped with %d event(s) still being delivered; they go after the restart",
                len(self._flights),
            )
        finally:
            if passing is not None:
                passing.cancel()
            for flight in self._flights.values():  # what the timeout cut short
                for send in flight.sends:
                    _cancel(send.task)
                _cancel(flight.task)

    async def _give_back(self) -> None:
        """End the leases of the events not fully delivered, so a restart takes them now."""
        async with self._leases:
            left = await self._lease_flights(self._clock.now())
            if left:
                log.info("%d event(s) left for after the restart", left)
            self._flights.clear()

    async def _attempt(
        self, notifier: str, event_id: int, whom: str, sending: Awaitable[bool]
    ) -> tuple[DeliveryStatus, str | None, float]:
        """Run one send (or publish) and classify its outcome: (status, error, retry_after)."""
        try:
            # A send must end well inside the lease, or another dispatcher could take the
            # event over and send it again; a hung platform must not stall its chats.
            async with asyncio.timeout(min(self.policy.send_timeout, self.policy.lease * 0.75)):
                sent = await sending
        except TimeoutError:
            log.warning("%s took too long on event %d for %s", notifier, event_id, whom)
            return DeliveryStatus.FAILED, "timed out", 0.0
        except DeliveryFailed as exc:
            # The notifier has said what matters (once per blocked user, say): the delivery
            # log keeps the reason for every attempt.
            log.info("%s could not tell %s of event %d: %s", notifier, whom, event_id, exc.reason)
            status = DeliveryStatus.GAVE_UP if exc.permanent else DeliveryStatus.FAILED
            return status, exc.reason[:MAX_ERROR], exc.retry_after or 0.0
        except Exception as exc:
            log.exception("%s failed on event %d for %s", notifier, event_id, whom)
            return DeliveryStatus.FAILED, f"{type(exc).__name__}: {exc}"[:MAX_ERROR], 0.0
        return (DeliveryStatus.SENT if sent else DeliveryStatus.SKIPPED), None, 0.0

    async def _log(
        self,
        event: Event,
        notifier: str,
        recipient_id: int,
        status: DeliveryStatus,
        error: str | None,
    ) -> None:
        now = self._clock.now()
        attempt = DeliveryAttempt(event.id, notifier, recipient_id, status, error, now)
        async with self._uow() as uow:
            await uow.events.log(attempt)
            await uow.commit()

    async def _settle(self, event: Event, failed: bool, retry_after: float) -> None:
        now = self._clock.now()
        attempts = event.attempts + 1
        async with self._leases:
            async with self._uow() as uow:
                if not failed:
                    await uow.events.finish(event.id, now)
                elif attempts >= self.policy.max_attempts:
                    log.error(
                        "giving up on event %d (%s) after %d attempts",
                        event.id,
                        event.kind,
                        attempts,
                    )
                    await uow.events.finish(event.id, now, gave_up=True)
                else:
                    delay = min(self.policy.max_delay, self.policy.base_delay * 2 ** (attempts - 1))
                    delay = max(delay, retry_after)
                    due = now + timedelta(seconds=delay)
                    await uow.events.reschedule(event.id, attempts, due)
                    heapq.heappush(self._retries, due)
                    self._wake.set()  # the running loop recomputes when to look again
                await uow.commit()
            self._flights.pop(event.id, None)


def _cancel(task: asyncio.Task[Any] | None) -> None:
    if task is not None and not task.done():
        task.cancel()
