"""/notifications: which events reach me, on which chat, and (managers) whether approval
cards come to me as direct messages too; every switch is a button that flips it in place."""

from __future__ import annotations

from typing import Any

import discord

from adapters.discord.config import PLATFORM
from adapters.discord.context import acting_user, deps, owner_only
from adapters.discord.controls import EXPIRED, button
from adapters.discord.replies import defer, frozen, show
from adapters.notification_menu import channels_for, intro, parse_switch, switches
from adapters.text import UserFacing
from core import preferences
from core.identity import User
from core.services import Services

PER_ROW = 5  # Discord's most buttons in a row (and five rows)


async def on_notifications(interaction: discord.Interaction[Any]) -> None:
    """/notifications: my switches, privately."""
    await defer(interaction)
    user = await acting_user(interaction)
    await show(interaction, **await _menu(deps(interaction).services, user, interaction.user.id))


async def on_switch(interaction: discord.Interaction[Any], args: list[str], _: list[str]) -> None:
    """A switch of a /notifications menu: flip it (its owner only), show them as they are."""
    await defer(interaction, update=True)
    owner, code = int(args[0]), args[1]
    owner_only(interaction, owner)
    services = deps(interaction).services
    async with deps(interaction).locks(f"notifications:{owner}"):
        user = await acting_user(interaction)
        pressed = parse_switch(code, user, _channels(services, user))
        if pressed is None:
            raise UserFacing(EXPIRED)
        channel, flag = pressed
        if channel:
            await preferences.toggle_type(services, user.id, channel, flag)
        else:
            await preferences.toggle_private_cards(services, user.id)
        await show(interaction, **await _menu(services, user, owner))


def _channels(services: Services, user: User) -> list[str]:
    return channels_for(user, services.config.chat_platforms, PLATFORM)


async def _menu(services: Services, user: User, owner: int) -> dict[str, Any]:
    channels = _channels(services, user)
    prefs = await preferences.preferences(services, user.id)
    flat = [s for row in switches(user, prefs, channels) for s in row]
    style = {True: discord.ButtonStyle.success, False: discord.ButtonStyle.secondary}
    items = [
        button(s.label, "nf", owner, s.code, style=style[s.on], row=i // PER_ROW)
        for i, s in enumerate(flat)
    ]
    return {"content": intro(user, channels, bold=("**", "**")), "view": frozen(*items)}
