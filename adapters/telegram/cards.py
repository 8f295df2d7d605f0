"""A request's card for managers: a button for each decision still open (core.decisions).
The notifier posts and edits the cards; render lays out their text."""

from __future__ import annotations

from collections.abc import Callable

from telegram import InlineKeyboardMarkup

from adapters.telegram import callbacks
from adapters.telegram.messages import keyboard
from core.decisions import Decision, open_decisions
from core.events import EventKind, EventPayload

# Each decision's button: its label, and its callback data for a request id.
DECISION_BUTTONS: dict[Decision, tuple[str, Callable[[int], str]]] = {
    Decision.APPROVE: ("✅ Approve", callbacks.approve),
    Decision.DECLINE: ("❌ Decline", callbacks.decline),
    Decision.RETRY: ("🔁 Retry", callbacks.retry),
}


def card_buttons(payload: EventPayload, kind: EventKind) -> InlineKeyboardMarkup | None:
    """The decisions still open (core.decisions): Approve / Decline while pending, Retry
    once failed, nothing otherwise."""
    shown = (DECISION_BUTTONS[decision] for decision in open_decisions(kind))
    return keyboard([(label, data(payload.request_id)) for label, data in shown])
