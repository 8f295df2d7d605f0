"""An issue on Telegram: its managers' cards and the notices of what happens to it.

- A new issue's card (with the title's poster) goes where approval cards go: the admin
  chat when one is set, else each issue manager's private chat (and theirs too when they
  chose private cards in /notifications).
- Every card of an issue is remembered (core.chat) and shown as the issue is now on each of
  its events, whoever acted and wherever; a deleted issue's cards say so, without buttons.
- The reporter hears privately of comments and of resolving and reopening by others;
  managers with a private card hear of them as a reply to it; the admin chat hears of what
  the reporter did. A reply to a card or notice comments on the issue (awaiting).
"""

from __future__ import annotations

import asyncio

from telegram import InlineKeyboardMarkup, Message

from adapters.issue_text import (
    ACTION_LABELS,
    CARD_COMMENTS,
    card_actions,
    card_lines,
    event_sentence,
    gone_lines,
    is_reporters_news,
    notice,
)
from adapters.memory import KeyedLocks
from adapters.telegram import awaiting, callbacks, render
from adapters.telegram.messages import PLATFORM, keyboard, send
from adapters.telegram.wire import Wire
from core import chat
from core.audience import told_in_place
from core.domain import ISSUE_POST, ChatPost
from core.events import Audience, Event, EventKind, EventPayload, Notification
from core.issue_queries import current_issue
from core.issue_values import Issue
from core.media import poster_url
from core.services import Services

HINT = "Reply to this message to add a comment."
# What the admin chat hears of besides the card's edit: what the reporter did.


def card_text(issue: Issue, *, photo: bool) -> str:
    """An issue's card as it is now, within a caption's or a message's length: the older
    of its latest comments give way first (a poster's caption holds 1024 characters)."""
    limit = render.CAPTION_LIMIT if photo else render.TEXT_LIMIT
    for shown in range(CARD_COMMENTS, 0, -1):
        first, *rest = card_lines(issue, render.esc, comments=shown)
        text = "\n".join([f"<b>{first}</b>", *rest])
        if render.visible_length(text) <= limit:
            return text
    first, *rest = card_lines(issue, render.esc, comments=0)
    return render.compose([f"<b>{first}</b>", *rest], "", [], limit)


def gone_text(payload: EventPayload, *, photo: bool) -> str:
    """The card of an issue that was deleted."""
    assert payload.issue is not None
    first, *rest = gone_lines(payload.issue, payload.label, render.esc)
    limit = render.CAPTION_LIMIT if photo else render.TEXT_LIMIT
    return render.compose([f"<b>{first}</b>", *rest], "", [], limit)


def card_buttons(issue: Issue | None) -> InlineKeyboardMarkup | None:
    """Resolve or Reopen, and Comment (core.issue_rules decides who may press them)."""
    if issue is None:
        return None
    actions = card_actions(issue)
    return keyboard(
        [(ACTION_LABELS[a], callbacks.issue_action(a.value, issue.id)) for a in actions]
    )


def with_hint(text: str) -> str:
    return f"{text}\n<i>{HINT}</i>"


