"""/notifytest [agent:]: a test notification through the agents, for the bot's owners."""

from __future__ import annotations

from typing import Any

import discord

from adapters.discord.context import deps, identity_of
from adapters.discord.replies import defer, say
from core import agents


async def on_notifytest(interaction: discord.Interaction[Any], agent: str | None) -> None:
    """Send Seerr's test notification through each agent (or the one named) and say, per
    agent, whether it went out and, if not, why: answered so that only the owner sees it."""
    await defer(interaction)  # an agent may take seconds: past Discord's 3-second window
    services = deps(interaction).services
    outcomes = await agents.owner_test(
        services.agents, services.config.owners, identity_of(interaction.user.id), agent
    )
    await say(interaction, "\n".join(agents.outcome_lines(outcomes)))
