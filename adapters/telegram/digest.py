"""The admin chat's digest of pending requests (TELEGRAM_ADMIN_DIGEST_MINUTES): every few
minutes, one message listing the requests that became pending since the last digest
(core.digest decides which), with Approve / Decline for each, instead of a card each.

The buttons are the cards' own (the same callback data, handlers and permission checks);
the digest is one of the request's chat posts, so every decision, here or anywhere, edits
it through the notifier to say who decided what. Posting goes through the notifier's send
path, so the flood limiter and its retries apply; a post that fails is logged by the
scheduler and tried again at the next turn (the mark has not moved).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from telegram import InlineKeyboardMarkup

from adapters.digest_job import DigestJob, details, outcome
from adapters.telegram import callbacks, render
from adapters.telegram.config import TelegramConfig
from adapters.telegram.messages import PLATFORM, keyboard
from core.digest import Entry, Posted, posted_digest
from core.domain import ChatPost
from core.services import Services

if TYPE_CHECKING:
    from adapters.telegram.notifier import TelegramNotifier

LISTED = 10  # requests with buttons in one digest: the rest are counted (a message is 4096)
TITLE = 60  # characters of a title, a requester's name or a reason shown in a digest
NAME = 32
REASON = 80


class TelegramDigest(DigestJob):
    """The digest job of the admin chat (see adapters/digest_job.py)."""

    def __init__(self, services: Services, config: TelegramConfig, notifier: TelegramNotifier):
        chat_id = config.admin_chat_id
        assert chat_id is not None

        async def post(posted: Posted) -> str:
            text, markup = layout(posted)
            message = await notifier.post_digest(chat_id, text, markup)
            return str(message.message_id)

        super().__init__(
            services,
            PLATFORM,
            chat_id,
            minutes=config.admin_digest_minutes,
            listed=LISTED,
            start_delay=config.digest_start_delay,
            post=post,
        )


async def layout_now(
    services: Services, post: ChatPost
) -> tuple[str, InlineKeyboardMarkup | None] | None:
    """A posted digest laid out with its requests as they are now (None: no longer kept)."""
    posted = await posted_digest(services, PLATFORM, post.chat_id, post.message_id)
    return None if posted is None else layout(posted)


def layout(posted: Posted) -> tuple[str, InlineKeyboardMarkup | None]:
    """The digest's text and buttons: a numbered line per request (what, by whom, how long
    before the digest), who decided the decided ones, and Approve / Decline for the rest."""
    lines = [f"<b>📋 Requests awaiting approval: {posted.waiting}</b>"]
    rows: list[list[tuple[str, str]]] = []
    for number, entry in enumerate(posted.entries, 1):
        lines.append(_line(number, entry, posted))
        if entry.pending:
            rows.append(
                [
                    (f"✅ Approve {number}", callbacks.approve(entry.request_id)),
                    (f"❌ Decline {number}", callbacks.decline(entry.request_id)),
                ]
            )
        else:
            lines.append("    " + outcome(entry, render.esc, _reason))
    if posted.more:
        lines.append(f"…and {posted.more} more: /pending")
    return "\n".join(lines), keyboard(*rows)


def _line(number: int, entry: Entry, posted: Posted) -> str:
    request = entry.request
    if request is None:
        return f"{number}. <b>{render.esc(render.shorten(entry.label, TITLE))}</b>"
    media = request.media
    parts = [render.title_line(render.shorten(media.title, TITLE), media.year, media.media_type)]
    parts += details(request, posted.at, lambda name: render.esc(render.shorten(name, NAME)))
    return f"{number}. " + " · ".join(parts)


def _reason(text: str) -> str:
    return render.shorten(text, REASON)
