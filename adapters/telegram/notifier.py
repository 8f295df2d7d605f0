"""Notifications through Telegram, from the core's outbox.

- Each recipient gets a private message (with the poster) about what happened to a request
  they made or asked to hear about.
- Managers get approval cards: in the admin chat when one is set (posted once per event,
  whoever the managers are), else each in their private chat; a manager who chose so in
  /notifications gets them in their private chat as well. Should the admin chat be
  unusable (the bot was removed, the id is wrong), they get them privately until it works.
- Every card posted about a request is remembered (core.chat) and edited as the request
  moves on, whoever moved it and wherever. A card always shows the request as it is now,
  so edits that arrive late or out of order cannot bring back an old state.
- A failure is announced as a reply to the request's card (edits are silent); "now
  available" is announced in the notify chat when one is set.
- An issue's events go to adapters.telegram.issue_cards: its cards and notices.

Telegram's answers become DeliveryFailed (adapters.telegram.wire); the outbox does the
retrying, so nothing is lost on a restart.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Protocol

from telegram import Bot, InlineKeyboardMarkup, Message

from adapters.cards import as_it_is_now, quota_use
from adapters.memory import KeyedLocks
from adapters.telegram import digest, render
from adapters.telegram.cards import card_buttons
from adapters.telegram.config import TelegramConfig
from adapters.telegram.flood import FloodControl, outbox
from adapters.telegram.issue_cards import IssueCards
from adapters.telegram.messages import PLATFORM, send
from adapters.telegram.wire import Wire
from core import chat
from core.audience import told_in_place
from core.digest import is_digest
from core.domain import ChatPost
from core.errors import DeliveryFailed
from core.events import Audience, Event, EventKind, EventPayload, Notification
from core.identity import User
from core.media import poster_url
from core.ports import SHARED
from core.services import Services

log = logging.getLogger(__name__)

CARD = "approval"


class TelegramNotifier:
    """core.ports.Notifier and core.ports.Broadcaster for Telegram."""

    name = PLATFORM

    def __init__(self, services: Services, config: TelegramConfig) -> None:
        self._services = services
        self._config = config
        self._wire = Wire(config)
        self._cards = KeyedLocks()  # one update of a request's cards at a time
        self.issues = IssueCards(services, self._wire)

    def attach(self, bot: Bot) -> None:
        """Start delivering through ``bot`` (once the application is initialised)."""
        self._wire.bot.attach(bot)

    def detach(self) -> None:
        """Stop delivering (the application has stopped): sends wait, then fail."""
        self._wire.bot.detach()

    def reaches(self, user: User) -> bool:
        return user.numeric_id(PLATFORM) is not None

    def destinations(self, notification: Notification) -> tuple[str, ...]:
        """core.ports.Routed: the recipient's private chat. A manager's card goes after the
        publish of its event (which tells whether the admin chat works, else the card goes
        privately) and before the edits of later events: in the shared chats' lane, and
        without an admin chat in the manager's private chat's too."""
        own = f"chat:{notification.recipient.numeric_id(PLATFORM)}"
        if notification.audience is not Audience.MANAGER:
            return (own,)
        # While the admin chat is down, or when the manager wants cards privately too, the
        # card goes to the private chat: so its lane too.
        if self._wire.admin_chat is not None and not notification.private_card:
            return (SHARED,)
        return (own, SHARED)

    def drain(self) -> None:
        """core.ports.Drainable: the limiter puts no outbox send on the wire any more."""
        limiter = getattr(self._wire.bot.current, "rate_limiter", None)
        if isinstance(limiter, FloodControl):
            limiter.drain()

    async def send(self, notification: Notification) -> bool:
        """Tell one recipient; False when Telegram has nothing to add for them."""
        with outbox():
            return await self._send(notification)

    async def _send(self, notification: Notification) -> bool:
        if notification.event.kind.is_issue:
            return await self.issues.send(notification)
        event, user = notification.event, notification.recipient
        payload, kind = event.payload, event.kind
        chat_id = user.numeric_id(PLATFORM)
        if chat_id is None or told_in_place(notification):
            return False
        if notification.audience is Audience.MANAGER:
            if self._wire.admin_chat is not None and not notification.private_card:
                return False  # the admin chat has the card (publish)
            if kind is EventKind.PENDING:
                await self.post_card(chat_id, payload, kind)
                return True
            if kind is EventKind.FAILED:
                await self._announce_failure(chat_id, payload)
                return True
        bot = await self._wire.ready()
        photo = poster_url(payload.poster_path)
        text = render.notification(notification, photo=photo is not None)
        async with self._wire.delivery(chat_id):
            await send(bot, chat_id, text, photo=photo)
        return True

    async def publish(self, event: Event) -> bool:
        """Update the shared chats: edit every card of the request, post the card of a new
        request in the admin chat (or announce a failure there), announce availability."""
        with outbox():
            return await self._publish(event)

    async def _publish(self, event: Event) -> bool:
        if event.kind.is_issue:
            return await self.issues.publish(event)
        kind, payload = event.kind, event.payload
        done = False
        if kind is not EventKind.PENDING:
            done = await self.update_cards(payload, kind) > 0
        admin, public = self._wire.admin_chat, self._config.notify_chat_id
        if kind is EventKind.PENDING and self._config.admin_digest_minutes:
            admin = None  # the admin chat's digest lists it (adapters.telegram.digest)
        if admin is not None and kind in (EventKind.PENDING, EventKind.AUTO_APPROVED):
            done |= await self._wire.shared("admin", admin, self.post_card(admin, payload, kind))
        elif admin is not None and kind is EventKind.FAILED:
            done |= await self._wire.shared("admin", admin, self._announce_failure(admin, payload))
        if public is not None and kind is EventKind.AVAILABLE:
            announcing = self._post(public, _announcement, payload, kind)
            done |= await self._wire.shared("notify", public, announcing)
        return done

    async def post_card(self, chat_id: int | str, payload: EventPayload, kind: EventKind) -> None:
        """Post the card of a request as it is now (with the requester's quota use while it
        awaits a decision) and remember it, so that decisions anywhere edit it."""
        payload, kind = await self._now(payload, kind)
        quota_line = ""
        if kind is EventKind.PENDING:
            requester, media_type = payload.requested_by_id, payload.media_type
            quota_line = await quota_use(self._services, requester, media_type)

        def layout(p: EventPayload, k: EventKind, *, photo: bool) -> str:
            return render.approval_card(p, k, quota_line=quota_line, photo=photo)

        markup = card_buttons(payload, kind)
        message = await self._post(chat_id, layout, payload, kind, markup)
        shape = "photo" if message.photo else "text"
        where = (str(message.chat_id), str(message.message_id))
        post = ChatPost(PLATFORM, *where, payload.request_id, f"{CARD}:{shape}")
        await chat.record_post(self._services, post)
        self._wire.showing(message, layout(payload, kind, photo=bool(message.photo)), markup)

    async def update_cards(self, payload: EventPayload, kind: EventKind) -> int:
        """Edit every card posted about the request to show it as it is now (``kind``'s
        outcome, unless the request has moved on since); returns how many show it. Cards
        deleted meanwhile, or in chats the bot has left, are skipped."""
        await self._wire.ready()
        async with self._cards(str(payload.request_id)):
            return await self._update_cards(payload, kind)

    async def _update_cards(self, payload: EventPayload, kind: EventKind) -> int:
        payload, kind = await self._now(payload, kind)
        edited = 0
        markup = card_buttons(payload, kind)
        for post in await chat.posts_for(self._services, payload.request_id, PLATFORM):
            if is_digest(post):
                edited += await self._update_digest(post)
                continue
            photo = post.kind.endswith(":photo")
            text = render.approval_card(payload, kind, photo=photo)
            edited += await self._wire.show(post, text, markup, photo=photo)
        return edited

    async def _update_digest(self, post: ChatPost) -> int:
        """Lay out a digest again with its requests as they are now (one update of a
        digest at a time: it lists several requests)."""
        async with self._cards(f"digest:{post.chat_id}:{post.message_id}"):
            shown = await digest.layout_now(self._services, post)
            if shown is None:
                return 0
            text, markup = shown
            return await self._wire.show(post, text, markup, photo=False)

    async def post_digest(
        self, chat_id: int, text: str, markup: InlineKeyboardMarkup | None
    ) -> Message:
        """Post a digest in the admin chat through the flood limiter (held, like the
        outbox's sends, once the process is stopping); DeliveryFailed if it cannot."""
        bot = await self._wire.ready()
        with outbox():
            async with self._wire.delivery(chat_id):
                message = await send(bot, chat_id, text, markup)
        self._wire.showing(message, text, markup)
        return message

    async def post_to_managers(
        self, text: str, markup: InlineKeyboardMarkup | None, managers: Sequence[User]
    ) -> list[tuple[str, str]]:
        """Post a card that is not a request's (an account claim) where approval cards go:
        the admin chat, else each manager's private chat; returns where it was posted (a
        chat that cannot take it is logged and passed over)."""
        admin = self._wire.admin_chat
        chats = [admin] if admin is not None else [m.numeric_id(PLATFORM) for m in managers]
        bot = await self._wire.ready()
        posted: list[tuple[str, str]] = []
        for chat_id in dict.fromkeys(c for c in chats if c is not None):
            try:
                async with self._wire.delivery(chat_id):
                    message = await send(bot, chat_id, text, markup)
            except DeliveryFailed as exc:
                log.info("card not posted in chat %s: %s", chat_id, exc.reason)
                continue
            posted.append((str(message.chat_id), str(message.message_id)))
        return posted

    async def edit_posts(self, posts: Sequence[tuple[str, str]], text: str) -> None:
        """Show ``text`` without buttons on cards posted by post_to_managers."""
        bot = await self._wire.ready()
        for chat_id, message_id in posts:
            try:
                async with self._wire.delivery(chat_id):
                    await bot.edit_message_text(text, chat_id, int(message_id), reply_markup=None)
            except DeliveryFailed as exc:
                log.info("card %s in chat %s not edited: %s", message_id, chat_id, exc.reason)

    async def tell(self, chat_id: int, text: str) -> bool:
        """A plain private message now (not through the outbox); False if it failed."""
        bot = await self._wire.ready()
        try:
            async with self._wire.delivery(chat_id):
                await send(bot, chat_id, text)
        except DeliveryFailed as exc:
            log.info("chat %s not told: %s", chat_id, exc.reason)
            return False
        return True

    async def _now(self, payload: EventPayload, kind: EventKind) -> tuple[EventPayload, EventKind]:
        return await as_it_is_now(self._services, payload, kind)

    async def _announce_failure(self, chat_id: int | str, payload: EventPayload) -> None:
        """Tell a chat that a request failed: as a reply to its card there (which shows
        Retry), or as a new card if the chat has none."""
        posts = await chat.posts_for(self._services, payload.request_id, PLATFORM)
        here = [p for p in posts if p.chat_id == str(chat_id) and not is_digest(p)]
        if not here:
            await self.post_card(chat_id, payload, EventKind.FAILED)
            return
        bot = await self._wire.ready()
        reason = render.esc(render.shorten(payload.reason or "no reason given", render.CARD_REASON))
        text = (
            f"⚠️ Request #{payload.request_id} ({render.esc(payload.label)}) could not be sent "
            f"to the downloader: {reason}. Press Retry on its card when that is fixed."
        )
        async with self._wire.delivery(chat_id):
            await send(bot, chat_id, text, reply_to=int(here[-1].message_id))

    async def _post(
        self,
        chat_id: int | str,
        layout: _Layout,
        payload: EventPayload,
        kind: EventKind,
        markup: InlineKeyboardMarkup | None = None,
    ) -> Message:
        bot = await self._wire.ready()
        photo = poster_url(payload.poster_path)
        text = layout(payload, kind, photo=photo is not None)
        async with self._wire.delivery(chat_id):
            return await send(bot, chat_id, text, markup, photo=photo)
        raise AssertionError("unreachable")  # pragma: no cover


class _Layout(Protocol):
    def __call__(self, p: EventPayload, k: EventKind, /, *, photo: bool) -> str: ...


def _announcement(payload: EventPayload, kind: EventKind, *, photo: bool) -> str:
    return render.announcement(payload, photo=photo)
