"""Delivering to Telegram, beneath every kind of card: the bot once the adapter runs,
Telegram's errors as the outbox understands them, card edits that skip what would change
nothing, and whether the admin chat can be used right now.

Telegram's answers become DeliveryFailed: a 429 (after the rate limiter's own retries) with
its retry_after, a blocked bot as permanent (logged once per chat, never retried), network
trouble as worth retrying.
"""

from __future__ import annotations

import contextlib
import json
import logging
import time
from collections.abc import AsyncIterator, Awaitable

from telegram import Bot, InlineKeyboardMarkup, Message
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    NetworkError,
    RetryAfter,
    TelegramError,
)

from adapters.attached import Attached
from adapters.memory import Recent
from adapters.telegram.config import TelegramConfig
from adapters.telegram.flood import is_group, seconds
from adapters.telegram.messages import is_gone, is_not_modified
from core.domain import ChatPost
from core.errors import DeliveryFailed

log = logging.getLogger(__name__)

ADMIN_RETRY = 600.0  # seconds before an admin chat that failed for good is tried again


class Wire:
    """The bot and what every card posted through it shares."""

    def __init__(self, config: TelegramConfig) -> None:
        self.bot: Attached[Bot] = Attached("Telegram")
        self._config = config
        self._unreachable: set[str] = set()  # chats already logged as unusable
        self._admin_down_until = 0.0  # the admin chat failed for good: cards go to managers
        # What each card shows now, as this process last set it: an edit that would change
        # nothing is skipped (the handler that acted and the outbox both update the card,
        # and every edit counts against the chat's flood limit).
        self.shown: Recent[tuple[str, str], str] = Recent()

    async def ready(self) -> Bot:
        return await self.bot.ready()

    @property
    def admin_chat(self) -> int | None:
        """The admin chat, unless it failed for good lately (then it is tried again later)."""
        if time.monotonic() < self._admin_down_until:
            return None
        return self._config.admin_chat_id

    async def shared(self, role: str, chat_id: int | str, posting: Awaitable[object]) -> bool:
        """Post in a configured chat; if it is unusable for good, say so loudly. Without the
        admin chat the managers are told privately (the dispatcher sends to them right
        after publish)."""
        try:
            await posting
        except DeliveryFailed as exc:
            if not exc.permanent:
                raise
            if role == "admin":
                self._admin_down_until = time.monotonic() + ADMIN_RETRY
            fallback = "cards go to each manager privately until it can; " * (role == "admin")
            log.error(
                "the %s chat %s cannot be used (%s): %scheck TELEGRAM_%s_CHAT_ID and that the "
                "bot is a member allowed to post",
                role,
                chat_id,
                exc.reason,
                fallback,
                role.upper(),
            )
            return False
        return True

    def showing(self, message: Message, text: str, markup: InlineKeyboardMarkup | None) -> None:
        """Remember what a card just posted shows."""
        self.shown[(str(message.chat_id), str(message.message_id))] = looks(text, markup)

    async def show(
        self, post: ChatPost, text: str, markup: InlineKeyboardMarkup | None, *, photo: bool
    ) -> int:
        """Make a posted card show ``text`` and ``markup`` unless it does already: 1 if it
        shows them, 0 if it is gone (see edit)."""
        where, shape = (post.chat_id, post.message_id), looks(text, markup)
        if self.shown.get(where) == shape:
            return 1
        done = await self.edit(post, text, markup, photo=photo)
        if done:
            self.shown[where] = shape
        return done

    async def edit(
        self, post: ChatPost, text: str, markup: InlineKeyboardMarkup | None, *, photo: bool
    ) -> int:
        """Edit a card: 1 if it shows the text now, 0 when it was deleted meanwhile or is in
        a chat the bot has left; flood control and network trouble are raised (the outbox
        tries the whole event again)."""
        bot = await self.ready()
        chat_id, message_id = post.chat_id, int(post.message_id)
        try:
            async with self.delivery(chat_id):
                if photo:
                    await bot.edit_message_caption(
                        chat_id, message_id, caption=text, reply_markup=markup
                    )
                else:
                    await bot.edit_message_text(text, chat_id, message_id, reply_markup=markup)
        except DeliveryFailed as exc:
            cause = exc.__cause__
            if isinstance(cause, BadRequest) and is_not_modified(cause):
                return 1
            if exc.retry_after is not None or not exc.permanent:
                raise
            log.info("card %s in chat %s not edited: %s", post.message_id, post.chat_id, exc)
            return 0
        return 1

    @contextlib.asynccontextmanager
    async def delivery(self, chat_id: int | str) -> AsyncIterator[None]:
        """Telegram's errors as the outbox understands them."""
        where = str(chat_id)
        try:
            yield
        except RetryAfter as exc:
            wait = seconds(exc)
            reason = f"Telegram flood control: retry in {wait:.0f} s"
            raise DeliveryFailed(reason, retry_after=wait) from exc
        except ChatMigrated as exc:  # a group became a supergroup with a new id
            log.error("Telegram chat %s is now chat %s: use the new id", where, exc.new_chat_id)
            raise DeliveryFailed(f"the chat moved to {exc.new_chat_id}", permanent=True) from exc
        except (Forbidden, BadRequest) as exc:
            if isinstance(exc, BadRequest) and (is_gone(exc) or is_not_modified(exc)):
                raise DeliveryFailed(exc.message, permanent=True) from exc
            if where not in self._unreachable:
                self._unreachable.add(where)
                # A user who blocked the bot is their choice, not a misconfiguration.
                level = logging.ERROR if is_group(chat_id) else logging.WARNING
                log.log(level, "Telegram chat %s cannot be written to: %s", where, exc.message)
            raise DeliveryFailed(exc.message, permanent=True) from exc
        except NetworkError as exc:  # also TimedOut
            raise DeliveryFailed(f"Telegram is not reachable: {exc.message}") from exc
        except TelegramError as exc:
            raise DeliveryFailed(f"Telegram: {exc.message}") from exc
        else:
            self._unreachable.discard(where)


def looks(text: str, markup: InlineKeyboardMarkup | None) -> str:
    """What a card shows, to compare with what it should."""
    return text + "\x00" + (json.dumps(markup.to_dict(), sort_keys=True) if markup else "")
