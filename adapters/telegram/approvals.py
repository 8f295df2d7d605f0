"""Deciding requests from the chat: /pending, and the Approve / Decline / Retry buttons of
approval cards. Decline asks for an optional reason (a reply to the prompt, or No reason).

Only users with MANAGE_REQUESTS (or ADMIN) may decide; the core checks it on every press, so
a forged button acts for nobody. When two managers press at once the core lets one win, and
the other is told who decided first.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

from telegram import Message, Update
from telegram.error import TelegramError

from adapters.cards import as_it_stands
from adapters.telegram import callbacks, render
from adapters.telegram.context import Context, Deps, Press, acting_user, deps
from adapters.telegram.messages import PLATFORM, keyboard
from core import chat, queries, requests
from core.domain import MediaRequest
from core.errors import (
    AlreadyDecided,
    DeliveryFailed,
    InvalidTransition,
    NotFound,
)
from core.events import EventKind, EventPayload
from core.identity import User
from core.outbox import snapshot

log = logging.getLogger(__name__)

PER_PAGE = 5
PROMPT_TTL = timedelta(days=1)
NEXT_MESSAGE_WINDOW = 600.0  # seconds in which a private message counts as the reason
NO_REASON = "No reason"
HINT = "Send /request and a title to search, or /help to see what I can do."
REPLY_TO_THE_QUESTION = (
    "To decline with a reason, reply to my question (not to the card), or press No reason."
)


async def on_pending(update: Update, context: Context) -> None:
    """/pending: the oldest requests awaiting approval, as cards with buttons."""
    message = update.effective_message
    if message is None:
        return
    user = await acting_user(update, context)
    await _pending_page(context, message.chat_id, user, 0)


async def on_more_pending(update: Update, context: Context) -> None:
    """Show more: the next page of /pending."""
    press = Press(update, context)
    user = await press.user()
    page = int(press.groups[0])
    listing = queries.pending_requests(press.deps.services, user.id, page * PER_PAGE, PER_PAGE)
    found, total = await press.quickly(listing)  # managers only: checked before anything
    await press.answer()
    if press.message is not None:
        await _drop_buttons(press.message)
        await _pending_page(context, press.message.chat_id, user, page, (found, total))


async def _pending_page(
    context: Context,
    chat_id: int,
    user: User,
    page: int,
    listed: tuple[list[MediaRequest], int] | None = None,
) -> None:
    state = deps(context)
    found, total = listed or await queries.pending_requests(
        state.services, user.id, page * PER_PAGE, PER_PAGE
    )
    if not found:
        text = "Nothing awaits approval. 🎉" if page == 0 else "No more pending requests."
        await context.bot.send_message(chat_id, text)
        return
    first = page * PER_PAGE + 1
    await context.bot.send_message(
        chat_id,
        f"<b>{total} request{'' if total == 1 else 's'} awaiting approval</b> "
        f"(oldest first; {first}–{first + len(found) - 1} below)",
    )
    for request in found:
        await state.notifier.post_card(chat_id, snapshot(request, None), EventKind.PENDING)
    if first + len(found) - 1 < total:
        markup = keyboard([(f"Show {PER_PAGE} more", callbacks.more_pending(page + 1))])
        await context.bot.send_message(chat_id, "There are more.", reply_markup=markup)


async def on_approve(update: Update, context: Context) -> None:
    """✅ Approve on a card."""
    press = Press(update, context)
    request_id = int(press.groups[0])
    user = await press.user()
    services = press.deps.services
    try:
        approved = await press.quickly(requests.approve_request(services, user.id, request_id))
    except AlreadyDecided as decided:
        _show_decided(context, decided)
        raise
    await press.answer(f"Approved: {approved.media.label}.")
    await refresh_cards(context, snapshot(approved, user), EventKind.APPROVED)


async def on_decline(update: Update, context: Context) -> None:
    """❌ Decline on a card: ask for an optional reason first."""
    press = Press(update, context)
    request_id = int(press.groups[0])
    user = await press.user()
    try:
        request = await press.quickly(
            requests.decision_pending(press.deps.services, user.id, request_id)
        )
    except AlreadyDecided as decided:
        _show_decided(context, decided)
        raise
    await press.answer("Reply to my question with a reason, or press No reason.")
    if press.message is not None:
        await _ask_reason(press, press.message, request, user)


async def _ask_reason(press: Press, card: Message, request: MediaRequest, user: User) -> None:
    who = press.query.from_user
    text = (
        f"{render.mention(who.id, who.first_name)}, why decline "
        f"<b>{render.esc(request.media.label)}</b> (request #{request.id})? Reply to this "
        f"message with a reason; it is sent to "
        f"{render.esc(request.requested_by.display_name)}."
    )
    markup = keyboard(
        [
            (NO_REASON, callbacks.decline_now(request.id)),
            ("Keep it pending", callbacks.keep(request.id)),
        ]
    )
    services = press.deps.services
    mine = _user_key(card.chat_id, who.id)
    # The manager's reply may arrive before the prompt is kept: it waits on this lock.
    async with press.deps.locks(mine):
        prompt = await card.reply_text(text, reply_markup=markup)
        data = {"r": request.id, "o": who.id, "m": prompt.message_id, "at": time.time()}
        own = _prompt_key(card.chat_id, prompt.message_id)
        await chat.remember(services, PLATFORM, data, PROMPT_TTL, key=own)
        await chat.remember(services, PLATFORM, data, PROMPT_TTL, key=mine)


async def prompt_asked_at(state: Deps, chat_id: int, user_id: int) -> float | None:
    """When the user's open decline prompt in this chat was asked (None if there is none):
    a private message that replies to nothing answers the most recent question. A prompt
    being asked right now is waited for (its post and its record are one step)."""
    mine = _user_key(chat_id, user_id)
    async with state.locks(mine):
        found = await chat.recall(state.services, PLATFORM, mine)
    return None if found is None else float(found.get("at", 0))


def _user_key(chat_id: int, user_id: int) -> str:
    return f"why:{chat_id}:u{user_id}"


def _prompt_key(chat_id: int, message_id: int) -> str:
    return f"why:{chat_id}:{message_id}"


async def on_decline_now(update: Update, context: Context) -> None:
    """No reason: decline at once."""
    press = Press(update, context)
    user = await press.user()
    services = press.deps.services
    async with _closing_prompt(context, press.message, presser=press.query.from_user.id):
        declining = requests.decline_request(services, user.id, int(press.groups[0]))
        declined = await press.quickly(declining)
    await press.answer(f"Declined: {declined.media.label}.")
    await refresh_cards(context, snapshot(declined, user), EventKind.DECLINED)


async def on_keep(update: Update, context: Context) -> None:
    """Keep it pending: the manager changed their mind about declining."""
    press = Press(update, context)
    user = await press.user()
    async with _closing_prompt(context, press.message, presser=press.query.from_user.id):
        checking = requests.decision_pending(press.deps.services, user.id, int(press.groups[0]))
        await press.quickly(checking)
    await press.answer("Kept pending.")


async def on_reason(update: Update, context: Context) -> None:
    """A reply to a decline prompt (or, in a private chat, the next message soon after
    it): decline with that reason. Other messages get a hint in private chats."""
    message, sender = update.effective_message, update.effective_user
    if message is None or sender is None or not message.text:
        return
    async with deps(context).locks(_user_key(message.chat_id, sender.id)):
        found, missed = await _open_prompt(context, message, sender.id)
    if missed:
        await message.reply_text(REPLY_TO_THE_QUESTION)
        return
    if found is None:
        if message.chat.type == "private":
            await message.reply_text(HINT)
        return
    user = await acting_user(update, context)
    services = deps(context).services
    async with _closing_prompt(context, None, found, message.chat_id):
        declined = await requests.decline_request(services, user.id, found["r"], message.text)
    payload = snapshot(declined, user, declined.decline_reason)
    await refresh_cards(context, payload, EventKind.DECLINED)
    await message.reply_text(
        f"❌ Declined {render.esc(declined.media.label)} (request #{declined.id}). "
        f"{render.esc(declined.requested_by.display_name)} will be told why."
    )


async def _open_prompt(
    context: Context, message: Message, sender_id: int
) -> tuple[dict[str, Any] | None, bool]:
    """The decline prompt this message answers, and whether it seems meant for one that it
    missed: a reply to the prompt answers it, and in a private chat so does the next
    message within a few minutes; a reply to the card instead gets a hint."""
    services = deps(context).services
    replied = message.reply_to_message
    to_bot: int | None = None  # the message of ours this one replies to
    if replied is not None:
        key = _prompt_key(message.chat_id, replied.message_id)
        found = await chat.recall(services, PLATFORM, key)
        if found is not None:
            return found, False
        if replied.from_user is not None and replied.from_user.id == context.bot.id:
            to_bot = replied.message_id
    if message.chat.type != "private" and to_bot is None:
        return None, False
    found = await chat.recall(services, PLATFORM, _user_key(message.chat_id, sender_id))
    if found is None:
        return None, False
    if to_bot is not None:  # a reply to another message of ours (the card, say)
        return None, True
    if time.time() - float(found.get("at", 0)) > NEXT_MESSAGE_WINDOW:
        return None, False
    return found, False


@contextlib.asynccontextmanager
async def _closing_prompt(
    context: Context,
    prompt: Message | None,
    found: dict[str, Any] | None = None,
    chat_id: int | None = None,
    presser: int = 0,
) -> AsyncIterator[None]:
    """Close the decline prompt once the decision it asked for is made, or can no longer be
    (the request was decided or withdrawn meanwhile): delete it and forget its keys. Someone
    not allowed to decide leaves it as it is."""
    state = deps(context)
    if prompt is not None:  # a button pressed on it, if it is one of our prompts
        chat_id = prompt.chat_id
        async with state.locks(_user_key(chat_id, presser)):  # it may still be being kept
            key = _prompt_key(chat_id, prompt.message_id)
            found = await chat.recall(state.services, PLATFORM, key)
        if found is None and _is_prompt(prompt):
            found = {"m": prompt.message_id}
    try:
        yield
    except (AlreadyDecided, NotFound, InvalidTransition):  # nothing left to decide
        await _close(context, chat_id, found)
        raise
    await _close(context, chat_id, found)


def _is_prompt(message: Message) -> bool:
    """Whether a message is a decline prompt (it has the Keep it pending button)."""
    markup = message.reply_markup
    rows = markup.inline_keyboard if markup else ()
    return any(str(b.callback_data).startswith("dk:") for row in rows for b in row)


async def _close(context: Context, chat_id: int | None, found: dict[str, Any] | None) -> None:
    if chat_id is None or found is None:
        return
    services = deps(context).services
    if "o" in found:
        await chat.forget(services, PLATFORM, _user_key(chat_id, int(found["o"])))
    if "m" in found:
        await chat.forget(services, PLATFORM, _prompt_key(chat_id, int(found["m"])))
        try:
            await context.bot.delete_message(chat_id, int(found["m"]))
        except TelegramError as exc:
            log.info("decline prompt %s not deleted: %s", found["m"], exc)


async def on_retry(update: Update, context: Context) -> None:
    """🔁 Retry on the card of a failed request: send it to the downloader again."""
    press = Press(update, context)
    user = await press.user()
    services = press.deps.services
    retrying = requests.retry_request(services, user.id, int(press.groups[0]))
    retried = await press.quickly(retrying)
    await press.answer(f"Sending {retried.media.label} again.")
    await refresh_cards(context, snapshot(retried, user), EventKind.RETRIED)


def _show_decided(context: Context, decided: AlreadyDecided) -> None:
    """Bring stale cards up to date (someone else decided first, here or elsewhere), in
    the background: the presser's answer, saying who decided, goes first."""
    if context.application.running:  # not while stopping: the outbox will see to it
        context.application.create_task(refresh_cards(context, *as_it_stands(decided.request)))


async def refresh_cards(context: Context, payload: EventPayload, kind: EventKind) -> None:
    """Edit the request's cards now rather than when the outbox gets to it; if Telegram
    says wait, the outbox's own edit will do."""
    try:
        await deps(context).notifier.update_cards(payload, kind)
    except DeliveryFailed as exc:
        log.info("cards of request %s not refreshed yet: %s", payload.request_id, exc)
    except Exception:  # the user's answer came first; the outbox edits the cards again
        log.exception("cards of request %s not refreshed", payload.request_id)


async def _drop_buttons(message: Message) -> None:
    try:
        await message.edit_reply_markup(None)
    except TelegramError as exc:
        log.info("buttons of message %s not removed: %s", message.message_id, exc)
