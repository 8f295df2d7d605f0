"""What the chat-platform test worlds read back from the database, shared by both."""

from __future__ import annotations

import asyncio

from core.domain import MediaRequest, RequestStatus
from core.events import EventKind
from core.notifications import Dispatcher
from core.services import Services


async def undelivered(services: Services) -> int:
    """How many events the outbox has yet to deliver."""
    async with services.uow(write=False) as uow:
        return await uow.events.pending_count()


async def settled(services: Services, dispatcher: Dispatcher, within: float) -> None:
    """Wait until the outbox has delivered every event: woken by each delivery's end, not
    by polling."""
    async with asyncio.timeout(within):
        while True:
            finished = dispatcher.next_finish()
            if not await undelivered(services):
                return
            await finished.wait()


async def all_requests(services: Services) -> list[MediaRequest]:
    """Every request in the database, oldest first."""
    async with services.uow(write=False) as uow:
        found: list[MediaRequest] = []
        for status in RequestStatus:
            found += (await uow.requests.with_status(status, 0, 1000))[0]
    return sorted(found, key=lambda r: r.id)


async def event_kinds(services: Services) -> list[EventKind]:
    """The kind of every event in the outbox, oldest first."""
    found: list[EventKind] = []
    async with services.uow(write=False) as uow:
        while (event := await uow.events.get(len(found) + 1)) is not None:
            found.append(event.kind)
    return found
