"""/notifytest [agent]: a test notification through the agents, for the bot's owners."""

from __future__ import annotations

from telegram import Update

from adapters.telegram import render
from adapters.telegram.context import Context, deps, identity_of
from core import agents


async def on_notifytest(update: Update, context: Context) -> None:
    """/notifytest [agent]: send Seerr's test notification through each agent (or the one
    named) and say, per agent, whether it went out and, if not, why."""
    message, sender = update.effective_message, update.effective_user
    if message is None or sender is None:
        return
    found = deps(context)
    name = " ".join(context.args or []) or None
    services = found.services
    outcomes = await agents.owner_test(
        services.agents, services.config.owners, identity_of(sender.id), name
    )
    lines = agents.outcome_lines(outcomes)
    await message.reply_text("\n".join(render.esc(line) for line in lines))
