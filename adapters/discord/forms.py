"""Modals that ask for a few words (a report, a comment): built to be answered from their
raw custom_id (commands.MODALS), so that one opened before a restart still works after it,
and their submissions read back."""

from __future__ import annotations

import re
from typing import Any

import discord

from adapters.discord import render
from adapters.discord.controls import refuse
from adapters.discord.replies import modal_value

WORDS = "message"  # the custom_id of a form's text input
TITLE = 45  # characters of a modal's title


def words_form(
    custom_id: str, title: str, label: str, *, max_length: int, intro: str | None = None
) -> discord.ui.Modal:
    """A modal of one paragraph to write (with ``intro`` above it), to send as the first
    answer to a press; discord.py does not keep it (its submission goes to MODALS)."""
    modal = discord.ui.Modal(title=render.cut(title, TITLE), custom_id=custom_id, timeout=None)
    if intro:
        modal.add_item(discord.ui.TextDisplay(intro))
    words: discord.ui.TextInput[Any] = discord.ui.TextInput(
        custom_id=WORDS, style=discord.TextStyle.paragraph, max_length=max_length
    )
    modal.add_item(discord.ui.Label(text=label, component=words))
    modal.stop()
    return modal


async def submitted(
    interaction: discord.Interaction[Any],
    shape: re.Pattern[str],
    expired: str,
    field: str = WORDS,
) -> tuple[re.Match[str], str] | None:
    """A form's custom_id matched against ``shape``, and its words (the text input
    ``field``); None (the user told
    ``expired``) when the custom_id is not of that shape (forged, or from an older version)."""
    data: dict[str, Any] = dict(interaction.data or {})
    custom_id = str(data.get("custom_id", ""))
    match = shape.fullmatch(custom_id)
    if match is None:
        await refuse(interaction, custom_id, expired)
        return None
    return match, modal_value(data, field)
