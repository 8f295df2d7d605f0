"""/status (the background jobs) and /link (one's media-server account)."""

from __future__ import annotations

from telegram import Update

from adapters.telegram import render
from adapters.telegram.context import Context, acting_user, deps
from adapters.text import jobs_text, link_text
from core import jobs, users


async def on_status(update: Update, context: Context) -> None:
    """/status: each background job's last run, result and next run."""
    message = update.effective_message
    if message is None:
        return
    await acting_user(update, context)
    services = deps(context).services
    states = await jobs.job_states(services)
    await message.reply_text(render.esc(jobs_text(states, services.clock.now())))


async def on_link(update: Update, context: Context) -> None:
    """/link NAME: link me to my media-server account; /link alone: say which one I have."""
    message = update.effective_message
    if message is None:
        return
    user = await acting_user(update, context)
    name = " ".join(context.args or [])
    if not name:
        await message.reply_text(render.esc(link_text(user)))
        return
    linked = await users.link_account(deps(context).services, user.id, name)
    await message.reply_text(render.esc(link_text(linked, changed=True)))
