"""The outbox (events) and its delivery log (notification_logs)."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, exists, func, insert, or_, select, update

from core.domain import RequestStatus
from core.events import DeliveryAttempt, DeliveryStatus, Event, EventKind, EventPayload
from core.issue_values import IssueFacts, IssueStatus, IssueType
from core.media import MediaType
from storage.sql import Db
from storage.tables import events_t, notification_logs_t

_e = events_t.c
_n = notification_logs_t.c
_PAYLOAD_NAMES = tuple(f.name for f in dataclasses.fields(EventPayload))
_PAYLOAD_FIELDS = frozenset(_PAYLOAD_NAMES)
_ISSUE_FIELDS = frozenset(f.name for f in dataclasses.fields(IssueFacts))

_SELECT = select(
    _e.id, _e.kind, _e.payload, _e.created_at, _e.attempts, _e.next_attempt_at, _e.delivered_at
)
_GET = _SELECT.where(_e.id == bindparam("id"))
_DUE = (
    _SELECT.where(
        _e.delivered_at.is_(None),
        or_(_e.next_attempt_at.is_(None), _e.next_attempt_at <= bindparam("now")),
    )
    .order_by(_e.id)
    .limit(bindparam("limit"))
)
_PENDING = select(func.count()).where(_e.delivered_at.is_(None))
_ADD = insert(events_t)
_FINISH = (
    update(events_t)
    .where(_e.id == bindparam("event_id"))
    .values(delivered_at=bindparam("now"), gave_up=bindparam("gave_up"))
)
_CLAIM = (
    update(events_t)
    .where(
        _e.id == bindparam("event_id"),
        _e.delivered_at.is_(None),
        or_(_e.next_attempt_at.is_(None), _e.next_attempt_at <= bindparam("now")),
    )
    .values(next_attempt_at=bindparam("until"))
)
_RESCHEDULE = (
    update(events_t)
    .where(_e.id == bindparam("event_id"))
    .values(attempts=bindparam("attempts"), next_attempt_at=bindparam("next_attempt_at"))
)
_EXTEND = (
    update(events_t)
    .where(_e.id.in_(bindparam("ids", expanding=True)))
    .values(next_attempt_at=bindparam("until"))
)
_LOG = insert(notification_logs_t)
_ATTEMPTS = (
    select(_n.event_id, _n.notifier, _n.recipient_id, _n.status, _n.error, _n.attempted_at)
    .where(_n.event_id == bindparam("event_id"))
    .order_by(_n.id)
)

_held = notification_logs_t.alias("held")
_sent = notification_logs_t.alias("sent")
_HELD = (
    _SELECT.join(_held, _held.c.event_id == _e.id)
    .where(
        _held.c.notifier == bindparam("notifier"),
        _held.c.recipient_id == bindparam("recipient_id"),
        _held.c.status == DeliveryStatus.HELD.value,
        ~exists().where(
            _sent.c.event_id == _e.id,
            _sent.c.notifier == _held.c.notifier,
            _sent.c.recipient_id == _held.c.recipient_id,
            _sent.c.status == DeliveryStatus.SENT.value,
        ),
    )
    .distinct()
    .order_by(_e.id)
)


def dump_payload(payload: EventPayload) -> str:
    """The payload as JSON (enums as their values)."""
    data = {name: getattr(payload, name) for name in _PAYLOAD_NAMES}
    data["seasons"] = list(payload.seasons)
    if payload.issue is not None:
        data["issue"] = dataclasses.asdict(payload.issue)
    return json.dumps(data, separators=(",", ":"))


def load_payload(text: str) -> EventPayload:
    """The payload from JSON; keys this version does not know are ignored."""
    data: dict[str, Any] = {k: v for k, v in json.loads(text).items() if k in _PAYLOAD_FIELDS}
    data["media_type"] = MediaType(data["media_type"])
    data["status"] = RequestStatus(data["status"])
    data["seasons"] = tuple(data.get("seasons", ()))
    data["watcher_ids"] = tuple(data.get("watcher_ids", ()))
    data["issue"] = _issue_facts(data.get("issue"))
    return EventPayload(**data)


def _issue_facts(data: dict[str, Any] | None) -> IssueFacts | None:
    """An issue's snapshot from JSON (None in the events of requests, and in rows written
    before issues were)."""
    if data is None:
        return None
    known = {k: v for k, v in data.items() if k in _ISSUE_FIELDS}
    known["issue_type"] = IssueType(known["issue_type"])
    known["status"] = IssueStatus(known["status"])
    return IssueFacts(**known)


def _event(row: Any) -> Event:
    eid, kind, payload, created_at, attempts, next_attempt_at, delivered_at = row
    return Event(
        id=eid,
        kind=EventKind(kind),
        payload=load_payload(payload),
        created_at=created_at,
        attempts=attempts,
        next_attempt_at=next_attempt_at,
        delivered_at=delivered_at,
    )


class SqlEventRepository:
    """core.state_repositories.EventRepository on SQL."""

    __slots__ = ("_db",)

    def __init__(self, db: Db) -> None:
        self._db = db

    async def add(self, kind: EventKind, payload: EventPayload, now: datetime) -> Event:
        """Write an event to the outbox, due at once."""
        result = await self._db.execute(
            _ADD,
            {
                "kind": kind.value,
                "request_id": payload.request_id,
                "payload": dump_payload(payload),
                "created_at": now,
                "attempts": 0,
                "gave_up": False,
            },
        )
        event_id: int = result.inserted_primary_key[0]  # type: ignore[index]
        return Event(id=event_id, kind=kind, payload=payload, created_at=now)

    async def due(self, now: datetime, limit: int = 50) -> list[Event]:
        """Undelivered events whose next attempt is due, oldest first."""
        rows = await self._db.all(_DUE, {"now": now, "limit": limit})
        return [_event(row) for row in rows]

    async def get(self, event_id: int) -> Event | None:
        """One event."""
        row = await self._db.first(_GET, {"id": event_id})
        return _event(row) if row else None

    async def claim(self, event_id: int, now: datetime, until: datetime) -> bool:
        """Lease the event if it is still due: one conditional UPDATE, so that of two
        dispatchers (two processes) exactly one sees its row change."""
        params = {"event_id": event_id, "now": now, "until": until}
        return (await self._db.execute(_CLAIM, params)).rowcount == 1

    async def finish(self, event_id: int, now: datetime, *, gave_up: bool = False) -> None:
        """Mark the event delivered (or given up on) at ``now``."""
        await self._db.execute(_FINISH, {"event_id": event_id, "now": now, "gave_up": gave_up})

    async def reschedule(self, event_id: int, attempts: int, next_attempt_at: datetime) -> None:
        """Record the attempts so far and when to try next."""
        params = {"event_id": event_id, "attempts": attempts, "next_attempt_at": next_attempt_at}
        await self._db.execute(_RESCHEDULE, params)

    async def extend(self, event_ids: Sequence[int], until: datetime) -> None:
        """Lease these events until ``until`` in one statement."""
        if event_ids:
            await self._db.execute(_EXTEND, {"ids": list(event_ids), "until": until})

    async def log(self, attempt: DeliveryAttempt) -> None:
        """Record one delivery attempt."""
        await self._db.execute(
            _LOG,
            {
                "event_id": attempt.event_id,
                "notifier": attempt.notifier,
                "recipient_id": attempt.recipient_id,
                "status": attempt.status.value,
                "error": attempt.error,
                "attempted_at": attempt.attempted_at,
            },
        )

    async def attempts(self, event_id: int) -> list[DeliveryAttempt]:
        """The event's delivery attempts, in order."""
        rows = await self._db.all(_ATTEMPTS, {"event_id": event_id})
        return [
            DeliveryAttempt(eid, notifier, recipient, DeliveryStatus(status), error, at)
            for eid, notifier, recipient, status, error, at in map(tuple, rows)
        ]

    async def held(self, notifier: str, recipient_id: int) -> list[Event]:
        """The events held for a digest of (notifier, recipient) and not sent since."""
        rows = await self._db.all(_HELD, {"notifier": notifier, "recipient_id": recipient_id})
        return [_event(row) for row in rows]

    async def pending_count(self) -> int:
        """How many events are not delivered yet."""
        return int(await self._db.scalar(_PENDING))
