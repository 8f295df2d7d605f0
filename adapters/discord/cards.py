"""A request's card for managers, as it is now: its embed, and the decisions it offers
(Approve / Decline while pending, Retry once failed). Cards are posted by the notifier and
shown again by the managers' buttons."""

from __future__ import annotations

from typing import Any

import discord

from adapters import text
from adapters.discord import render
from adapters.discord.controls import Control, button
from adapters.discord.replies import frozen
from adapters.text import SHOWN_AS
from core import outbox, quotas
from core.domain import MediaRequest
from core.events import EventKind, EventPayload
from core.media import MediaType
from core.services import Services


def card_buttons(payload: EventPayload, kind: EventKind) -> list[Control]:
    """Approve / Decline while pending, Retry once failed, nothing otherwise."""
    request_id = payload.request_id
    if kind is EventKind.PENDING:
        return [
            button("Approve", "ap", request_id, style=discord.ButtonStyle.success, emoji="✅"),
            button("Decline", "de", request_id, style=discord.ButtonStyle.danger, emoji="✖️"),
        ]
    if kind is EventKind.FAILED:
        return [button("Retry", "rt", request_id, style=discord.ButtonStyle.primary, emoji="🔁")]
    return []


def card_of(request: MediaRequest, quota_use: str = "") -> dict[str, Any]:
    """The card of a request as it is now."""
    reason = request.decline_reason or request.fail_reason
    payload = outbox.snapshot(request, request.modified_by, reason)
    kind = SHOWN_AS[request.status]
    embed = render.approval_card(payload, kind, quota_use)
    return {"embed": embed, "view": frozen(*card_buttons(payload, kind))}


async def quota_use(services: Services, user_id: int, media_type: MediaType) -> str:
    """The requester's use of the quota that the request counts against, for its card."""
    return text.quota_use(await quotas.counted_against(services, user_id, media_type), media_type)
