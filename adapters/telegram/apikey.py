"""/apikey and /apikey rotate: the API key, for the bot's owners, in a private chat only."""

from __future__ import annotations

from telegram import Update

from adapters.telegram import render
from adapters.telegram.context import Context, deps, identity_of
from adapters.text import UserFacing
from core import api_keys

PRIVATE_ONLY = "I answer that only in a private chat, and only to the bot's owners."
USAGE = "Send /apikey to see the API key, or /apikey rotate to replace it."
SHOWN = "The API key (tools send it as X-Api-Key):\n<code>{key}</code>\n/apikey rotate replaces it."
ROTATED = (
    "A new API key:\n<code>{key}</code>\nThe old one no longer works: give the tools this one."
)


async def on_apikey(update: Update, context: Context) -> None:
    """/apikey [rotate]: the API key, or a new one in its place, for an owner in private."""
    message, chat, sender = update.effective_message, update.effective_chat, update.effective_user
    if message is None:
        return
    if chat is None or chat.type != "private" or sender is None or message.sender_chat:
        raise UserFacing(PRIVATE_ONLY)  # in a group, nobody is told more than that
    words = [word.lower() for word in context.args or []]
    if words not in ([], ["rotate"]):
        raise UserFacing(USAGE)
    found = deps(context)
    rotate = words == ["rotate"]
    key = await api_keys.owner_api_key(
        found.services, found.api_keys, identity_of(sender.id), rotate=rotate
    )
    await message.reply_text((ROTATED if rotate else SHOWN).format(key=render.esc(key)))
