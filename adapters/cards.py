"""What a request's card shows, shared by the chat adapters (their notifiers and buttons)."""

from __future__ import annotations

from dataclasses import replace

from adapters import text
from adapters.text import SHOWN_AS
from core import outbox, queries, quotas
from core.domain import MediaRequest
from core.events import EventKind, EventPayload
from core.media import MediaType
from core.services import Services

# An approved request's card keeps showing how it came to be approved.
_SHOWN_ALIKE = {
    (EventKind.APPROVED, EventKind.AUTO_APPROVED),
    (EventKind.APPROVED, EventKind.RETRIED),
}


def as_it_stands(request: MediaRequest) -> tuple[EventPayload, EventKind]:
    """A card of ``request`` as it is now: its snapshot, with who last moved it and why it
    was declined or failed, and the event kind its status shows as."""
    reason = request.decline_reason or request.fail_reason
    return outbox.snapshot(request, request.modified_by, reason), SHOWN_AS[request.status]


async def as_it_is_now(
    services: Services, payload: EventPayload, kind: EventKind
) -> tuple[EventPayload, EventKind]:
    """The request as a card should show it: the event's own snapshot while the request is
    still where the event left it, else its present state (events are delivered one by one
    and retried, so an older one may arrive after a newer one)."""
    current = await queries.current_request(services, payload.request_id)
    if current is None:  # cancelled (the row is gone)
        if kind is EventKind.CANCELLED:
            return payload, kind
        return replace(payload, actor_id=None, actor_name=None), EventKind.CANCELLED
    shown = SHOWN_AS[current.status]
    if shown is kind or (shown, kind) in _SHOWN_ALIKE:
        return payload, kind
    return as_it_stands(current)


async def quota_use(services: Services, user_id: int, media_type: MediaType) -> str:
    """The requester's use of the quota that the request counts against, for its card."""
    return text.quota_use(await quotas.counted_against(services, user_id, media_type), media_type)
