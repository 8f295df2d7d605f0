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
import logging
from collections.abc import Awaitable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from core.domain import (
    Audience,
    DeliveryAttempt,
    DeliveryStatus,
    Event,
    EventKind,
    Notification,
    User,
)
from core.errors import DeliveryFailed
from core.permissions import Permission
from core.ports import Broadcaster, Clock, Notifier, UnitOfWork, UnitOfWorkFactory

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
    ``max_attempts`` rounds in all; an event being delivered is leased for ``lease`` seconds;
    a stopping dispatcher finishes the event in hand within ``drain`` seconds."""

    max_attempts: int = 100  # with the backoff below: about a day of a platform being down
    base_delay: float = 5.0
    max_delay: float = 900.0
    lease: float = 120.0
    poll_interval: float = 10.0
    batch: int = 50
    drain: float = 10.0  # seconds a stopping dispatcher may take to finish its event


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


class Dispatcher:
    """Delivers outbox events to the registered notifiers, with retries and backoff."""

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
        self._soonest: datetime | None = None  # the earliest retry the last pass scheduled
        self._stopping = False  # run() was cancelled: finish the event in hand, start no other

    def add_notifier(self, notifier: Notifier) -> None:
        """Register another notifier (an adapter that started late)."""
        self._notifiers.append(notifier)

    def wake(self) -> None:
        """Ask for a delivery pass now (called after a commit that wrote events)."""
        self._wake.set()

    async def run(self) -> None:
        """Deliver due events until cancelled, waking on ``wake()`` or every poll interval.

        When cancelled (the process is stopping), the event being delivered is finished
        first, for up to ``policy.drain`` seconds, so that a message already sent is also
        recorded as sent and is not sent again after the restart.
        """
        log.info("notification dispatcher started with %d notifier(s)", len(self._notifiers))
        self._stopping = False
        while True:
            self._wake.clear()
            delivering = asyncio.create_task(self._pass())
            try:
                await asyncio.shield(delivering)
            except asyncio.CancelledError:
                self._stopping = True
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(delivering, self.policy.drain)
                raise
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self._idle_time())

    async def _pass(self) -> None:
        try:
            await self.deliver_due()
        except Exception:
            log.exception("delivery pass failed; trying again in %ss", self.policy.poll_interval)

    def _idle_time(self) -> float:
        """Seconds until the next pass: the poll interval, or sooner when a retry is due."""
        wait = self.policy.poll_interval
        if self._soonest is not None:
            until = (self._soonest - self._clock.now()).total_seconds()
            wait = min(wait, max(0.0, until))
        return wait

    async def deliver_due(self) -> int:
        """Deliver every event that is due now; returns how many were handled."""
        handled = 0
        async with self._pass_lock:
            self._soonest = None
            while True:
                async with self._uow(write=False) as uow:
                    events = await uow.events.due(self._clock.now(), self.policy.batch)
                claimed = 0
                for event in events:
                    if self._stopping:
                        return handled + claimed
                    # Lease each event just before delivering it, so that a slow batch
                    # cannot outlive the leases of the events at its end.
                    if await self._claim(event):
                        await self._deliver(event)
                        claimed += 1
                handled += claimed
                if len(events) < self.policy.batch or not claimed:
                    return handled

    async def _claim(self, event: Event) -> bool:
        """Lease the event so that another dispatcher (another process) leaves it alone."""
        now = self._clock.now()
        async with self._uow() as uow:
            claimed = await uow.events.claim(
                event.id, now, now + timedelta(seconds=self.policy.lease)
            )
            await uow.commit()
        return claimed

    async def _deliver(self, event: Event) -> None:
        async with self._uow(write=False) as uow:
            targets = await recipients(uow, event)
            done = {
                (a.notifier, a.recipient_id)
                for a in await uow.events.attempts(event.id)
                if a.status in _FINAL
            }
        failed = False
        retry_after = 0.0
        for notifier in self._notifiers:
            if not isinstance(notifier, Broadcaster) or (notifier.name, CHANNELS) in done:
                continue
            status, error, wait = await self._attempt(
                notifier.name, event.id, "its shared chats", notifier.publish(event)
            )
            failed |= status is DeliveryStatus.FAILED
            retry_after = max(retry_after, wait)
            await self._log(event, notifier.name, CHANNELS, status, error)
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
                status, error, wait = await self._attempt(
                    notifier.name, event.id, f"user {user.id}", notifier.send(notification)
                )
                failed |= status is DeliveryStatus.FAILED
                retry_after = max(retry_after, wait)
                await self._log(event, notifier.name, user.id, status, error)
        await self._settle(event, failed, retry_after)

    async def _attempt(
        self, notifier: str, event_id: int, whom: str, sending: Awaitable[bool]
    ) -> tuple[DeliveryStatus, str | None, float]:
        """Run one send (or publish) and classify its outcome: (status, error, retry_after)."""
        try:
            # A send must end well inside the lease, or another dispatcher could take the
            # event over and send it again; a hung platform must not stall every event.
            async with asyncio.timeout(self.policy.lease / 2):
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
        async with self._uow() as uow:
            if not failed:
                await uow.events.finish(event.id, now)
            elif attempts >= self.policy.max_attempts:
                log.error(
                    "giving up on event %d (%s) after %d attempts", event.id, event.kind, attempts
                )
                await uow.events.finish(event.id, now, gave_up=True)
            else:
                delay = min(self.policy.max_delay, self.policy.base_delay * 2 ** (attempts - 1))
                delay = max(delay, retry_after)
                due = now + timedelta(seconds=delay)
                await uow.events.reschedule(event.id, attempts, due)
                self._soonest = due if self._soonest is None else min(self._soonest, due)
            await uow.commit()
