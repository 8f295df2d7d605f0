"""Messages on Telegram, below any handler: keyboards, sending a card (a photo when its
poster can be fetched), showing a card in place, and what Telegram's refusals mean."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputMediaPhoto,
    Message,
    ReplyParameters,
)
from telegram.error import BadRequest, TelegramError

from adapters.telegram.callbacks import NOOP

if TYPE_CHECKING:
    from telegram import Bot

log = logging.getLogger(__name__)

PLATFORM = "telegram"  # the platform of Telegram's identities, cards and flows in the core
Row = Sequence[tuple[str, str]]  # (label, callback data); data "https://..." makes a link


def keyboard(*rows: Row) -> InlineKeyboardMarkup | None:
    """An inline keyboard from rows of (label, data); empty rows are left out."""
    built = [
        [
            InlineKeyboardButton(text, url=data)
            if data.startswith("https://")
            else InlineKeyboardButton(text, callback_data=data)
            for text, data in row
        ]
        for row in rows
        if row
    ]
    return InlineKeyboardMarkup(built) if built else None


def noop(text: str) -> tuple[str, str]:
    """A label in a keyboard (``2/5``) that does nothing when pressed."""
    return text, NOOP


async def send(
    bot: Bot,
    chat_id: int | str,
    text: str,
    markup: InlineKeyboardMarkup | None = None,
    *,
    photo: str | None = None,
    reply_to: int | None = None,
    thread: int | None = None,
) -> Message:
    """Send a card: a photo with its caption when there is a poster Telegram can fetch,
    else a text message (in a forum group, in the topic ``thread``)."""
    extra = replying_to(reply_to) | ({"message_thread_id": thread} if thread else {})
    if photo:
        try:
            return await bot.send_photo(chat_id, photo, caption=text, reply_markup=markup, **extra)
        except BadRequest as exc:
            if not _is_photo_problem(exc):
                raise
            log.info("poster %s could not be sent (%s); sending text instead", photo, exc.message)
    return await bot.send_message(chat_id, text, reply_markup=markup, **extra)


def thread_of(message: Message) -> int | None:
    """The forum topic a message is in (None outside forum topics)."""
    return message.message_thread_id if message.is_topic_message else None


def replying_to(message_id: int | None) -> dict[str, Any]:
    """Telegram's reply parameters to ``message_id`` (nothing for None); the reply is
    sent even when that message is gone."""
    if message_id is None:
        return {}
    return {"reply_parameters": ReplyParameters(message_id, allow_sending_without_reply=True)}


def _is_photo_problem(exc: BadRequest) -> bool:
    words = ("photo", "http url", "file", "image", "web page", "media")
    return any(word in exc.message.lower() for word in words)


def is_not_modified(exc: BadRequest) -> bool:
    return "not modified" in exc.message.lower()


def is_gone(exc: BadRequest) -> bool:
    """The message was deleted (or is too old to edit)."""
    text = exc.message.lower()
    return "not found" in text or "can't be edited" in text


async def show(
    message: Message,
    text: str,
    markup: InlineKeyboardMarkup | None,
    *,
    photo: str | None = None,
    new_photo: bool = False,
) -> Message:
    """Show ``text`` in place of ``message`` (a card being paged or updated).

    ``photo`` is the poster the card should have; ``new_photo`` says it differs from the
    one shown. A photo card cannot become a text card (or back) by an edit, so then the old
    message is replaced by a new one.
    """
    try:
        if message.photo and photo and not new_photo:
            result = await message.edit_caption(text, reply_markup=markup)
        elif message.photo and photo:
            media = InputMediaPhoto(photo, caption=text)
            result = await message.edit_media(media, reply_markup=markup)
        elif not message.photo and not photo:
            result = await message.edit_text(text, reply_markup=markup)
        else:
            return await _replace(message, text, markup, photo)
    except BadRequest as exc:
        if is_not_modified(exc) or is_gone(exc):  # a double tap: the other press showed it
            return message
        if message.photo and photo and _is_photo_problem(exc):
            return await _replace(message, text, markup, None)
        raise
    return result if isinstance(result, Message) else message


async def _replace(
    message: Message, text: str, markup: InlineKeyboardMarkup | None, photo: str | None
) -> Message:
    bot = message.get_bot()
    sent = await send(bot, message.chat_id, text, markup, photo=photo, thread=thread_of(message))
    try:
        await message.delete()
    except TelegramError as exc:
        log.info("old card %s could not be deleted: %s", message.message_id, exc)
    return sent
