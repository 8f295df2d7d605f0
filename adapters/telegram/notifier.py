"""Notifications through Telegram, from the core's outbox.

- Each recipient gets a private message (with the poster) about what happened to a request
  they made or asked to hear about.
- Managers get approval cards: in the admin chat when one is set (posted once per event,
  whoever the managers are), else each in their private chat.
- Every card posted about a request is remembered (core.chat) and edited as the request moves
  on, whoever moved it and wherever: buttons go, the outcome and who decided appear.
- "Now available" is announced in the notify chat when one is set.

Telegram's answers become DeliveryFailed: a 429 (after the rate limiter's own retries) with
its retry_after, a blocked bot as permanent (logged once per chat, never retried), network
trouble as worth retrying. The outbox does the retrying, so nothing is lost on a restart.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections import OrderedDict
from collections.abc import AsyncIterator
from typing import Protocol

from telegram import Bot, InlineKeyboardMarkup, Message
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError

from adapters.telegram import callbacks, render
from adapters.telegram.common import PLATFORM, is_gone, is_not_modified, keyboard, send
from adapters.telegram.config import TelegramConfig
from adapters.telegram.flood import seconds
from core import chat, quotas
from core.domain import (
    Audience,
    ChatPost,
    Event,
    EventKind,
    EventPayload,
    MediaType,
    Notification,
    User,
    poster_url,
)
from core.errors import CoreError, DeliveryFailed
from core.services import Services

log = logging.getLogger(__name__)

READY_TIMEOUT = 30.0
# The requester saw the answer to these in the chat where they asked.
ANSWERED_IN_CHAT = frozenset({EventKind.PENDING, EventKind.AUTO_APPROVED})
CARD = "approval"
SHOWN_CARDS = 4096


class TelegramNotifier:
    """core.ports.Notifier and core.ports.Broadcaster for Telegram."""

    name = PLATFORM

    def __init__(self, services: Services, config: TelegramConfig) -> None:
        self._services = services
        self._config = config
        self._bot: Bot | None = None
        self._ready = asyncio.Event()
        self._unreachable: set[int | str] = set()  # chats already logged as blocked
        # What each card shows now, as this process last set it: an edit that would change
        # nothing is skipped (the handler that decided and the outbox both update the card,
        # and every edit counts against the chat's flood limit).
        self._shown: OrderedDict[tuple[str, str], str] = OrderedDict()

    def attach(self, bot: Bot) -> None:
        """Start delivering through ``bot`` (once the application is initialised)."""
        self._bot = bot
        self._ready.set()

    def detach(self) -> None:
        """Stop delivering (the application is shutting down): sends wait, then fail."""
        self._ready.clear()
        self._bot = None

    def reaches(self, user: User) -> bool:
        return _chat_of(user) is not None

    async def send(self, notification: Notification) -> bool:
        """Tell one recipient; False when Telegram has nothing to add for them."""
        event, user = notification.event, notification.recipient
        payload, kind = event.payload, event.kind
        chat_id = _chat_of(user)
        if chat_id is None:
            return False
        if notification.audience is Audience.REQUESTER and (
            kind in ANSWERED_IN_CHAT or payload.actor_id == user.id
        ):
            return False
        if notification.audience is Audience.MANAGER:
            if self._config.admin_chat_id is not None:
                return False  # the admin chat has the card (publish)
            if kind in (EventKind.PENDING, EventKind.FAILED):
                await self.post_card(chat_id, payload, kind)
                return True
        bot = await self._ready_bot()
        photo = poster_url(payload.poster_path)
        text = render.notification(notification, photo=photo is not None)
        async with self._delivery(chat_id):
            await send(bot, chat_id, text, photo=photo)
        return True

    async def publish(self, event: Event) -> bool:
        """Update the shared chats: post the card of a new or failed request in the admin
        chat, edit every card of the request, announce availability."""
        kind, payload = event.kind, event.payload
        admin, public = self._config.admin_chat_id, self._config.notify_chat_id
        done = False
        if kind is not EventKind.PENDING:
            done = await self.update_cards(payload, kind) > 0
        if admin is not None and kind in (EventKind.PENDING, EventKind.FAILED):
            await self.post_card(admin, payload, kind)
            done = True
        elif admin is not None and kind is EventKind.AUTO_APPROVED:
            await self._post(admin, render.approval_card, payload, kind)
            done = True
        if public is not None and kind is EventKind.AVAILABLE:
            await self._post(public, _announcement, payload, kind)
            done = True
        return done

    async def post_card(
        self, chat_id: int | str, payload: EventPayload, kind: EventKind
    ) -> Message:
        """Post the approval card of a request (with the requester's quota use when it is
        new) and remember it, so that decisions anywhere edit it."""
        quota_line = await self._quota_line(payload) if kind is EventKind.PENDING else ""

        def layout(p: EventPayload, k: EventKind, *, photo: bool) -> str:
            return render.approval_card(p, k, quota_line=quota_line, photo=photo)

        markup = card_buttons(payload, kind)
        message = await self._post(chat_id, layout, payload, kind, markup)
        shape = "photo" if message.photo else "text"
        where = (str(message.chat_id), str(message.message_id))
        post = ChatPost(PLATFORM, *where, payload.request_id, f"{CARD}:{shape}")
        await chat.record_post(self._services, post)
        shown = layout(payload, kind, photo=bool(message.photo))
        self._remember(where, _looks(shown, markup))
        return message

    async def update_cards(self, payload: EventPayload, kind: EventKind) -> int:
        """Edit every card posted about the request to show ``kind``'s outcome; returns how
        many were edited. Cards deleted meanwhile are skipped."""
        bot = await self._ready_bot()
        edited = 0
        for post in await chat.posts_for(self._services, payload.request_id, PLATFORM):
            photo = post.kind.endswith(":photo")
            text = render.approval_card(payload, kind, photo=photo)
            markup = card_buttons(payload, kind)
            where, looks = (post.chat_id, post.message_id), _looks(text, markup)
            if self._shown.get(where) == looks:
                edited += 1
                continue
            done = await self._edit(bot, post, text, markup, photo=photo)
            if done:
                self._remember(where, looks)
            edited += done
        return edited

    def _remember(self, where: tuple[str, str], looks: str) -> None:
        self._shown[where] = looks
        self._shown.move_to_end(where)
        while len(self._shown) > SHOWN_CARDS:
            self._shown.popitem(last=False)

    async def _edit(
        self,
        bot: Bot,
        post: ChatPost,
        text: str,
        markup: InlineKeyboardMarkup | None,
        *,
        photo: bool,
    ) -> int:
        chat_id, message_id = post.chat_id, int(post.message_id)
        try:
            async with self._delivery(chat_id):
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
                raise  # flood control or network: the outbox tries the whole event again
            log.info("card %s in chat %s not edited: %s", post.message_id, post.chat_id, exc)
            return 0
        return 1

    async def _post(
        self,
        chat_id: int | str,
        layout: _Layout,
        payload: EventPayload,
        kind: EventKind,
        markup: InlineKeyboardMarkup | None = None,
    ) -> Message:
        bot = await self._ready_bot()
        photo = poster_url(payload.poster_path)
        text = layout(payload, kind, photo=photo is not None)
        async with self._delivery(chat_id):
            return await send(bot, chat_id, text, markup, photo=photo)
        raise AssertionError("unreachable")  # pragma: no cover

    async def _quota_line(self, payload: EventPayload) -> str:
        try:
            report = await quotas.quota_of(self._services, payload.requested_by_id)
        except CoreError:
            return ""
        movie = payload.media_type is MediaType.MOVIE
        status = report.movie if movie else report.tv
        return render.quota_use(status, "movie" if movie else "season")

    async def _ready_bot(self) -> Bot:
        if self._bot is None:
            try:
                async with asyncio.timeout(READY_TIMEOUT):
                    await self._ready.wait()
            except TimeoutError:
                raise DeliveryFailed("the Telegram adapter is not running") from None
        assert self._bot is not None
        return self._bot

    @contextlib.asynccontextmanager
    async def _delivery(self, chat_id: int | str) -> AsyncIterator[None]:
        """Telegram's errors as the outbox understands them."""
        try:
            yield
        except RetryAfter as exc:
            wait = seconds(exc)
            raise DeliveryFailed(
                f"Telegram flood control: retry in {wait:.0f} s", retry_after=wait
            ) from exc
        except Forbidden as exc:
            if chat_id not in self._unreachable:
                self._unreachable.add(chat_id)
                log.warning("Telegram chat %s cannot be written to: %s", chat_id, exc.message)
            raise DeliveryFailed(exc.message, permanent=True) from exc
        except BadRequest as exc:
            if not (
                is_gone(exc) or is_not_modified(exc) or "chat not found" in exc.message.lower()
            ):
                log.error("Telegram refused a message to chat %s: %s", chat_id, exc.message)
            raise DeliveryFailed(exc.message, permanent=True) from exc
        except NetworkError as exc:  # also TimedOut
            raise DeliveryFailed(f"Telegram is not reachable: {exc.message}") from exc
        except TelegramError as exc:
            raise DeliveryFailed(f"Telegram: {exc.message}") from exc
        else:
            self._unreachable.discard(chat_id)


class _Layout(Protocol):
    def __call__(self, p: EventPayload, k: EventKind, /, *, photo: bool) -> str: ...


def _announcement(payload: EventPayload, kind: EventKind, *, photo: bool) -> str:
    return render.announcement(payload, photo=photo)


def _looks(text: str, markup: InlineKeyboardMarkup | None) -> str:
    return text + "\x00" + (json.dumps(markup.to_dict(), sort_keys=True) if markup else "")


def card_buttons(payload: EventPayload, kind: EventKind) -> InlineKeyboardMarkup | None:
    """Approve / Decline while pending, Retry once failed, nothing otherwise."""
    request_id = payload.request_id
    if kind is EventKind.PENDING:
        return keyboard(
            [
                ("✅ Approve", callbacks.approve(request_id)),
                ("❌ Decline", callbacks.decline(request_id)),
            ]
        )
    if kind is EventKind.FAILED:
        return keyboard([("🔁 Retry", callbacks.retry(request_id))])
    return None


def _chat_of(user: User) -> int | None:
    """The private chat of a user's Telegram identity (its id is the user id)."""
    for identity in user.identities:
        if identity.platform == PLATFORM:
            with contextlib.suppress(ValueError):
                return int(identity.external_id)
    return None
