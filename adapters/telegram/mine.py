"""A user's own things: /requests (paged), /quota and /cancel (buttons)."""

from __future__ import annotations

import math

from telegram import InlineKeyboardMarkup, Update

from adapters.telegram import callbacks, render
from adapters.telegram.context import Context, Press, acting_user, card_lock, deps, paged_list
from adapters.telegram.messages import keyboard, noop, show
from adapters.text import UserFacing, request_line, withdrawn_text
from core import chat, queries, quotas
from core.domain import RequestStatus
from core.identity import User
from core.services import Services

PER_PAGE = 10
CANCELLABLE = 10  # /cancel shows this many pending requests, newest first


async def _requests_page(
    services: Services, user: User, owner: int, page: int
) -> tuple[str, InlineKeyboardMarkup | None]:
    found, total = await queries.my_requests(services, user.id, (page - 1) * PER_PAGE, PER_PAGE)
    pages = max(1, math.ceil(total / PER_PAGE))
    if found == [] and page > 1:  # the list shrank since the button was made
        return await _requests_page(services, user, owner, pages)
    text = render.request_list("Your requests", found, total, page, pages)
    row = []
    if page > 1:
        row.append(("‹ Newer", callbacks.my_requests(owner, page - 1)))
    if pages > 1:
        row.append(noop(f"{page}/{pages}"))
    if page < pages:
        row.append(("Older ›", callbacks.my_requests(owner, page + 1)))
    return text, keyboard(row)


async def on_quota(update: Update, context: Context) -> None:
    """/quota: my limits, what I used, and when the next slot frees up."""
    message = update.effective_message
    if message is None:
        return
    user = await acting_user(update, context)
    services = deps(context).services
    report = await quotas.get_quota(services, user.id)
    await message.reply_text(render.quota(report, services.clock.now()))


async def on_cancel_command(update: Update, context: Context) -> None:
    """/cancel: my pending requests, each with a button that withdraws it."""
    message, sender = update.effective_message, update.effective_user
    if message is None or sender is None:
        return
    user = await acting_user(update, context)
    text, markup = await _cancellable(deps(context).services, user, sender.id)
    await message.reply_text(text, reply_markup=markup)


async def on_cancel(update: Update, context: Context) -> None:
    """✖ on the /cancel list: withdraw that pending request (the list's owner only)."""
    press = Press(update, context)
    owner, request_id = int(press.groups[0]), int(press.groups[1])
    if owner != press.query.from_user.id:
        raise UserFacing("That list is someone else's. Send /cancel to see yours.")
    services = press.deps.services
    async with press.deps.locks(card_lock(press)):  # a double tap withdraws once
        user = await press.user()
        cancelled = await press.quickly(chat.withdraw(services, user.id, request_id))
        await press.answer(withdrawn_text(cancelled, str))
        if press.message is not None:
            text, markup = await _cancellable(services, user, owner)
            await show(press.message, text, markup)


async def _cancellable(
    services: Services, user: User, owner: int
) -> tuple[str, InlineKeyboardMarkup | None]:
    found, total = await queries.my_requests(
        services, user.id, 0, CANCELLABLE, status=RequestStatus.PENDING
    )
    if not found:
        return "You have no pending requests to withdraw.", None
    lines = ["<b>Your pending requests</b>: press one to withdraw it."]
    if total > len(found):
        lines.append(f"(the newest {len(found)} of {total})")
    rows = [
        [(f"✖ {render.shorten(request_line(r), 60)}", callbacks.cancel(owner, r.id))] for r in found
    ]
    return "\n".join(lines), keyboard(*rows)


# /requests: my requests and their status, newest first, ten a page; ‹ Newer / Older ›.
on_my_requests, on_requests_page = paged_list("/requests", _requests_page)
