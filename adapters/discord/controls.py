"""Buttons and menus. Every one is a ``rb:<verb>:<args>`` custom_id answered by one
registered DynamicItem, so that each keeps working on any message and after a restart;
its state is in the custom_id (a request id) or in the database behind a short key."""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

import discord

from adapters.discord.common import EXPIRED, PREFIX, report_error, say

log = logging.getLogger(__name__)

Handler = Callable[[discord.Interaction[Any], list[str], list[str]], Awaitable[None]]
TEMPLATE = re.compile(PREFIX + r"(?P<verb>[a-z]{1,4})(?::(?P<args>[A-Za-z0-9_:\-]{0,80}))?")

# The pieces of a custom_id's arguments, for ``Verb`` shapes.
KEY = r"[A-Za-z0-9_\-]{1,40}"  # a core.chat key
ID = r"\d{1,18}"  # a database id: within SQLite's 64-bit integers
SNOWFLAKE = r"\d{1,20}"  # a Discord id
SMALL = r"\d{1,4}"  # a page or a position
LETTER = r"[mt]"  # movie or TV


@dataclass(frozen=True, slots=True)
class Verb:
    """A verb's handler(interaction, args, selected values) and the shape of its arguments
    (a regular expression over the ``:``-joined arguments): a custom_id of another shape
    (forged, cut short, from an older version) never reaches the handler."""

    handler: Handler
    shape: str

    def accepts(self, args: str) -> bool:
        return re.fullmatch(self.shape, args) is not None


# verb -> Verb; filled by the app.
HANDLERS: dict[str, Verb] = {}


def custom_id(verb: str, *args: object) -> str:
    text = ":".join([PREFIX + verb, *(str(a) for a in args)])
    assert TEMPLATE.fullmatch(text), text  # our own ids always fit Discord's 100 characters
    known = HANDLERS.get(verb)
    assert known is None or known.accepts(":".join(str(a) for a in args)), text
    return text


class Control(discord.ui.DynamicItem[discord.ui.Item[Any]], template=TEMPLATE):
    """Any of our buttons or menus, as discord.py rebuilds it from a click."""

    def __init__(self, item: discord.ui.Item[Any]) -> None:
        super().__init__(item)

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction[Any],
        item: discord.ui.Item[Any],
        match: re.Match[str],
        /,
    ) -> Control:
        return cls(item)

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        """Run the verb's handler if the arguments have its shape; errors become words in
        one place."""
        match = TEMPLATE.fullmatch(self.custom_id)
        verb = HANDLERS.get(match["verb"]) if match else None
        raw = (match["args"] or "") if match else ""
        if verb is None or not verb.accepts(raw):
            await refuse(interaction, self.custom_id)
            return
        values = list(getattr(self.item, "values", []) or [])
        try:
            await verb.handler(interaction, raw.split(":") if raw else [], values)
        except Exception as error:
            await report_error(interaction, error)


async def unknown_component(interaction: discord.Interaction[Any]) -> None:
    """A click on a custom_id that is not ours (forged, or from an older version)."""
    if interaction.response.is_done():
        return
    data: dict[str, Any] = dict(interaction.data or {})
    custom_id = str(data.get("custom_id", ""))
    if not TEMPLATE.fullmatch(custom_id):
        await refuse(interaction, custom_id)


async def refuse(
    interaction: discord.Interaction[Any], custom_id: str, text: str = EXPIRED
) -> None:
    """A button, menu or form that is not one of ours (any more): say so, plainly."""
    log.debug("interaction %s: %r is not one of my controls", interaction.id, custom_id[:100])
    try:
        await say(interaction, text)
    except discord.HTTPException as exc:
        log.info("could not answer interaction %s: %s", interaction.id, exc)


def button(
    label: str,
    verb: str,
    *args: object,
    style: discord.ButtonStyle = discord.ButtonStyle.secondary,
    disabled: bool = False,
    row: int | None = None,
    emoji: str | None = None,
) -> Control:
    return Control(
        discord.ui.Button(
            label=label[:80],
            custom_id=custom_id(verb, *args),
            style=style,
            disabled=disabled,
            row=row,
            emoji=emoji,
        )
    )


def menu(
    options: Sequence[discord.SelectOption],
    verb: str,
    *args: object,
    placeholder: str,
    row: int | None = None,
) -> Control:
    """A multi-select of up to 25 options (any number may be chosen, none too)."""
    return Control(
        discord.ui.Select(
            custom_id=custom_id(verb, *args),
            options=list(options[:25]),
            min_values=0,
            max_values=max(1, min(25, len(options))),
            placeholder=placeholder[:150],
            row=row,
        )
    )
