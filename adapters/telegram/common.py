"""What every handler shares: its dependencies, who is acting, answering a button press in
time, showing a card in place, and the one place where errors become words."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from collections.abc import Awaitable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar

from telegram import (
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputMediaPhoto,
    Message,
    ReplyParameters,
    Update,
)
from telegram import User as TelegramUser
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError
from telegram.ext import ContextTypes

from adapters.memory import KeyedLocks, Recent
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
SLOW = "Telegram is slow right now. Please check whether that worked before trying again."
STALE = "This button no longer works. Send /help to start again."
T = TypeVar("T")
K = TypeVar("K")
V = TypeVar("V")
Context = ContextTypes.DEFAULT_TYPE
Row = Sequence[tuple[str, str]]  # (label, callback data); data "https://..." makes a link


class UserFacing(Exception):
    """An outcome to tell the user in plain words (an expired button, someone else's card)."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.text = text


class Answers:
    """The callback answers on their way to Telegram. When many people press at once, each
    press's own work (database, TMDb, the card's edit) waits until the answers in flight
    are out, for up to ``patience`` seconds: every spinner stops first, then the work is
    done, instead of the last presses' answers queueing behind the first presses' work."""

    def __init__(self, patience: float = 0.25) -> None:
        self.patience = patience
        self._in_flight = 0
        self._idle = asyncio.Event()
        self._idle.set()

    @contextlib.contextmanager
    def sending(self) -> Iterator[None]:
        """Count one answer in flight while the block runs."""
        self._in_flight += 1
        self._idle.clear()
        try:
            yield
        finally:
            self._in_flight -= 1
            if not self._in_flight:
                self._idle.set()

    async def out(self) -> None:
        """Return once no answer is in flight, or after ``patience`` seconds."""
        if self._in_flight:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._idle.wait(), self.patience)


@dataclass
class Deps:
    """What handlers need, kept in ``bot_data["deps"]`` of the application."""

    services: Services
    config: TelegramConfig
    notifier: TelegramNotifier
    answered: Recent[str, bool] = field(default_factory=Recent)  # callback query ids
    locks: KeyedLocks = field(default_factory=KeyedLocks)
    latest: Recent[str, int] = field(default_factory=Recent)  # picker key -> state version
    # The searches this process started, with their expiry: they never change, so a press
    # on one of their cards is answered without reading them back from the database.
    searches: Recent[str, tuple[dict[str, Any], datetime]] = field(default_factory=Recent)
    answering: Answers = field(default_factory=Answers)


def deps(context: Context) -> Deps:
    found: Deps = context.bot_data["deps"]
    return found


def identity_of(user_id: int) -> Identity:
    return Identity(PLATFORM, str(user_id))


ANONYMOUS = "Please send that as yourself: I can't tell who writes anonymously or as a channel."


async def acting_user(update: Update, context: Context) -> User:
    """The requestbot user behind the Telegram user of this update (registered on first
    contact with the default permissions)."""
    sender = update.effective_user
    message = update.effective_message
    if message is not None and message.sender_chat is not None:
        # An anonymous group admin, or a post as a channel: Telegram shows one shared
        # stand-in user for all of them, which must not become one shared account.
        raise UserFacing(ANONYMOUS)
    if sender is None:
        raise UserFacing(ANONYMOUS)
    return await resolve(deps(context), sender)


async def resolve(state: Deps, sender: TelegramUser) -> User:
    """The requestbot user of a Telegram user, registered on first contact."""
    name = sender.full_name or (f"@{sender.username}" if sender.username else "")
    return await users.resolve_user(
        state.services, identity_of(sender.id), name, username=sender.username
    )


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


def card_lock(press: Press) -> str:
    """The lock key of the pressed message: presses on one card are handled one by one."""
    message = press.message
    return f"card:{message.chat_id}:{message.message_id}" if message else f"q:{press.query.id}"


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
        match = context.matches[0] if context.matches else None
        if match is not None and not isinstance(match, re.Match):
            # python-telegram-bot hands a query without data to the first handler with a
            # pattern, its "match" being True: it is no button of ours.
            log.info("callback query without data from user %s", query.from_user.id)
            raise UserFacing(STALE)
        self.groups: tuple[str, ...] = tuple(match.groups()) if match is not None else ()
        self.message = query.message if isinstance(query.message, Message) else None
        # One answer budget for the whole press, however many quick checks it makes.
        self._deadline = asyncio.get_running_loop().time() + self.deps.config.answer_budget

    async def answer(self, text: str | None = None, *, alert: bool = False) -> None:
        """Answer the query (stop the spinner), once; later calls do nothing."""
        await answer(self.deps, self.query, text, alert=alert)

    async def quickly(self, work: Awaitable[T]) -> T:
        """Run quick checks that decide the answer; if they take longer than what is left
        of the answer budget, answer without words first so the user's spinner stops, then
        wait on."""
        task = asyncio.ensure_future(work)
        left = self._deadline - asyncio.get_running_loop().time()
        done, _ = await asyncio.wait({task}, timeout=max(0.0, left))
        if not done:
            await self.answer()
        return await task

    async def user(self) -> User:
        """The acting user, within the answer budget."""
        return await self.quickly(resolve(self.deps, self.query.from_user))


async def answer(
    state: Deps, query: CallbackQuery, text: str | None = None, *, alert: bool = False
) -> bool:
    """Answer a callback query once (later calls do nothing); False if it could not be.
    Answering is best effort: what the press did has been done either way."""
    if query.id in state.answered:
        return False
    state.answered[query.id] = True
    try:
        with state.answering.sending():
            await query.answer(render.answer_text(text) if text else None, show_alert=alert)
    except TelegramError as exc:  # too old (a long pause or a restart), or Telegram is slow
        log.info("callback query %s could not be answered: %s", query.id, exc)
        return False
    await state.answering.out()
    return True


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
    extra = _reply(reply_to) | ({"message_thread_id": thread} if thread else {})
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
