"""What every handler shares: its dependencies, who is acting, answering a button press in
time, showing a card in place, and the one place where errors become words."""

from __future__ import annotations

import asyncio
import logging
import weakref
from collections import OrderedDict
from collections.abc import Awaitable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputMediaPhoto,
    Message,
    ReplyParameters,
    Update,
)
from telegram.error import BadRequest, Forbidden, TelegramError
from telegram.ext import ContextTypes

from adapters.telegram import render
from adapters.telegram.callbacks import NOOP
from adapters.telegram.config import TelegramConfig
from adapters.text import describe_error
from core import users
from core.domain import Identity, User
from core.errors import CoreError
from core.services import Services

if TYPE_CHECKING:
    from telegram import Bot

    from adapters.telegram.notifier import TelegramNotifier

log = logging.getLogger(__name__)

PLATFORM = "telegram"
APOLOGY = "Sorry, something went wrong on my side. Please try again in a moment."
T = TypeVar("T")
Context = ContextTypes.DEFAULT_TYPE
Row = Sequence[tuple[str, str]]  # (label, callback data); data "https://..." makes a link


class UserFacing(Exception):
    """An outcome to tell the user in plain words (an expired button, someone else's card)."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.text = text


class Answered:
    """The ids of callback queries already answered (the latest few thousand)."""

    def __init__(self, size: int = 4096) -> None:
        self._ids: OrderedDict[str, None] = OrderedDict()
        self._size = size

    def add(self, query_id: str) -> None:
        self._ids[query_id] = None
        while len(self._ids) > self._size:
            self._ids.popitem(last=False)

    def __contains__(self, query_id: object) -> bool:
        return query_id in self._ids


class KeyedLocks:
    """One asyncio.Lock per key, alive while someone holds or waits for it."""

    def __init__(self) -> None:
        self._locks: weakref.WeakValueDictionary[str, asyncio.Lock] = weakref.WeakValueDictionary()

    def __call__(self, key: str) -> asyncio.Lock:
        lock = self._locks.get(key)
        if lock is None:
            lock = self._locks[key] = asyncio.Lock()
        return lock


@dataclass
class Deps:
    """What handlers need, kept in ``bot_data["deps"]`` of the application."""

    services: Services
    config: TelegramConfig
    notifier: TelegramNotifier
    answered: Answered = field(default_factory=Answered)
    locks: KeyedLocks = field(default_factory=KeyedLocks)


def deps(context: Context) -> Deps:
    found: Deps = context.bot_data["deps"]
    return found


def identity_of(user_id: int) -> Identity:
    return Identity(PLATFORM, str(user_id))


async def acting_user(update: Update, context: Context) -> User:
    """The requestbot user behind the Telegram user of this update (registered on first
    contact with the default permissions)."""
    sender = update.effective_user
    if sender is None:
        raise UserFacing("I can only help people, not channels.")
    name = sender.full_name or (f"@{sender.username}" if sender.username else "")
    return await users.resolve_user(deps(context).services, identity_of(sender.id), name)


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


class Press:
    """One button press. It is answered once: by ``answer``, or when ``quickly`` runs
    past the answer budget, or by the error handler with the error's words."""

    def __init__(self, update: Update, context: Context) -> None:
        query = update.callback_query
        if query is None:
            raise TypeError("Press needs a callback query")
        self.update = update
        self.query = query
        self.deps = deps(context)
        self.groups: tuple[str, ...] = tuple(context.matches[0].groups()) if context.matches else ()
        self.message = query.message if isinstance(query.message, Message) else None

    @property
    def answered(self) -> bool:
        return self.query.id in self.deps.answered

    async def answer(self, text: str | None = None, *, alert: bool = False) -> None:
        """Answer the query (stop the spinner), once; later calls do nothing."""
        if self.answered:
            return
        self.deps.answered.add(self.query.id)
        try:
            await self.query.answer(render.answer_text(text) if text else None, show_alert=alert)
        except BadRequest as exc:  # too old (a long pause or a restart): nothing to stop
            log.info("callback query %s could not be answered: %s", self.query.id, exc.message)

    async def quickly(self, work: Awaitable[T]) -> T:
        """Run quick checks that decide the answer; if they take longer than the answer
        budget, answer without words first so the user's spinner stops, then wait on."""
        task = asyncio.ensure_future(work)
        done, _ = await asyncio.wait({task}, timeout=self.deps.config.answer_budget)
        if not done:
            await self.answer()
        return await task

    async def user(self) -> User:
        """The acting user, within the answer budget."""
        sender = self.query.from_user
        name = sender.full_name or (f"@{sender.username}" if sender.username else "")
        lookup = users.resolve_user(self.deps.services, identity_of(sender.id), name)
        return await self.quickly(lookup)


async def send(
    bot: Bot,
    chat_id: int | str,
    text: str,
    markup: InlineKeyboardMarkup | None = None,
    *,
    photo: str | None = None,
    reply_to: int | None = None,
) -> Message:
    """Send a card: a photo with its caption when there is a poster Telegram can fetch,
    else a text message."""
    if photo:
        try:
            return await bot.send_photo(
                chat_id, photo, caption=text, reply_markup=markup, **_reply(reply_to)
            )
        except BadRequest as exc:
            if not _is_photo_problem(exc):
                raise
            log.info("poster %s could not be sent (%s); sending text instead", photo, exc.message)
    return await bot.send_message(chat_id, text, reply_markup=markup, **_reply(reply_to))


def _reply(message_id: int | None) -> dict[str, Any]:
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
        if is_not_modified(exc):
            return message
        if message.photo and photo and _is_photo_problem(exc):
            return await _replace(message, text, markup, None)
        raise
    return result if isinstance(result, Message) else message


async def _replace(
    message: Message, text: str, markup: InlineKeyboardMarkup | None, photo: str | None
) -> Message:
    bot = message.get_bot()
    sent = await send(bot, message.chat_id, text, markup, photo=photo)
    try:
        await message.delete()
    except TelegramError as exc:
        log.info("old card %s could not be deleted: %s", message.message_id, exc)
    return sent


async def tell(update: Update, context: Context, text: str) -> None:
    """Say ``text`` to whoever caused ``update``: in the callback's answer while it is still
    open (as an alert), else as a message in the chat (naming them in a group)."""
    query = update.callback_query
    state = deps(context)
    if query is not None and query.id not in state.answered:
        state.answered.add(query.id)
        try:
            await query.answer(render.answer_text(text), show_alert=True)
            return
        except BadRequest as exc:
            log.info("callback query %s could not be answered: %s", query.id, exc.message)
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
    await context.bot.send_message(chat.id, words, **_reply(anchor))


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
    else:
        log.error("update %s failed", update.update_id, exc_info=error)
        text = APOLOGY
    try:
        await tell(update, context, text)
    except TelegramError as exc:
        log.warning("update %s: could not tell the user: %s", update.update_id, exc)
