"""Repository ports of the bot's own state: the outbox with its delivery log, stored settings,
and what chat adapters keep (the data behind buttons, the cards they posted)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Protocol

from core.domain import ChatPost
from core.events import DeliveryAttempt, Event, EventKind, EventPayload


class EventRepository(Protocol):
    """The outbox and its delivery log."""

    async def add(self, kind: EventKind, payload: EventPayload, now: datetime) -> Event: ...

    async def due(self, now: datetime, limit: int = 50) -> list[Event]:
        """Undelivered events whose next attempt is due, oldest first."""
        ...

    async def get(self, event_id: int) -> Event | None: ...

    async def claim(self, event_id: int, now: datetime, until: datetime) -> bool:
        """Lease an undelivered event that is due at ``now`` until ``until``, atomically:
        of several dispatchers claiming one event at once, exactly one gets True."""
        ...

    async def finish(self, event_id: int, now: datetime, *, gave_up: bool = False) -> None: ...

    async def reschedule(self, event_id: int, attempts: int, next_attempt_at: datetime) -> None: ...

    async def extend(self, event_ids: Sequence[int], until: datetime) -> None:
        """Lease these events until ``until``, their attempts as they are (one statement,
        however many are in flight); ids of no event are passed over."""
        ...

    async def log(self, attempt: DeliveryAttempt) -> None: ...

    async def attempts(self, event_id: int) -> list[DeliveryAttempt]: ...

    async def held(self, notifier: str, recipient_id: int) -> list[Event]:
        """The events held for a digest of (notifier, recipient) and not logged as sent
        to it since, oldest first."""
        ...

    async def pending_count(self) -> int: ...


class SettingsRepository(Protocol):
    async def get(self, key: str, *, max_age: timedelta | None = None) -> str | None:
        """The value stored under ``key``. With ``max_age``, a value this process read at
        most that long ago will do, unless this process changed it since; another
        process's change may then show up to ``max_age`` late."""
        ...

    async def set(self, key: str, value: str, now: datetime) -> None: ...

    async def set_default(self, key: str, value: str, now: datetime) -> str:
        """Store ``value`` under ``key`` unless a value is there; return the value stored now.
        Of several units doing this at once, all end with the first one's value."""
        ...


class ChatStateRepository(Protocol):
    """What a chat adapter keeps behind the short keys in its buttons, with an expiry."""

    async def put(
        self, platform: str, key: str, data: str, now: datetime, expires_at: datetime
    ) -> None:
        """Store ``data`` under (platform, key), replacing what was there."""
        ...

    async def get(self, platform: str, key: str, now: datetime) -> str | None:
        """The data, or None when there is none or it expired before ``now``."""
        ...

    async def delete(self, platform: str, key: str) -> None: ...

    async def purge(self, now: datetime) -> int:
        """Delete what expired before ``now``; returns how many entries went."""
        ...


class ChatPostRepository(Protocol):
    """Messages posted about requests (approval cards), to edit them later."""

    async def add(self, post: ChatPost, now: datetime) -> None: ...

    async def for_request(self, request_id: int, platform: str) -> list[ChatPost]:
        """The posts about a request on one platform, oldest first."""
        ...

    async def for_issue(self, issue_id: int, platform: str) -> list[ChatPost]:
        """The cards of an issue on one platform, oldest first."""
        ...
