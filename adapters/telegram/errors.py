"""The one error handler: core refusals and user-facing outcomes become plain words, told
to whoever caused the update."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import Forbidden, NetworkError, RetryAfter, TelegramError

from adapters.telegram import render
from adapters.telegram.context import Context, answer, deps
from adapters.telegram.messages import replying_to
from adapters.text import APOLOGY, UserFacing, describe_error
from core.errors import CoreError

log = logging.getLogger(__name__)

SLOW = "Telegram is slow right now. Please check whether that worked before trying again."


async def tell(update: Update, context: Context, text: str) -> None:
    """Say ``text`` to whoever caused ``update``: in the callback's answer while it is still
    open (as an alert), else as a message in the chat (naming them in a group)."""
    query = update.callback_query
    if query is not None and await answer(deps(context), query, text, alert=True):
        return
    chat = update.effective_chat
    if chat is None:
        return
    sender = update.effective_user
    words = render.esc(text)
    if chat.type != "private" and sender is not None:
        words = f"{render.esc(sender.first_name)}: {words}"
    anchor = query.message.message_id if query is not None and query.message else None
    if anchor is None and update.effective_message is not None:
        anchor = update.effective_message.message_id
    await context.bot.send_message(chat.id, words, **replying_to(anchor))


async def on_error(update: object, context: Context) -> None:
    """The one error handler: core refusals and user-facing outcomes become plain words;
    anything else is logged with the update id and the user gets a short apology."""
    error = context.error
    if not isinstance(update, Update):
        # Errors outside an update: polling trouble, which the updater retries itself.
        log.warning("Telegram: %s: %s", type(error).__name__, error)
        return
    if isinstance(error, UserFacing):
        text = error.text
    elif isinstance(error, CoreError):
        log.info("update %s refused: %r", update.update_id, error)
        text = describe_error(error, deps(context).services.clock.now())
    elif isinstance(error, Forbidden):
        log.info("update %s: cannot write to that chat: %s", update.update_id, error)
        return
    elif isinstance(error, NetworkError | RetryAfter):
        # Telegram was slow or busy while we answered: what was asked may well be done.
        log.warning("update %s: Telegram did not answer in time: %s", update.update_id, error)
        text = SLOW
    else:
        log.error("update %s failed", update.update_id, exc_info=error)
        text = APOLOGY
    try:
        await tell(update, context, text)
    except TelegramError as exc:
        log.warning("update %s: could not tell the user: %s", update.update_id, exc)
