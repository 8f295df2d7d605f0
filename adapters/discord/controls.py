"""Buttons and menus. Every one is a ``rb:<verb>:<args>`` custom_id answered by one
registered DynamicItem, so that each keeps working on any message and after a restart;
its state is in the custom_id (a request id) or in the database behind a short key."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import discord

from adapters.discord.common import EXPIRED, PREFIX, UserFacing, report_error, say

Handler = Callable[[discord.Interaction[Any], list[str], list[str]], Awaitable[None]]
# verb -> handler(interaction, args, selected values); filled by the app.
HANDLERS: dict[str, Handler] = {}
TEMPLATE = re.compile(PREFIX + r"(?P<verb>[a-z]{1,4})(?::(?P<args>[A-Za-z0-9_:\-]{0,80}))?")


def custom_id(verb: str, *args: object) -> str:
    text = ":".join([PREFIX + verb, *(str(a) for a in args)])
    assert TEMPLATE.fullmatch(text), text  # our own ids always fit Discord's 100 characters
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
        """Run the verb's handler; errors become words in one place."""
        match = TEMPLATE.fullmatch(self.custom_id)
        assert match is not None
        args = (match["args"] or "").split(":") if match["args"] else []
        values = list(getattr(self.item, "values", []) or [])
        handler = HANDLERS.get(match["verb"])
        try:
            if handler is None:
                raise UserFacing(EXPIRED)
            await handler(interaction, args, values)
        except Exception as error:
            await report_error(interaction, error)


async def unknown_component(interaction: discord.Interaction[Any]) -> None:
    """A click on a custom_id that is not ours (forged, or from an older version)."""
    if interaction.response.is_done():
        return
    data: dict[str, Any] = dict(interaction.data or {})
    if not TEMPLATE.fullmatch(str(data.get("custom_id", ""))):
        await say(interaction, EXPIRED)


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