class IssueCards:
    """Posts and keeps current the cards of issues, and sends their notices."""

    def __init__(self, services: Services, wire: Wire) -> None:
        self._services = services
        self._wire = wire
        self._locks = KeyedLocks()  # one update of an issue's cards at a time
        self._posting = KeyedLocks()  # a card or notice being posted in a chat

    def posting(self, chat_id: int | str) -> asyncio.Lock:
        """Held while a card or notice is posted in the chat and until a reply to it would
        be understood: a reply that comes sooner waits for it."""
        return self._posting(str(chat_id))

    async def send(self, notification: Notification) -> bool:
        """Tell one recipient of an issue's event; False when they need not hear of it."""
        event, user = notification.event, notification.recipient
        payload, kind = event.payload, event.kind
        chat_id = user.numeric_id(PLATFORM)
        if chat_id is None or told_in_place(notification) or kind is EventKind.ISSUE_DELETED:
            return False
        facts = payload.issue
        assert facts is not None
        if notification.audience is not Audience.MANAGER:
            await self._notice(chat_id, facts.issue_id, notice(notification, render.esc))
            return True
        if self._wire.admin_chat is not None and not notification.private_card:
            return False  # the admin chat has the card (publish)
        if kind is EventKind.ISSUE_CREATED:
            await self.post_card(chat_id, facts.issue_id)
            return True
        await self._news(chat_id, event)
        return True

    async def publish(self, event: Event) -> bool:
        """Show the event on every card of the issue; in the admin chat, post a new issue's
        card, and tell of what its reporter did."""
        payload, kind = event.payload, event.kind
        facts = payload.issue
        assert facts is not None
        done = await self.update(facts.issue_id, payload) > 0
        admin = self._wire.admin_chat
        if admin is None:
            return done
        if kind is EventKind.ISSUE_CREATED:
            done |= await self._wire.shared("admin", admin, self.post_card(admin, facts.issue_id))
        elif is_reporters_news(event):
            done |= await self._wire.shared("admin", admin, self._news(admin, event))
        return done

    async def post_card(
        self, chat_id: int | str, issue_id: int, *, keep: bool = True
    ) -> Message | None:
        """Post the card of an issue as it is now; None once deleted. A card ``kept`` has
        its buttons and is remembered, so that what happens to the issue anywhere shows on
        it and a reply to it comments; else it is a look at the issue as it is."""
        issue = await current_issue(self._services, issue_id)
        if issue is None:
            return None
        bot = await self._wire.ready()
        photo = poster_url(issue.media.poster_path)
        markup = card_buttons(issue) if keep else None
        text = card_text(issue, photo=photo is not None)
        async with self.posting(chat_id):
            async with self._wire.delivery(chat_id):
                message = await send(bot, chat_id, text, markup, photo=photo)
            if not keep:
                return message
            where = (str(message.chat_id), str(message.message_id))
            await awaiting.expect_replies(self._services, *where, awaiting.COMMENT, {"i": issue.id})
        shape = "photo" if message.photo else "text"
        post = ChatPost(PLATFORM, *where, issue.id, f"{ISSUE_POST}:{shape}")
        await chat.record_post(self._services, post)
        self._wire.showing(message, card_text(issue, photo=bool(message.photo)), markup)
        return message

    async def update(self, issue_id: int, payload: EventPayload | None = None) -> int:
        """Show the issue as it is now on every card of it (``payload``, the event's, says
        what a deleted issue was); returns how many show it."""
        async with self._locks(str(issue_id)):
            issue = await current_issue(self._services, issue_id)
            if issue is None and payload is None:
                return 0
            markup = card_buttons(issue)
            shown = 0
            for post in await chat.issue_posts(self._services, issue_id, PLATFORM):
                photo = post.kind.endswith(":photo")
                if issue is not None:
                    text = card_text(issue, photo=photo)
                else:
                    assert payload is not None
                    text = gone_text(payload, photo=photo)
                shown += await self._wire.show(post, text, markup, photo=photo)
            return shown

    async def _news(self, chat_id: int | str, event: Event) -> None:
        """What happened to the issue, as a reply to its latest card in the chat."""
        facts = event.payload.issue
        assert facts is not None
        posts = await chat.issue_posts(self._services, facts.issue_id, PLATFORM)
        here = [p for p in posts if p.chat_id == str(chat_id)]
        card = int(here[-1].message_id) if here else None
        words = event_sentence(event.kind, event.payload, render.esc)
        await self._notice(chat_id, facts.issue_id, words, reply_to=card)

    async def _notice(
        self, chat_id: int | str, issue_id: int, text: str, *, reply_to: int | None = None
    ) -> None:
        bot = await self._wire.ready()
        async with self.posting(chat_id):
            async with self._wire.delivery(chat_id):
                message = await send(bot, chat_id, with_hint(text), reply_to=reply_to)
            where = (message.chat_id, message.message_id)
            await awaiting.expect_replies(self._services, *where, awaiting.COMMENT, {"i": issue_id})
