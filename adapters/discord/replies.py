"""Answering an interaction inside Discord's 3 s: acknowledge first, then say something
privately or replace what the user sees, with views of our registered controls."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import discord

THINKING = "requestbot-thinking"  # interaction.extras: the deferred answer is not replaced yet


def frozen(*items: discord.ui.Item[Any]) -> discord.ui.View:
    """A view to send or edit with. Every item is a registered DynamicItem, answered whatever
    message it is on and after a restart; the view is stopped so that discord.py does not
    also keep it per message (it would call each item twice, and hold it for ever)."""
    view = discord.ui.View(timeout=None)
    for item in items:
        view.add_item(item)
    view.stop()
    return view


async def defer(interaction: discord.Interaction[Any], *, update: bool = False) -> None:
    """Acknowledge first, work afterwards: Discord gives 3 s, TMDb and the database may need
    more. ``update``: the answer will replace the message the component is on."""
    if interaction.response.is_done():
        return
    if update:
        await interaction.response.defer()
    else:
        await interaction.response.defer(ephemeral=True, thinking=True)
        interaction.extras[THINKING] = True


async def say(
    interaction: discord.Interaction[Any],
    text: str | None = None,
    *,
    embed: discord.Embed | None = None,
    embeds: Sequence[discord.Embed] = (),
    view: discord.ui.View | None = None,
) -> None:
    """Tell the user privately, whether or not the interaction was acknowledged yet."""
    many = list(embeds) if embeds else ([embed] if embed else [])
    if interaction.extras.pop(THINKING, False):  # the first answer replaces "thinking…"
        await interaction.edit_original_response(content=text, embeds=many, view=view)
        return
    kwargs: dict[str, Any] = {"content": text, "embeds": many, "ephemeral": True}
    if view is not None:
        kwargs["view"] = view
    if interaction.response.is_done():
        await interaction.followup.send(**kwargs)
    else:
        await interaction.response.send_message(**kwargs)


async def show(
    interaction: discord.Interaction[Any],
    content: str | None = None,
    *,
    embed: discord.Embed | None = None,
    embeds: Sequence[discord.Embed] = (),
    view: discord.ui.View | None = None,
) -> None:
    """Replace what the user sees: the deferred "thinking" answer of a command, or the
    message a component is on."""
    many = list(embeds) if embeds else ([embed] if embed else [])
    if interaction.response.is_done():
        interaction.extras.pop(THINKING, None)
        await interaction.edit_original_response(content=content, embeds=many, view=view)
    elif interaction.type is discord.InteractionType.component:
        await interaction.response.edit_message(content=content, embeds=many, view=view)
    else:
        await say(interaction, content, embeds=many, view=view)


def modal_value(data: dict[str, Any], custom_id: str) -> str:
    """A text input's value from a modal submission (action rows, or the newer labels)."""
    for row in data.get("components", []):
        inner = row.get("components") or ([row["component"]] if "component" in row else [])
        for component in inner:
            if component.get("custom_id") == custom_id:
                return str(component.get("value") or "")
    return ""


def fingerprint(embed: discord.Embed, view: discord.ui.View) -> str:
    """What a card shows, to tell whether an edit would change anything."""
    shown: dict[str, Any] = {"embed": embed.to_dict(), "components": view.to_components()}
    return json.dumps(shown, sort_keys=True, default=str)
