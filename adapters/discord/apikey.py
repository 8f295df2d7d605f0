"""/apikey [rotate:]: the API key, for the bot's owners, answered so that only they see it."""

from __future__ import annotations

from typing import Any

import discord

from adapters.discord.context import deps, identity_of
from adapters.discord.replies import defer, say
from core import api_keys

SHOWN = "The API key (tools send it as X-Api-Key): `{key}`\n`/apikey rotate:True` replaces it."
ROTATED = "A new API key: `{key}`\nThe old one no longer works: give the tools this one."


async def on_apikey(interaction: discord.Interaction[Any], rotate: bool) -> None:
    """/apikey [rotate:]: the API key, or a new one in its place, for an owner only."""
    await defer(interaction)  # private ("ephemeral") from the first answer on
    found = deps(interaction)
    key = await api_keys.owner_api_key(
        found.services, found.api_keys, identity_of(interaction.user.id), rotate=rotate
    )
    await say(interaction, (ROTATED if rotate else SHOWN).format(key=key))
