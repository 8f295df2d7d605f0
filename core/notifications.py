"""The outbox dispatcher: delivers every event to its recipients through every notifier.

Events are written in the same transaction as the change they report, so nothing is lost
when the process dies: on start the dispatcher delivers whatever is still undelivered.
Each (event, notifier, recipient) delivery is recorded in the notification log; a retry only
repeats the ones that have not succeeded. A delivery is at least once: a message can be sent
twice when the platform received it but we did not learn so (a crash between sending and
logging, a send cut off by its timeout, an answer lost on the network).

Who hears of an event is decided in core/audience.py; the sends of one event are made and
logged in core/delivery.py; the leases on the outbox rows are kept in core/leases.py.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from core.delivery import Outcome, Sender
from core.events import Event
from core.leases import Flight, Leases
from core.ports import (
    Clock,
    Drainable,
    Notifier,
    UnitOfWorkFactory,
)

log = logging.getLogger(__name__)


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
        self._sender = Sender(uow, clock, self._notifiers, self._is_stopping, self._send_cutoff)
        self._wake = asyncio.Event()
        self._pass_lock = asyncio.Lock()
        self._leases = Leases(uow, clock)
        self._flights = self._leases.flights  # the events being delivered, by id
        self._room = asyncio.Event()  # an event was settled (or the dispatcher stops)
        self._finished = asyncio.Event()  # set (and replaced) when an event's delivery ends
        self._retries: list[datetime] = []  # a heap of the retries scheduled
        self._renewer: asyncio.Task[None] | None = None
        self._stopping = False  # run() was cancelled: start no send, admit no event

    def _is_stopping(self) -> bool:
        return self._stopping

    def _send_cutoff(self) -> float:
        # A send must end well inside the lease, or another dispatcher could take the event
        # over and send it again; a hung platform must not stall its chats.
        return min(self.policy.send_timeout, self.policy.lease * 0.75)

    def add_notifier(self, notifier: Notifier) -> None:
        """Register another notifier (an adapter that started late)."""
        self._notifiers.append(notifier)

    def wake(self) -> None:
        """Ask for a delivery pass now (called after a commit that wrote events)."""
        self._wake.set()

    def next_finish(self) -> asyncio.Event:
        """An asyncio event set when the next event's delivery ends: delivered, to be tried
        again or given up (its outcome stored by then), or left for its lease to run out
        after a send crashed. For waiting on the outbox without polling it."""
        return self._finished

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
                    if await self._leases.claim(event, self.policy.lease):
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

    async def _start(self, event: Event) -> None:
        flight = self._flights[event.id]
        try:
            sends = await self._sender.plan(event)
        except BaseException:
            self._leases.abandon(event.id)  # tried again once its lease runs out
            raise
        self._sender.queue(event, sends)
        flight.sends = sends
        flight.task = asyncio.create_task(self._finish(flight))
        if self._renewer is None or self._renewer.done():
            self._renewer = asyncio.create_task(self._keep_leases())

    async def _finish(self, flight: Flight) -> None:
        """Settle the event once all its sends are done (unless the dispatcher stopped)."""
        event = flight.event
        try:
            outcomes = await asyncio.gather(
                *(s.task for s in flight.sends if s.task), return_exceptions=True
            )
            results: list[Outcome] = []
            for outcome in outcomes:
                if outcome is None or isinstance(outcome, BaseException):
                    if not self._stopping:  # stopping: its lease is given back instead
                        log.error(
                            "delivering event %d failed: %r; trying again later", event.id, outcome
                        )
                        self._leases.abandon(event.id)
                    return
                results.append(outcome)
            failed = any(f for f, _ in results)
            await self._settle(event, failed, max((w for _, w in results), default=0.0))
        finally:
            self._room.set()
            self._finished.set()
            self._finished = asyncio.Event()
            if not self._flights and self._renewer is not None:
                self._renewer.cancel()

    async def _keep_leases(self) -> None:
        """Renew the leases of the events in flight, well before they run out."""
        while self._flights and not self._stopping:
            await asyncio.sleep(self.policy.lease / 3)
            try:
                await self._leases.renew(self.policy.lease, self._is_stopping)
            except Exception:
                log.exception("could not renew the leases of the events being delivered")

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
                await self._leases.give_back()
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

    async def _settle(self, event: Event, failed: bool, retry_after: float) -> None:
        """Record the outcome of the event's round: exponential backoff (at least what a
        platform asked for) until ``policy.max_attempts`` rounds are used up."""
        attempts = event.attempts + 1
        retry_in = None
        if failed and attempts < self.policy.max_attempts:
            delay = min(self.policy.max_delay, self.policy.base_delay * 2 ** (attempts - 1))
            retry_in = max(delay, retry_after)
        due = await self._leases.settle(event, failed=failed, retry_in=retry_in)
        if due is not None:
            heapq.heappush(self._retries, due)
            self._wake.set()  # the running loop recomputes when to look again


def _cancel(task: asyncio.Task[Any] | None) -> None:
    if task is not None and not task.done():
        task.cancel()
