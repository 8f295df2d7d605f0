"""/status (the background jobs) and /link (one's media-server account)."""

from __future__ import annotations

from typing import Any

import discord

from adapters.discord import render
from adapters.discord.context import acting_user, deps
from adapters.discord.replies import defer, show
from adapters.text import jobs_text, link_text
from core import jobs, users

CONTENT = 2000  # characters in a message's content


async def on_status(interaction: discord.Interaction[Any]) -> None:
    """/status: each background job's last run, result and next run."""
    await defer(interaction)
    await acting_user(interaction)
    services = deps(interaction).services
    states = await jobs.job_states(services)
    await show(
        interaction, render.cut(render.esc(jobs_text(states, services.clock.now())), CONTENT)
    )


async def on_link(interaction: discord.Interaction[Any], account: str | None) -> None:
    """/link account: link me to my media-server account; without it, say which I have."""
    await defer(interaction)
    user = await acting_user(interaction)
    if not account:
        await show(interaction, render.esc(link_text(user)))
        return
    linked = await users.link_account(deps(interaction).services, user.id, account)
    await show(interaction, render.esc(link_text(linked, changed=True)))
