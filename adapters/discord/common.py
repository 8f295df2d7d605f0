"""What every handler shares: its dependencies, who is acting (with their roles read again),
answering inside Discord's 3 s, building components, and the one place where errors become
words."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import discord

from adapters.discord import render
from adapters.discord.config import DiscordConfig
from adapters.memory import KeyedLocks
from core import users
from core.errors import CoreError
from core.identity import Identity, User
from core.permissions import Permission
from core.services import Services

if TYPE_CHECKING:
    from adapters.discord.notifier import DiscordNotifier

log = logging.getLogger(__name__)

PLATFORM = "discord"
PREFIX = "rb:"  # every custom_id this bot makes starts with it
APOLOGY = "Sorry, something went wrong on my side. Please try again in a moment."
THINKING = "requestbot-thinking"  # interaction.extras: the deferred answer is not replaced yet
EXPIRED = "This button has expired or is not one of mine. Run the command again to start over."


class UserFacing(Exception):
    """An outcome to tell the user in plain words (an expired card, someone else's menu)."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.text = text


@dataclass
class Deps:
    """What handlers need; the client carries it (``interaction.client.deps``)."""

    services: Services
    config: DiscordConfig
    notifier: DiscordNotifier
    locks: KeyedLocks = field(default_factory=KeyedLocks)


def deps(interaction: discord.Interaction[Any]) -> Deps:
    found: Deps = interaction.client.deps
    return found


def identity_of(user_id: int) -> Identity:
    return Identity(PLATFORM, str(user_id))


def role_permissions(member: discord.abc.User, mapping: dict[int, Permission]) -> Permission | None:
    """What the member's roles grant now; None outside a server (no roles to read)."""
    if not isinstance(member, discord.Member):
        return None
    # The raw role ids of the interaction's member: roles the client has not cached count too.
    role_ids: Iterable[int] = getattr(member, "_roles", ()) or (r.id for r in member.roles)
    granted = Permission.NONE
    for role_id in role_ids:
        granted |= mapping.get(int(role_id), Permission.NONE)
    return granted


async def acting_user(interaction: discord.Interaction[Any]) -> User:
    """The requestbot user behind whoever interacted, registered on first contact, with what
    their roles grant read again from this very interaction."""
    found = deps(interaction)
    person = interaction.user
    granted = role_permissions(person, dict(found.config.role_permissions))
    return await users.resolve_user(
        found.services,
        identity_of(person.id),
        person.display_name,
        role_permissions=granted,
        username=person.name,
    )


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


async def report_error(interaction: discord.Interaction[Any], error: BaseException) -> None:
    """The one place where errors become words: a refusal of the core or one of ours is
    said plainly; anything else is logged with the interaction id, and the user gets an
    apology."""
    original = getattr(error, "original", None) or error.__cause__ or error
    if isinstance(error, UserFacing | CoreError):
        original = error
    if isinstance(original, UserFacing):
        text = original.text
    elif isinstance(original, CoreError):
        text = render.refusal(original, deps(interaction).services.clock.now())
        log.info("interaction %s refused: %s", interaction.id, original)
    else:
        text = APOLOGY
        log.error(
            "interaction %s (%s) failed",
            interaction.id,
            _what(interaction),
            exc_info=(type(original), original, original.__traceback__),
        )
    try:
        await say(interaction, text)
    except discord.HTTPException as exc:
        log.warning("could not tell interaction %s about an error: %s", interaction.id, exc)


def _what(interaction: discord.Interaction[Any]) -> str:
    data: dict[str, Any] = dict(interaction.data or {})
    if interaction.command is not None:
        return f"/{interaction.command.qualified_name}"
    return str(data.get("custom_id", interaction.type.name))


def owner_only(interaction: discord.Interaction[Any], owner_id: int) -> None:
    """Cards and menus answer the person they were made for."""
    if interaction.user.id != owner_id:
        raise UserFacing("That menu belongs to someone else: run the command yourself.")
