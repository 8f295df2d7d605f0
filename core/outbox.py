"""Writing to the outbox: each change of a request is recorded as an event in the transaction
of the change itself, with a snapshot of the request, so that delivery needs no lookups."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from core.audience import WATCHER_EVENTS
from core.domain import MediaRequest, RequestStatus
from core.events import EventKind, EventPayload
from core.identity import User
from core.issue_values import IssueFacts
from core.media import Media
from core.ports import UnitOfWork

SYSTEM = None  # actor of changes made by jobs rather than people


def snapshot(request: MediaRequest, actor: User | None, reason: str | None = None) -> EventPayload:
    """The request as an event reports it (what adapters show on a card)."""
    return title_snapshot(
        request.media,
        request.requested_by,
        actor,
        request_id=request.id,
        status=request.status,
        is_4k=request.is_4k,
        seasons=request.season_numbers,
        reason=reason,
    )


def title_snapshot(
    media: Media,
    asked_by: User,
    actor: User | None,
    *,
    request_id: int,
    status: RequestStatus,
    is_4k: bool = False,
    seasons: tuple[int, ...] = (),
    reason: str | None = None,
    issue: IssueFacts | None = None,
) -> EventPayload:
    """An event's snapshot of a title, of who asked (a requester, an issue's reporter) and
    of who acted, with the event's own fields."""
    return EventPayload(
        request_id=request_id,
        media_type=media.media_type,
        tmdb_id=media.tmdb_id,
        title=media.title,
        year=media.year,
        poster_path=media.poster_path,
        overview=media.overview,
        is_4k=is_4k,
        seasons=seasons,
        requested_by_id=asked_by.id,
        requested_by_name=asked_by.display_name,
        actor_id=actor.id if actor else None,
        actor_name=actor.display_name if actor else None,
        status=status,
        reason=reason,
        issue=issue,
    )


async def record_event(
    uow: UnitOfWork,
    kind: EventKind,
    request: MediaRequest,
    actor: User | None,
    now: datetime,
    reason: str | None = None,
) -> None:
    """Write the outbox row in the same transaction as the change it reports, with the
    title's watchers when they hear of this kind of change."""
    payload = snapshot(request, actor, reason)
    if kind in WATCHER_EVENTS:
        watchers = await uow.watchers.user_ids(request.media.id)
        payload = replace(payload, watcher_ids=tuple(watchers))
    await uow.events.add(kind, payload, now)


def reassigned(payload: EventPayload, source_id: int, target_id: int) -> EventPayload:
    """An event's snapshot with the target where it named the source."""

    def swap(user_id: int) -> int:
        return target_id if user_id == source_id else user_id

    actor, issue = payload.actor_id, payload.issue
    if issue is not None:
        commenter = issue.commented_by_id
        issue = replace(
            issue,
            reported_by_id=swap(issue.reported_by_id),
            commented_by_id=None if commenter is None else swap(commenter),
        )
    return replace(
        payload,
        requested_by_id=swap(payload.requested_by_id),
        actor_id=None if actor is None else swap(actor),
        watcher_ids=tuple(dict.fromkeys(swap(w) for w in payload.watcher_ids)),
        issue=issue,
    )
