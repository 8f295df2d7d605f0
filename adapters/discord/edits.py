"""Bringing a card the bot posted up to date: an edit only when it would change what the
card shows, and a card deleted meanwhile (or in a channel the bot lost) passed over."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Any

import discord

from adapters.discord.replies import fingerprint
from adapters.memory import Recent
from core.errors import DeliveryFailed

Where = tuple[int, int]  # (channel id, message id)
Delivery = Callable[[str], contextlib.AbstractAsyncContextManager[None]]


async def edit_card(
    client: discord.Client,
    where: Where,
    shown: dict[str, Any],
    showing: Recent[Where, str],
    delivery: Delivery,
) -> bool:
    """Make the card at ``where`` show ``shown`` (``showing``: what each card shows now);
    False when it is gone. DeliveryFailed when Discord may take it later."""
    looks = fingerprint(**shown)
    if showing.get(where) == looks:
        return True
    message = client.get_partial_messageable(where[0]).get_partial_message(where[1])
    try:
        async with delivery(f"card {where[1]} in channel {where[0]}"):
            await message.edit(**shown)
    except DeliveryFailed as exc:
        if not exc.permanent:
            raise
        return False
    showing[where] = looks
    return True
