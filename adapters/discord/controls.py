"""Buttons and menus. Every one is a ``rb:<verb>:<args>`` custom_id answered by one
registered DynamicItem, so that each keeps working on any message and after a restart;
its state is in the custom_id (a request id) or in the database behind a short key. Which
handler answers each verb is the app's to say (a Registry on the client)."""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import discord

from adapters.discord.replies import say

log = logging.getLogger(__name__)

PREFIX = "rb:"  # every custom_id this bot makes starts with it
EXPIRED = "This button has expired or is not one of mine. Run the command again to start over."

# A verb's handler(interaction, args, selected values); what becomes of its errors.
Handler = Callable[[discord.Interaction[Any], list[str], list[str]], Awaitable[None]]
Reporter = Callable[[discord.Interaction[Any], BaseException], Awaitable[None]]
TEMPLATE = re.compile(PREFIX + r"(?P<verb>[a-z]{1,4})(?::(?P<args>[A-Za-z0-9_:\-]{0,80}))?")

# The pieces of a custom_id's arguments, for SHAPES.
KEY = r"[A-Za-z0-9_\-]{1,40}"  # a core.chat key
ID = r"\d{1,18}"  # a database id: within SQLite's 64-bit integers
SNOWFLAKE = r"\d{1,20}"  # a Discord id
SMALL = r"\d{1,4}"  # a page or a position
LETTER = r"[mt]"  # movie or TV
KIND = r"[1-4]"  # an issue's type (core.issue_values.IssueType)

# The shape of each verb's arguments (a regular expression over the ``:``-joined
# arguments): a custom_id of another shape (forged, cut short, from an older version)
# never reaches the handler.
SHAPES = {
    "pg": f"{KEY}:{SMALL}:{SMALL}",  # a search's page and result
    "nt": f"{LETTER}:{ID}",  # notify me of a title
    "rq": f"{LETTER}:{ID}(?::{KEY}:{SMALL}:{SMALL})?",  # request a title (from a search)
    "ss": f"{KEY}:{SMALL}",  # the season menu of a picker's page
    "sp": f"{KEY}:(?:all|none|ok|back|p{SMALL})",  # the season picker's buttons
    "ap": ID,  # approve
    "de": ID,  # decline
    "rt": ID,  # retry
    "pm": ID,  # more of /pending, from this offset
    "mr": f"{SNOWFLAKE}:{SMALL}",  # a page of someone's /requests
    "cx": ID,  # withdraw
    "lk": r"(?:ok|no):[A-Za-z0-9_\-]{8}",  # confirm or refuse an account claim
    "nf": f"{SNOWFLAKE}:(?:[td][1-9][0-9]{{0,3}}|pc)",  # whose /notifications, which switch
    "ir": f"{LETTER}:{ID}",  # report a problem with a title (its TMDb id)
    "it": f"{ID}:{KIND}:{LETTER}",  # the problem's type, for a title on the server
    "is": f"{ID}:{KIND}:{SMALL}",  # the season menu of a report's page
    "ie": f"{ID}:{KIND}:{SMALL}:{SMALL}",  # the episode menu of a season's page
    "ip": f"{ID}:{KIND}:{SMALL}:{SMALL}",  # a page of seasons (season 0) or of a season
    "ik": f"{ID}:(?:resolve|reopen)",  # resolve or reopen an issue
    "ic": f"{ID}:[cn]",  # comment on an issue, from its card or a notice of it
    "io": ID,  # show an issue's card (from /issues)
    "il": f"{SNOWFLAKE}:{SMALL}",  # a page of someone's /issues
}


def fits(verb: str, args: str) -> bool:
    shape = SHAPES.get(verb)
    return shape is not None and re.fullmatch(shape, args) is not None


@dataclass(frozen=True, slots=True)
class Registry:
    """What answers our controls (the client carries it, ``interaction.client.registry``):
    a handler for every verb, and the one place where their errors become words."""

    handlers: Mapping[str, Handler]
    report: Reporter

    def __post_init__(self) -> None:
        odd = set(self.handlers) ^ set(SHAPES)
        if odd:
            raise ValueError(f"every verb needs both a shape and a handler: {sorted(odd)}")


def custom_id(verb: str, *args: object) -> str:
    text = ":".join([PREFIX + verb, *(str(a) for a in args)])
    assert TEMPLATE.fullmatch(text), text  # our own ids always fit Discord's 100 characters
    assert fits(verb, ":".join(str(a) for a in args)), text
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
        registry: Registry = interaction.client.registry
        match = TEMPLATE.fullmatch(self.custom_id)
        verb, raw = (match["verb"], match["args"] or "") if match else ("", "")
        handler = registry.handlers.get(verb)
        if handler is None or not fits(verb, raw):
            await refuse(interaction, self.custom_id)
            return
        values = list(getattr(self.item, "values", []) or [])
        try:
            await handler(interaction, raw.split(":") if raw else [], values)
        except Exception as error:
            await registry.report(interaction, error)


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
    single: bool = False,
) -> Control:
    """A multi-select of up to 25 options (any number may be chosen, none too), or a menu
    of one choice (``single``)."""
    return Control(
        discord.ui.Select(
            custom_id=custom_id(verb, *args),
            options=list(options[:25]),
            min_values=1 if single else 0,
            max_values=1 if single else max(1, min(25, len(options))),
            placeholder=placeholder[:150],
            row=row,
        )
    )
