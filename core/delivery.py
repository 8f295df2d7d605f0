"""Delivering an event: a send per (notifier, recipient) it still needs, and a publish per
notifier with shared chats, each queued in the lanes of the chats it writes to (a chat gets
its messages in the order of the events), each attempt classified and logged."""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Awaitable, Callable, Collection
from dataclasses import dataclass

from core.audience import recipients
from core.errors import DeliveryFailed, DeliveryHeld
from core.events import Audience, DeliveryAttempt, DeliveryStatus, Event, Notification
from core.lanes import Lanes, Ticket
from core.ports import SHARED, Broadcaster, Clock, Notifier, Routed, UnitOfWorkFactory
from core.preferences import TURNED_OFF, private_cards_for

log = logging.getLogger(__name__)

_FINAL = frozenset(
    {DeliveryStatus.SENT, DeliveryStatus.SKIPPED, DeliveryStatus.GAVE_UP, DeliveryStatus.HELD}
)
MAX_ERROR = 500
NOBODY = "none"  # the notifier named in the log when no notifier reaches a recipient
CHANNELS = 0  # the recipient id logged for a Broadcaster's shared chats (no user has id 0)


def destinations(notifier: Notifier, notification: Notification) -> Collection[str]:
    """The chats a send writes to: as the notifier says, else the recipient's own chat (and,
    for a manager's card, the shared chats, so that no edit overtakes the card's post)."""
    if isinstance(notifier, Routed):
        return notifier.destinations(notification)
    own = f"user:{notification.recipient.id}"
    return (own, SHARED) if notification.audience is Audience.MANAGER else (own,)


Outcome = tuple[bool, float]  # (failed, retry_after) of one send


@dataclass(slots=True)
class Send:
    """One (notifier, recipient) delivery of an event, queued in the lanes of its chats."""

    notifier: str
    recipient_id: int
    whom: str
    start: Callable[[], Awaitable[bool]]
    keys: Collection[str]
    ticket: Ticket | None = None
    task: asyncio.Task[Outcome | None] | None = None


class Sender:
    """Sends events through the notifiers, each send in the lanes of its chats (see
    Dispatcher), and logs every attempt."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        clock: Clock,
        notifiers: list[Notifier],
        stopping: Callable[[], bool],
        cutoff: Callable[[], float],
    ) -> None:
        self._uow = uow
        self._clock = clock
        self.notifiers = notifiers  # shared with the dispatcher, which may add to it
        self._stopping = stopping  # true once no send may start any more
        self._cutoff = cutoff  # the seconds a send may take, read as it starts
        self._lanes = Lanes()

    async def plan(self, event: Event) -> list[Send]:
        """The sends the event still needs: one publish per Broadcaster, one send per
        (notifier, recipient), less those already sent or given up on, and less those the
        recipient turned off (logged as skipped, with why)."""
        async with self._uow(write=False) as uow:
            targets = await recipients(uow, event)
            choices = await uow.preferences.for_users([user.id for user, _ in targets])
            done = {
                (a.notifier, a.recipient_id)
                for a in await uow.events.attempts(event.id)
                if a.status in _FINAL
            }
        sends: list[Send] = []
        for notifier in self.notifiers:
            if isinstance(notifier, Broadcaster) and (notifier.name, CHANNELS) not in done:
                publish = functools.partial(notifier.publish, event)
                shared = [f"{notifier.name}:{SHARED}"]
                sends.append(Send(notifier.name, CHANNELS, "its shared chats", publish, shared))
        for user, audience in targets:
            reaching = [n for n in self.notifiers if n.reaches(user)]
            if not reaching and (NOBODY, user.id) not in done:
                # Not an error (the user is only on a platform this deployment does not
                # run), but the log should say why nothing was sent.
                await self._log(
                    event, NOBODY, user.id, DeliveryStatus.SKIPPED, "no notifier reaches this user"
                )
            prefs = choices[user.id]
            for notifier in reaching:
                if (notifier.name, user.id) in done:
                    continue
                if not prefs.wants(notifier.name, event.kind):
                    await self._log(
                        event, notifier.name, user.id, DeliveryStatus.SKIPPED, TURNED_OFF
                    )
                    continue
                private = private_cards_for(prefs, audience)
                notification = Notification(event, user, audience, private)
                keys = [f"{notifier.name}:{k}" for k in destinations(notifier, notification)]
                sending = functools.partial(notifier.send, notification)
                sends.append(Send(notifier.name, user.id, f"user {user.id}", sending, keys))
        return sends

    def queue(self, event: Event, sends: list[Send]) -> None:
        """Start every send of the event. They join their lanes at once, with no await in
        between, so that each lane holds the sends in the order of the events."""
        for send in sends:
            send.ticket = self._lanes.join(send.keys)
            send.task = asyncio.create_task(self._send(event, send))

    async def _send(self, event: Event, send: Send) -> Outcome | None:
        """Wait for the send's turn in its lanes, send, log; None if it never started."""
        assert send.ticket is not None
        try:
            await send.ticket.turn.wait()
            if self._stopping():
                return None
            send.ticket.started = True
            status, error, wait = await self._attempt(
                send.notifier, event.id, send.whom, send.start()
            )
            await self._log(event, send.notifier, send.recipient_id, status, error)
            return status is DeliveryStatus.FAILED, wait
        finally:
            self._lanes.leave(send.ticket)

    async def _attempt(
        self, notifier: str, event_id: int, whom: str, sending: Awaitable[bool]
    ) -> tuple[DeliveryStatus, str | None, float]:
        """Run one send (or publish) and classify its outcome: (status, error, retry_after)."""
        try:
            async with asyncio.timeout(self._cutoff()):
                sent = await sending
        except DeliveryHeld as held:
            return DeliveryStatus.HELD, held.reason, 0.0
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
