"""What every handler shares: its dependencies, who is acting (with their roles read
again), whose menu it is, and the one place where errors become words."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import discord

from adapters.discord import render
from adapters.discord.config import PLATFORM, DiscordConfig
from adapters.discord.notifier import DiscordNotifier
from adapters.discord.replies import say
from adapters.memory import KeyedLocks
from adapters.text import APOLOGY, UserFacing
from core import users
from core.api_keys import ApiKeyManager
from core.errors import CoreError
from core.identity import Identity, User
from core.permissions import Permission
from core.services import Services

log = logging.getLogger(__name__)


@dataclass
class Deps:
    """What handlers need; the client carries it (``interaction.client.deps``)."""

    services: Services
    config: DiscordConfig
    notifier: DiscordNotifier
    api_keys: ApiKeyManager  # shown to the bot's owners (/apikey)
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
