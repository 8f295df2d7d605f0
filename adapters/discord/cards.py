"""A request's card for managers, as it is now: its embed, and a button for each decision
still open (core.decisions). The notifier posts cards; the managers' buttons show them
again."""

from __future__ import annotations

from typing import Any

import discord

from adapters.cards import as_it_stands
from adapters.discord import render
from adapters.discord.controls import Control, button
from adapters.discord.replies import frozen
from core.decisions import Decision, open_decisions
from core.domain import MediaRequest
from core.events import EventKind, EventPayload

# Each decision's button: label, verb, style, emoji.
DECISION_BUTTONS = {
    Decision.APPROVE: ("Approve", "ap", discord.ButtonStyle.success, "✅"),
    Decision.DECLINE: ("Decline", "de", discord.ButtonStyle.danger, "✖️"),
    Decision.RETRY: ("Retry", "rt", discord.ButtonStyle.primary, "🔁"),
}


def card_buttons(payload: EventPayload, kind: EventKind) -> list[Control]:
    """A button for each decision still open (core.decisions): Approve / Decline while
    pending, Retry once failed, nothing otherwise."""
    shown = [DECISION_BUTTONS[decision] for decision in open_decisions(kind)]
    return [
        button(label, verb, payload.request_id, style=style, emoji=emoji)
        for label, verb, style, emoji in shown
    ]


def card(payload: EventPayload, kind: EventKind, quota_use: str = "") -> dict[str, Any]:
    """The card of a request as ``kind`` left it: its embed and its buttons."""
    embed = render.approval_card(payload, kind, quota_use)
    return {"embed": embed, "view": frozen(*card_buttons(payload, kind))}


def card_of(request: MediaRequest, quota_use: str = "") -> dict[str, Any]:
    """The card of a request as it is now."""
    return card(*as_it_stands(request), quota_use)
