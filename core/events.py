"""Domain values of events: a request's status change (or what happened to an issue) as the
outbox holds it, and its delivery to each recipient."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime

from core.domain import RequestStatus
from core.identity import User
from core.issue_values import IssueFacts
from core.media import MediaType, label


class EventKind(enum.StrEnum):
    """A status change of a request, as written to the outbox."""

    PENDING = "pending"
    AUTO_APPROVED = "auto_approved"
    APPROVED = "approved"
    # A failed request sent again: approved once more (for Seerr, MEDIA_APPROVED again).
    RETRIED = "retried"
    DECLINED = "declined"
    FAILED = "failed"
    AVAILABLE = "available"
    CANCELLED = "cancelled"
    # What happened to an issue reported on a title (the payload's ``issue`` says which).
    ISSUE_CREATED = "issue_created"
    ISSUE_COMMENT = "issue_comment"
    ISSUE_RESOLVED = "issue_resolved"
    ISSUE_REOPENED = "issue_reopened"
    ISSUE_DELETED = "issue_deleted"  # no agent hears of it; the chats' cards show it

    @property
    def is_issue(self) -> bool:
        return self in ISSUE_EVENTS


ISSUE_EVENTS = frozenset(
    {
        EventKind.ISSUE_CREATED,
        EventKind.ISSUE_COMMENT,
        EventKind.ISSUE_RESOLVED,
        EventKind.ISSUE_REOPENED,
        EventKind.ISSUE_DELETED,
    }
)


@dataclass(frozen=True, slots=True)
class EventPayload:
    """A snapshot of the request at the time of the change, so delivery needs no lookups.

    An issue's event has the title's fields, ``issue`` (the issue as it was), the reporter
    as ``requested_by_*`` (they hear of it as a requester of their request) and whoever
    acted as ``actor_*``; it belongs to no request: ``request_id`` is 0 and ``status``
    means nothing.
    """

    request_id: int
    media_type: MediaType
    tmdb_id: int
    title: str
    year: int | None
    poster_path: str | None
    overview: str
    is_4k: bool
    seasons: tuple[int, ...]
    requested_by_id: int
    requested_by_name: str
    actor_id: int | None
    actor_name: str | None
    status: RequestStatus
    reason: str | None = None
    # Users who asked to hear about this title ("Notify me"), as they were when the change
    # was recorded: the subscription may be gone by the time the event is delivered.
    watcher_ids: tuple[int, ...] = ()
    issue: IssueFacts | None = None

    @property
    def label(self) -> str:
        return label(self.title, self.year)


@dataclass(frozen=True, slots=True)
class Event:
    """An outbox row: one status change, written with the change itself."""

    id: int
    kind: EventKind
    payload: EventPayload
    created_at: datetime
    attempts: int = 0
    next_attempt_at: datetime | None = None
    delivered_at: datetime | None = None


class Audience(enum.StrEnum):
    """Why a user receives a notification."""

    REQUESTER = "requester"
    WATCHER = "watcher"  # asked to be told about this title ("Notify me")
    MANAGER = "manager"


class DeliveryStatus(enum.StrEnum):
    SENT = "sent"
    FAILED = "failed"
    GAVE_UP = "gave_up"
    SKIPPED = "skipped"
    HELD = "held"  # kept for an agent's digest, which logs it sent later


@dataclass(frozen=True, slots=True)
class Notification:
    """One event for one recipient, handed to a notifier. ``private_card``: a manager's
    card that they want in their private chat even where an admin chat has it."""

    event: Event
    recipient: User
    audience: Audience
    private_card: bool = False


@dataclass(frozen=True, slots=True)
class DeliveryAttempt:
    event_id: int
    notifier: str
    recipient_id: int
    status: DeliveryStatus
    error: str | None
    attempted_at: datetime
