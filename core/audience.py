"""Who hears of an event: the requester always, managers of new and failed requests, the
title's watchers of its fate, issue managers of everything that happens to an issue (its
reporter is its "requester"); and who has seen it already where they acted."""

from __future__ import annotations

from core.events import ISSUE_EVENTS, Audience, Event, EventKind, Notification
from core.identity import User
from core.permissions import Permission
from core.ports import UnitOfWork

# Managers hear of new requests (pending, or approved automatically, as Seerr's
# MEDIA_AUTO_APPROVED) and of failures they may need to retry.
MANAGER_EVENTS = frozenset({EventKind.PENDING, EventKind.AUTO_APPROVED, EventKind.FAILED})
# Users who pressed "Notify me" on a title hear what its requester hears of its fate.
WATCHER_EVENTS = frozenset(
    {
        EventKind.APPROVED,
        EventKind.RETRIED,
        EventKind.DECLINED,
        EventKind.FAILED,
        EventKind.AVAILABLE,
    }
)


def told_in_place(notification: Notification) -> bool:
    """Whether the recipient already saw this where they acted: the requester is answered in
    the chat when they make a request, and nobody needs telling what they did themselves
    (an issue manager who commented or resolved sees it on the issue's cards, which are
    edited for everyone)."""
    payload = notification.event.payload
    if notification.event.kind.is_issue:
        return payload.actor_id == notification.recipient.id
    if notification.audience is not Audience.REQUESTER:
        return False
    own_request = notification.event.kind is EventKind.PENDING and payload.actor_id is None
    return own_request or payload.actor_id == notification.recipient.id


async def recipients(uow: UnitOfWork, event: Event) -> list[tuple[User, Audience]]:
    """Who hears of ``event``, each once: the requester always (an issue's reporter);
    managers of new pending and failed ones, issue managers of every issue event; the
    title's watchers of its approval (or retry), decline, failure and
    availability."""
    found: list[tuple[User, Audience]] = []
    seen: set[int] = set()

    def add(user: User | None, audience: Audience) -> None:
        if user is not None and user.id not in seen:
            seen.add(user.id)
            found.append((user, audience))

    add(await uow.users.get(event.payload.requested_by_id), Audience.REQUESTER)
    if event.kind in ISSUE_EVENTS:
        # Their issue cards show every change (and a new comment, or the issue, is news).
        for manager in await uow.users.with_any_permission(Permission.MANAGE_ISSUES):
            add(manager, Audience.MANAGER)
    if event.kind in MANAGER_EVENTS:
        for manager in await uow.users.with_any_permission(Permission.MANAGE_REQUESTS):
            add(manager, Audience.MANAGER)
    if event.kind in WATCHER_EVENTS:
        for user_id in event.payload.watcher_ids:
            if user_id not in seen:
                add(await uow.users.get(user_id), Audience.WATCHER)
    return found
