"""/permissions, for admins: what someone may do, and setting it. The core decides who may."""

from __future__ import annotations

from typing import Any

import discord

from adapters.discord import render
from adapters.discord.context import acting_user, deps, identity_of
from adapters.discord.replies import defer, say
from core import user_admin, users
from core.errors import InvalidInput
from core.identity import User
from core.permissions import describe, parse_permissions


async def on_permissions(
    interaction: discord.Interaction[Any], member: discord.User | discord.Member, grant: str | None
) -> None:
    """/permissions user: [set:]: show what someone may do, or replace their own permissions."""
    await defer(interaction)
    services = deps(interaction).services
    actor = await acting_user(interaction)
    target = await users.resolve_user(services, identity_of(member.id), member.display_name)
    if grant is None:
        target = await user_admin.get_user(services, actor.id, target.id)
        await say(interaction, _permissions_line(target))
        return
    try:
        wanted = parse_permissions(grant)
    except ValueError as exc:
        raise InvalidInput("permissions", grant, str(exc)) from exc
    target = await user_admin.set_permissions(services, actor.id, target.id, wanted)
    await say(interaction, "Done. " + _permissions_line(target))


def _permissions_line(user: User) -> str:
    line = f"**{render.esc(user.display_name)}** holds {describe(user.permissions)}"
    if user.role_permissions:
        line += f" ({describe(user.role_permissions)} from their Discord roles)"
    return line + "."
