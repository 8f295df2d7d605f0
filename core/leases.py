"""The dispatcher's hold on the outbox rows of the events it delivers: each is leased before
its sends are queued, so that another dispatcher (another process) leaves it alone; the
leases are renewed while the sends wait their turn, and end when the event is settled
(delivered, given up on, or due again later) or given back as the process stops."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from core.delivery import Send
from core.events import Event
from core.ports import Clock, UnitOfWorkFactory

log = logging.getLogger(__name__)


@dataclass(slots=True)
class Flight:
    """An event being delivered: leased, its sends queued or under way."""

    event: Event
    sends: list[Send] = field(default_factory=list)
    task: asyncio.Task[None] | None = None


class Leases:
    """The events in flight, by id, and their leases; one lock keeps a renewal from undoing
    a settlement."""

    def __init__(self, uow: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock
        self.flights: dict[int, Flight] = {}
        self._lock = asyncio.Lock()

    async def claim(self, event: Event, seconds: float) -> bool:
        """Lease a due event for ``seconds``; True, and it is in flight, if this dispatcher
        got it."""
        now = self._clock.now()
        async with self._uow() as uow:
            claimed = await uow.events.claim(event.id, now, now + timedelta(seconds=seconds))
            await uow.commit()
        if claimed:
            self.flights[event.id] = Flight(event)
        return claimed

    def abandon(self, event_id: int) -> None:
        """Take an event out of flight without settling it (its delivery broke): its lease
        runs out, and a dispatcher tries it again then."""
        self.flights.pop(event_id, None)

    async def renew(self, seconds: float, stopping: Callable[[], bool]) -> None:
        """Lease every event in flight for another ``seconds``, unless the dispatcher is
        stopping by the time the lock is taken."""
        async with self._lock:
            if stopping():
                return
            await self._lease_all(self._clock.now() + timedelta(seconds=seconds))

    async def give_back(self) -> None:
        """End the leases of the events not fully delivered, so a restart takes them now."""
        async with self._lock:
            left = await self._lease_all(self._clock.now())
            if left:
                log.info("%d event(s) left for after the restart", left)
            self.flights.clear()

    async def settle(
        self, event: Event, *, failed: bool, retry_in: float | None
    ) -> datetime | None:
        """End the event's flight: delivered unless ``failed``; a failed one is due again in
        ``retry_in`` seconds, or given up on when that is None. Returns when it is due."""
        now = self._clock.now()
        attempts = event.attempts + 1
        due = None
        async with self._lock:
            async with self._uow() as uow:
                if not failed:
                    await uow.events.finish(event.id, now)
                elif retry_in is None:
                    log.error(
                        "giving up on event %d (%s) after %d attempts",
                        event.id,
                        event.kind,
                        attempts,
                    )
                    await uow.events.finish(event.id, now, gave_up=True)
                else:
                    due = now + timedelta(seconds=retry_in)
                    await uow.events.reschedule(event.id, attempts, due)
                await uow.commit()
            self.flights.pop(event.id, None)
        return due

    async def _lease_all(self, until: datetime) -> int:
        """Lease every event in flight until ``until`` (the lock held); how many."""
        if self.flights:
            async with self._uow() as uow:
                await uow.events.extend(list(self.flights), until)
                await uow.commit()
        return len(self.flights)
