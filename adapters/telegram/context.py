"""What every handler shares: its dependencies, who is acting, and answering a button
press once and in time."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from collections.abc import Awaitable, Callable, Coroutine, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

from telegram import CallbackQuery, InlineKeyboardMarkup, Message, Update
from telegram import User as TelegramUser
from telegram.error import TelegramError
from telegram.ext import ContextTypes

from adapters.memory import KeyedLocks, Recent
from adapters.telegram import render
from adapters.telegram.config import TelegramConfig
from adapters.telegram.messages import PLATFORM, show
from adapters.telegram.notifier import TelegramNotifier
from adapters.text import UserFacing
from core import users
from core.api_keys import ApiKeyManager
from core.identity import Identity, User
from core.services import Services

log = logging.getLogger(__name__)

STALE = "This button no longer works. Send /help to start again."
ANONYMOUS = "Please send that as yourself: I can't tell who writes anonymously or as a channel."
T = TypeVar("T")
Context = ContextTypes.DEFAULT_TYPE


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
    api_keys: ApiKeyManager  # shown to the bot's owners (/apikey)
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


# One page of a user's list: (services, the user, the Telegram id it is shown to, page).
PageOf = Callable[[Services, User, int, int], Awaitable[tuple[str, InlineKeyboardMarkup | None]]]
Handler = Callable[[Update, Context], Coroutine[Any, Any, None]]


def paged_list(command: str, page_of: PageOf) -> tuple[Handler, Handler]:
    """The handlers of a paged list such as /requests: the command (its first page) and
    the ‹ Newer / Older › buttons (callback groups: the Telegram id it was shown to, the
    page), which only that user may turn."""

    async def first_page(update: Update, context: Context) -> None:
        message, sender = update.effective_message, update.effective_user
        if message is None or sender is None:
            return
        user = await acting_user(update, context)
        text, markup = await page_of(deps(context).services, user, sender.id, 1)
        await message.reply_text(text, reply_markup=markup)

    async def other_page(update: Update, context: Context) -> None:
        press = Press(update, context)
        owner, page = int(press.groups[0]), max(1, int(press.groups[1]))
        if owner != press.query.from_user.id:
            raise UserFacing(f"That list is someone else's. Send {command} to see yours.")
        user = await press.user()
        text, markup = await press.quickly(page_of(press.deps.services, user, owner, page))
        await press.answer()
        if press.message is not None:
            await show(press.message, text, markup)

    return first_page, other_page
