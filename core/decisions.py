"""What a manager may still decide from a request's card, from the request's latest event:
every chat's card offers the same buttons."""

from __future__ import annotations

import enum

from core.events import EventKind


class Decision(enum.Enum):
    """A manager's button on a request's card."""

    APPROVE = "approve"
    DECLINE = "decline"
    RETRY = "retry"  # send a failed request to the downloader again


_OPEN = {
    EventKind.PENDING: (Decision.APPROVE, Decision.DECLINE),
    EventKind.FAILED: (Decision.RETRY,),
}


def open_decisions(kind: EventKind) -> tuple[Decision, ...]:
    """The decisions a card offers once ``kind`` is its request's latest event: approve or
    decline while it awaits one, retry once it failed, none otherwise. Who may take them is
    the core's check when a button is pressed."""
    return _OPEN.get(kind, ())
