"""Writing to the outbox: each change of a request is recorded as an event in the transaction
of the change itself, with a snapshot of the request, so that delivery needs no lookups."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from core.audience import WATCHER_EVENTS
from core.domain import MediaRequest
from core.events import EventKind, EventPayload
from core.identity import User
from core.ports import UnitOfWork

SYSTEM = None  # actor of changes made by jobs rather than people


def snapshot(request: MediaRequest, actor: User | None, reason: str | None = None) -> EventPayload:
    """The request as an event reports it (what adapters show on a card)."""
    media = request.media
    return EventPayload(
        request_id=request.id,
        media_type=media.media_type,
        tmdb_id=media.tmdb_id,
        title=media.title,
        year=media.year,
        poster_path=media.poster_path,
        overview=media.overview,
        is_4k=request.is_4k,
        seasons=request.season_numbers,
        requested_by_id=request.requested_by.id,
        requested_by_name=request.requested_by.display_name,
        actor_id=actor.id if actor else None,
        actor_name=actor.display_name if actor else None,
        status=request.status,
        reason=reason,
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
